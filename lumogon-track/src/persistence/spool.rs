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

use std::fs::File;
use std::io::{self, Read};
use std::time::Duration;

use serde_json::{Map, Value};

use super::{AppDir, backoff};
use crate::hit::{Entry, Hit};
use crate::limits::{SPOOL_AGE, SPOOL_BYTES, SPOOL_HITS, STORED_TEXT};

/// The file's name.
pub(crate) const FILE: &str = "spool";

/// One spooled hit.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        let mut text = String::new();
        let read = File::open(self.file(FILE))
            .and_then(|file| file.take(4 * SPOOL_BYTES as u64).read_to_string(&mut text));
        match read {
            Ok(_) => parse(&text),
            Err(_) => Vec::new(),
        }
    }

    fn write_spool(&self, all: &[Spooled]) -> io::Result<()> {
        if all.is_empty() {
            return self.remove(FILE);
        }
        self.write(FILE, format(all).as_bytes())
    }

    /// Keeps `new` for a later run, within the spool's bounds, and, with
    /// `timed_out`, records that this endpoint timed out: both under one
    /// wait for the lock, which is all the exit can afford.
    pub(crate) fn spool(
        &self,
        new: Vec<Spooled>,
        timed_out: Option<&str>,
        now_ms: u64,
        wait: Duration,
    ) -> io::Result<()> {
        self.locked(wait, || {
            if !new.is_empty() {
                let all = admit(self.read_spool(), new, now_ms);
                self.write_spool(&all)?;
            }
            match timed_out {
                Some(endpoint) => self.record_backoff(endpoint, backoff::Outcome::TimedOut, now_ms),
                None => Ok(()),
            }
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
    match s.entry.hit {
        Hit::Screenview { screen } => {
            object.insert("screen".into(), screen.into());
        }
        Hit::Event { category, action } => {
            object.insert("category".into(), category.into());
            object.insert("action".into(), action.into());
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
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| s.len() <= STORED_TEXT)
    };
    let hit = match (text("screen"), text("category"), text("action")) {
        (Some(screen), None, None) => Hit::Screenview {
            screen: intern(screen),
        },
        (None, Some(category), Some(action)) => Hit::Event {
            category: intern(category),
            action: intern(action),
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
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Claim {
    pub(crate) taken: Vec<Entry>,
    pub(crate) rest: Vec<Spooled>,
    pub(crate) expired: usize,
}

/// Recorded at most `max_age` before `now_ms`, and not after it.
fn fresh(at_ms: u64, now_ms: u64, max_age: Duration) -> bool {
    at_ms <= now_ms && u128::from(now_ms - at_ms) <= max_age.as_millis()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::{WAIT, temp_dir};
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    const TO: &str = "https://collector.example/collect";

    fn to() -> Destination {
        Destination {
            endpoint: TO.to_owned(),
            property: "UA-1-1".to_owned(),
        }
    }
    const HOUR: u64 = 3600 * 1000;

    pub(crate) fn spooled(at_ms: u64, screen: &'static str) -> Spooled {
        Spooled {
            entry: Entry {
                hit: Hit::Screenview { screen },
                at_ms,
                late: true,
                session: None,
            },
            to: to(),
        }
    }

    #[test]
    fn entries_round_trip_through_the_file() {
        let mut event = spooled(2, "");
        event.entry.hit = Hit::Event {
            category: "UX \"quoted\"",
            action: "upload",
        };
        event.entry.session = Some("1700000000000".to_owned());
        let all = vec![spooled(1, "capabilities describe"), event];
        let text = format(&all);
        assert_eq!(
            text.lines().next(),
            Some(
                r#"{"at":1,"property":"UA-1-1","screen":"capabilities describe","to":"https://collector.example/collect"}"#
            )
        );
        assert_eq!(parse(&text), all);
    }

    #[test]
    fn lines_this_library_did_not_write_are_skipped() {
        let good = format(&[spooled(5, "scan")]);
        let long = "x".repeat(STORED_TEXT + 1);
        let text = format!(
            "not json\n{{\"at\":1,\"to\":\"{TO}\"}}\n\
             {{\"at\":1,\"to\":\"{TO}\",\"screen\":\"no property\"}}\n\
             {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"{long}\"}}\n\
             {{\"at\":-1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"a\"}}\n\
             {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"a\",\"category\":\"b\",\"action\":\"c\"}}\n\
             {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"a\",\"session\":\"x1\"}}\n\
             {{\"at\":1,\"screen\":\"a\"}}\n{good}{{\"at\":1,\"to\""
        );
        assert_eq!(parse(&text), vec![spooled(5, "scan")]);
    }

    #[test]
    fn the_spool_keeps_the_newest_hundred() {
        let now = 1000 * HOUR;
        let kept: Vec<_> = (0..90).map(|i| spooled(now - 200 + i, "old")).collect();
        let new: Vec<_> = (0..20).map(|i| spooled(now - 100 + i, "new")).collect();
        let all = admit(kept, new, now);
        assert_eq!(all.len(), SPOOL_HITS);
        assert_eq!(all[0].entry.at_ms, now - 200 + 10);
        let is_new = |s: &&Spooled| s.entry.hit == spooled(0, "new").entry.hit;
        assert_eq!(all.iter().filter(is_new).count(), 20);
    }

    #[test]
    fn the_spool_stays_within_its_bytes() {
        let now = 1000 * HOUR;
        let screen: &'static str = Box::leak("s".repeat(1000).into_boxed_str());
        let new = (0..40).map(|i| spooled(now - 40 + i, screen)).collect();
        let all = admit(Vec::new(), new, now);
        assert!(format(&all).len() <= SPOOL_BYTES, "{}", format(&all).len());
        assert!(all.len() >= 10, "{}", all.len());
        // The newest stay.
        assert_eq!(all.last().map(|s| s.entry.at_ms), Some(now - 1));
    }

    #[test]
    fn old_and_future_hits_leave_when_the_spool_is_written() {
        let now = 1000 * HOUR;
        let gone = vec![
            spooled(now - 73 * HOUR, "stale"),
            spooled(now + 1, "future"),
        ];
        let kept = vec![spooled(now - 71 * HOUR, "kept")];
        assert_eq!(admit(gone, kept.clone(), now), kept);
    }

    #[test]
    fn a_run_claims_its_own_endpoints_hits_oldest_first_up_to_its_room() {
        let now = 1000 * HOUR;
        let mut other = spooled(now - 3, "elsewhere");
        other.to.endpoint = "http://127.0.0.1:9/collect".to_owned();
        let mut other_property = spooled(now - 3, "another property");
        other_property.to.property = "UA-2-2".to_owned();
        let all = vec![
            spooled(now - 5 * HOUR, "too old for v1"),
            spooled(now - 2, "first"),
            other.clone(),
            other_property.clone(),
            spooled(now - 1, "second"),
            spooled(now, "third"),
        ];
        let claim = claim(all, &to(), 2, Duration::from_secs(4 * 3600), now);
        let taken: Vec<_> = claim.taken.iter().map(|e| e.hit).collect();
        let screen = |screen| Hit::Screenview { screen };
        assert_eq!(taken, [screen("first"), screen("second")]);
        let rest = vec![other, other_property, spooled(now, "third")];
        assert_eq!(claim.rest, rest);
        assert_eq!(claim.expired, 1);
    }

    #[test]
    fn timestamps_reach_back_seventy_two_hours_and_the_spool_keeps_to_it() {
        use crate::limits::ga4::MAX_TIMESTAMP_AGE;
        assert_eq!(MAX_TIMESTAMP_AGE, Duration::from_secs(259_200));
        let to = Destination {
            endpoint: "http://127.0.0.1:9/mp/collect".to_owned(),
            property: "measurement_id=G-A".to_owned(),
        };
        let now = 1_000 * 3_600_000;
        let oldest = 72 * 3_600_000;
        let at = |age_ms: u64| Spooled {
            to: to.clone(),
            ..spooled(now - age_ms, "scan")
        };
        let all = vec![at(oldest + 1), at(oldest)];
        let taken = claim(all, &to, 25, MAX_TIMESTAMP_AGE, now);
        assert_eq!((taken.taken.len(), taken.expired), (1, 1));
    }

    #[test]
    fn spooled_hits_are_taken_once_and_a_peek_leaves_them() {
        let store = temp_dir("spool");
        let (to, yes) = (&to(), |_: &[Entry]| true);
        let unspool = |room, peek, hold: fn(&[Entry]) -> bool| {
            store.unspool(to, room, DAY, 10, peek, WAIT, hold).len()
        };
        assert_eq!(unspool(20, false, yes), 0);
        let lock = store.file(super::super::LOCK_FILE);
        assert!(!lock.exists(), "an empty spool takes no lock");
        let two = vec![spooled(1, "scan"), spooled(2, "scan")];
        assert_eq!(
            store.spool(two, None, 10, WAIT).map_err(|e| e.kind()),
            Ok(())
        );
        assert_eq!(unspool(20, true, yes), 2);
        // Refused by the outbox (the exit took over): they stay.
        assert_eq!(unspool(20, false, |_| false), 0);
        assert_eq!(unspool(1, false, yes), 1);
        assert_eq!(unspool(20, false, yes), 1);
        assert!(!store.file(FILE).exists(), "an emptied spool is deleted");
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn a_lock_held_elsewhere_is_waited_for_and_then_given_up() {
        let store = temp_dir("lock");
        let _ = std::fs::create_dir_all(&store.dir);
        let holder = File::create(store.file(super::super::LOCK_FILE)).expect("lock file");
        holder.lock().expect("lock");
        let spool = |backoff, wait| {
            let result = store.spool(vec![spooled(1, "scan")], backoff, 10, wait);
            result.map_err(|e| e.kind())
        };
        let refused = spool(None, Duration::from_millis(5));
        assert_eq!(refused, Err(io::ErrorKind::WouldBlock));
        drop(holder);
        // The spool and the backoff, under one lock.
        assert_eq!(spool(Some("x"), WAIT), Ok(()));
        assert_eq!(store.backoff_plan("x", 11, WAIT), backoff::Plan::Hold);
        let _ = std::fs::remove_dir_all(&store.dir);
    }
}
