//! PostHog capture API events: what a [`Hit`] becomes when the application
//! chose [`Config::posthog`](crate::Config::posthog) (or `{APP}_POSTHOG_API_KEY`
//! chose it), encoded as PostHog's batch endpoint wants it. Pure logic: no
//! I/O.
//!
//! ```text
//! POST {host}/batch/                                    (application/json)
//! {"api_key":"phc_…","batch":[{"event":"$screen","distinct_id":"…","properties":{…}}, …]}
//! ```
//!
//! The shape is the one PostHog's capture reference gives for the batch
//! route (<https://posthog.com/docs/api/capture>): `api_key` (the project
//! API key) and `batch` at the top, and in each event `event`,
//! `distinct_id`, `properties` and an optional ISO 8601 `timestamp`. Its
//! optional `historical_migration` flag is for imports of old data (it needs
//! a paid plan and events at least 48 hours old,
//! <https://posthog.com/docs/migrate>), which a run's hits and a few hours
//! of spool are not: it is not sent, and PostHog takes it as `false`.
//!
//! A hit of this run carries no `timestamp`: PostHog stamps it when it
//! arrives ("If not provided, PostHog uses the current server time"), which
//! a client's wrong clock cannot skew. A hit sent late from the spool
//! carries the time it was recorded, so that it counts when it happened.
//!
//! JSON is built with `serde_json` for the reasons `ga4` gives; keys are in
//! sorted order.

use serde_json::{Map, Value};

use self::rules::Broken;
use super::Encoded;
use crate::hit::{Entry, Hit};
use crate::limits::posthog::BATCH_EVENTS;
use crate::params::Param;
use crate::utc::Utc;

pub(crate) mod rules;

/// The batch endpoint of PostHog's US cloud, where events go unless told
/// otherwise (its capture reference: "https://us.i.posthog.com for US
/// Cloud, https://eu.i.posthog.com for EU Cloud").
pub(crate) const DEFAULT_ENDPOINT: &str = "https://us.i.posthog.com/batch/";
/// The batch route, appended to a host.
pub(crate) const BATCH_PATH: &str = "/batch/";
/// PostHog bodies are JSON.
pub(crate) const CONTENT_TYPE: &str = "application/json";

/// What a screenview becomes: PostHog's own screen event (what its mobile
/// SDKs send, and its reports count screens by), with `$screen_name`.
pub(crate) const SCREEN_EVENT: &str = "$screen";
const PROP_SCREEN_NAME: &str = "$screen_name";

/// The library's own properties on every event.
const PROP_LIB: &str = "$lib";
const PROP_LIB_VERSION: &str = "$lib_version";
const PROP_APP_NAME: &str = "app_name";
const PROP_APP_VERSION: &str = "app_version";
const PROP_ACTION: &str = "action";
/// Anonymous events: `false` tells PostHog to create and update no person
/// profile for the `distinct_id` (the capture reference, "Anonymous event
/// capture").
const PROP_PERSON_PROFILE: &str = "$process_person_profile";
/// `true` skips PostHog's GeoIP enrichment of the event (what PostHog's
/// server SDKs send by default since posthog-node 3.0.0: "All events by
/// default now send the `$geoip_disable` property to disable geoip lookup").
const PROP_GEOIP_DISABLE: &str = "$geoip_disable";
/// Present and `null`: PostHog's ingestion stores the sender's address as
/// `$ip` only when the event has no `$ip` property of its own (its plugin
/// server: `if (ip && !team.anonymize_ips && !('$ip' in properties))`), so
/// the address the request came from is not kept with the event. A project
/// can also discard every address ("Discard client IP data",
/// <https://posthog.com/docs/product-analytics/privacy>).
const PROP_IP: &str = "$ip";

/// What `analytics screens` adds for PostHog: what each line it lists
/// becomes, and what every event holds.
pub(crate) const DISCLOSURE: &str = "\
each is sent to PostHog as an event: a screen as `$screen` with `$screen_name`, an event \
named after its category with `action` and its parameters; every event has `distinct_id` \
(an anonymous id) and the properties `app_name`, `app_version`, `$lib`, `$lib_version`, \
`$process_person_profile: false` (no person profile), `$geoip_disable: true` (no location) \
and `$ip: null` (no IP address kept); one sent late has its `timestamp`";

