//! A build without the `analytics` feature has no analytics code at all: no
//! reqwest in its dependency tree, no `lumogon_track` symbol and no
//! `google-analytics` string in its release binary. Each check is also run
//! the other way round where that is cheap, to show it can fail.

use lumogon_tests::ANALYTICS;
use lumogon_tests::lumogon::{cargo_build_as, dependency_tree};

fn crates(tree: &str) -> Vec<&str> {
    tree.lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn without_the_feature_reqwest_is_not_in_the_dependency_tree() {
    let without = dependency_tree("normal", false);
    let with = dependency_tree("normal", true);
    // rustls, hyper and uuid stay: the report upload and the report ids use
    // them too. reqwest is analytics' alone.
    assert!(
        !crates(&without).contains(&"reqwest"),
        "reqwest in:\n{without}"
    );
    assert!(
        crates(&with).contains(&"reqwest"),
        "reqwest missing from:\n{with}"
    );
    // lumogon-track itself stays, with nothing under it but the macro.
    assert!(crates(&without).contains(&"lumogon-track"));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_release_binary_holds_analytics_code_only_when_built_with_it() {
    let release = cargo_build_as(&["-p", "lumogon"], true, ANALYTICS);
    let binary = std::fs::read(release.join("lumogon")).expect("read the binary");
    // Symbols are kept in release builds (see the workspace's profile), so a
    // single function of the crate would show here, mangled or not.
    // (Not the tracking id: a 13-byte literal copied into a String may be
    // compiled into immediate stores, leaving no bytes to find.)
    for needle in ["lumogon_track", "google-analytics"] {
        assert_eq!(
            contains(&binary, needle.as_bytes()),
            ANALYTICS,
            "{needle:?} in the release binary built {} analytics",
            if ANALYTICS { "with" } else { "without" }
        );
    }
}
