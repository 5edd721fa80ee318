//! lumogon in CI, end to end against a real collector: a fresh home
//! directory on every run, as CI machines have, must neither print the
//! notice into the build log nor send anything; `analytics status` names CI.

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::lumogon::Lumogon;

/// Each CI as its own variables mark it, with what `status` calls it.
const CIS: &[(&[(&str, &str)], &str)] = &[
    (
        &[("CI", "true"), ("GITHUB_ACTIONS", "true")],
        "GitHub Actions",
    ),
    (&[("GITLAB_CI", "true")], "GitLab CI"),
    (&[("JENKINS_URL", "https://jenkins.invalid/")], "Jenkins"),
    (&[("CI", "1")], "CI is set"),
];

#[test]
fn a_first_run_in_ci_prints_no_notice_sends_nothing_and_writes_nothing() {
    for (vars, name) in CIS {
        let collector = Collector::start(200);
        let mut lumogon = Lumogon::new(&["version"])
            .first_run()
            .collector(&collector.url());
        for (key, value) in *vars {
            lumogon = lumogon.env(key, value);
        }
        let before = lumogon.config_files();
        let out = lumogon.run();
        assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{name}");
        assert!(out.stdout.starts_with("lumogon "), "{}", out.stdout);
        assert!(collector.requests().is_empty(), "{name}");
        // No notice shown, so none recorded as seen: nothing written.
        assert_eq!(lumogon.config_files(), before, "{name}");

        let mut status = Lumogon::new(&["analytics", "status"])
            .first_run()
            .env("LUMOGON_CONFIG_DIR", lumogon.config_dir());
        for (key, value) in *vars {
            status = status.env(key, value);
        }
        let shown = status.run().stdout;
        let expected = if ANALYTICS {
            format!("analytics: off (this run is in CI ({name}), where nobody reads the notice")
        } else {
            "analytics: off (this lumogon was built without".to_owned()
        };
        assert!(shown.starts_with(&expected), "{name}: {shown}");
    }
}

#[test]
fn outside_ci_the_first_run_shows_the_notice_and_a_later_run_sends() {
    let collector = Collector::start(200);
    // `CI=false` is how a person says "not CI" where a tool set it.
    let first = Lumogon::new(&["version"])
        .first_run()
        .env("CI", "false")
        .collector(&collector.url())
        .run();
    assert_eq!(first.code, Some(0));
    assert_eq!(
        first.stderr.contains("anonymous usage analytics"),
        ANALYTICS
    );
    assert!(collector.requests().is_empty());
    let later = Lumogon::new(&["version"])
        .env("CI", "false")
        .collector(&collector.url())
        .run();
    assert_eq!((later.code, later.stderr.as_str()), (Some(0), ""));
    assert_eq!(collector.hits().len(), usize::from(ANALYTICS));
}

#[test]
fn a_person_who_turned_analytics_on_still_sends_nothing_from_ci() {
    let collector = Collector::start(200);
    let lumogon = Lumogon::new(&["version"]).collector(&collector.url());
    let enabled = Lumogon::new(&["analytics", "enable"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .run();
    assert_eq!(enabled.code, Some(0), "{}", enabled.stderr);
    let out = lumogon.env("GITHUB_ACTIONS", "true").run();
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    assert!(collector.requests().is_empty());
}
