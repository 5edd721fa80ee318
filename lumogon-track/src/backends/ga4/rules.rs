//! The GA4 Measurement Protocol's own rules, as its reference states them:
//! what a name may be, which names and prefixes are reserved for which kind
//! of stream, how many events a request and parameters an event may hold,
//! how long a value and how old a timestamp may be. Pure logic: no I/O.
//!
//! The collector answers 2xx to whatever it then drops, so a rule broken
//! here is a hit lost without a word; `ga4.rs` checks every event against
//! these before it is sent, and refuses the ones that break one.
//!
//! Sources (November 2026): the Measurement Protocol reference, "Reserved
//! names" (<https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference#reserved_names>),
//! and "Send Measurement Protocol events", "Limitations"
//! (<https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events#limitations>).

use std::fmt;

use crate::limits::ga4::{MAX_EVENTS, MAX_NAME_CHARS, MAX_PARAMS, MAX_VALUE_CHARS};

/// The two kinds of GA4 data stream, which the Measurement Protocol tells
/// apart by what identifies them and which events it takes from each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamKind {
    /// A web stream: `measurement_id` in the query string, `client_id` in
    /// the body.
    Web,
    /// An app (Firebase) stream: `firebase_app_id` in the query string,
    /// `app_instance_id` in the body.
    App,
}

impl StreamKind {
    /// The query parameter that names the stream.
    pub(crate) fn id_parameter(self) -> &'static str {
        match self {
            StreamKind::Web => "measurement_id",
            StreamKind::App => "firebase_app_id",
        }
    }

    /// The body field that identifies the client (or app instance).
    pub(crate) fn client_field(self) -> &'static str {
        match self {
            StreamKind::Web => "client_id",
            StreamKind::App => "app_instance_id",
        }
    }
}

/// Event names no stream takes.
#[rustfmt::skip] // the reference's list, as a table
pub(crate) const RESERVED_EVENT_NAMES: &[&str] = &[
    "ad_activeview", "ad_click", "ad_exposure", "ad_query", "ad_reward", "adunit_exposure",
    "app_clear_data", "app_exception", "app_install", "app_remove", "app_store_refund",
    "app_update", "app_upgrade", "dynamic_link_app_open", "dynamic_link_app_update",
    "dynamic_link_first_open", "error", "firebase_campaign", "firebase_in_app_message_action",
    "firebase_in_app_message_dismiss", "firebase_in_app_message_impression", "first_open",
    "first_visit", "notification_dismiss", "notification_foreground", "notification_open",
    "notification_receive", "notification_send", "os_update", "session_start", "user_engagement",
];

/// Event names only an app stream takes.
pub(crate) const APP_ONLY_EVENT_NAMES: &[&str] =
    &["ad_impression", "in_app_purchase", "screen_view"];

/// Prefixes no event name may have.
pub(crate) const RESERVED_EVENT_PREFIXES: &[&str] = &["firebase_", "google_", "ga_"];

/// Parameter names no event may carry.
pub(crate) const RESERVED_PARAM_NAMES: &[&str] = &["firebase_conversion"];

/// Prefixes no parameter name may have.
pub(crate) const RESERVED_PARAM_PREFIXES: &[&str] = &["_", "firebase_", "ga_", "google_", "gtag."];

/// The parameters every event carries: without them GA4 counts the event in
/// no session and shows it in no real-time report.
pub(crate) const REQUIRED_PARAMS: &[&str] = &["session_id", "engagement_time_msec"];

