//! The spool: hits that never reached the collector, kept for a later run.
//! The file's format, its bounds and which entries a run may take are pure
//! logic; the file is read and rewritten under the directory's lock.
//!
//! The file holds one JSON object a line:
//!
//! ```text
//! {"at":1764442800123,"property":"UA-54263865-7","screen":"scan","to":"https://www.google-analytics.com/collect"}
//! {"action":"upload","at":1764442800456,"category":"UX","property":"measurement_id=G-…","session":"1764442800100","to":"…"}
//! ```
//!
//! `at` is when the hit was recorded (ms since the Unix epoch); `to` and
//! `property` are the endpoint and the property (v1 tracking id, or GA4
//! stream, never its API secret) it was meant for: a hit is only ever sent
//! where it was recorded for, never to a collector or property the person
//! did not choose for it. `session` is its GA4 session.

use std::io;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{AppDir, stored_text};
use crate::hit::{Entry, Hit};
use crate::limits::{
    CLOCK_SLACK, MAX_EVENT_PARAMS, SPOOL_AGE, SPOOL_BYTES, SPOOL_HITS, STORED_TEXT, millis,
};
use crate::params::{self, Param};

/// The file's name.
pub(crate) const FILE: &str = "spool";

/// One spooled hit.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Spooled {
    pub(crate) entry: Entry,
    /// Where it was recorded for.
    pub(crate) to: Destination,
}

/// A collector and a property on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Destination {
    pub(crate) endpoint: String,
    pub(crate) property: String,
}

impl AppDir {
    /// The spool's entries. Only its first few times [`SPOOL_BYTES`]
    /// are read: this library never writes more, and a file grown by
    /// something else must not cost a command its memory.
    fn read_spool(&self) -> Vec<Spooled> {
        parse(&self.read_bounded(FILE, 4 * SPOOL_BYTES))
    }

    fn write_spool(&self, all: &[Spooled]) -> io::Result<()> {
        if all.is_empty() {
            return self.remove(FILE);
        }
        self.write(FILE, format(all).as_bytes())
    }

    /// Keeps `new` for a later run, within the spool's bounds, waiting at
    /// most `wait` for the lock (the exit can afford a few milliseconds).
    pub(crate) fn spool(&self, new: Vec<Spooled>, now_ms: u64, wait: Duration) -> io::Result<()> {
        self.locked(wait, || {
            let all = admit(self.read_spool(), new, now_ms);
            self.write_spool(&all)
        })
    }

    /// Takes up to `room` hits meant for `to` out of the spool and hands
    /// them to `hold` before they leave the file: once taken, no other run
    /// can send them, and if `hold` refuses them (the exit took over), they
    /// stay. With `peek` (a dry run), shows them and leaves them where they
    /// are.
    #[allow(clippy::too_many_arguments)] // one call site, each named there
    pub(crate) fn unspool(
        &self,
        to: &Destination,
        room: usize,
        max_age: Duration,
        now_ms: u64,
        peek: bool,
        wait: Duration,
        hold: impl FnOnce(&[Entry]) -> bool,
    ) -> Vec<Entry> {
        // The common case, nothing spooled, costs one failed open and no
        // lock file.
        if room == 0 || !self.file(FILE).exists() {
            return Vec::new();
        }
        let claimed = self.locked(wait, || {
            let mut claim = claim(self.read_spool(), to, room, max_age, now_ms);
            if !hold(&claim.taken) {
                claim.taken.clear();
            } else if !peek && (!claim.taken.is_empty() || claim.expired > 0) {
                self.write_spool(&claim.rest)?;
            }
            Ok(claim)
        });
        match claimed {
            Ok(claim) => {
                if claim.expired > 0 {
                    log::debug!(
                        "analytics: dropped {} spooled hit(s) older than the collector takes",
                        claim.expired
                    );
                }
                claim.taken
            }
            Err(e) => {
                log::debug!("analytics: could not read the spool: {e}");
                Vec::new()
            }
        }
    }

    /// Whether the spool holds a hit for `to` (a glance, no lock).
    pub(crate) fn holds_for(&self, to: &Destination) -> bool {
        self.read_spool().iter().any(|s| &s.to == to)
    }

    /// How many hits the spool holds (for `status`; no lock: a glance).
    pub(crate) fn spooled(&self) -> usize {
        self.read_spool().len()
    }
}

/// The file's text for `spooled`, one line each.
pub(crate) fn format(spooled: &[Spooled]) -> String {
    let mut text = String::new();
    for s in spooled {
        text.push_str(&line(s));
        text.push('\n');
    }
    text
}

fn line(s: &Spooled) -> String {
    let mut object = Map::new();
    object.insert("at".into(), s.entry.at_ms.into());
    object.insert("to".into(), s.to.endpoint.clone().into());
    object.insert("property".into(), s.to.property.clone().into());
    match &s.entry.hit {
        Hit::Screenview { screen } => {
            object.insert("screen".into(), (*screen).into());
        }
        Hit::Event {
            category,
            action,
            params,
        } => {
            object.insert("category".into(), (*category).into());
            object.insert("action".into(), (*action).into());
            if !params.is_empty() {
                let pairs = params
                    .iter()
                    .map(|(key, value)| Value::Array(vec![(*key).into(), value.json()]));
                object.insert("params".into(), Value::Array(pairs.collect()));
            }
        }
    }
    if let Some(session) = &s.entry.session {
        object.insert("session".into(), session.clone().into());
    }
    Value::Object(object).to_string()
}

