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
use super::Encoded;
use crate::hit::{Entry, Hit};
use crate::limits::cut_to_chars;
use crate::limits::ga4::{MAX_BODY_BYTES, MAX_EVENTS, MAX_VALUE_CHARS};
use crate::params::Param;

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
    /// Where the run is (OS, architecture, CI), when the application chose.
    pub(crate) context: &'a [Param],
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
    let mut url = super::parse_endpoint(endpoint)?;
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
    let client_id = stream_client_id(common.stream, common.client_id);
    let body = |events: Vec<Value>| {
        debug_assert_eq!(rules::check_event_count(events.len()), Ok(()));
        let mut body = Map::new();
        body.insert(
            common.stream.client_field().into(),
            client_id.clone().into(),
        );
        body.insert("events".into(), Value::Array(events));
        Value::Object(body)
    };
    // Every value is cut to 100 characters and the client id has a fixed
    // form, so only a change here could make a body this large.
    let fits = |bytes: usize| match bytes {
        ..=MAX_BODY_BYTES => Ok(()),
        _ => Err(format!(
            "a body of {bytes} bytes; GA4 takes {MAX_BODY_BYTES} at most"
        )),
    };
    super::json_requests(
        entries,
        |entry| event(common, entry),
        MAX_EVENTS,
        body,
        fits,
        (url, CONTENT_TYPE),
    )
}

/// One event object, `{"name": …, "params": {…}}`, and the time it
/// happened (`timestamp_micros`) for one sent late from the spool; or the
/// rule it would break.
fn event(common: &Common<'_>, entry: &Entry) -> Result<Value, Broken> {
    let mut params = Map::new();
    // First, so that no parameter of the application's can hide it.
    for (key, value) in common.context {
        params.insert((*key).into(), value.json());
    }
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
        (
            Hit::Event {
                category,
                action,
                params: extra,
            },
            _,
        ) => {
            param(PARAM_ACTION, action);
            param(PARAM_CATEGORY, category);
            for (key, value) in extra {
                // The library's own parameters and the context stay what
                // they are.
                params.entry(*key).or_insert_with(|| value.json());
            }
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
mod tests;
