//! Unit tests of the GA4 encoding.

use super::*;
use StreamKind::{App, Web};
use serde_json::json;

const WEB: Common<'static> = Common {
    stream: Web,
    client_id: "35009a79-1a05-49d7-b876-2b884d0f825b",
    session_id: "1700000000000",
    app_name: "lumogon",
    app_version: "0.1.0",
    context: &[],
};
const APP: Common<'static> = Common { stream: App, ..WEB };
const URL: &str = "https://www.google-analytics.com/mp/collect?measurement_id=G-A&api_secret=s";
const SCAN: Hit = Hit::Screenview { screen: "scan" };
const UX: Hit = Hit::event("UX", "upload");
const BOTH: [Hit; 2] = [
    Hit::Screenview {
        screen: "capabilities describe",
    },
    UX,
];

fn fresh(hits: &[Hit]) -> Vec<Entry> {
    hits.iter()
        .map(|hit| Entry::fresh(hit.clone(), 0))
        .collect()
}

/// The requests for hits of this run.
fn encode(common: &Common<'_>, url: &str, hits: &[Hit]) -> Encoded {
    requests(common, url, &fresh(hits))
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The first request's events, parsed.
fn events(common: &Common<'_>, hits: &[Hit]) -> Value {
    parse(&encode(common, URL, hits).requests[0].body)["events"].take()
}

/// An event as sent: its own params and those every event carries.
fn event(name: &str, own: Value) -> Value {
    let mut params = json!({"app_name": "lumogon", "app_version": "0.1.0",
        "engagement_time_msec": 1, "session_id": "1700000000000"});
    if let (Some(params), Value::Object(own)) = (params.as_object_mut(), own) {
        params.extend(own);
    }
    json!({"name": name, "params": params})
}

#[test]
fn a_late_event_keeps_its_time_and_its_session() {
    let late = Entry {
        hit: SCAN,
        at_ms: 1_700_000_123_456,
        late: true,
        session: Some("1700000000999".to_owned()),
    };
    for common in [WEB, APP] {
        let json = parse(&requests(&common, URL, std::slice::from_ref(&late)).requests[0].body);
        assert_eq!(
            json["events"][0]["timestamp_micros"],
            1_700_000_123_456_000_u64
        );
        assert_eq!(json["events"][0]["params"]["session_id"], "1700000000999");
        // A hit of this run has neither: GA4 places it when it arrives.
        let events = events(&common, std::slice::from_ref(&late.hit));
        assert_eq!(events[0].get("timestamp_micros"), None);
        assert_eq!(events[0]["params"]["session_id"], "1700000000000");
    }
}

#[test]
fn web_gets_page_view_and_client_id_app_gets_screen_view_and_app_instance_id() {
    let ux = event("ux", json!({"category": "UX", "action": "upload"}));
    let page = event(
        "page_view",
        json!({"page_title": "capabilities describe",
        "page_location": "https://lumogon.invalid/capabilities/describe"}),
    );
    let screen = event(
        "screen_view",
        json!({"screen_name": "capabilities describe"}),
    );
    let (web_id, app_id) = ("889231993.436554199", "35009a791a0549d7b8762b884d0f825b");
    for (common, field, id, view) in [
        (WEB, "client_id", web_id, page),
        (APP, "app_instance_id", app_id, screen),
    ] {
        let encoded = encode(&common, URL, &BOTH);
        assert!(encoded.refused.is_empty());
        let expected = json!({field: id, "events": [view, ux.clone()]});
        assert_eq!(parse(&encoded.requests[0].body), expected);
    }
    let encoded = encode(&WEB, URL, &BOTH);
    assert_eq!(encoded.requests.len(), 1);
    let request = &encoded.requests[0];
    assert_eq!(request.url, URL);
    assert_eq!(request.content_type, "application/json");
    assert_eq!(request.hits, fresh(&BOTH));
    // The exact text, as a dry run prints it: sorted keys, no spaces.
    assert_eq!(
        request.body,
        r#"{"client_id":"889231993.436554199","events":[{"name":"page_view","params":{"app_name":"lumogon","app_version":"0.1.0","engagement_time_msec":1,"page_location":"https://lumogon.invalid/capabilities/describe","page_title":"capabilities describe","session_id":"1700000000000"}},{"name":"ux","params":{"action":"upload","app_name":"lumogon","app_version":"0.1.0","category":"UX","engagement_time_msec":1,"session_id":"1700000000000"}}]}"#
    );
}

/// Every event name in every request.
fn names(encoded: &Encoded) -> Vec<String> {
    let bodies = encoded.requests.iter().map(|r| parse(&r.body));
    let events = bodies.flat_map(|mut b| b["events"].as_array_mut().map(std::mem::take));
    let names = events
        .flatten()
        .map(|e| e["name"].as_str().map(str::to_owned));
    names.map(Option::unwrap_or_default).collect()
}

#[test]
fn no_screenview_of_a_web_stream_is_named_screen_view() {
    let screens =
        "scan|report|capabilities|capabilities describe|version|hello|goodbye|a\"b|日本語|x";
    for screen in screens.split('|') {
        let hit = Hit::Screenview { screen };
        let web = encode(&WEB, URL, std::slice::from_ref(&hit));
        assert_eq!(names(&web), ["page_view"], "{screen:?}");
        assert!(!web.requests[0].body.contains("screen_view"), "{screen:?}");
        assert!(!web.requests[0].body.contains("screen_name"), "{screen:?}");
        assert_eq!(
            names(&encode(&APP, URL, std::slice::from_ref(&hit))),
            ["screen_view"],
            "{screen:?}"
        );
    }
}

#[test]
fn every_event_sent_keeps_every_rule() {
    let long: &'static str = "ü".repeat(150).leak();
    let hits = [
        SCAN,
        Hit::Screenview { screen: long },
        Hit::event("UX", long),
        Hit::event("farewell", "said"),
    ];
    for common in [WEB, APP] {
        let encoded = encode(&common, URL, &hits);
        assert!(encoded.refused.is_empty(), "{:?}", encoded.refused);
        for request in &encoded.requests {
            let body = parse(&request.body);
            let client = body[common.stream.client_field()].as_str();
            let client = client.unwrap_or_default();
            match common.stream {
                Web => assert!(rules::is_web_client_id(client), "{client}"),
                App => assert!(rules::is_app_instance_id(client), "{client}"),
            }
            let events = body["events"].as_array().cloned().unwrap_or_default();
            assert_eq!(rules::check_event_count(events.len()), Ok(()));
            for event in events {
                let name = event["name"].as_str().unwrap_or_default();
                let params = event["params"].as_object().cloned().unwrap_or_default();
                let params = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                let result = rules::check_event(name, params, common.stream);
                assert_eq!(result, Ok(()), "{event}");
            }
        }
    }
}

#[test]
fn strings_are_escaped() {
    let app_name = "say \"hi\"\\\n\u{1}";
    let common = Common { app_name, ..APP };
    let events = events(&common, &[Hit::Screenview { screen: "a\"b" }]);
    assert_eq!(events[0]["params"]["app_name"], app_name);
    assert_eq!(events[0]["params"]["screen_name"], "a\"b");
}

#[test]
fn event_names_are_mapped_from_the_category() {
    let cases = [
        ("UX", "ux"),
        ("upload", "upload"),
        ("Report upload", "report_upload"),
        ("  a--b  c ", "a_b_c"),
        ("café au lait", "caf_au_lait"),
        ("_private", "private"),
        ("3d", "3d"),
        ("", ""),
    ];
    for (category, name) in cases {
        assert_eq!(event_name(category), name, "{category:?}");
    }
}

#[test]
fn an_event_name_that_breaks_a_rule_is_refused_not_sent() {
    let long: &'static str = "x".repeat(41).leak();
    for category in [
        "error",
        "Session Start",
        "ga_thing",
        "Google Things",
        "firebase campaign",
        "3d",
        "",
        "---",
        "日本",
        long,
    ] {
        let hit = Hit::event(category, "a");
        for common in [WEB, APP] {
            let encoded = encode(&common, URL, &[hit.clone(), SCAN]);
            assert_eq!(
                encoded.refused,
                fresh(std::slice::from_ref(&hit)),
                "{category:?}"
            );
            // The other hit still goes.
            assert_eq!(encoded.requests.len(), 1, "{category:?}");
            assert_eq!(encoded.requests[0].hits.len(), 1, "{category:?}");
        }
    }
    // What only app streams take is refused from a web stream only.
    let hit = Hit::event("In App Purchase", "a");
    assert_eq!(
        encode(&WEB, URL, std::slice::from_ref(&hit)).refused,
        fresh(std::slice::from_ref(&hit))
    );
    assert!(
        encode(&APP, URL, std::slice::from_ref(&hit))
            .refused
            .is_empty()
    );
}

#[test]
fn values_are_cut_to_a_hundred_characters_on_character_boundaries() {
    assert_eq!(cut_to_chars("abc", 3), "abc");
    assert_eq!(cut_to_chars("abcd", 3), "abc");
    assert_eq!(cut_to_chars("日本語", 2), "日本");
    assert_eq!(cut_to_chars("", 0), "");

    let long: &'static str = "ü".repeat(150).leak();
    let common = Common {
        app_name: long,
        app_version: long,
        ..APP
    };
    let hits = [Hit::Screenview { screen: long }, Hit::event("c", long)];
    let events = events(&common, &hits);
    for event in 0..2 {
        let params = events[event]["params"].as_object().cloned();
        for (key, value) in params.unwrap_or_default() {
            if let Some(value) = value
                .as_str()
                .filter(|_| !["session_id", "category"].contains(&key.as_str()))
            {
                assert_eq!(value, "ü".repeat(100), "{key}");
            }
        }
    }
}

#[test]
fn a_page_location_is_a_url_of_at_most_a_hundred_characters() {
    assert_eq!(
        page_location("lumogon", "capabilities describe"),
        "https://lumogon.invalid/capabilities/describe"
    );
    assert_eq!(
        page_location("My Tool.rs", "a/b ?c"),
        "https://my-tool-rs.invalid/a%2Fb/%3Fc"
    );
    assert_eq!(page_location("日本", "x"), "https://app.invalid/x");
    let long = page_location("t", &"é".repeat(100));
    assert!(long.chars().count() <= 100, "{long}");
    assert!(
        !long.ends_with('%') && !long[long.len() - 2..].starts_with('%'),
        "{long}"
    );
}

#[test]
fn client_ids_take_each_streams_form() {
    let uuid = "35009A79-1a05-49d7-b876-2b884d0f825b";
    let upper = "0123456789abcdef0123456789ABCDEF";
    for (stream, id, expected) in [
        (App, uuid, "35009a791a0549d7b8762b884d0f825b"),
        (Web, uuid, "889231993.436554199"),
        // Already in form: as it is.
        (Web, "12.34", "12.34"),
        (App, upper, "0123456789abcdef0123456789abcdef"),
        // Zeros would not be positive.
        (Web, "00000000-0000-0000-0000-000000000000", "1.1"),
    ] {
        assert_eq!(stream_client_id(stream, id), expected, "{id}");
    }
    // Anything else: hashed, the same every time, and in form.
    let a = stream_client_id(App, "fixed-client");
    assert_eq!(a, stream_client_id(App, "fixed-client"));
    assert!(rules::is_app_instance_id(&a), "{a}");
    assert_ne!(a, stream_client_id(App, "fixed-client2"));
    let w = stream_client_id(Web, "fixed-client");
    assert!(rules::is_web_client_id(&w), "{w}");
    // FNV-1a's published 128-bit test vector: the hash of "" is its
    // offset basis.
    assert_eq!(fnv1a_128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
}

#[test]
fn at_most_twenty_five_events_a_request() {
    let hits: Vec<Hit> = (0..60).map(|i| [SCAN, UX][i % 2].clone()).collect();
    let encoded = encode(&WEB, URL, &hits);
    let counts: Vec<_> = encoded
        .requests
        .iter()
        .map(|r| {
            let events = parse(&r.body)["events"].as_array().map(Vec::len);
            (r.hits.len(), events.unwrap_or_default())
        })
        .collect();
    assert_eq!(counts, [(25, 25), (25, 25), (10, 10)]);
    let all = encoded.requests.iter().flat_map(|r| r.hits.iter());
    assert_eq!(all.map(|e| e.hit.clone()).collect::<Vec<_>>(), hits);
    assert!(encode(&WEB, URL, &[]).requests.is_empty());
}

#[test]
fn the_credentials_go_in_the_query_string() {
    const MP: &str = "https://www.google-analytics.com/mp/collect";
    let web = "?measurement_id=G-ABC123&api_secret=s3cret";
    let app = "?firebase_app_id=1%3A23%3Aandroid%3Aab&api_secret=s3cret";
    let local = "http://127.0.0.1:9/debug/mp/collect?x=1";
    let encoded = "&measurement_id=G-A&api_secret=a%26b+c%2F%3D";
    for (endpoint, stream, id, secret, query) in [
        (MP, Web, "G-ABC123", "s3cret", web),
        (MP, App, "1:23:android:ab", "s3cret", app),
        // An override keeps its own query, and the secret is encoded.
        (local, Web, "G-A", "a&b c/=", encoded),
    ] {
        let expected = format!("{endpoint}{query}");
        assert_eq!(url(endpoint, stream, id, secret), Ok(expected));
    }
    assert!(url("127.0.0.1/mp/collect", Web, "G-A", "s").is_err());
}

#[test]
fn parameters_and_context_are_event_parameters_and_never_replace_the_librarys() {
    use crate::params::Value;
    let hit = Hit::Event {
        category: "report",
        action: "upload",
        params: vec![
            ("format", Value::Str("json")),
            ("containers", Value::Int(3)),
            ("ratio", Value::Float(0.5)),
            ("action", Value::Str("mine")),
        ],
    };
    let context = [
        ("os", Value::Str("linux")),
        ("ci", Value::Str("github_actions")),
    ];
    let common = Common {
        context: &context,
        ..WEB
    };
    let events = events(&common, &[hit]);
    let params = &events[0]["params"];
    assert_eq!(params["format"], "json");
    assert_eq!(params["containers"], 3);
    assert_eq!(params["ratio"], 0.5);
    assert_eq!(params["action"], "upload");
    assert_eq!(params["os"], "linux");
    assert_eq!(params["ci"], "github_actions");
    // A string parameter over the value limit is refused, not sent cut.
    let long: &'static str = Box::leak("x".repeat(101).into_boxed_str());
    let hit = Hit::Event {
        category: "report",
        action: "upload",
        params: vec![("format", Value::Str(long))],
    };
    assert_eq!(encode(&WEB, URL, &[hit]).requests.len(), 0);
}