/// The entries of the file's text. A line that is not one this library
/// writes (damaged, truncated, edited) is skipped, not an error: the spool
/// must never break a command.
pub(crate) fn parse(text: &str) -> Vec<Spooled> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Spooled> {
    let object: Map<String, Value> = serde_json::from_str(line).ok()?;
    let text = |key: &str| stored_text(&object, key);
    let hit = match (text("screen"), text("category"), text("action")) {
        (Some(screen), None, None) => Hit::Screenview {
            screen: intern(screen),
        },
        (None, Some(category), Some(action)) => Hit::Event {
            category: intern(category),
            action: intern(action),
            params: match object.get("params") {
                None => Vec::new(),
                Some(params) => parse_params(params)?,
            },
        },
        _ => return None,
    };
    let session = match object.get("session") {
        None => None,
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        Some(_) => return None,
    };
    Some(Spooled {
        entry: Entry {
            hit,
            at_ms: object.get("at")?.as_u64()?,
            late: true,
            session,
        },
        to: Destination {
            endpoint: text("to")?.to_owned(),
            property: text("property")?.to_owned(),
        },
    })
}

/// An event's parameters as [`line`] writes them: `[[key, value], …]`.
fn parse_params(params: &Value) -> Option<Vec<Param>> {
    let params = params.as_array()?;
    if params.len() > MAX_EVENT_PARAMS {
        return None;
    }
    params
        .iter()
        .map(|pair| {
            let [key, value] = pair.as_array()?.as_slice() else {
                return None;
            };
            let key = key.as_str().filter(|k| params::is_key(k))?;
            let value = match value {
                Value::String(s) if s.len() <= STORED_TEXT => params::Value::Str(intern(s)),
                Value::Number(n) => match n.as_i64() {
                    Some(n) => params::Value::Int(n),
                    None => params::Value::Float(n.as_f64()?),
                },
                _ => return None,
            };
            Some((intern(key), value))
        })
        .collect()
}

/// A hit's strings are `&'static str` (what a command can record is fixed at
/// compile time). One read back from the spool gets its strings leaked: at
/// most [`SPOOL_HITS`] hits of a few bytes, read once a process, which buys
/// one `Hit` type for fresh and spooled hits alike.
fn intern(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// The spool after adding `new` to `kept` at `now_ms`: hits older than
/// [`SPOOL_AGE`] (or from the future: a clock that jumped) leave, then the
/// oldest until [`SPOOL_HITS`] and [`SPOOL_BYTES`] hold.
pub(crate) fn admit(mut kept: Vec<Spooled>, new: Vec<Spooled>, now_ms: u64) -> Vec<Spooled> {
    kept.extend(new);
    kept.retain(|s| fresh(s.entry.at_ms, now_ms, SPOOL_AGE));
    kept.sort_by_key(|s| s.entry.at_ms);
    let mut bytes: usize = kept.iter().map(|s| line(s).len() + 1).sum();
    let mut first = 0;
    while kept.len() - first > SPOOL_HITS || bytes > SPOOL_BYTES {
        bytes -= line(&kept[first]).len() + 1;
        first += 1;
    }
    kept.split_off(first)
}

/// What a run may take from the spool: up to `room` hits meant for `to`
/// and younger than `max_age`, oldest first, and the rest that stays. Hits
/// for `to` that are too old for it are dropped (the collector would drop
/// them).
pub(crate) fn claim(
    spooled: Vec<Spooled>,
    to: &Destination,
    room: usize,
    max_age: Duration,
    now_ms: u64,
) -> Claim {
    let mut claim = Claim::default();
    for s in spooled {
        if &s.to != to {
            claim.rest.push(s);
        } else if !fresh(s.entry.at_ms, now_ms, max_age) {
            claim.expired += 1;
        } else if claim.taken.len() < room {
            claim.taken.push(s.entry);
        } else {
            claim.rest.push(s);
        }
    }
    claim
}

/// What [`claim`] decided.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Claim {
    pub(crate) taken: Vec<Entry>,
    pub(crate) rest: Vec<Spooled>,
    pub(crate) expired: usize,
}

/// Recorded at most `max_age` before `now_ms`, and not after it by more than
/// [`CLOCK_SLACK`]: another process may have stamped a hit a little after
/// this one read the clock (while it waited for the lock), but a hit from
/// minutes ahead is a clock that jumped.
fn fresh(at_ms: u64, now_ms: u64, max_age: Duration) -> bool {
    at_ms <= now_ms.saturating_add(millis(CLOCK_SLACK))
        && u128::from(now_ms.saturating_sub(at_ms)) <= max_age.as_millis()
}

#[cfg(test)]
#[path = "spool_tests.rs"]
pub(crate) mod tests;
