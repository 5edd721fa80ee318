//! Backoff: after a request to an endpoint timed out, runs stop waiting for
//! it for a while, and one run per window probes whether it is back. Pure
//! logic, one state machine, kept in the application's directory under its
//! lock.
//!
//! Only failures that cost time start a backoff (a connect or request
//! timeout, or a flush budget spent waiting). A fast failure (refused, no
//! such host) costs nothing at exit: the next run tries again and delivers
//! what the spool holds.
//!
//! ```text
//!            timed out                       window over: one run probes
//! (none) ─────────────▶ Backing off (n) ─────────────────────────────────┐
//!   ▲                        ▲   │ timed out again: n+1, window doubles  │
//!   │ answered, or failed    │   └───────────────────────────────────────┘
//!   └──── fast ──────────────┘
//! ```

use std::io;
use std::time::Duration;

use serde_json::{Map, Value};

use super::AppDir;
use crate::limits::{FIRST_BACKOFF, LONGEST_BACKOFF, millis};

/// The file's name.
pub(crate) const FILE: &str = "backoff";

/// What is kept: the endpoint it was learned from, how many windows in a
/// row ended in a timeout, and when the current window ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) endpoint: String,
    pub(crate) failures: u32,
    /// ms since the Unix epoch.
    pub(crate) until_ms: u64,
}

/// What a run does about an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Nothing known against it: send.
    Send,
    /// Inside a window: send nothing, spool, and do not wait at exit.
    Hold,
    /// The window is over and this run is the one that tries.
    Probe,
}

/// How a run's attempt to reach the endpoint ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The collector answered (any status): it is reachable.
    Answered,
    /// Failed at once (refused, no such host, TLS): costs nothing to retry.
    FailedFast,
    /// A connect or request timeout, or a flush budget spent waiting.
    TimedOut,
}

/// The plan for `endpoint` at `now_ms`, and the record to write back (a
/// probe claims the next window at once, so that runs starting while it
/// tries hold back instead of probing too).
pub(crate) fn plan(record: Option<&Record>, endpoint: &str, now_ms: u64) -> (Plan, Option<Record>) {
    match record {
        Some(r) if r.endpoint == endpoint => {
            if now_ms < r.until_ms && r.until_ms - now_ms <= millis(LONGEST_BACKOFF) {
                (Plan::Hold, None)
            } else {
                // Over, or further away than any window can be (a clock set
                // back): probe, and hold the others for one window meanwhile.
                let claimed = Record {
                    until_ms: now_ms + millis(window(r.failures)),
                    ..r.clone()
                };
                (Plan::Probe, Some(claimed))
            }
        }
        _ => (Plan::Send, None),
    }
}

/// The record after `outcome` at `now_ms`; `None` deletes it. Only the
/// record learned from `endpoint` is changed.
pub(crate) fn after(
    record: Option<Record>,
    endpoint: &str,
    outcome: Outcome,
    now_ms: u64,
) -> Option<Record> {
    let ours = record.as_ref().is_some_and(|r| r.endpoint == endpoint);
    match outcome {
        Outcome::Answered | Outcome::FailedFast if ours => None,
        Outcome::Answered | Outcome::FailedFast => record,
        Outcome::TimedOut => {
            let failures = if ours {
                record.map_or(0, |r| r.failures).saturating_add(1)
            } else {
                1
            };
            Some(Record {
                endpoint: endpoint.to_owned(),
                failures,
                until_ms: now_ms + millis(window(failures)),
            })
        }
    }
}

/// The window after `failures` timeouts in a row: 15 minutes, doubling, at
/// most 24 hours.
pub(crate) fn window(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(LONGEST_BACKOFF)
}

