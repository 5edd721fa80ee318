//! End-to-end: the `lumogon` binary of this feature mode against a real
//! collector on 127.0.0.1.

use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::lumogon::{FLUSH_BUDGET, Lumogon, Output, SETTINGS};
use lumogon_tests::servers::{BlackHole, refused_port};

/// What a run may take beyond the flush budget: process start-up and a
/// loaded 2-core machine. The failures this guards against take seconds (the
/// 3 s request timeout) or forever.
const MARGIN: Duration = Duration::from_millis(700);

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs `args` with analytics pointed at `collector` and returns the output.
fn run_with(collector: &Collector, args: &[&str]) -> (Output, Lumogon) {
    let mut lumogon = Lumogon::new(args).collector(&collector.url());
    let out = lumogon.run();
    (out, lumogon)
}

/// The same command with analytics off: the reference a run with analytics
/// must match.
fn disabled_run(args: &[&str]) -> Output {
    let mut args = args.to_vec();
    args.push("--disable-analytics");
    Lumogon::new(&args).run()
}

fn assert_same_as_disabled(out: &Output, args: &[&str]) {
    let reference = disabled_run(args);
    assert_eq!(out.code, reference.code, "exit code of {args:?}");
    assert_eq!(out.stdout, reference.stdout, "stdout of {args:?}");
    assert_eq!(out.stderr, "", "stderr of {args:?}");
}