/// The library's name and version, as `$lib` and `$lib_version`.
const LIB: &str = "lumogon-track";
const LIB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The fields every event of one process shares.
#[derive(Debug)]
pub(crate) struct Common<'a> {
    /// The project API key: public, write-only (PostHog: "These use your
    /// project API key and do not return any sensitive data").
    pub(crate) api_key: &'a str,
    /// The application's client id, sent as `distinct_id`.
    pub(crate) client_id: &'a str,
    pub(crate) app_name: &'a str,
    pub(crate) app_version: &'a str,
    /// Where the run is (OS, architecture, CI), when the application chose.
    pub(crate) context: &'a [Param],
}

/// The batch URL of a PostHog instance: `host` (`https://eu.i.posthog.com`,
/// a self-hosted `https://posthog.example.com`, `http://127.0.0.1:8000`)
/// with `/batch/` appended, unless it already ends with it.
pub(crate) fn batch_url(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    let host = host.strip_suffix("/batch").unwrap_or(host);
    format!("{host}{BATCH_PATH}")
}

/// The endpoint as the transport will post to it, checked once.
pub(crate) fn url(endpoint: &str) -> Result<String, String> {
    Ok(super::parse_endpoint(endpoint)?.into())
}

/// The requests for `entries`: at most [`BATCH_EVENTS`] events per request,
/// in order. A hit whose event would break one of PostHog's rules
/// ([`rules`]) is refused here, with a debug line naming the rule.
pub(crate) fn requests(common: &Common<'_>, url: &str, entries: &[Entry]) -> Encoded {
    let mut encoded = Encoded::default();
    if let Err(rule) = rules::check_distinct_id(common.client_id) {
        for entry in entries {
            log::debug!("analytics: refused {entry}: {rule}");
        }
        encoded.refused.extend(entries.iter().cloned());
        return encoded;
    }
    let body = |events: Vec<Value>| {
        let mut body = Map::new();
        body.insert("api_key".into(), common.api_key.into());
        body.insert("batch".into(), Value::Array(events));
        Value::Object(body)
    };
    super::json_requests(
        entries,
        |entry| event(common, entry),
        BATCH_EVENTS,
        body,
        rules::check_body,
        (url, CONTENT_TYPE),
    )
}

/// One event object, `{"event": …, "distinct_id": …, "properties": {…}}`,
/// with `timestamp` for one sent late from the spool; or the rule it would
/// break.
fn event(common: &Common<'_>, entry: &Entry) -> Result<Value, Broken> {
    let mut properties = Map::new();
    // First: the library's own properties go over it, and no parameter of
    // the application's can hide it.
    for (key, value) in common.context {
        properties.insert((*key).to_owned(), value.json());
    }
    let mut prop = |key: &str, value: Value| {
        properties.insert(key.to_owned(), value);
    };
    prop(PROP_LIB, LIB.into());
    prop(PROP_LIB_VERSION, LIB_VERSION.into());
    prop(PROP_APP_NAME, common.app_name.into());
    prop(PROP_APP_VERSION, common.app_version.into());
    prop(PROP_PERSON_PROFILE, false.into());
    prop(PROP_GEOIP_DISABLE, true.into());
    prop(PROP_IP, Value::Null);
    let name = match &entry.hit {
        Hit::Screenview { screen } => {
            prop(PROP_SCREEN_NAME, (*screen).into());
            SCREEN_EVENT.to_owned()
        }
        Hit::Event {
            category,
            action,
            params,
        } => {
            rules::check_event_name(category)?;
            prop(PROP_ACTION, (*action).into());
            // The library's own properties and the context stay what they
            // are.
            for (key, value) in params {
                properties.entry(*key).or_insert_with(|| value.json());
            }
            (*category).to_owned()
        }
    };
    sort(&mut properties);
    let mut event = Map::new();
    event.insert("event".into(), name.into());
    event.insert("distinct_id".into(), common.client_id.into());
    event.insert("properties".into(), Value::Object(properties));
    if entry.late {
        event.insert("timestamp".into(), iso8601(entry.at_ms).into());
    }
    Ok(Value::Object(event))
}

/// Puts the keys in sorted order whichever map serde_json was built with.
fn sort(map: &mut Map<String, Value>) {
    let mut entries: Vec<_> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|(a, _), (b, _)| a.cmp(b));
    map.extend(entries);
}

/// `ms` since the Unix epoch as an ISO 8601 UTC time with milliseconds,
/// `2026-12-04T16:29:41.123Z`, as PostHog's SDKs send it.
pub(crate) fn iso8601(ms: u64) -> String {
    let t = Utc::from_ms(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.milli
    )
}

#[cfg(test)]
mod tests;