impl AppDir {
    /// The plan for `endpoint` now; a probe claims the next window at once.
    pub(crate) fn backoff_plan(&self, endpoint: &str, now_ms: u64, wait: Duration) -> Plan {
        // No file, no backoff: a healthy run takes no lock.
        if !self.file(FILE).exists() {
            return Plan::Send;
        }
        let planned = self.locked(wait, || {
            let record = self.read_backoff();
            let (plan, claimed) = plan(record.as_ref(), endpoint, now_ms);
            if let Some(claimed) = claimed {
                self.write(FILE, format(&claimed).as_bytes())?;
            }
            Ok(plan)
        });
        planned.unwrap_or_else(|e| {
            log::debug!("analytics: could not read the backoff: {e}");
            Plan::Send
        })
    }

    /// Records how an attempt to reach `endpoint` ended.
    pub(crate) fn backoff_after(
        &self,
        endpoint: &str,
        outcome: Outcome,
        now_ms: u64,
        wait: Duration,
    ) {
        if outcome != Outcome::TimedOut && !self.file(FILE).exists() {
            return;
        }
        let written = self.locked(wait, || self.record_backoff(endpoint, outcome, now_ms));
        if let Err(e) = written {
            log::debug!("analytics: could not record the backoff: {e}");
        }
    }

    /// Under the lock: the backoff after `outcome`.
    pub(super) fn record_backoff(
        &self,
        endpoint: &str,
        outcome: Outcome,
        now_ms: u64,
    ) -> io::Result<()> {
        let before = self.read_backoff();
        let after = after(before.clone(), endpoint, outcome, now_ms);
        match &after {
            _ if after == before => Ok(()),
            Some(record) => self.write(FILE, format(record).as_bytes()),
            None => self.remove(FILE),
        }
    }

    /// The endpoint in backoff at `now_ms` and the time left, if any (for
    /// `status`).
    pub(crate) fn backoff_left(&self, now_ms: u64) -> Option<(String, Duration)> {
        let record = self.read_backoff()?;
        let left = record.until_ms.checked_sub(now_ms).filter(|&ms| ms > 0)?;
        Some((record.endpoint, Duration::from_millis(left)))
    }

    /// What a run would plan for `endpoint` at `now_ms`, from a glance at
    /// the file (no lock, no claim): for the exit of a run whose worker had
    /// not planned yet.
    pub(crate) fn backoff_glance(&self, endpoint: &str, now_ms: u64) -> Plan {
        plan(self.read_backoff().as_ref(), endpoint, now_ms).0
    }

    fn read_backoff(&self) -> Option<Record> {
        parse(&self.read(FILE)?)
    }
}

/// The file's text.
pub(crate) fn format(record: &Record) -> String {
    let mut object = Map::new();
    object.insert("endpoint".into(), record.endpoint.clone().into());
    object.insert("failures".into(), record.failures.into());
    object.insert("until".into(), record.until_ms.into());
    Value::Object(object).to_string() + "\n"
}

