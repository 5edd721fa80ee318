//! The protocols hits are encoded for: which one the application chose
//! ([`Backend`]), and what a run's hits become for it ([`Encoder`]): the
//! requests, ready to post. Pure logic: no I/O.

use std::fmt;
use std::time::Duration;

use crate::hit::{Entry, Hit};
use crate::limits;
use crate::params::{self, Param};

pub(crate) mod ga4;
pub(crate) mod posthog;
pub(crate) mod v1;

pub(crate) use ga4::rules::StreamKind;

/// Which protocol the hits are encoded for, with that protocol's property
/// identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// Universal Analytics, Measurement Protocol v1.
    V1 { tracking_id: String },
    /// Google Analytics 4, GA4 Measurement Protocol, to a web stream
    /// (`stream_id` is its measurement id) or an app stream (its Firebase
    /// app id).
    Ga4 {
        stream: StreamKind,
        stream_id: String,
        api_secret: String,
    },
    /// PostHog's capture API, to the project of `api_key` (its project API
    /// key, `phc_…`: public and write-only, as PostHog says: "These use
    /// your project API key and do not return any sensitive data").
    PostHog { api_key: String },
}

/// Why a backend's identity is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BadIdentity {
    TrackingId(String),
    MeasurementId(String),
    FirebaseAppId(String),
    ApiSecret,
    /// Not a PostHog project API key.
    PostHogKey(String),
    /// A PostHog personal API key (`phx_…`): a secret, not repeated.
    PostHogPersonalKey,
}

impl Backend {
    /// Where hits go unless told otherwise.
    pub(crate) fn default_endpoint(&self) -> &'static str {
        match self {
            Backend::V1 { .. } => v1::DEFAULT_ENDPOINT,
            Backend::Ga4 { .. } => ga4::DEFAULT_ENDPOINT,
            Backend::PostHog { .. } => posthog::DEFAULT_ENDPOINT,
        }
    }

    /// How the path of an endpoint of this protocol ends, for the error
    /// that names a wrong one.
    pub(crate) fn endpoint_ending(&self) -> &'static str {
        match self {
            Backend::V1 { .. } => "/collect",
            Backend::Ga4 { .. } => "/mp/collect",
            Backend::PostHog { .. } => posthog::BATCH_PATH,
        }
    }

    /// Whether the identity is of the form the protocol's ids take.
    pub(crate) fn check(&self) -> Result<(), BadIdentity> {
        match self {
            Backend::V1 { tracking_id } if !v1::is_tracking_id(tracking_id) => {
                Err(BadIdentity::TrackingId(tracking_id.clone()))
            }
            Backend::Ga4 {
                stream: StreamKind::Web,
                stream_id,
                ..
            } if !ga4::rules::is_measurement_id(stream_id) => {
                Err(BadIdentity::MeasurementId(stream_id.clone()))
            }
            Backend::Ga4 {
                stream: StreamKind::App,
                stream_id,
                ..
            } if !ga4::rules::is_firebase_app_id(stream_id) => {
                Err(BadIdentity::FirebaseAppId(stream_id.clone()))
            }
            Backend::Ga4 { api_secret, .. } if api_secret.trim().is_empty() => {
                Err(BadIdentity::ApiSecret)
            }
            Backend::PostHog { api_key } if !posthog::rules::is_project_api_key(api_key) => {
                if api_key.starts_with(posthog::rules::PERSONAL_KEY_PREFIX) {
                    Err(BadIdentity::PostHogPersonalKey)
                } else {
                    Err(BadIdentity::PostHogKey(api_key.clone()))
                }
            }
            _ => Ok(()),
        }
    }

    /// The property hits go to, without any secret: a spooled hit is sent
    /// only to the property it was recorded for.
    pub(crate) fn property(&self) -> String {
        match self {
            Backend::V1 { tracking_id } => tracking_id.clone(),
            Backend::Ga4 {
                stream, stream_id, ..
            } => format!("{}={stream_id}", stream.id_parameter()),
            // The project API key is public and write-only (it is in every
            // web page that uses PostHog): no secret to keep out of the
            // spool.
            Backend::PostHog { api_key } => format!("api_key={api_key}"),
        }
    }

    /// The protocol's name, for what a person reads.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Backend::V1 { .. } => "Universal Analytics",
            Backend::Ga4 { .. } => "GA4",
            Backend::PostHog { .. } => "PostHog",
        }
    }
}

