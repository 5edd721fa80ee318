//! The GA4 backend's web stream as a library user meets it, against a real
//! collector: the request line, query string and JSON body (a screenview is
//! `page_view`, never `screen_view`, which the protocol takes from app
//! streams only), and hits queued together going out as one request of
//! several events. One test in this file, because the runtime is global to
//! a process (the app stream is in `ga4_app.rs`).

use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_track::{Config, track_screen};
use serde_json::{Value, json};

#[track_screen("capabilities describe")]
fn describe(what: &str) -> usize {
    what.len()
}

#[test]
fn a_screenview_and_an_event_go_out_as_one_ga4_request() {
    // GA4 answers 204 No Content to what it accepts.
    let collector = Collector::start(204);
    let seen = lumogon_tests::notice_seen();
    let guard = lumogon_track::init(lumogon_tests::hermetic(
        Config::ga4("G-TEST12345", "s3cret&/=", "ga4-test", "3.1.4")
            .config_dir(seen.path())
            .endpoint(collector.at("/mp/collect"))
            // The worker waits for this source before its first request, so
            // that both hits below are certainly queued by then and go out
            // together.
            .client_id(|| {
                std::thread::sleep(Duration::from_millis(150));
                Some("fixed-client".to_owned())
            })
            .flush_budget(Duration::from_secs(5)),
    ))
    .expect("a valid configuration");
    assert_eq!(describe("secret argument"), 15);
    lumogon_track::event("UX", "upload");
    drop(guard);

    let stats = lumogon_track::stats();
    let requests = collector.requests();
    if !ANALYTICS {
        assert_eq!(stats, lumogon_track::Stats::default());
        assert!(requests.is_empty(), "{requests:?}");
        return;
    }
    assert_eq!(
        (
            stats.queued,
            stats.sent,
            stats.failed,
            stats.dropped,
            stats.printed
        ),
        (2, 2, 0, 0, 0)
    );
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        "/mp/collect?measurement_id=G-TEST12345&api_secret=s3cret%26%2F%3D"
    );
    let content_type = request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str());
    assert_eq!(content_type, Some("application/json"));

    let body: Value = serde_json::from_str(&request.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", request.body));
    // One session id for the process, whatever its value.
    let session_id = body["events"][0]["params"]["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !session_id.is_empty() && session_id.bytes().all(|b| b.is_ascii_digit()),
        "{session_id:?}"
    );
    assert_eq!(
        body,
        json!({
            // The derived UUID's first and next 32 bits, as two numbers.
            "client_id": lumogon_tests::web_client_id(&lumogon_tests::derived_client_id(
                "ga4-test",
                "fixed-client"
            )),
            "events": [
                {"name": "page_view", "params": {
                    "page_title": "capabilities describe",
                    "page_location": "https://ga4-test.invalid/capabilities/describe",
                    "app_name": "ga4-test",
                    "app_version": "3.1.4",
                    "engagement_time_msec": 1,
                    "session_id": session_id,
                }},
                {"name": "ux", "params": {
                    "category": "UX",
                    "action": "upload",
                    "app_name": "ga4-test",
                    "app_version": "3.1.4",
                    "engagement_time_msec": 1,
                    "session_id": session_id,
                }},
            ],
        })
    );
    assert!(!request.raw().contains("secret argument"));
    assert!(!request.body.contains("screen_view"), "{}", request.body);
}
