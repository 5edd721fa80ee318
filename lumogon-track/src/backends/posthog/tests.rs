//! Unit tests of the PostHog encoding and rules.

use super::rules::{self, Broken};
use super::*;
use crate::params::Value as Param;
use serde_json::json;

const COMMON: Common<'static> = Common {
    api_key: "phc_TestKey123",
    client_id: "35009a79-1a05-49d7-b876-2b884d0f825b",
    app_name: "lumogon",
    app_version: "0.1.0",
    context: &[],
};
const URL: &str = "http://127.0.0.1:9/batch/";
const SCAN: Hit = Hit::Screenview { screen: "scan" };
const UX: Hit = Hit::event("UX", "upload");

fn fresh(hits: &[Hit]) -> Vec<Entry> {
    hits.iter()
        .map(|hit| Entry::fresh(hit.clone(), 0))
        .collect()
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The first request's body, parsed.
fn body(common: &Common<'_>, entries: &[Entry]) -> Value {
    parse(&requests(common, URL, entries).requests[0].body)
}

/// The properties every event carries, with `own` added.
fn properties(own: Value) -> Value {
    let mut all = json!({
        "$lib": "lumogon-track", "$lib_version": env!("CARGO_PKG_VERSION"),
        "app_name": "lumogon", "app_version": "0.1.0",
        "$process_person_profile": false, "$geoip_disable": true, "$ip": null,
    });
    if let (Some(all), Value::Object(own)) = (all.as_object_mut(), own) {
        all.extend(own);
    }
    all
}

#[test]
fn a_screenview_and_an_event_in_one_batch() {
    let encoded = requests(&COMMON, URL, &fresh(&[SCAN, UX]));
    assert!(encoded.refused.is_empty());
    let [request] = &encoded.requests[..] else {
        panic!("{encoded:?}")
    };
    assert_eq!(request.url, URL);
    assert_eq!(request.content_type, "application/json");
    assert_eq!(request.hits.len(), 2);
    let distinct_id = COMMON.client_id;
    assert_eq!(
        parse(&request.body),
        json!({
            "api_key": "phc_TestKey123",
            "batch": [
                {"event": "$screen", "distinct_id": distinct_id,
                 "properties": properties(json!({"$screen_name": "scan"}))},
                {"event": "UX", "distinct_id": distinct_id,
                 "properties": properties(json!({"action": "upload"}))},
            ],
        })
    );
    // Neither is late: PostHog stamps their arrival.
    assert!(!request.body.contains("timestamp"), "{}", request.body);
    assert!(!request.body.contains("historical_migration"));
}

#[test]
fn a_late_event_carries_the_time_it_was_recorded() {
    let late = Entry {
        hit: SCAN,
        at_ms: 1_700_000_123_456,
        late: true,
        session: None,
    };
    let sent = body(&COMMON, &[late]);
    assert_eq!(sent["batch"][0]["timestamp"], "2023-11-14T22:15:23.456Z");
}

#[test]
fn timestamps_are_iso_8601_utc() {
    assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    assert_eq!(iso8601(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
    assert_eq!(iso8601(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
}

#[test]
fn parameters_and_context_never_replace_the_librarys_properties() {
    let hit = Hit::Event {
        category: "report",
        action: "upload",
        params: vec![
            ("action", Param::Str("mine")),
            ("app_name", Param::Str("mine")),
            ("format", Param::Str("json")),
            ("containers", Param::Int(3)),
        ],
    };
    let context = [
        ("os", Param::Str("linux")),
        ("app_version", Param::Str("9")),
    ];
    let common = Common {
        context: &context,
        ..COMMON
    };
    let sent = body(&common, &fresh(&[hit]));
    assert_eq!(
        sent["batch"][0]["properties"],
        properties(json!({"action": "upload", "format": "json", "containers": 3, "os": "linux"}))
    );
}

#[test]
fn an_event_that_breaks_a_rule_is_refused_and_the_others_are_sent() {
    let long: &'static str = "x".repeat(201).leak();
    let bad = [
        Hit::event("$pageview", "x"),
        Hit::event(" ", "x"),
        Hit::event(long, "x"),
    ];
    let mut hits = bad.to_vec();
    hits.push(SCAN);
    let encoded = requests(&COMMON, URL, &fresh(&hits));
    assert_eq!(encoded.refused.len(), bad.len());
    assert_eq!(encoded.requests.len(), 1);
    assert_eq!(encoded.requests[0].hits, fresh(&[SCAN]));
    // 200 characters is still a name.
    let ok: &'static str = "y".repeat(200).leak();
    assert!(
        requests(&COMMON, URL, &fresh(&[Hit::event(ok, "x")]))
            .refused
            .is_empty()
    );
}

#[test]
fn a_distinct_id_posthog_would_drop_refuses_every_hit() {
    let long = "d".repeat(401);
    for id in ["", " ", long.as_str()] {
        let common = Common {
            client_id: id,
            ..COMMON
        };
        let encoded = requests(&common, URL, &fresh(&[SCAN, UX]));
        assert!(encoded.requests.is_empty(), "{id:?}");
        assert_eq!(encoded.refused.len(), 2);
    }
}

#[test]
fn a_request_holds_at_most_a_batch() {
    let hits = vec![SCAN; BATCH_EVENTS + 1];
    let encoded = requests(&COMMON, URL, &fresh(&hits));
    let sizes: Vec<usize> = encoded.requests.iter().map(|r| r.hits.len()).collect();
    assert_eq!(sizes, [BATCH_EVENTS, 1]);
}

#[test]
fn the_rules_name_what_is_broken() {
    assert_eq!(
        rules::check_event_name("$screen"),
        Err(Broken::ReservedEventName {
            name: "$screen".into()
        })
    );
    assert_eq!(rules::check_event_name(""), Err(Broken::EmptyEventName));
    assert_eq!(rules::check_event_name("UX"), Ok(()));
    assert_eq!(rules::check_body(19_999_999), Ok(()));
    assert_eq!(
        rules::check_body(20_000_000).map_err(|e| e.to_string()),
        Err("a body of 20000000 bytes; PostHog takes less than 20000000".to_owned())
    );
}

#[test]
fn project_api_keys() {
    for good in ["phc_1a2B3c4D5e6F7g8H9i0J", "phc_abc-DEF_123"] {
        assert!(rules::is_project_api_key(good), "{good}");
    }
    for bad in [
        "", "phc_", "phx_abc", "PHC_abc", "abc", "phc_a b", "phc_a/b",
    ] {
        assert!(!rules::is_project_api_key(bad), "{bad}");
    }
}

#[test]
fn a_host_gets_the_batch_route() {
    assert_eq!(
        batch_url("https://eu.i.posthog.com"),
        "https://eu.i.posthog.com/batch/"
    );
    assert_eq!(
        batch_url("https://posthog.example.com/"),
        "https://posthog.example.com/batch/"
    );
    assert_eq!(
        batch_url("http://127.0.0.1:8000/batch/"),
        "http://127.0.0.1:8000/batch/"
    );
    assert_eq!(
        batch_url(" https://ph.example.com/prefix "),
        "https://ph.example.com/prefix/batch/"
    );
}
