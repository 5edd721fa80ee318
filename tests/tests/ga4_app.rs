//! The GA4 backend's app stream as a library user meets it, against a real
//! collector: `firebase_app_id` in the query string, `app_instance_id` (32
//! hex digits) in the body, a screenview as `screen_view` with
//! `screen_name`, and an event whose name GA4 reserves refused before it is
//! sent. One test in this file, because the runtime is global to a process.

use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_track::{Config, track_screen};
use serde_json::{Value, json};

#[track_screen("scan")]
fn scan() {}

#[test]
fn an_app_stream_gets_screen_view_and_app_instance_id() {
    let collector = Collector::start(204);
    let seen = lumogon_tests::notice_seen();
    let guard = lumogon_track::init(lumogon_tests::hermetic(
        Config::ga4_app(
            "1:1234567890:android:321abc456def7890",
            "s3cret",
            "ga4-app-test",
            "2.7.1",
        )
        .config_dir(seen.path())
        .endpoint(collector.at("/mp/collect"))
        // Held back until all three hits are queued, so that they go out
        // together.
        .client_id(|| {
            std::thread::sleep(Duration::from_millis(150));
            Some("35009A79-1a05-49d7-b876-2b884d0f825b".to_owned())
        })
        .flush_budget(Duration::from_secs(5)),
    ))
    .expect("a valid configuration");
    scan();
    // GA4 reserves `error` for itself: refused, never sent to be dropped.
    lumogon_track::event("error", "raised");
    lumogon_track::event("Report upload", "tried");
    drop(guard);

    let stats = lumogon_track::stats();
    let requests = collector.requests();
    if !ANALYTICS {
        assert_eq!(stats, lumogon_track::Stats::default());
        assert!(requests.is_empty(), "{requests:?}");
        return;
    }
    assert_eq!(
        (stats.queued, stats.sent, stats.dropped, stats.failed),
        (3, 2, 1, 0)
    );
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(
        request.path,
        "/mp/collect?firebase_app_id=1%3A1234567890%3Aandroid%3A321abc456def7890&api_secret=s3cret"
    );
    let body: Value = serde_json::from_str(&request.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", request.body));
    let session_id = body["events"][0]["params"]["session_id"].clone();
    assert_eq!(
        body,
        json!({
            "app_instance_id": lumogon_tests::derived_client_id(
                "ga4-app-test",
                "35009A79-1a05-49d7-b876-2b884d0f825b"
            )
            .replace('-', ""),
            "events": [
                {"name": "screen_view", "params": {
                    "screen_name": "scan",
                    "app_name": "ga4-app-test",
                    "app_version": "2.7.1",
                    "engagement_time_msec": 1,
                    "session_id": session_id,
                }},
                {"name": "report_upload", "params": {
                    "category": "Report upload",
                    "action": "tried",
                    "app_name": "ga4-app-test",
                    "app_version": "2.7.1",
                    "engagement_time_msec": 1,
                    "session_id": session_id,
                }},
            ],
        })
    );
    assert!(!request.body.contains("raised"), "{}", request.body);
}
