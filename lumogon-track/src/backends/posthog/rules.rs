//! PostHog's rules for what it ingests as sent, and the form of a project
//! API key. Pure logic: no I/O.
//!
//! PostHog answers 200 to a batch whatever its ingestion later does with
//! each event (renames it, drops it), so an event that breaks one of these
//! is refused before it is sent, with a debug line naming the rule.
//!
//! Sources (December 2026): the capture reference
//! (<https://posthog.com/docs/api/capture>: the body limit, the required
//! fields, `$`-prefixed names being PostHog's own: "The default PostHog
//! events have the `$` prefix"), and PostHog's ingestion (its plugin server:
//! event names cut to 200 characters, `distinct_id` at most 400).

use std::fmt;

use crate::limits::posthog::{MAX_BODY_BYTES, MAX_DISTINCT_ID_CHARS, MAX_EVENT_NAME_CHARS};

/// The prefix PostHog keeps for its own events and properties
/// (`$pageview`, `$screen`, `$ip`, `$set`, …): an application's event or
/// property named so would be taken for one of them.
pub(crate) const RESERVED_PREFIX: &str = "$";

/// The prefix of a PostHog project API key (what the project's settings
/// show as "Project API key", and SDKs take as their `api_key`).
pub(crate) const PROJECT_KEY_PREFIX: &str = "phc_";
/// The prefix of a personal API key, which is a secret for PostHog's
/// private API and no capture key.
pub(crate) const PERSONAL_KEY_PREFIX: &str = "phx_";

/// A rule of PostHog's that something broke; its `Display` names the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Broken {
    /// An event name that is empty or only whitespace.
    EmptyEventName,
    /// An event name over [`MAX_EVENT_NAME_CHARS`].
    EventNameTooLong { name: String },
    /// An application's event name with PostHog's `$` prefix.
    ReservedEventName { name: String },
    /// A `distinct_id` that is empty or over [`MAX_DISTINCT_ID_CHARS`].
    DistinctId { chars: usize },
    /// A body of [`MAX_BODY_BYTES`] or more.
    BodyTooLarge { bytes: usize },
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broken::EmptyEventName => f.write_str("an event name must not be empty"),
            Broken::EventNameTooLong { name } => write!(
                f,
                "event name {name:?} is longer than {MAX_EVENT_NAME_CHARS} characters, which \
                 PostHog cuts"
            ),
            Broken::ReservedEventName { name } => write!(
                f,
                "event name {name:?} starts with {RESERVED_PREFIX:?}, which PostHog keeps for \
                 its own events"
            ),
            Broken::DistinctId { chars } => write!(
                f,
                "a distinct_id of {chars} characters; PostHog takes 1 to \
                 {MAX_DISTINCT_ID_CHARS}"
            ),
            Broken::BodyTooLarge { bytes } => write!(
                f,
                "a body of {bytes} bytes; PostHog takes less than {MAX_BODY_BYTES}"
            ),
        }
    }
}

/// Whether PostHog takes `name` as an application's event name.
pub(crate) fn check_event_name(name: &str) -> Result<(), Broken> {
    if name.trim().is_empty() {
        return Err(Broken::EmptyEventName);
    }
    if name.starts_with(RESERVED_PREFIX) {
        return Err(Broken::ReservedEventName {
            name: name.to_owned(),
        });
    }
    if name.chars().count() > MAX_EVENT_NAME_CHARS {
        return Err(Broken::EventNameTooLong {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Whether PostHog keeps events of `distinct_id`.
pub(crate) fn check_distinct_id(distinct_id: &str) -> Result<(), Broken> {
    let chars = distinct_id.chars().count();
    if distinct_id.trim().is_empty() || chars > MAX_DISTINCT_ID_CHARS {
        return Err(Broken::DistinctId { chars });
    }
    Ok(())
}

/// Whether a body of `bytes` is under the capture API's limit.
pub(crate) fn check_body(bytes: usize) -> Result<(), Broken> {
    if bytes >= MAX_BODY_BYTES {
        return Err(Broken::BodyTooLarge { bytes });
    }
    Ok(())
}

/// `phc_` then letters, digits, `_` or `-`: a project API key as PostHog
/// shows it (Project settings, "Project API key"), e.g.
/// `phc_1a2B3c4D5e6F7g8H9i0J`.
pub(crate) fn is_project_api_key(key: &str) -> bool {
    key.strip_prefix(PROJECT_KEY_PREFIX).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}
