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

use crate::hit::{Encoded, Entry, Hit, Request};

/// GA4 bodies are JSON.
pub(crate) const CONTENT_TYPE: &str = "application/json";
/// A request carries at most this many events.
pub(crate) const MAX_EVENTS: usize = 25;
/// The longest event or parameter name GA4 keeps, in characters.
const MAX_NAME_CHARS: usize = 40;
/// The longest parameter value GA4 keeps, in characters.
const MAX_VALUE_CHARS: usize = 100;
/// GA4 takes an event's `timestamp_micros` at most 72 hours back: an older
/// one is not sent.
pub(crate) const MAX_EVENT_AGE: std::time::Duration = std::time::Duration::from_secs(72 * 3600);
/// A body must stay under 130 kB.
pub(crate) const MAX_BODY_BYTES: usize = 130_000;

/// What a screenview becomes, the name GA4's own reports use for one.
const SCREEN_VIEW: &str = "screen_view";
/// The name of an event whose category leaves nothing usable.
const FALLBACK_NAME: &str = "event";

/// Every parameter name sent; each at most [`MAX_NAME_CHARS`].
const PARAM_SCREEN_NAME: &str = "screen_name";
const PARAM_CATEGORY: &str = "category";
const PARAM_ACTION: &str = "action";
const PARAM_APP_NAME: &str = "app_name";
const PARAM_APP_VERSION: &str = "app_version";
const PARAM_SESSION_ID: &str = "session_id";
const PARAM_ENGAGEMENT: &str = "engagement_time_msec";

/// Event names GA4 refuses (web and app streams), and prefixes it reserves.
const RESERVED_NAMES: &[&str] = &[
    "ad_activeview",
    "ad_click",
    "ad_exposure",
    "ad_impression",
    "ad_query",
    "ad_reward",
    "adunit_exposure",
    "app_background",
    "app_clear_data",
    "app_exception",
    "app_remove",
    "app_store_refund",
    "app_store_subscription_cancel",
    "app_store_subscription_convert",
    "app_store_subscription_renew",
    "app_update",
    "app_upgrade",
    "click",
    "dynamic_link_app_open",
    "dynamic_link_app_update",
    "dynamic_link_first_open",
    "error",
    "file_download",
    "first_open",
    "first_visit",
    "form_start",
    "form_submit",
    "in_app_purchase",
    "notification_dismiss",
    "notification_foreground",
    "notification_open",
    "notification_receive",
    "os_update",
    "page_view",
    "scroll",
    "session_start",
    "session_start_with_rollout",
    "user_engagement",
    "video_complete",
    "video_progress",
    "video_start",
    "view_search_results",
];
const RESERVED_PREFIXES: &[&str] = &["firebase_", "ga_", "google_", "query_id"];

/// The fields every event of one process shares.
#[derive(Debug)]
pub(crate) struct Common<'a> {
    pub(crate) client_id: &'a str,
    /// One per process, so that GA4 counts a run as a session.
    pub(crate) session_id: &'a str,
    pub(crate) app_name: &'a str,
    pub(crate) app_version: &'a str,
}

/// The endpoint with the stream's credentials added to its query string
/// (after any query it already has).
pub(crate) fn url(
    endpoint: &str,
    measurement_id: &str,
    api_secret: &str,
) -> Result<String, String> {
    let mut url =
        reqwest::Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
    url.query_pairs_mut()
        .append_pair("measurement_id", measurement_id)
        .append_pair("api_secret", api_secret);
    Ok(url.into())
}