impl fmt::Display for BadIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadIdentity::TrackingId(id) => write!(
                f,
                "invalid tracking id {id:?}: expected a Universal Analytics id like \"UA-12345-1\""
            ),
            BadIdentity::MeasurementId(id) => write!(
                f,
                "invalid measurement id {id:?}: expected a GA4 measurement id like \"G-ABCDE12345\" \
                 (Google Analytics: Admin, Data streams)"
            ),
            BadIdentity::FirebaseAppId(id) => write!(
                f,
                "invalid Firebase app id {id:?}: expected one like \"1:1234567890:android:321abc456def7890\" \
                 (Firebase console: Project settings, General, Your apps, App ID)"
            ),
            BadIdentity::ApiSecret => f.write_str(
                "invalid api secret: it must not be empty; create one in Google Analytics under \
                 Admin, Data streams, Measurement Protocol API secrets",
            ),
            BadIdentity::PostHogPersonalKey => f.write_str(
                "invalid PostHog key: that is a personal API key (phx_…), a secret for \
                 PostHog's private API; use the project API key instead (PostHog: Project \
                 settings, Project API key, starting with \"phc_\")",
            ),
            BadIdentity::PostHogKey(key) => write!(
                f,
                "invalid PostHog project API key {key:?}: expected one starting with \"phc_\" \
                 (PostHog: Project settings, Project API key)"
            ),
        }
    }
}

/// One HTTP POST ready to go, whatever the backend: the worker sends it, or
/// prints it in a dry run.
#[derive(Debug, PartialEq)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
    /// The hits the body carries, for the counters, the debug log and the
    /// spool.
    pub(crate) hits: Vec<Entry>,
}

/// Hits encoded for one backend.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Encoded {
    pub(crate) requests: Vec<Request>,
    /// Hits the protocol does not accept (too large, or breaking one of
    /// GA4's rules): dropped rather than sent to be dropped by the collector,
    /// which would answer 2xx all the same.
    pub(crate) refused: Vec<Entry>,
}

/// `endpoint` parsed, or an error naming it: how each backend reads its
/// endpoint.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<reqwest::Url, String> {
    reqwest::Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))
}

/// Whether every parameter key of `hit` follows [`params::is_key`].
fn keys_are_valid(hit: &Hit) -> bool {
    match hit {
        Hit::Event { params, .. } => params.iter().all(|(key, _)| params::is_key(key)),
        Hit::Screenview { .. } => true,
    }
}

/// The requests of a JSON backend (GA4, PostHog) for `entries`, in order:
/// each entry's event from `event`, or the rule it breaks (refused, with a
/// debug line naming it); `per_request` events a body, which `body` makes
/// from them; a body that `fits` refuses is refused whole, with its hits.
pub(crate) fn json_requests<E: fmt::Display, F: fmt::Display>(
    entries: &[Entry],
    event: impl Fn(&Entry) -> Result<serde_json::Value, E>,
    per_request: usize,
    body: impl Fn(Vec<serde_json::Value>) -> serde_json::Value,
    fits: impl Fn(usize) -> Result<(), F>,
    (url, content_type): (&str, &'static str),
) -> Encoded {
    let mut encoded = Encoded::default();
    let mut accepted = Vec::with_capacity(entries.len());
    for entry in entries {
        match event(entry) {
            Ok(event) => accepted.push((entry, event)),
            Err(rule) => {
                log::debug!("analytics: refused {entry}: {rule}");
                encoded.refused.push(entry.clone());
            }
        }
    }
    for chunk in accepted.chunks(per_request) {
        let events = chunk.iter().map(|(_, event)| event.clone()).collect();
        let body = body(events).to_string();
        let hits: Vec<Entry> = chunk.iter().map(|(entry, _)| (*entry).clone()).collect();
        if let Err(rule) = fits(body.len()) {
            for entry in &hits {
                log::debug!("analytics: refused {entry}: {rule}");
            }
            encoded.refused.extend(hits);
            continue;
        }
        encoded.requests.push(Request {
            url: url.to_owned(),
            content_type,
            body,
            hits,
        });
    }
    encoded
}

/// Who sends: the fields every hit of one run shares, whatever the backend.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sender<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) app_name: &'a str,
    pub(crate) app_version: &'a str,
    /// Parameters every hit carries about where it runs (OS, architecture,
    /// CI), when the application chose to send them: GA4 adds them to each
    /// event's parameters and PostHog to its properties; v1 has no field
    /// for them and sends none.
    pub(crate) context: &'a [Param],
}

/// The backend of a run, with its URLs worked out once.
#[derive(Debug)]
pub(crate) enum Encoder {
    V1 {
        tracking_id: String,
        collect: String,
        batch: String,
    },
    Ga4 {
        /// The endpoint with `measurement_id` (or `firebase_app_id`) and
        /// `api_secret` added.
        url: String,
        session_id: String,
        stream: StreamKind,
    },
    PostHog {
        /// The batch endpoint.
        url: String,
        api_key: String,
    },
}

