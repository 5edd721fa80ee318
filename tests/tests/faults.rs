//! Collectors that misbehave in ways a network really does, for every
//! command: lumogon's output, exit code and timing stay those of a run with
//! analytics off. And arguments that look like secrets: no argument value
//! reaches the collector.

use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::lumogon::{FLUSH_BUDGET, Lumogon, Output};
use lumogon_tests::networks::{Kind, Network};

const MARGIN: Duration = Duration::from_millis(700);

/// Every command, as a person would type it. Without a Docker daemon `scan`
/// and `report` fail, the same way with analytics on or off.
const COMMANDS: &[&[&str]] = &[
    &["version"],
    &["capabilities"],
    &["capabilities", "describe", "rpm"],
    &["scan"],
    &["scan", "web-1"],
    &["report", "web-1", "--endpoint", "http://127.0.0.1:9/api"],
    &["analytics", "screens"],
    &["completions", "bash"],
];

/// Commands of [`COMMANDS`] that send a screenview (the `analytics` and
/// `completions` commands send nothing, by design).
const SENDING: usize = 6;

fn disabled(args: &[&str]) -> Output {
    let mut args = args.to_vec();
    args.push("--disable-analytics");
    Lumogon::new(&args).run()
}

/// Runs every command against a collector in state `kind`: exit code,
/// stdout and stderr are the disabled run's, and the exit waits at most the
/// flush budget. Returns the hits the collector received.
fn every_command_is_unchanged_by(kind: Kind) -> usize {
    let network = Network::start(kind);
    for args in COMMANDS {
        let reference = disabled(args);
        let out = network.apply(Lumogon::new(args)).run();
        let what = format!("{} {args:?}", kind.name());
        assert_eq!(
            (out.code, &out.stdout, &out.stderr),
            (reference.code, &reference.stdout, &reference.stderr),
            "{what}"
        );
        assert!(
            out.elapsed < FLUSH_BUDGET + MARGIN,
            "{what} took {:?}; the flush budget is {FLUSH_BUDGET:?}",
            out.elapsed
        );
    }
    // The comparison means something only if the commands that succeed
    // print nothing to stderr.
    assert_eq!(disabled(&["version"]).stderr, "");
    network.hits_received()
}

#[test]
fn a_healthy_collector_gets_one_screenview_per_command_and_changes_nothing() {
    let hits = every_command_is_unchanged_by(Kind::Http);
    assert_eq!(hits, if ANALYTICS { SENDING } else { 0 });
}

#[test]
fn a_trusted_https_collector_gets_every_screenview_and_changes_nothing() {
    let hits = every_command_is_unchanged_by(Kind::Https);
    assert_eq!(hits, if ANALYTICS { SENDING } else { 0 });
}

#[test]
fn an_https_collector_with_an_untrusted_certificate_changes_nothing() {
    assert_eq!(every_command_is_unchanged_by(Kind::HttpsUntrusted), 0);
}

#[test]
fn a_refused_connection_changes_nothing() {
    every_command_is_unchanged_by(Kind::Refused);
}

#[test]
fn a_collector_that_never_answers_changes_nothing() {
    every_command_is_unchanged_by(Kind::Silent);
}

#[test]
fn a_collector_that_answers_after_five_seconds_changes_nothing() {
    let hits = every_command_is_unchanged_by(Kind::Slow);
    // The hits did arrive; only the answer was too late to wait for.
    assert_eq!(hits, if ANALYTICS { SENDING } else { 0 });
}

#[test]
fn an_endpoint_host_that_does_not_resolve_changes_nothing() {
    every_command_is_unchanged_by(Kind::Unresolvable);
}

#[test]
fn a_collector_that_answers_500_changes_nothing() {
    let hits = every_command_is_unchanged_by(Kind::Status500);
    // Not retried: one hit per command.
    assert_eq!(hits, if ANALYTICS { SENDING } else { 0 });
}

#[test]
fn a_huge_answer_changes_nothing() {
    every_command_is_unchanged_by(Kind::HugeBody);
}

#[test]
fn a_connection_reset_mid_request_changes_nothing() {
    every_command_is_unchanged_by(Kind::Reset);
}

/// Values that must never leave the machine through analytics.
const SECRETS: &[&str] = &[
    "s3cr3t-container",
    "hunter2",
    "reports.internal.example",
    "token=abc123",
    "/home/alice/private",
];

#[test]
fn no_argument_value_reaches_the_collector_from_any_command() {
    let endpoint = "https://alice:hunter2@reports.internal.example/home/alice/private?token=abc123";
    let commands: &[&[&str]] = &[
        &["scan", "s3cr3t-container", "/home/alice/private"],
        &["report", "s3cr3t-container", "--endpoint", endpoint],
        &[
            "report",
            "--endpoint",
            endpoint,
            "s3cr3t-container",
            "--timeout",
            "1",
        ],
        &["capabilities", "describe", "s3cr3t-container"],
        &["--debug", "capabilities", "describe", "hunter2"],
        &[
            "scan",
            "/home/alice/private",
            "token=abc123",
            "reports.internal.example",
        ],
        &["version"],
    ];
    // Rejected before any handler runs: nothing is sent at all.
    let rejected: &[&[&str]] = &[
        &["scan", "--owner=hunter2"],
        &["completions", "s3cr3t-container"],
        &["report", "--timeout", "token=abc123", "s3cr3t-container"],
        &["analytics", "hunter2"],
    ];
    let collector = Collector::start(200);
    for args in commands.iter().chain(rejected) {
        let out = Lumogon::new(args).collector(&collector.url()).run();
        assert!(out.code.is_some(), "{args:?}");
    }
    for args in rejected {
        assert_eq!(Lumogon::new(args).run().code, Some(2), "{args:?}");
    }
    let requests = collector.requests();
    assert_eq!(
        requests.len(),
        if ANALYTICS { commands.len() } else { 0 },
        "one screenview per command that ran"
    );
    for request in &requests {
        let raw = request.raw();
        for secret in SECRETS {
            assert!(
                !raw.contains(secret),
                "{secret:?} reached the collector:\n{raw}"
            );
        }
    }
    // The endpoint given by environment instead of flag: the same.
    let out = Lumogon::new(&["report", "s3cr3t-container"])
        .env("LUMOGON_ENDPOINT", endpoint)
        .collector(&collector.url())
        .run();
    assert_eq!(out.code, Some(1));
    for request in collector.requests() {
        for secret in SECRETS {
            assert!(!request.raw().contains(secret));
        }
    }
}
