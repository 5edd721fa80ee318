//! The lifecycle defects of the issue, one process each: the runtime is
//! global to a process, so every case runs this test binary again as a
//! child that executes only that case (`--exact`), and the parent judges
//! the child's exit status and stderr. Each failed before its fix.

use std::process::Command;
use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_track::{Config, Stats, track_screen};

/// Set in a child to the case it runs.
const CASE: &str = "LUMOGON_TRACK_LIFECYCLE_CASE";

#[track_screen("lifecycle")]
fn tracked() {}

/// In the parent: runs `name` in a child and returns its stderr, after
/// checking that it passed. In the child: `None`, so the caller runs the
/// case's body.
fn in_child(name: &str) -> Option<String> {
    if std::env::var(CASE).is_ok_and(|case| case == name) {
        return None;
    }
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CASE, name)
        .env_remove("DO_NOT_TRACK")
        .output()
        .expect("run the test binary again");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{name} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{name} did not run:\n{stdout}");
    Some(stderr)
}

/// A configuration that sends to `collector` from the first run.
fn config(collector: &Collector, dir: &tempfile::TempDir) -> Config {
    lumogon_tests::hermetic(
        Config::universal_analytics("UA-1-1", "lifecycle-test", "1.0")
            .endpoint(collector.url())
            .config_dir(dir.path()),
    )
}

fn counts(stats: Stats) -> (u64, u64, u64) {
    (stats.queued, stats.sent, stats.dropped)
}

#[test]
fn dropping_the_guard_closes_and_later_hits_are_dropped_and_counted() {
    if in_child("dropping_the_guard_closes_and_later_hits_are_dropped_and_counted").is_some() {
        return;
    }
    let collector = Collector::start(200);
    let seen = lumogon_tests::notice_seen();
    // The mistake the issue names: the guard dropped at once.
    let _ = lumogon_track::init(config(&collector, &seen).client_id(|| Some("c".into())));
    tracked();
    lumogon_track::event("UX", "upload");
    let expected = if ANALYTICS { (0, 0, 2) } else { (0, 0, 0) };
    // Before: both were queued for a worker nobody would flush.
    assert_eq!(counts(lumogon_track::stats()), expected);
    assert!(collector.requests().is_empty());
}

#[test]
fn disable_wins_over_hits_not_yet_sent() {
    if in_child("disable_wins_over_hits_not_yet_sent").is_some() {
        return;
    }
    let collector = Collector::start(200);
    let seen = lumogon_tests::notice_seen();
    // The worker asks for the client id before it sends anything: a
    // `disable()` there comes after the hit was queued and before it is
    // sent, every time.
    let guard = lumogon_track::init(config(&collector, &seen).client_id(|| {
        lumogon_track::disable();
        Some("c".into())
    }))
    .expect("a valid configuration");
    tracked();
    drop(guard);
    let expected = if ANALYTICS { (1, 0, 1) } else { (0, 0, 0) };
    // Before: the hit was sent after `disable()`.
    assert_eq!(counts(lumogon_track::stats()), expected);
    assert!(
        collector.requests().is_empty(),
        "{:?}",
        collector.requests()
    );
}

#[test]
fn a_flush_budget_past_instants_range_saturates() {
    if in_child("a_flush_budget_past_instants_range_saturates").is_some() {
        return;
    }
    let collector = Collector::start(200);
    let seen = lumogon_tests::notice_seen();
    let guard = lumogon_track::init(
        config(&collector, &seen)
            .client_id(|| Some("c".into()))
            .flush_budget(Duration::MAX),
    )
    .expect("a valid configuration");
    tracked();
    // Before: `Instant + Duration::MAX` overflowed and panicked in `Drop`.
    drop(guard);
    let expected = if ANALYTICS { (1, 1, 0) } else { (0, 0, 0) };
    assert_eq!(counts(lumogon_track::stats()), expected);
}

#[test]
fn a_panicking_client_id_source_is_silent_and_costs_no_wait() {
    let Some(stderr) = in_child("a_panicking_client_id_source_is_silent_and_costs_no_wait") else {
        let collector = Collector::start(200);
        let seen = lumogon_tests::notice_seen();
        let guard = lumogon_track::init(
            config(&collector, &seen)
                .client_id(|| panic!("the client id source exploded"))
                // A flush that waited for a dead source would fail the
                // test by hanging, not by a timing.
                .flush_budget(Duration::MAX),
        )
        .expect("a valid configuration");
        tracked();
        drop(guard);
        if ANALYTICS {
            // The random id in the directory stood in for it.
            assert_eq!(counts(lumogon_track::stats()), (1, 1, 0));
            let cid = std::fs::read_to_string(seen.path().join("client_id")).expect("client id");
            assert!(
                collector.hits()[0].contains(&("cid".to_owned(), cid.trim().to_owned())),
                "{:?}",
                collector.hits()
            );
        }
        return;
    };
    // Before: the default panic hook printed it.
    assert!(!stderr.contains("exploded"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn another_threads_panic_still_reaches_the_applications_hook() {
    let Some(stderr) = in_child("another_threads_panic_still_reaches_the_applications_hook") else {
        let collector = Collector::start(200);
        let seen = lumogon_tests::notice_seen();
        let guard = lumogon_track::init(config(&collector, &seen).client_id(|| Some("c".into())))
            .expect("a valid configuration");
        // Starts the worker, which installs the library's quiet hook.
        tracked();
        drop(guard);
        let joined = std::thread::Builder::new()
            .name("application".into())
            .spawn(|| panic!("the application's own panic"))
            .expect("a thread")
            .join();
        assert!(joined.is_err());
        return;
    };
    assert!(stderr.contains("the application's own panic"), "{stderr}");
}