/// The requests for `hits`: [`MAX_EVENTS`] events per request, in order.
pub(crate) fn requests(common: &Common<'_>, url: &str, hits: &[Entry]) -> Encoded {
    let mut encoded = Encoded::default();
    for chunk in hits.chunks(MAX_EVENTS) {
        let mut body = Map::new();
        body.insert("client_id".into(), common.client_id.into());
        let events = chunk.iter().map(|hit| event(common, hit)).collect();
        body.insert("events".into(), Value::Array(events));
        let body = Value::Object(body).to_string();
        // Only an application's enormous client id can get here: every other
        // value is cut to 100 characters.
        if body.len() > MAX_BODY_BYTES {
            encoded.too_large.extend_from_slice(chunk);
            continue;
        }
        encoded.requests.push(Request {
            url: url.to_owned(),
            content_type: CONTENT_TYPE,
            body,
            hits: chunk.to_vec(),
        });
    }
    encoded
}

/// One event object: `{"name": …, "params": {…}}`, and the time it
/// happened (`timestamp_micros`) for one sent late from the spool.
fn event(common: &Common<'_>, entry: &Entry) -> Value {
    let mut params = Map::new();
    let mut param = |name: &'static str, value: &str| {
        params.insert(name.into(), truncate(value, MAX_VALUE_CHARS).into());
    };
    let name = match &entry.hit {
        Hit::Screenview { screen } => {
            param(PARAM_APP_NAME, common.app_name);
            param(PARAM_APP_VERSION, common.app_version);
            param(PARAM_SCREEN_NAME, screen);
            SCREEN_VIEW.to_owned()
        }
        Hit::Event { category, action } => {
            param(PARAM_ACTION, action);
            param(PARAM_APP_NAME, common.app_name);
            param(PARAM_APP_VERSION, common.app_version);
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
        truncate(
            entry.session.as_deref().unwrap_or(common.session_id),
            MAX_VALUE_CHARS,
        )
        .into(),
    );
    sort(&mut params);
    let mut event = Map::new();
    event.insert("name".into(), name.into());
    event.insert("params".into(), Value::Object(params));
    if entry.late {
        event.insert(
            "timestamp_micros".into(),
            entry.at_ms.saturating_mul(1000).into(),
        );
    }
    Value::Object(event)
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
/// one underscore, none at either end, at most 40 characters. A name that
/// would be empty, start with a digit, or be one GA4 reserves gets the
/// prefix `event_` (an empty one is just `event`). `"UX"` becomes `"ux"`,
/// `"Report upload"` `"report_upload"`, `"error"` `"event_error"`.
pub(crate) fn event_name(category: &str) -> String {
    let mut name = String::with_capacity(category.len());
    for c in category.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    let trimmed = name.trim_end_matches('_');
    let reserved = RESERVED_NAMES.contains(&trimmed)
        || RESERVED_PREFIXES.iter().any(|p| trimmed.starts_with(p));
    let mut name = if trimmed.is_empty() {
        FALLBACK_NAME.to_owned()
    } else if reserved || trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{FALLBACK_NAME}_{trimmed}")
    } else {
        trimmed.to_owned()
    };
    // All ASCII by now, so bytes are characters.
    name.truncate(MAX_NAME_CHARS);
    while name.ends_with('_') {
        name.pop();
    }
    name
}