fn pairs(hit: &[(String, String)]) -> Vec<(&str, &str)> {
    hit.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn capabilities_sends_exactly_one_screenview_with_the_documented_fields() {
    let collector = Collector::start(200);
    let (out, lumogon) = run_with(&collector, &["capabilities"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stderr, "");
    assert!(out.stdout.starts_with("NAME"), "{}", out.stdout);

    let requests = collector.requests();
    if !ANALYTICS {
        assert!(
            requests.is_empty(),
            "a build without analytics sent {requests:?}"
        );
        assert_eq!(
            lumogon.config_files(),
            [SETTINGS],
            "a build without analytics wrote a file"
        );
        return;
    }
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/collect")
    );
    // No daemon here: the client id is the UUID kept in the config dir.
    let cid =
        std::fs::read_to_string(lumogon.config_dir().join("client_id")).expect("client id file");
    let hits = request.hits();
    let mut fields = pairs(&hits[0]);
    // A hit the run's exit left to the detached sender goes late, with its
    // age last (`qt`, in ms; this one's is at most a few seconds).
    if let Some(("qt", age)) = fields.last().copied() {
        assert!(age.parse::<u64>().is_ok_and(|ms| ms < 10_000), "{fields:?}");
        fields.pop();
    }
    assert_eq!(
        fields,
        [
            ("v", "1"),
            ("tid", "UA-54263865-7"),
            ("cid", cid.trim()),
            ("t", "screenview"),
            ("an", "lumogon"),
            ("av", VERSION),
            ("cd", "capabilities"),
            ("aip", "1"),
        ]
    );
    let content_type = request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    assert_eq!(
        content_type.map(|(_, v)| v.as_str()),
        Some("application/x-www-form-urlencoded")
    );
}

#[test]
fn each_command_sends_its_path_and_never_its_arguments() {
    for (args, screen) in [
        (&["version"][..], "version"),
        (&["capabilities"][..], "capabilities"),
        (
            &["capabilities", "describe", "dpkg"][..],
            "capabilities describe",
        ),
        // A failing command still ran its handler.
        (
            &["capabilities", "describe", "no-such-capability"][..],
            "capabilities describe",
        ),
        (&["-d", "capabilities"][..], "capabilities"),
    ] {
        let collector = Collector::start(200);
        let (out, lumogon) = run_with(&collector, args);
        let screens: Vec<String> = collector
            .hits()
            .iter()
            .map(|hit| {
                hit.iter()
                    .find(|(k, _)| k == "cd")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        if ANALYTICS {
            assert_eq!(screens, [screen], "{args:?}: {out:?}");
        } else {
            assert!(screens.is_empty(), "{args:?}");
        }
        let cid =
            std::fs::read_to_string(lumogon.config_dir().join("client_id")).unwrap_or_default();
        for request in collector.requests() {
            let raw = request.raw();
            for arg in ["dpkg", "no-such-capability"] {
                assert!(!raw.contains(arg), "{arg:?} was sent: {raw}");
            }
            assert!(raw.contains(cid.trim()));
        }
    }
}

#[test]
fn every_opt_out_sends_nothing_and_writes_nothing() {
    type Variable = Option<(&'static str, &'static str)>;
    let cases: [(&[&str], Variable); 4] = [
        (&["capabilities", "--disable-analytics"], None),
        (&["--disable-analytics", "version"], None),
        (&["capabilities"], Some(("LUMOGON_DISABLE_ANALYTICS", "1"))),
        (&["capabilities"], Some(("DO_NOT_TRACK", "1"))),
    ];
    for (args, var) in cases {
        let collector = Collector::start(200);
        let mut lumogon = Lumogon::new(args).collector(&collector.url());
        if let Some((key, value)) = var {
            lumogon = lumogon.env(key, value);
        }
        let out = lumogon.run();
        assert_eq!(out.code, Some(0), "{args:?} {var:?}: {out:?}");
        assert_eq!(out.stderr, "");
        assert!(
            collector.requests().is_empty(),
            "{args:?} {var:?} sent {:?}",
            collector.requests()
        );
        assert_eq!(
            lumogon.config_files(),
            [SETTINGS],
            "{args:?} {var:?} wrote to the config dir"
        );
    }
}

#[test]
fn do_not_track_set_to_zero_or_false_keeps_analytics_on() {
    for value in ["0", "false", ""] {
        let collector = Collector::start(200);
        let out = Lumogon::new(&["version"])
            .collector(&collector.url())
            .env("DO_NOT_TRACK", value)
            .run();
        assert_eq!(out.code, Some(0));
        assert_eq!(
            collector.hits().len(),
            usize::from(ANALYTICS),
            "DO_NOT_TRACK={value:?}"
        );
    }
}

#[test]
fn debug_logging_shows_each_hit_on_stderr_only() {
    let collector = Collector::start(200);
    let (out, _) = run_with(&collector, &["--debug", "capabilities"]);
    assert_same_stdout(&out, &["capabilities"]);
    if ANALYTICS {
        assert!(
            out.stderr
                .contains("analytics: queued screenview \"capabilities\""),
            "{}",
            out.stderr
        );
        // Sent by the run itself, or, when the command ended first (as a
        // fast one does), handed to a detached sender: either way it is at
        // the collector now, once.
        assert!(
            out.stderr
                .contains("analytics: sent screenview \"capabilities\" (200 OK)")
                || out.stderr.contains("analytics: a sender (process "),
            "{}",
            out.stderr
        );
        assert_eq!(collector.hits().len(), 1);
    } else {
        assert_eq!(out.stderr, "");
    }

    let refused = format!("http://127.0.0.1:{}/collect", refused_port());
    let out = Lumogon::new(&["-d", "version"]).collector(&refused).run();
    assert_eq!(out.code, Some(0));
    if ANALYTICS {
        assert!(
            out.stderr
                .contains("analytics: spooled screenview \"version\" for a later run: "),
            "{}",
            out.stderr
        );
    }

    let out = Lumogon::new(&["-d", "version", "--disable-analytics"]).run();
    if ANALYTICS {
        assert!(
            out.stderr
                .contains("analytics: off, turned off by the application"),
            "{}",
            out.stderr
        );
    }
}

fn assert_same_stdout(out: &Output, args: &[&str]) {
    let reference = disabled_run(args);
    assert_eq!((out.code, &out.stdout), (reference.code, &reference.stdout));
}

#[test]
fn a_collector_that_answers_500_changes_nothing() {
    let collector = Collector::start(500);
    for args in [&["version"][..], &["capabilities"][..]] {
        let (out, _) = run_with(&collector, args);
        assert_same_as_disabled(&out, args);
    }
    // Not retried: one request per run.
    assert_eq!(collector.requests().len(), if ANALYTICS { 2 } else { 0 });
}

#[test]
fn a_refused_connection_changes_nothing_and_costs_no_time() {
    let url = format!("http://127.0.0.1:{}/collect", refused_port());
    for args in [
        &["version"][..],
        &["capabilities"][..],
        &["capabilities", "describe", "rpm"][..],
    ] {
        let out = Lumogon::new(args).collector(&url).run();
        assert_same_as_disabled(&out, args);
        assert!(
            out.elapsed < FLUSH_BUDGET + MARGIN,
            "{args:?} took {:?}",
            out.elapsed
        );
    }
}

#[test]
fn a_collector_that_never_answers_delays_the_exit_by_the_flush_budget_at_most() {
    let hole = BlackHole::tcp();
    for args in [&["version"][..], &["capabilities"][..]] {
        let out = Lumogon::new(args).collector(&hole.collect_url()).run();
        assert_same_as_disabled(&out, args);
        assert!(
            out.elapsed < FLUSH_BUDGET + MARGIN,
            "{args:?} took {:?}; the budget is {FLUSH_BUDGET:?}",
            out.elapsed
        );
    }
    assert_eq!(
        hole.accepted() > 0,
        ANALYTICS,
        "connections: {}",
        hole.accepted()
    );
}

#[test]
fn a_docker_daemon_that_never_answers_delays_nothing() {
    let docker = BlackHole::unix();
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["capabilities"])
        .collector(&collector.url())
        .env("DOCKER_HOST", docker.docker_host());
    let out = lumogon.run();
    assert_same_as_disabled(&out, &["capabilities"]);
    assert!(
        out.elapsed < FLUSH_BUDGET + MARGIN,
        "took {:?}",
        out.elapsed
    );
    if ANALYTICS {
        // The daemon was asked, gave no answer within 200 ms, and the hit
        // still left with the fallback id inside the flush budget.
        assert!(docker.accepted() > 0);
        let cid = std::fs::read_to_string(lumogon.config_dir().join("client_id"))
            .expect("client id file");
        let hits = collector.hits();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].contains(&("cid".to_owned(), cid.trim().to_owned())),
            "{hits:?}"
        );
    } else {
        assert_eq!(docker.accepted(), 0);
    }
}