/// The record in the file's text; anything else reads as no record.
pub(crate) fn parse(text: &str) -> Option<Record> {
    let object: Map<String, Value> = serde_json::from_str(text).ok()?;
    Some(Record {
        endpoint: object.get("endpoint")?.as_str()?.to_owned(),
        failures: u32::try_from(object.get("failures")?.as_u64()?).ok()?,
        until_ms: object.get("until")?.as_u64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{WAIT, temp_dir};
    use super::*;

    const HERE: &str = "https://collector.example/collect";
    const MIN: u64 = 60 * 1000;

    fn record(failures: u32, until_ms: u64) -> Record {
        Record {
            endpoint: HERE.to_owned(),
            failures,
            until_ms,
        }
    }

    #[test]
    fn windows_double_from_fifteen_minutes_to_a_day() {
        let minutes: Vec<_> = (1..=9).map(|n| window(n).as_secs() / 60).collect();
        assert_eq!(minutes, [15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
        assert_eq!(window(u32::MAX), LONGEST_BACKOFF);
    }

    #[test]
    fn a_timeout_starts_a_window_and_a_fast_failure_does_not() {
        let now = 1000 * MIN;
        assert_eq!(after(None, HERE, Outcome::FailedFast, now), None);
        assert_eq!(after(None, HERE, Outcome::Answered, now), None);
        let first = after(None, HERE, Outcome::TimedOut, now);
        assert_eq!(first, Some(record(1, now + 15 * MIN)));
        assert_eq!(plan(first.as_ref(), HERE, now + 1).0, Plan::Hold);
        assert_eq!(plan(first.as_ref(), HERE, now + 15 * MIN - 1).0, Plan::Hold);
    }

    #[test]
    fn one_run_probes_when_the_window_is_over() {
        let now = 1000 * MIN;
        let current = record(2, now);
        let (first, claimed) = plan(Some(&current), HERE, now);
        assert_eq!(first, Plan::Probe);
        // The probe claims the next window: a run starting meanwhile holds.
        assert_eq!(claimed, Some(record(2, now + 30 * MIN)));
        assert_eq!(plan(claimed.as_ref(), HERE, now + 1).0, Plan::Hold);
        // The probe timed out: the window doubles.
        let doubled = after(claimed.clone(), HERE, Outcome::TimedOut, now + 1000);
        assert_eq!(doubled, Some(record(3, now + 1000 + 60 * MIN)));
        // It was answered, or refused at once: the backoff is over.
        assert_eq!(after(claimed.clone(), HERE, Outcome::Answered, now), None);
        assert_eq!(after(claimed, HERE, Outcome::FailedFast, now), None);
    }

    #[test]
    fn backoff_belongs_to_the_endpoint_it_was_learned_from() {
        let now = 1000 * MIN;
        let theirs = Some(record(4, now + MIN));
        let other = "http://127.0.0.1:9/collect";
        assert_eq!(plan(theirs.as_ref(), other, now), (Plan::Send, None));
        // Another endpoint's success does not end this one's backoff.
        assert_eq!(after(theirs.clone(), other, Outcome::Answered, now), theirs);
        let mine = after(theirs, other, Outcome::TimedOut, now);
        let mine = mine.map(|r| (r.endpoint, r.failures));
        assert_eq!(mine, Some((other.to_owned(), 1)));
    }

    #[test]
    fn a_window_further_off_than_any_can_be_is_probed() {
        // The clock was set back by a week.
        let now = 1000 * MIN;
        let far = record(1, now + 7 * 24 * 60 * MIN);
        assert_eq!(plan(Some(&far), HERE, now).0, Plan::Probe);
    }

    #[test]
    fn the_record_round_trips_and_damage_reads_as_none() {
        let r = record(3, 1_764_442_800_123);
        assert_eq!(parse(&format(&r)), Some(r));
        let negative = "{\"endpoint\":\"x\",\"failures\":-1,\"until\":1}";
        assert_eq!(parse(negative), None);
        assert_eq!(parse("garbage"), None);
    }

    #[test]
    fn a_backoff_is_planned_recorded_and_ended() {
        let store = temp_dir("backoff");
        let to = "http://127.0.0.1:9/collect";
        assert_eq!(store.backoff_plan(to, 1_000, WAIT), Plan::Send);
        store.backoff_after(to, Outcome::FailedFast, 1_000, WAIT);
        let file = store.file(FILE);
        assert!(!file.exists(), "a fast failure starts no backoff");
        store.backoff_after(to, Outcome::TimedOut, 1_000, WAIT);
        assert_eq!(store.backoff_plan(to, 2_000, WAIT), Plan::Hold);
        let over = 1_000 + 15 * 60 * 1000;
        // A glance sees the probe to come and claims nothing: the plan
        // after it still probes.
        assert_eq!(store.backoff_glance(to, 2_000), Plan::Hold);
        assert_eq!(store.backoff_glance(to, over), Plan::Probe);
        assert_eq!(store.backoff_glance(to, over), Plan::Probe);
        assert_eq!(store.backoff_plan(to, over, WAIT), Plan::Probe);
        assert_eq!(store.backoff_plan(to, over + 1, WAIT), Plan::Hold);
        store.backoff_after(to, Outcome::Answered, over + 2, WAIT);
        assert!(!file.exists());
        let _ = std::fs::remove_dir_all(&store.dir);
    }
}