/// The longest prefix of `s` with at most `max` characters (GA4 counts
/// characters, not bytes).
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: Common<'static> = Common {
        client_id: "35009a79-1a05-49d7-b876-2b884d0f825b",
        session_id: "1700000000000",
        app_name: "lumogon",
        app_version: "0.1.0",
    };
    const URL: &str = "https://www.google-analytics.com/mp/collect?measurement_id=G-A&api_secret=s";

    fn fresh(hits: &[Hit]) -> Vec<Entry> {
        hits.iter().map(|hit| Entry::fresh(*hit, 0)).collect()
    }

    #[test]
    fn a_late_event_keeps_its_time_and_its_session() {
        let late = Entry {
            hit: Hit::Screenview { screen: "scan" },
            at_ms: 1_700_000_123_456,
            late: true,
            session: Some("1700000000999".to_owned()),
        };
        let json = parse(&requests(&COMMON, URL, std::slice::from_ref(&late)).requests[0].body);
        assert_eq!(
            json["events"][0]["timestamp_micros"],
            1_700_000_123_456_000_u64
        );
        assert_eq!(json["events"][0]["params"]["session_id"], "1700000000999");
        // A hit of this run has neither: GA4 places it when it arrives.
        let json = parse(&requests(&COMMON, URL, &fresh(&[late.hit])).requests[0].body);
        assert_eq!(json["events"][0].get("timestamp_micros"), None);
        assert_eq!(json["events"][0]["params"]["session_id"], "1700000000000");
    }

    fn parse(body: &str) -> Value {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    #[test]
    fn a_screenview_and_an_event_in_one_request() {
        let hits = [
            Hit::Screenview {
                screen: "capabilities describe",
            },
            Hit::Event {
                category: "UX",
                action: "upload",
            },
        ];
        let encoded = requests(&COMMON, URL, &fresh(&hits));
        assert!(encoded.too_large.is_empty());
        assert_eq!(encoded.requests.len(), 1);
        let request = &encoded.requests[0];
        assert_eq!(request.url, URL);
        assert_eq!(request.content_type, "application/json");
        assert_eq!(request.hits, fresh(&hits));
        assert_eq!(
            parse(&request.body),
            serde_json::json!({
                "client_id": "35009a79-1a05-49d7-b876-2b884d0f825b",
                "events": [
                    {"name": "screen_view", "params": {
                        "screen_name": "capabilities describe",
                        "app_name": "lumogon",
                        "app_version": "0.1.0",
                        "engagement_time_msec": 1,
                        "session_id": "1700000000000",
                    }},
                    {"name": "ux", "params": {
                        "category": "UX",
                        "action": "upload",
                        "app_name": "lumogon",
                        "app_version": "0.1.0",
                        "engagement_time_msec": 1,
                        "session_id": "1700000000000",
                    }},
                ],
            })
        );
        // The exact text, as a dry run prints it: sorted keys, no spaces.
        assert_eq!(
            request.body,
            r#"{"client_id":"35009a79-1a05-49d7-b876-2b884d0f825b","events":[{"name":"screen_view","params":{"app_name":"lumogon","app_version":"0.1.0","engagement_time_msec":1,"screen_name":"capabilities describe","session_id":"1700000000000"}},{"name":"ux","params":{"action":"upload","app_name":"lumogon","app_version":"0.1.0","category":"UX","engagement_time_msec":1,"session_id":"1700000000000"}}]}"#
        );
    }

    #[test]
    fn strings_are_escaped() {
        let common = Common {
            app_name: "say \"hi\"\\\n\u{1}",
            ..COMMON
        };
        let body =
            &requests(&common, URL, &fresh(&[Hit::Screenview { screen: "a\"b" }])).requests[0].body;
        let json = parse(body);
        assert_eq!(
            json["events"][0]["params"]["app_name"],
            "say \"hi\"\\\n\u{1}"
        );
        assert_eq!(json["events"][0]["params"]["screen_name"], "a\"b");
    }

    #[test]
    fn event_names_are_sanitized() {
        let cases = [
            ("UX", "ux"),
            ("upload", "upload"),
            ("Report upload", "report_upload"),
            ("  a--b  c ", "a_b_c"),
            ("café au lait", "caf_au_lait"),
            ("3d", "event_3d"),
            ("", "event"),
            ("---", "event"),
            ("日本", "event"),
            ("error", "event_error"),
            ("Session Start", "event_session_start"),
            ("ga_thing", "event_ga_thing"),
            ("Google Things", "event_google_things"),
            ("_private", "private"),
        ];
        for (category, name) in cases {
            assert_eq!(event_name(category), name, "{category:?}");
        }
    }

    #[test]
    fn event_names_stay_within_forty_characters() {
        let long = "x".repeat(100);
        assert_eq!(event_name(&long), "x".repeat(40));
        // A cut that would end on an underscore drops it.
        let cut = format!("{}_yy", "x".repeat(39));
        assert_eq!(event_name(&cut), "x".repeat(39));
        let prefixed = event_name(&"9".repeat(60));
        assert_eq!(prefixed.len(), 40);
        assert!(prefixed.starts_with("event_9"));
        for category in ["a b c", "Ä", "1", "error", "x y", &long] {
            let name = event_name(category);
            assert!(name.len() <= MAX_NAME_CHARS, "{name}");
            assert!(name.starts_with(|c: char| c.is_ascii_lowercase()), "{name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
        }
    }

    #[test]
    fn parameter_names_are_within_the_limit() {
        for name in [
            PARAM_SCREEN_NAME,
            PARAM_CATEGORY,
            PARAM_ACTION,
            PARAM_APP_NAME,
            PARAM_APP_VERSION,
            PARAM_SESSION_ID,
            PARAM_ENGAGEMENT,
            SCREEN_VIEW,
        ] {
            assert!(name.chars().count() <= MAX_NAME_CHARS, "{name}");
        }
    }

    #[test]
    fn values_are_cut_to_a_hundred_characters_on_character_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc");
        assert_eq!(truncate("日本語", 2), "日本");
        assert_eq!(truncate("", 0), "");

        let long: &'static str = "ü".repeat(150).leak();
        let common = Common {
            app_name: long,
            app_version: long,
            ..COMMON
        };
        let hits = [
            Hit::Screenview { screen: long },
            Hit::Event {
                category: long,
                action: long,
            },
        ];
        let json = parse(&requests(&common, URL, &fresh(&hits)).requests[0].body);
        let hundred = "ü".repeat(100);
        for event in 0..2 {
            let params = json["events"][event]["params"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (key, value) in params {
                if let Some(value) = value.as_str().filter(|_| key != "session_id") {
                    assert_eq!(value, hundred, "{key}");
                }
            }
        }
        assert_eq!(json["events"][1]["name"], "event");
    }

    #[test]
    fn at_most_twenty_five_events_a_request() {
        let hits: Vec<Hit> = (0..60)
            .map(|i| {
                if i % 2 == 0 {
                    Hit::Screenview { screen: "scan" }
                } else {
                    Hit::Event {
                        category: "UX",
                        action: "upload",
                    }
                }
            })
            .collect();
        let encoded = requests(&COMMON, URL, &fresh(&hits));
        let counts: Vec<_> = encoded
            .requests
            .iter()
            .map(|r| {
                let events = parse(&r.body)["events"]
                    .as_array()
                    .map(Vec::len)
                    .unwrap_or_default();
                (r.hits.len(), events)
            })
            .collect();
        assert_eq!(counts, [(25, 25), (25, 25), (10, 10)]);
        let all: Vec<Entry> = encoded
            .requests
            .iter()
            .flat_map(|r| r.hits.clone())
            .collect();
        assert_eq!(all, fresh(&hits));
        assert!(requests(&COMMON, URL, &fresh(&[])).requests.is_empty());
    }

    #[test]
    fn an_oversized_body_is_set_aside() {
        let common = Common {
            client_id: "c".repeat(MAX_BODY_BYTES).leak(),
            ..COMMON
        };
        let hit = Hit::Screenview { screen: "scan" };
        let encoded = requests(&common, URL, &fresh(&[hit]));
        assert!(encoded.requests.is_empty());
        assert_eq!(encoded.too_large, fresh(&[hit]));
    }

    #[test]
    fn the_credentials_go_in_the_query_string() {
        assert_eq!(
            url(
                "https://www.google-analytics.com/mp/collect",
                "G-ABC123",
                "s3cret"
            )
            .as_deref(),
            Ok(
                "https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cret"
            )
        );
        // An override keeps its own query, and the secret is encoded.
        assert_eq!(
            url("http://127.0.0.1:9/debug/mp/collect?x=1", "G-A", "a&b c/=").as_deref(),
            Ok(
                "http://127.0.0.1:9/debug/mp/collect?x=1&measurement_id=G-A&api_secret=a%26b+c%2F%3D"
            )
        );
        assert!(url("127.0.0.1/mp/collect", "G-A", "s").is_err());
    }
}
