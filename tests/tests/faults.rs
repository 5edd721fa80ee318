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

/// A command line, and whether it sends a screenview.
struct Case {
    args: &'static [&'static str],
    sends: bool,
}

/// Every command, as a person would type it. Without a Docker daemon `scan`
/// and `report` fail, the same way with analytics on or off. The `analytics`
/// and `completions` commands send nothing, by design.
const COMMANDS: &[Case] = &[
    Case {
        args: &["version"],
        sends: true,
    },
    Case {
        args: &["capabilities"],
        sends: true,
    },
    Case {
        args: &["capabilities", "describe", "rpm"],
        sends: true,
    },
    Case {
        args: &["scan"],
        sends: true,
    },
    Case {
        args: &["scan", "web-1"],
        sends: true,
    },
    Case {
        args: &["report", "web-1", "--endpoint", "http://127.0.0.1:9/api"],
        sends: true,
    },
    Case {
        args: &["analytics", "status"],
        sends: false,
    },
    Case {
        args: &["analytics", "enable"],
        sends: false,
    },
    Case {
        args: &["analytics", "disable"],
        sends: false,
    },
    Case {
        args: &["analytics", "screens"],
        sends: false,
    },
    Case {
        args: &["completions", "bash"],
        sends: false,
    },
];

/// How many hits one pass over [`COMMANDS`] sends.
fn sending() -> usize {
    if ANALYTICS {
        COMMANDS.iter().filter(|c| c.sends).count()
    } else {
        0
    }
}

/// The run to compare with: the same command with analytics turned off, or,
/// for a command that sends nothing (and whose output may say whether
/// analytics is on), the same command with no collector at all. Both in a
/// config directory at the same path as the run under test, which some
/// commands print.
fn reference(case: &Case, config: &std::path::Path) -> Output {
    let mut args = case.args.to_vec();
    if case.sends {
        args.push("--disable-analytics");
    }
    Lumogon::new(&args).config_dir_at(config).run()
}

/// `stdout` without the line of `analytics status` that names the endpoint,
/// which is the collector's URL in the run under test and the default in
/// the reference: the one line that differs by design.
fn without_endpoint(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|line| !line.starts_with("sends to:"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Runs every command against a collector in state `kind`: exit code,
/// stdout and stderr are the reference run's, and the exit waits at most the
/// flush budget. Returns the collector.
fn every_command_is_unchanged_by(kind: Kind) -> Network {
    let network = Network::start(kind);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    for case in COMMANDS {
        let reference = reference(case, &config);
        let out = network
            .apply(Lumogon::new(case.args).config_dir_at(&config))
            .run();
        let what = format!("{} {:?}", kind.name(), case.args);
        assert_eq!(
            (out.code, without_endpoint(&out.stdout), &out.stderr),
            (
                reference.code,
                without_endpoint(&reference.stdout),
                &reference.stderr
            ),
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
    assert_eq!(reference(&COMMANDS[0], &config).stderr, "");
    network
}

/// Where nothing can receive a hit, the debug log shows that it was kept
/// for a later run, and once the run's detached sender has tried too, the
/// hit is still in the spool, and a backoff was recorded only where trying
/// cost time (`backoff`).
fn assert_spooled(kind: Kind, backoff: bool) {
    let network = Network::start(kind);
    let mut lumogon = network.apply(Lumogon::new(&["-d", "version"]));
    let out = lumogon.run();
    if !ANALYTICS {
        return;
    }
    assert!(
        out.stderr
            .contains("spooled screenview \"version\" for a later run: "),
        "{}",
        out.stderr
    );
    let status = Lumogon::new(&["analytics", "status"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .run();
    assert!(
        status.stdout.contains("spool:     1 hit(s)"),
        "{}",
        status.stdout
    );
    assert_eq!(
        status.stdout.contains("backoff:"),
        backoff,
        "{}",
        status.stdout
    );
}

#[test]
fn a_healthy_collector_gets_one_screenview_per_command_and_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::Http);
    assert_eq!(network.hits_received(), sending());
}

#[test]
fn a_trusted_https_collector_gets_every_screenview_and_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::Https);
    assert_eq!(network.hits_received(), sending());
}

#[test]
fn an_https_collector_with_an_untrusted_certificate_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::HttpsUntrusted);
    // Each hit was tried (by its run, or by the sender its exit started, or
    // both), and refused at the handshake.
    assert_eq!(network.hits_received(), 0);
    assert!(
        network.connections() >= sending(),
        "{}",
        network.connections()
    );
}

#[test]
fn a_refused_connection_changes_nothing() {
    every_command_is_unchanged_by(Kind::Refused);
    assert_spooled(Kind::Refused, false);
}

#[test]
fn a_collector_that_never_answers_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::Silent);
    assert_eq!(network.hits_received(), sending());
}

#[test]
fn a_collector_that_answers_after_five_seconds_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::Slow);
    // The hits did arrive; only the answer was too late to wait for.
    assert_eq!(network.hits_received(), sending());
}

#[test]
fn an_endpoint_host_that_does_not_resolve_changes_nothing() {
    every_command_is_unchanged_by(Kind::Unresolvable);
    assert_spooled(Kind::Unresolvable, false);
}

#[test]
fn a_firewalled_collector_changes_nothing() {
    every_command_is_unchanged_by(Kind::Firewalled);
    // The sender's connection timed out: later runs hold back.
    assert_spooled(Kind::Firewalled, true);
}

#[test]
fn a_collector_that_answers_500_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::Status500);
    // Not retried: one hit per command.
    assert_eq!(network.hits_received(), sending());
}

#[test]
fn a_huge_answer_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::HugeBody);
    assert_eq!(network.hits_received(), sending());
}

#[test]
fn a_connection_reset_mid_request_changes_nothing() {
    let network = every_command_is_unchanged_by(Kind::Reset);
    assert!(
        network.connections() >= sending(),
        "{}",
        network.connections()
    );
}

/// Values that must never leave the machine through analytics.
const SECRETS: &[&str] = &[
    "s3cr3t-container",
    "hunter2",
    "reports.internal.example",
    REPORT_HOST,
    "token=abc123",
    "/home/alice/private",
];

/// The report service's host in the endpoints below. Its first label is
/// longer than DNS allows, so that a run that did get as far as uploading
/// would fail its lookup on this machine instead of asking a name server.
const REPORT_HOST: &str =
    "reports-internal-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid";

#[test]
fn no_argument_value_reaches_the_collector_from_any_command() {
    assert!(REPORT_HOST.split('.').next().is_some_and(|l| l.len() > 63));
    let endpoint = &format!("https://alice:hunter2@{REPORT_HOST}/home/alice/private?token=abc123");
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