/// A rule of the Measurement Protocol that something broke; its `Display`
/// names the rule, for the debug line that says why a hit was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Broken {
    /// An event or parameter name that is empty, does not start with a
    /// letter, or holds something other than letters, digits and `_`.
    NameCharacters { what: &'static str, name: String },
    /// A name over [`MAX_NAME_CHARS`].
    NameTooLong { what: &'static str, name: String },
    /// A name the protocol keeps for itself.
    ReservedName { what: &'static str, name: String },
    /// A name with a prefix the protocol keeps for itself.
    ReservedPrefix {
        what: &'static str,
        name: String,
        prefix: &'static str,
    },
    /// An event only app streams take, bound for a web stream.
    AppOnly { name: String },
    /// More than [`MAX_PARAMS`] parameters on an event.
    TooManyParams { count: usize },
    /// More than [`MAX_EVENTS`] events in a request.
    TooManyEvents { count: usize },
    /// A value over [`MAX_VALUE_CHARS`].
    ValueTooLong { param: String },
    /// An event without one of [`REQUIRED_PARAMS`].
    Missing { param: &'static str },
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broken::NameCharacters { what, name } => write!(
                f,
                "{what} name {name:?} breaks the naming rule: letters, digits and underscores, \
                 starting with a letter"
            ),
            Broken::NameTooLong { what, name } => write!(
                f,
                "{what} name {name:?} is longer than {MAX_NAME_CHARS} characters"
            ),
            Broken::ReservedName { what, name } => {
                write!(f, "{what} name {name:?} is reserved by GA4")
            }
            Broken::ReservedPrefix { what, name, prefix } => write!(
                f,
                "{what} name {name:?} starts with {prefix:?}, a prefix GA4 reserves"
            ),
            Broken::AppOnly { name } => write!(
                f,
                "event name {name:?} is accepted from app streams only, and this is a web stream"
            ),
            Broken::TooManyParams { count } => write!(
                f,
                "{count} parameters on one event; GA4 takes at most {MAX_PARAMS}"
            ),
            Broken::TooManyEvents { count } => write!(
                f,
                "{count} events in one request; GA4 takes at most {MAX_EVENTS}"
            ),
            Broken::ValueTooLong { param } => write!(
                f,
                "the value of {param:?} is longer than {MAX_VALUE_CHARS} characters"
            ),
            Broken::Missing { param } => {
                write!(f, "the event has no {param:?}, which every event needs")
            }
        }
    }
}

/// Letters, digits and `_`, starting with a letter, at most 40 characters:
/// the rule for event and parameter names.
fn check_name(what: &'static str, name: &str) -> Result<(), Broken> {
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(char::is_alphabetic);
    if !starts_with_letter || !chars.all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Broken::NameCharacters {
            what,
            name: name.to_owned(),
        });
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Broken::NameTooLong {
            what,
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn check_reserved(
    what: &'static str,
    name: &str,
    names: &[&str],
    prefixes: &[&'static str],
) -> Result<(), Broken> {
    if names.contains(&name) {
        return Err(Broken::ReservedName {
            what,
            name: name.to_owned(),
        });
    }
    if let Some(prefix) = prefixes.iter().find(|p| name.starts_with(*p)) {
        return Err(Broken::ReservedPrefix {
            what,
            name: name.to_owned(),
            prefix,
        });
    }
    Ok(())
}

/// Whether a stream of `kind` takes an event called `name`.
pub(crate) fn check_event_name(name: &str, kind: StreamKind) -> Result<(), Broken> {
    check_reserved("event", name, RESERVED_EVENT_NAMES, RESERVED_EVENT_PREFIXES)?;
    if kind == StreamKind::Web && APP_ONLY_EVENT_NAMES.contains(&name) {
        return Err(Broken::AppOnly {
            name: name.to_owned(),
        });
    }
    check_name("event", name)
}

/// Whether an event may carry a parameter called `name`.
pub(crate) fn check_param_name(name: &str) -> Result<(), Broken> {
    check_reserved(
        "parameter",
        name,
        RESERVED_PARAM_NAMES,
        RESERVED_PARAM_PREFIXES,
    )?;
    check_name("parameter", name)
}

/// Whether a parameter's string value is short enough.
pub(crate) fn check_value(param: &str, value: &str) -> Result<(), Broken> {
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(Broken::ValueTooLong {
            param: param.to_owned(),
        });
    }
    Ok(())
}

/// Every rule for one event: its name for this kind of stream, the number,
/// names and string values of its parameters, and the parameters every
/// event needs. `params` are (name, string value if it is a string).
pub(crate) fn check_event<'a>(
    name: &str,
    params: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    kind: StreamKind,
) -> Result<(), Broken> {
    check_event_name(name, kind)?;
    let mut count = 0;
    let mut seen = [false; REQUIRED_PARAMS.len()];
    for (param, value) in params {
        count += 1;
        check_param_name(param)?;
        if let Some(value) = value {
            check_value(param, value)?;
        }
        if let Some(i) = REQUIRED_PARAMS.iter().position(|r| *r == param) {
            seen[i] = true;
        }
    }
    if count > MAX_PARAMS {
        return Err(Broken::TooManyParams { count });
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(Broken::Missing {
            param: REQUIRED_PARAMS[i],
        });
    }
    Ok(())
}

/// Whether a request may hold `count` events.
pub(crate) fn check_event_count(count: usize) -> Result<(), Broken> {
    if count > MAX_EVENTS {
        return Err(Broken::TooManyEvents { count });
    }
    Ok(())
}

/// A web stream's `client_id` as the reference describes it: two positive
/// numbers joined by a period (what gtag.js makes: a random number and the
/// time of the first visit).
pub(crate) fn is_web_client_id(id: &str) -> bool {
    let positive = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.bytes().any(|b| b != b'0')
    };
    id.split_once('.')
        .is_some_and(|(a, b)| positive(a) && positive(b))
}

/// An app stream's `app_instance_id`: 32 hexadecimal digits, as the Firebase
/// SDK gives it.
pub(crate) fn is_app_instance_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `G-` then ASCII letters and digits, as Google Analytics shows a GA4 web
/// stream's measurement id.
pub(crate) fn is_measurement_id(id: &str) -> bool {
    id.strip_prefix("G-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A Firebase app id as the Firebase console shows it:
/// `<version>:<project number>:<platform>:<hex>`, e.g.
/// `1:1234567890:android:321abc456def7890` (platforms `android`, `ios`, and
/// `web` for completeness; the stream's kind is what the protocol checks).
pub(crate) fn is_firebase_app_id(id: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = id.split(':').collect();
    let [version, project, platform, hex] = parts[..] else {
        return false;
    };
    digits(version)
        && digits(project)
        && !platform.is_empty()
        && platform.bytes().all(|b| b.is_ascii_lowercase())
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
