//! A build without the `analytics` feature has no analytics code at all: no
//! reqwest in its dependency tree, no `lumogon_track` symbol and no
//! `google-analytics` string in its release binary. Each check is also run
//! the other way round where that is cheap, to show it can fail.

use std::process::Command;

use lumogon_tests::ANALYTICS;
use lumogon_tests::lumogon::{target_and_profile, workspace};

fn cargo() -> Command {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(workspace());
    cargo
}

fn normal_dependency_tree(features: &[&str]) -> String {
    let out = cargo()
        .args(["tree", "-e", "normal", "-p", "lumogon", "--prefix", "none"])
        .args(features)
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn crates(tree: &str) -> Vec<&str> {
    tree.lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn without_the_feature_reqwest_is_not_in_the_dependency_tree() {
    let without = normal_dependency_tree(&["--no-default-features"]);
    let with = normal_dependency_tree(&[]);
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
    let (target, _) = target_and_profile();
    let mut build = cargo();
    build
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "lumogon",
            "--target-dir",
        ])
        .arg(&target);
    if !ANALYTICS {
        build.arg("--no-default-features");
    }
    assert!(build.status().expect("run cargo build").success());
    let binary = std::fs::read(target.join("release").join("lumogon")).expect("read the binary");
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
