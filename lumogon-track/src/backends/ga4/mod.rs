//! GA4 Measurement Protocol events: what a [`Hit`] becomes when the
//! application chose [`Config::ga4`](crate::Config::ga4), encoded as the
//! protocol wants it. Pure logic: no I/O.
//!
//! ```text
//! POST /mp/collect?measurement_id=G-…&api_secret=…    (application/json)
//! {"client_id":"…","events":[{"name":"screen_view","params":{…}}, …]}
//! ```
//!
//! The JSON is built with `serde_json` (optional, part of `analytics`)
//! rather than by hand: an application's name, version and event names may
//! hold quotes, backslashes or control characters, and getting JSON string
//! escaping right for all of them is exactly what that crate is for. It costs
//! nothing in lumogon, which already links it for its reports. Keys are
//! put in sorted order, so the text is the same whether or not some other
//! crate turns on serde_json's `preserve_order`.

use serde_json::{Map, Value};

use self::rules::{Broken, StreamKind};
use super::{Encoded, Request};
use crate::hit::{Entry, Hit};
use crate::limits::cut_to_chars;
use crate::limits::ga4::{MAX_BODY_BYTES, MAX_EVENTS, MAX_VALUE_CHARS};

pub(crate) mod rules;
pub(crate) mod validation;

/// Where GA4 Measurement Protocol events go unless told otherwise; the
/// stream's id and api secret are added as its query string.
pub(crate) const DEFAULT_ENDPOINT: &str = "https://www.google-analytics.com/mp/collect";
/// GA4 bodies are JSON.
pub(crate) const CONTENT_TYPE: &str = "application/json";

/// What a screenview becomes on an app stream: the event GA4's app reports
/// count screens with.
const SCREEN_VIEW: &str = "screen_view";
/// What a screenview becomes on a web stream, which the protocol does not
/// take `screen_view` from: the event GA4's web reports ("Pages and
/// screens") count views with, by `page_title`.
const PAGE_VIEW: &str = "page_view";

/// Every parameter name sent.
const PARAM_SCREEN_NAME: &str = "screen_name";
const PARAM_PAGE_TITLE: &str = "page_title";
const PARAM_PAGE_LOCATION: &str = "page_location";
const PARAM_CATEGORY: &str = "category";
const PARAM_ACTION: &str = "action";
const PARAM_APP_NAME: &str = "app_name";
const PARAM_APP_VERSION: &str = "app_version";
const PARAM_SESSION_ID: &str = "session_id";
const PARAM_ENGAGEMENT: &str = "engagement_time_msec";

/// The fields every event of one process shares.
#[derive(Debug)]
pub(crate) struct Common<'a> {
    /// Which kind of stream the events go to: it decides the name of a
    /// screenview, the client field and the form of the id in it.
    pub(crate) stream: StreamKind,
    /// The application's client id, as it comes (a UUID, usually): sent in
    /// the form the stream wants ([`stream_client_id`]).
    pub(crate) client_id: &'a str,
    /// One per process, so that GA4 counts a run as a session.
    pub(crate) session_id: &'a str,
    pub(crate) app_name: &'a str,
    pub(crate) app_version: &'a str,
}

/// The endpoint with the stream's credentials added to its query string
/// (after any query it already has): `measurement_id` for a web stream,
/// `firebase_app_id` for an app stream, and `api_secret`.
pub(crate) fn url(
    endpoint: &str,
    stream: StreamKind,
    stream_id: &str,
    api_secret: &str,
) -> Result<String, String> {
    let mut url =
        reqwest::Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
    url.query_pairs_mut()
        .append_pair(stream.id_parameter(), stream_id)
        .append_pair("api_secret", api_secret);
    Ok(url.into())
}

/// The requests for `hits`: [`MAX_EVENTS`] events per request, in order.
/// A hit whose event would break one of the protocol's rules
/// ([`rules`]) is refused here, with a debug line naming the rule, and
/// set aside with those too large to send: never sent to be dropped in
/// silence.
pub(crate) fn requests(common: &Common<'_>, url: &str, entries: &[Entry]) -> Encoded {
    let mut encoded = Encoded::default();
    let mut accepted = Vec::with_capacity(entries.len());
    for entry in entries {
        match event(common, entry) {
            Ok(event) => accepted.push((entry, event)),
            Err(rule) => {
                log::debug!("analytics: refused {entry}: {rule}");
                encoded.refused.push(entry.clone());
            }
        }
    }
    let client_id = stream_client_id(common.stream, common.client_id);
    for chunk in accepted.chunks(MAX_EVENTS) {
        debug_assert_eq!(rules::check_event_count(chunk.len()), Ok(()));
        let mut body = Map::new();
        body.insert(
            common.stream.client_field().into(),
            client_id.clone().into(),
        );
        let events = chunk.iter().map(|(_, event)| event.clone()).collect();
        body.insert("events".into(), Value::Array(events));
        let body = Value::Object(body).to_string();
        let hits: Vec<Entry> = chunk.iter().map(|(entry, _)| (*entry).clone()).collect();
        // Every value is cut to 100 characters and the client id has a
        // fixed form, so only a change here could make a body this large.
        if body.len() > MAX_BODY_BYTES {
            encoded.refused.extend(hits);
            continue;
        }
        encoded.requests.push(Request {
            url: url.to_owned(),
            content_type: CONTENT_TYPE,
            body,
            hits,
        });
    }
    encoded
}

