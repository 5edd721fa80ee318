//! `lumogon scan --capabilities LIST` gathers only what it names: the
//! requests the engine receives show that a capability left out is not
//! asked for (no `docker diff` without `diff`), and an unknown name is a
//! usage error found before anything is scanned.

use lumogon_tests::collector::Collector;
use lumogon_tests::engine_proxy::EngineProxy;
use lumogon_tests::fixtures::{ContainerSpec, Fixture};
use lumogon_tests::lumogon::Lumogon;
use serde_json::Value;

const LABEL: &str = "lumogon.test.selection";

/// The capability names of the one container in `stdout`'s report, and the
/// requests the engine received for the scan.
fn scan(args: &[&str], proxy: &EngineProxy, collector: &Collector) -> (Vec<String>, Vec<String>) {
    let before = proxy.requests().len();
    let out = Lumogon::new(args)
        .collector(&collector.url())
        .env("DOCKER_HOST", proxy.docker_host())
        .run();
    assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    let containers = report["containers"].as_object().expect("containers");
    assert_eq!(containers.len(), 1, "{report:#}");
    let names = containers
        .values()
        .flat_map(|c| c["capabilities"].as_object().expect("capabilities").keys())
        .cloned()
        .collect();
    (names, proxy.requests()[before..].to_vec())
}

fn asks_for(requests: &[String], what: &str) -> bool {
    requests.iter().any(|r| r.contains(what))
}

#[test]
fn only_the_named_capabilities_are_gathered_and_diff_is_not_asked_for() {
    let debian = Fixture::debian().expect("the Debian-like image");
    let container = debian
        .start(&ContainerSpec::new().label(LABEL, "one"))
        .expect("a container");
    let proxy = EngineProxy::start("selection-engine", LABEL, "one");
    let collector = Collector::start(200);

    let (names, requests) = scan(
        &["scan", "--capabilities", "dpkg,label", &container.name],
        &proxy,
        &collector,
    );
    let mut names = names;
    names.sort();
    assert_eq!(names, ["dpkg", "label"], "those two and nothing else");
    assert!(
        !asks_for(&requests, "/changes"),
        "docker diff was asked for: {requests:#?}"
    );
    assert!(
        !asks_for(&requests, "os-release"),
        "host was gathered: {requests:#?}"
    );
    assert!(
        !asks_for(&requests, "rpmdb.sqlite"),
        "rpm was gathered: {requests:#?}"
    );
    assert!(
        asks_for(&requests, "dpkg%2Fstatus") || asks_for(&requests, "dpkg/status"),
        "{requests:#?}"
    );

    // The same scan with every capability does ask: the check above can fail.
    let (names, requests) = scan(&["scan", &container.name], &proxy, &collector);
    assert!(names.iter().any(|n| n == "diff"), "{names:?}");
    assert!(asks_for(&requests, "/changes"), "{requests:#?}");
}

#[test]
fn an_unknown_capability_is_a_one_line_usage_error_listing_the_valid_ones() {
    let commands: [&[&str]; 2] = [
        &["scan", "--capabilities", "dpkg,dpgk"],
        &[
            "report",
            "--capabilities",
            "dpkg,dpgk",
            "--endpoint",
            "http://127.0.0.1:9/reports",
        ],
    ];
    for args in commands {
        let out = Lumogon::new(args).run();
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (Some(2), ""),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("\"dpgk\"")
                && out
                    .stderr
                    .contains("container, label, host, docker, diff, dpkg, apk, rpm"),
            "{}",
            out.stderr
        );
    }
}