#[test]
fn with_analytics_disabled_docker_is_never_contacted() {
    let docker = BlackHole::unix();
    for extra in [&["--disable-analytics"][..], &[][..]] {
        let mut args = vec!["capabilities"];
        args.extend_from_slice(extra);
        let mut lumogon = Lumogon::new(&args).env("DOCKER_HOST", docker.docker_host());
        if extra.is_empty() {
            lumogon = lumogon.env("DO_NOT_TRACK", "1");
        }
        let out = lumogon.run();
        assert_eq!(out.code, Some(0));
        assert!(
            out.elapsed < FLUSH_BUDGET + MARGIN,
            "took {:?}",
            out.elapsed
        );
    }
    // Give a connection that was made a moment to be accepted.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        docker.accepted(),
        0,
        "lumogon connected to Docker with analytics off"
    );
    assert!(docker.path().exists());
}

#[test]
fn the_client_id_is_derived_from_the_docker_daemons_id() {
    let Some(docker_id) = docker_daemon_id() else {
        panic!(
            "no Docker daemon answers on /var/run/docker.sock; these tests need one (see README)"
        );
    };
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["version"])
        .collector(&collector.url())
        .env("DOCKER_HOST", "unix:///var/run/docker.sock");
    let out = lumogon.run();
    assert_eq!(out.code, Some(0));
    if ANALYTICS {
        let hits = collector.hits();
        assert_eq!(hits.len(), 1);
        let derived = lumogon_tests::derived_client_id("lumogon", &docker_id);
        assert!(
            hits[0].contains(&("cid".to_owned(), derived.clone())),
            "{hits:?} vs {derived} (from {docker_id})"
        );
        // Kept, marked as derived: later runs ask the daemon nothing.
        assert_eq!(
            std::fs::read_to_string(lumogon.config_dir().join("client_id")).ok(),
            Some(format!("{derived} derived\n"))
        );
    } else {
        assert!(collector.requests().is_empty());
    }
}

/// The daemon's ID as the docker CLI reports it: the oracle.
fn docker_daemon_id() -> Option<String> {
    let out = std::process::Command::new("docker")
        .args(["info", "--format", "{{.ID}}"])
        .env("DOCKER_HOST", "unix:///var/run/docker.sock")
        .output()
        .ok()?;
    let id = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !id.is_empty()).then_some(id)
}

#[test]
fn an_unknown_capability_is_a_one_line_usage_error() {
    let out = Lumogon::new(&["capabilities", "describe", "nope", "--disable-analytics"]).run();
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("unknown capability \"nope\""));
    assert!(
        out.stderr
            .contains("container, label, host, docker, diff, dpkg, apk, rpm")
    );
}

#[test]
fn a_bad_endpoint_override_does_not_break_the_command() {
    let out = Lumogon::new(&["version"]).collector("not a url").run();
    assert_same_as_disabled(&out, &["version"]);
    let out = Lumogon::new(&["-d", "version"])
        .collector("not a url")
        .run();
    if ANALYTICS {
        assert!(
            out.stderr.contains("LUMOGON_ANALYTICS_URL"),
            "{}",
            out.stderr
        );
    }
}

/// Runs lumogon on a pseudo-terminal (util-linux `script`) and returns what
/// the terminal showed.
fn on_a_terminal(args: &str, no_color: bool) -> String {
    let binary = lumogon_tests::lumogon::binary();
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &format!("{} {args}", binary.display()), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .env_remove("NO_COLOR");
    if no_color {
        script.env("NO_COLOR", "1");
    }
    let out = script
        .output()
        .expect("script (util-linux) runs a command on a pty");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    const ESCAPE: char = '\u{1b}';
    let usage_error = "capabilities describe --disable-analytics";
    assert!(
        on_a_terminal(usage_error, false).contains(ESCAPE),
        "no colour on a terminal"
    );
    assert!(
        !on_a_terminal(usage_error, true).contains(ESCAPE),
        "colour despite NO_COLOR"
    );
    let piped = Lumogon::new(&["capabilities", "describe", "--disable-analytics"]).run();
    assert!(
        !piped.stderr.contains(ESCAPE),
        "colour in a pipe: {}",
        piped.stderr
    );
    assert_eq!(piped.code, Some(2));
}