/// One event object, `{"name": …, "params": {…}}`, and the time it
/// happened (`timestamp_micros`) for one sent late from the spool; or the
/// rule it would break.
fn event(common: &Common<'_>, entry: &Entry) -> Result<Value, Broken> {
    let mut params = Map::new();
    let mut param = |name: &'static str, value: &str| {
        params.insert(name.into(), cut_to_chars(value, MAX_VALUE_CHARS).into());
    };
    param(PARAM_APP_NAME, common.app_name);
    param(PARAM_APP_VERSION, common.app_version);
    let name = match (&entry.hit, common.stream) {
        (Hit::Screenview { screen }, StreamKind::App) => {
            param(PARAM_SCREEN_NAME, screen);
            SCREEN_VIEW.to_owned()
        }
        (Hit::Screenview { screen }, StreamKind::Web) => {
            param(PARAM_PAGE_TITLE, screen);
            param(PARAM_PAGE_LOCATION, &page_location(common.app_name, screen));
            PAGE_VIEW.to_owned()
        }
        (Hit::Event { category, action }, _) => {
            param(PARAM_ACTION, action);
            param(PARAM_CATEGORY, category);
            event_name(category)
        }
    };
    // GA4 counts an event in its session, and shows it in real-time reports,
    // only with both of these. A command line has no engagement time to
    // speak of: 1 ms is the smallest that counts.
    params.insert(PARAM_ENGAGEMENT.into(), 1.into());
    params.insert(
        PARAM_SESSION_ID.into(),
        cut_to_chars(
            entry.session.as_deref().unwrap_or(common.session_id),
            MAX_VALUE_CHARS,
        )
        .into(),
    );
    sort(&mut params);
    rules::check_event(
        &name,
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        common.stream,
    )?;
    let mut event = Map::new();
    event.insert("name".into(), name.into());
    event.insert("params".into(), Value::Object(params));
    if entry.late {
        event.insert(
            "timestamp_micros".into(),
            entry.at_ms.saturating_mul(1000).into(),
        );
    }
    Ok(Value::Object(event))
}

/// Puts the keys in sorted order whichever map serde_json was built with
/// (a no-op for its default, sorted, map).
fn sort(map: &mut Map<String, Value>) {
    let mut entries: Vec<_> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|(a, _), (b, _)| a.cmp(b));
    map.extend(entries);
}

/// The GA4 event name for an event category: ASCII letters (lowercased, as
/// GA4's own names are) and digits kept, every run of other characters made
/// one underscore, none at either end. `"UX"` becomes `"ux"`, `"Report
/// upload"` `"report_upload"`. Whether GA4 takes the result (not reserved,
/// starting with a letter, at most 40 characters) is [`rules`]' to say:
/// a name that breaks a rule is refused, not bent into another one.
pub(crate) fn event_name(category: &str) -> String {
    let mut name = String::with_capacity(category.len());
    for c in category.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    name.trim_end_matches('_').to_owned()
}

/// The `page_location` of a web stream's screenview: an `https` URL on the
/// reserved `.invalid` domain (RFC 2606: never anyone's site) named after
/// the application, whose path is the screen's words: `lumogon`'s
/// `capabilities describe` is `https://lumogon.invalid/capabilities/describe`.
/// GA4 derives the page path and host name of its reports from it.
fn page_location(app_name: &str, screen: &str) -> String {
    let mut host: String = app_name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    host = host.trim_matches('-').to_owned();
    if host.is_empty() {
        host.push_str("app");
    }
    let mut location = match reqwest::Url::parse(&format!("https://{host}.invalid/")) {
        Ok(url) => url,
        Err(_) => return format!("https://{host}.invalid/"),
    };
    if let Ok(mut segments) = location.path_segments_mut() {
        segments.clear();
        segments.extend(screen.split_whitespace());
    }
    let location = String::from(location);
    // Cut to the value limit without leaving half an escape behind.
    let mut cut = cut_to_chars(&location, MAX_VALUE_CHARS).to_owned();
    if let Some(percent) = cut.rfind('%').filter(|&i| cut.len() - i < 3) {
        cut.truncate(percent);
    }
    cut
}