impl Encoder {
    /// The encoder for `backend` at `endpoint`; GA4 asks `new_session` for
    /// the run's session id.
    pub(crate) fn new(
        backend: &Backend,
        endpoint: &str,
        new_session: impl FnOnce() -> String,
    ) -> Result<Encoder, String> {
        Ok(match backend {
            Backend::V1 { tracking_id } => {
                let (collect, batch) = v1::urls(endpoint)?;
                Encoder::V1 {
                    tracking_id: tracking_id.clone(),
                    collect,
                    batch,
                }
            }
            Backend::Ga4 {
                stream,
                stream_id,
                api_secret,
            } => Encoder::Ga4 {
                url: ga4::url(endpoint, *stream, stream_id, api_secret)?,
                session_id: new_session(),
                stream: *stream,
            },
            Backend::PostHog { api_key } => Encoder::PostHog {
                url: posthog::url(endpoint)?,
                api_key: api_key.clone(),
            },
        })
    }

    /// GA4's session id of this run.
    pub(crate) fn session_id(&self) -> Option<&str> {
        match self {
            Encoder::V1 { .. } | Encoder::PostHog { .. } => None,
            Encoder::Ga4 { session_id, .. } => Some(session_id),
        }
    }

    /// How many hits one request takes, and the oldest hit the protocol
    /// accepts.
    pub(crate) fn spool_room(&self) -> (usize, Duration) {
        match self {
            Encoder::V1 { .. } => (limits::v1::BATCH_HITS, limits::v1::MAX_QUEUE_TIME),
            Encoder::Ga4 { .. } => (limits::ga4::MAX_EVENTS, limits::ga4::MAX_TIMESTAMP_AGE),
            // PostHog documents no oldest `timestamp` it takes (historical
            // imports date events years back): the spool's own age limit.
            Encoder::PostHog { .. } => (limits::posthog::BATCH_EVENTS, limits::SPOOL_AGE),
        }
    }

    /// The requests for `entries`, at `now_ms`.
    pub(crate) fn encode(&self, sender: Sender<'_>, entries: &[Entry], now_ms: u64) -> Encoded {
        // One rule for the keys of every backend (the strictest's), so that
        // an event sent by one is sent by all. The common case copies
        // nothing.
        if entries.iter().all(|e| keys_are_valid(&e.hit)) {
            return self.encode_valid(sender, entries, now_ms);
        }
        let (entries, bad_keys): (Vec<Entry>, Vec<Entry>) = entries
            .iter()
            .cloned()
            .partition(|e| keys_are_valid(&e.hit));
        for entry in &bad_keys {
            log::debug!(
                "analytics: refused {entry}: a parameter's key is not lowercase ASCII letters, \
                 digits and _, starting with a letter, at most 40 characters"
            );
        }
        let mut encoded = self.encode_valid(sender, &entries, now_ms);
        encoded.refused.extend(bad_keys);
        encoded
    }

    fn encode_valid(&self, sender: Sender<'_>, entries: &[Entry], now_ms: u64) -> Encoded {
        match self {
            Encoder::V1 {
                tracking_id,
                collect,
                batch,
            } => {
                let common = v1::Common {
                    tracking_id,
                    client_id: sender.client_id,
                    app_name: sender.app_name,
                    app_version: sender.app_version,
                    now_ms,
                };
                v1::requests(&common, collect, batch, entries)
            }
            Encoder::Ga4 {
                url,
                session_id,
                stream,
            } => {
                let common = ga4::Common {
                    stream: *stream,
                    client_id: sender.client_id,
                    session_id,
                    app_name: sender.app_name,
                    app_version: sender.app_version,
                    context: sender.context,
                };
                ga4::requests(&common, url, entries)
            }
            Encoder::PostHog { url, api_key } => {
                let common = posthog::Common {
                    api_key,
                    client_id: sender.client_id,
                    app_name: sender.app_name,
                    app_version: sender.app_version,
                    context: sender.context,
                };
                posthog::requests(&common, url, entries)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Value;

    #[test]
    fn every_backend_refuses_an_event_whose_key_breaks_the_one_rule() {
        let backends = [
            Backend::V1 {
                tracking_id: "UA-1-1".into(),
            },
            Backend::Ga4 {
                stream: StreamKind::Web,
                stream_id: "G-A1".into(),
                api_secret: "s".into(),
            },
            Backend::PostHog {
                api_key: "phc_k".into(),
            },
        ];
        let with_key = |key: &'static str| {
            Entry::fresh(
                Hit::Event {
                    category: "report",
                    action: "upload",
                    params: vec![(key, Value::Int(1))],
                },
                0,
            )
        };
        let sender = Sender {
            client_id: "35009a79-1a05-49d7-b876-2b884d0f825b",
            app_name: "tool",
            app_version: "1",
            context: &[],
        };
        for backend in &backends {
            let encoder = Encoder::new(backend, backend.default_endpoint(), || "1".into())
                .expect("an encoder");
            let entries = [with_key("Format"), with_key("$set"), with_key("format")];
            let encoded = encoder.encode(sender, &entries, 0);
            assert_eq!(encoded.refused, entries[..2], "{backend:?}");
            let sent: Vec<Entry> = encoded.requests.into_iter().flat_map(|r| r.hits).collect();
            assert_eq!(sent, entries[2..], "{backend:?}");
        }
    }
}
