//! The exit where users are: a collector a round trip away over HTTPS, one
//! that accepts and never answers, a person who turns analytics off while a
//! hit is still on its way. Every test runs the real `lumogon` binary
//! against servers on 127.0.0.1 (a gated delay proxy in front of a TLS
//! collector that the run trusts through `SSL_CERT_FILE`); events are
//! ordered by the gate, never by timing.
#![cfg(feature = "analytics")]

use std::time::Duration;

use lumogon_tests::collector::Collector;
use lumogon_tests::delay_proxy::DelayProxy;
use lumogon_tests::lumogon::Lumogon;
use lumogon_tests::tls::TestCa;
use lumogon_tests::{sender_running, wait_for_senders};

/// A generous bound for things that happen in milliseconds, so that a
/// regression fails instead of hanging.
const BOUND: Duration = Duration::from_secs(20);

/// `lumogon ARGS` sending to `url` over HTTPS that trusts the test CA, with
/// debug logging, returning as soon as lumogon itself ends.
fn lumogon(args: &[&str], url: &str) -> Lumogon {
    Lumogon::new(args)
        .collector(url)
        .env("SSL_CERT_FILE", TestCa::get().ca_file())
        .leave_sender()
}

fn value<'a>(hit: &'a [(String, String)], key: &str) -> Option<&'a str> {
    hit.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn the_command_and_its_pipes_end_before_its_hit_has_left_and_a_sender_delivers_it() {
    let collector = Collector::https(200, TestCa::get());
    // Nothing passes the proxy until the gate opens: the TLS handshake
    // waits, as it does for the round trips of a real network.
    let proxy = DelayProxy::gated(collector.port(), Duration::from_millis(20));
    let mut run = lumogon(&["-d", "version"], &proxy.collect_url("https"));
    // `run` reads stdout and stderr to their end: it returns only once no
    // process holds them, so a sender that kept them would hang it here.
    let out = run.run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.starts_with("lumogon"), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "spooled screenview \"version\" for a later run: the command ended before they left"
        ) && out.stderr.contains("analytics: a sender (process "),
        "{}",
        out.stderr
    );
    assert!(
        collector.requests().is_empty(),
        "sent before the gate opened"
    );

    proxy.open_gate();
    assert!(
        collector.wait_for_hits(1, BOUND),
        "the sender delivered nothing"
    );
    wait_for_senders(&run.config_dir());
    let hits = collector.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(value(&hits[0], "cd"), Some("version"));
    let qt: u64 = value(&hits[0], "qt")
        .and_then(|q| q.parse().ok())
        .expect("a qt");
    assert!(qt < BOUND.as_millis() as u64, "qt={qt}");
    assert!(!run.config_dir().join("spool").exists());
}

#[test]
fn nothing_is_sent_after_analytics_disable_even_by_a_sender_already_started() {
    let collector = Collector::https(200, TestCa::get());
    let proxy = DelayProxy::gated(collector.port(), Duration::from_millis(20));
    let mut run = lumogon(&["version"], &proxy.collect_url("https"));
    assert_eq!(run.run().code, Some(0));
    let dir = run.config_dir();
    assert!(sender_running(&dir), "no sender was started");
    // The sender's connection waits at the gate (and maybe the run's own,
    // made before it ended): `disable` runs while it is under way.
    proxy.wait_for_connections(2, Duration::from_secs(2));

    let disable = Lumogon::new(&["analytics", "disable"])
        .env("LUMOGON_CONFIG_DIR", &dir)
        .run();
    assert_eq!(disable.code, Some(0), "{}", disable.stderr);
    proxy.open_gate();
    wait_for_senders(&dir);
    assert!(
        collector.requests().is_empty(),
        "sent after disable: {:?}",
        collector.requests()
    );
    // And what the sender took from the spool did not go back into it.
    assert!(!dir.join("spool").exists(), "spooled again after disable");
}

#[test]
fn a_sender_marker_runs_no_command_and_one_for_another_directory_is_ignored() {
    let collector = Collector::start(200);
    let own = Lumogon::new(&["version"]).collector(&collector.url());
    let dir = own.config_dir();
    // A sender for this directory: it delivers (nothing is spooled) and
    // ends before lumogon's command runs.
    let out = own.env("LUMOGON_ANALYTICS_SENDER", &dir).run();
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), ""),
        "{}",
        out.stderr
    );
    // One inherited from elsewhere: lumogon runs as usual.
    let out = Lumogon::new(&["version"])
        .collector(&collector.url())
        .env("LUMOGON_ANALYTICS_SENDER", "/nonexistent/elsewhere")
        .run();
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.starts_with("lumogon"), "{}", out.stdout);
}

#[test]
fn a_collector_that_accepts_and_never_answers_costs_later_runs_nothing() {
    let collector = Collector::https_silent(TestCa::get());
    let url = format!("https://127.0.0.1:{}/collect", collector.port());
    // The first run's sender writes the request and waits for its answer
    // until the request timeout: the collector was reached and did not
    // answer, and a backoff starts.
    let mut first = lumogon(&["-d", "version"], &url);
    assert_eq!(first.run().code, Some(0));
    let dir = first.config_dir();
    wait_for_senders(&dir);
    let status = Lumogon::new(&["analytics", "status"])
        .env("LUMOGON_CONFIG_DIR", &dir)
        .run();
    assert!(
        status
            .stdout
            .contains(&format!("backoff:   {url} timed out")),
        "{}",
        status.stdout
    );
    let tried = collector.connections();
    assert!(tried >= 1);

    // Later runs keep their hits at once and start no sender: the collector
    // sees no new connection.
    for _ in 0..3 {
        let out = lumogon(&["-d", "version"], &url)
            .env("LUMOGON_CONFIG_DIR", &dir)
            .run();
        assert_eq!(out.code, Some(0));
        assert!(
            out.stderr
                .contains("spooled screenview \"version\" for a later run: ")
                && !out.stderr.contains("a sender (process "),
            "{}",
            out.stderr
        );
        wait_for_senders(&dir);
    }
    assert_eq!(
        collector.connections(),
        tried,
        "a run inside the window tried"
    );
}

#[test]
fn no_sender_starts_for_a_dry_run_or_a_run_with_analytics_off() {
    let collector = Collector::start(200);
    for (extra, env) in [
        (None, Some(("LUMOGON_ANALYTICS_DEBUG", "1"))),
        (Some("--disable-analytics"), None),
        (None, Some(("DO_NOT_TRACK", "1"))),
    ] {
        let mut args = vec!["-d", "version"];
        args.extend(extra);
        let mut run = Lumogon::new(&args)
            .collector(&collector.url())
            .leave_sender();
        if let Some((key, value)) = env {
            run = run.env(key, value);
        }
        let out = run.run();
        assert_eq!(out.code, Some(0));
        assert!(!out.stderr.contains("a sender (process "), "{}", out.stderr);
        assert!(!sender_running(&run.config_dir()));
    }
    assert!(collector.requests().is_empty());
}
