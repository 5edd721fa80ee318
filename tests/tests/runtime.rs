//! The runtime as a library user meets it, against a real collector: ten
//! million tracked calls from eight threads, the per-process cap, batching,
//! and the flush at exit. One test in this file, because the runtime is
//! global to a process.

use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_track::{Config, track_screen};

#[track_screen("hot loop")]
fn hot() -> u64 {
    1
}

const THREADS: u64 = 8;
const CALLS_PER_THREAD: u64 = 1_250_000;

/// This process's resident memory, from /proc.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn ten_million_tracked_calls_send_at_most_twenty_hits_in_batches() {
    let collector = Collector::start(200);
    let seen = lumogon_tests::notice_seen();
    let guard = lumogon_track::init(lumogon_tests::hermetic(
        Config::universal_analytics("UA-1-1", "runtime-test", "2.0")
            .config_dir(seen.path())
            .endpoint(collector.url())
            .client_id(|| Some("fixed-client".to_owned()))
            .flush_budget(Duration::from_secs(5)),
    ))
    .expect("a valid configuration");
    lumogon_track::event("UX", "upload");

    let before = resident_kib();
    assert!(before > 0, "cannot read VmRSS from /proc/self/status");
    let threads: Vec<_> = (0..THREADS)
        .map(|_| std::thread::spawn(|| (0..CALLS_PER_THREAD).map(|_| hot()).sum::<u64>()))
        .collect();
    let total: u64 = threads
        .into_iter()
        .map(|t| t.join().unwrap_or_default())
        .sum();
    assert_eq!(total, THREADS * CALLS_PER_THREAD);
    // A call past the cap allocates nothing: memory stays flat (the margin
    // is for the worker, its HTTP client and the test's own threads).
    let grown = resident_kib().saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "resident memory grew by {grown} KiB over ten million calls"
    );
    drop(guard);

    let stats = lumogon_track::stats();
    let requests = collector.requests();
    if !ANALYTICS {
        assert_eq!(stats, lumogon_track::Stats::default());
        assert!(requests.is_empty());
        return;
    }
    assert_eq!(
        (stats.queued, stats.sent, stats.failed, stats.dropped),
        (20, 20, 0, THREADS * CALLS_PER_THREAD + 1 - 20)
    );
    let hits = collector.hits();
    assert_eq!(hits.len(), 20, "{requests:?}");
    for request in &requests {
        let n = request.hits().len();
        assert!(n <= 20);
        let expected_path = if n == 1 { "/collect" } else { "/batch" };
        assert_eq!(request.path, expected_path, "{n} hits");
        assert!(request.body.len() <= 16 * 1024);
    }
    // Hits queued while the worker was busy went out together.
    assert!(
        requests.len() < 20,
        "{} requests for 20 hits",
        requests.len()
    );
    let event = &hits[0];
    let pairs: Vec<_> = event
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("v", "1"),
            ("tid", "UA-1-1"),
            (
                "cid",
                lumogon_tests::derived_client_id("runtime-test", "fixed-client").as_str()
            ),
            ("t", "event"),
            ("an", "runtime-test"),
            ("av", "2.0"),
            ("ec", "UX"),
            ("ea", "upload"),
            ("aip", "1"),
        ]
    );
    for hit in &hits[1..] {
        assert!(
            hit.contains(&("cd".to_owned(), "hot loop".to_owned())),
            "{hit:?}"
        );
    }
}
