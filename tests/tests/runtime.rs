//! The runtime as a library user meets it, against a real collector: many
//! hits from many threads, the per-process cap, batching, and the flush at
//! exit. One test in this file, because the runtime is global to a process.

use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_track::{Config, track_screen};

#[track_screen("hot loop")]
fn hot() -> u64 {
    1
}

#[test]
fn eight_threads_of_tracked_calls_send_at_most_twenty_hits_in_batches() {
    let collector = Collector::start(200);
    let guard = lumogon_track::init(
        Config::new("UA-1-1", "runtime-test", "2.0")
            .endpoint(collector.url())
            .client_id(|| Some("fixed-client".to_owned()))
            .flush_budget(Duration::from_secs(5)),
    )
    .expect("a valid configuration");
    lumogon_track::event("UX", "upload");

    let threads: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(|| (0..10_000).map(|_| hot()).sum::<u64>()))
        .collect();
    let total: u64 = threads
        .into_iter()
        .map(|t| t.join().unwrap_or_default())
        .sum();
    assert_eq!(total, 80_000);
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
        (20, 20, 0, 80_001 - 20)
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
            ("cid", "fixed-client"),
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