/// The client id in the form the stream's field takes (see
/// [`rules::is_web_client_id`] and [`rules::is_app_instance_id`]):
///
/// - an app stream's `app_instance_id` is 32 hex digits: a UUID's, without
///   its hyphens, lowercased;
/// - a web stream's `client_id` is two positive numbers joined by a period:
///   the first 32 bits and the next 32 bits of the same digits, each at
///   least 1.
///
/// An id already in the stream's form is sent as it is; any other id (not a
/// UUID) is first hashed into 32 hex digits (FNV-1a, 128 bits: stable
/// across runs and Rust versions), so that one client is always one id.
pub(crate) fn stream_client_id(stream: StreamKind, id: &str) -> String {
    let hex = || {
        let digits: String = id.chars().filter(|c| *c != '-').collect();
        if rules::is_app_instance_id(&digits) {
            digits.to_ascii_lowercase()
        } else {
            format!("{:032x}", fnv1a_128(id.as_bytes()))
        }
    };
    match stream {
        StreamKind::App if rules::is_app_instance_id(id) => id.to_ascii_lowercase(),
        StreamKind::App => hex(),
        StreamKind::Web if rules::is_web_client_id(id) => id.to_owned(),
        StreamKind::Web => {
            let hex = hex();
            let number = |digits: &str| u32::from_str_radix(digits, 16).unwrap_or(1).max(1);
            format!("{}.{}", number(&hex[..8]), number(&hex[8..16]))
        }
    }
}

fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes.iter().fold(OFFSET, |hash, &b| {
        (hash ^ u128::from(b)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use StreamKind::{App, Web};
    use serde_json::json;

    const WEB: Common<'static> = Common {
        stream: Web,
        client_id: "35009a79-1a05-49d7-b876-2b884d0f825b",
        session_id: "1700000000000",
        app_name: "lumogon",
        app_version: "0.1.0",
    };
    const APP: Common<'static> = Common { stream: App, ..WEB };
    const URL: &str = "https://www.google-analytics.com/mp/collect?measurement_id=G-A&api_secret=s";
    const SCAN: Hit = Hit::Screenview { screen: "scan" };
    const UX: Hit = Hit::Event {
        category: "UX",
        action: "upload",
    };
    const BOTH: [Hit; 2] = [
        Hit::Screenview {
            screen: "capabilities describe",
        },
        UX,
    ];

    fn fresh(hits: &[Hit]) -> Vec<Entry> {
        hits.iter().map(|hit| Entry::fresh(*hit, 0)).collect()
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
            let events = events(&common, &[late.hit]);
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
            let web = encode(&WEB, URL, &[hit]);
            assert_eq!(names(&web), ["page_view"], "{screen:?}");
            assert!(!web.requests[0].body.contains("screen_view"), "{screen:?}");
            assert!(!web.requests[0].body.contains("screen_name"), "{screen:?}");
            assert_eq!(
                names(&encode(&APP, URL, &[hit])),
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
            Hit::Event {
                category: "UX",
                action: long,
            },
            Hit::Event {
                category: "farewell",
                action: "said",
            },
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
            let hit = Hit::Event {
                category,
                action: "a",
            };
            for common in [WEB, APP] {
                let encoded = encode(&common, URL, &[hit, SCAN]);
                assert_eq!(encoded.refused, fresh(&[hit]), "{category:?}");
                // The other hit still goes.
                assert_eq!(encoded.requests.len(), 1, "{category:?}");
                assert_eq!(encoded.requests[0].hits.len(), 1, "{category:?}");
            }
        }
        // What only app streams take is refused from a web stream only.
        let hit = Hit::Event {
            category: "In App Purchase",
            action: "a",
        };
        assert_eq!(encode(&WEB, URL, &[hit]).refused, fresh(&[hit]));
        assert!(encode(&APP, URL, &[hit]).refused.is_empty());
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
        let hits = [
            Hit::Screenview { screen: long },
            Hit::Event {
                category: "c",
                action: long,
            },
        ];
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
        let hits: Vec<Hit> = (0..60).map(|i| [SCAN, UX][i % 2]).collect();
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
        assert_eq!(all.map(|e| e.hit).collect::<Vec<_>>(), hits);
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
}
