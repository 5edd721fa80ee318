//! Where this run keeps what it could not send: the application's
//! directory and the destination the hits were meant for. Only a run that
//! sends for real keeps anything (a hit kept by a dry run or validate mode
//! would be sent for real by a later run).

use std::time::Duration;

use crate::config::Resolved;
use crate::hit::{Entry, Hit, now_ms};
use crate::persistence::AppDir;
use crate::persistence::backoff::{Outcome, Plan};
use crate::persistence::sent_log::{self, Fate};
use crate::persistence::spool::{Destination, Spooled};
use crate::stats::{self, DROPPED, FAILED, SPOOLED};

#[derive(Clone, Debug)]
pub(crate) struct Keeper {
    pub(crate) dir: AppDir,
    pub(crate) to: Destination,
    /// Whether `disable()` still allows sending: it wins over every hit not
    /// yet sent, in this run and later ones.
    may_send: fn() -> bool,
}

impl Keeper {
    pub(crate) fn of(resolved: &Resolved, may_send: fn() -> bool) -> Option<Keeper> {
        let dir = resolved.dir.clone()?;
        resolved.mode.sends().then(|| Keeper {
            dir,
            to: resolved.destination(),
            may_send,
        })
    }

    /// Keeps `entries` for a later run (stamped with `session`, GA4's, if
    /// they have none); whether any was kept. Nothing once `disable()` was
    /// called, or analytics was disabled for good.
    pub(crate) fn spool(
        &self,
        entries: Vec<Entry>,
        session: Option<&str>,
        wait: Duration,
        why: &str,
    ) -> bool {
        if !self.allowed() {
            stats::tally(&DROPPED, "dropped", &entries, &": analytics was disabled");
            return false;
        }
        if entries.is_empty() {
            return false;
        }
        let count = entries.len();
        // Logged as they were (a hit of this run is not late until sent
        // so); a hit of an earlier run kept again is no news.
        let fresh: Vec<Entry> = entries.iter().filter(|e| !e.late).cloned().collect();
        let spooled: Vec<Spooled> = entries
            .into_iter()
            .map(|mut entry| {
                entry.late = true;
                if entry.session.is_none() {
                    entry.session = session.map(str::to_owned);
                }
                Spooled {
                    entry,
                    to: self.to.clone(),
                }
            })
            .collect();
        let hits: Vec<Hit> = spooled.iter().map(|s| s.entry.hit.clone()).collect();
        match self.dir.spool(spooled, now_ms(), wait) {
            Ok(()) => {
                let why = format!(" for a later run: {why}");
                stats::tally(&SPOOLED, "spooled", &hits, &why);
                self.append(&fresh, Fate::Spooled);
                true
            }
            Err(e) => {
                FAILED.add(count);
                log::debug!("analytics: dropped {count} hit(s): could not spool them: {e}");
                false
            }
        }
    }

    /// Notes in the sent log what became of `entries`: nothing once
    /// analytics was disabled (`disable` deleted the log). A log that cannot
    /// be written costs nothing but its lines.
    pub(crate) fn log(&self, entries: &[Entry], fate: Fate) {
        if !entries.is_empty() && self.allowed() {
            self.append(entries, fate);
        }
    }

    /// Whether `disable()` still allows sending, and the person has not run
    /// `{app} analytics disable` (maybe in another process since this one
    /// started: it deleted the spool and the log).
    fn allowed(&self) -> bool {
        (self.may_send)() && self.dir.load().choice != Some(false)
    }

    /// Appends what became of `entries` to the sent log, once allowed.
    fn append(&self, entries: &[Entry], fate: Fate) {
        if entries.is_empty() {
            return;
        }
        let records = sent_log::records(entries, &self.to.endpoint, fate, now_ms());
        if let Err(e) = self.dir.log(&records) {
            log::debug!("analytics: could not write the sent log: {e}");
        }
    }

    /// Cuts the sent log back to its bounds if appends took it past them:
    /// once a run, off the exit's path.
    pub(crate) fn trim_log(&self, wait: Duration) {
        if let Err(e) = self.dir.trim_log(wait) {
            log::debug!("analytics: could not trim the sent log: {e}");
        }
    }

    /// What a run does about the endpoint: send, hold back, or probe.
    pub(crate) fn plan(&self, wait: Duration) -> Plan {
        self.dir.backoff_plan(&self.to.endpoint, now_ms(), wait)
    }

    /// Whether the endpoint is in a backoff window now.
    pub(crate) fn in_backoff(&self) -> bool {
        self.dir
            .backoff_left(now_ms())
            .is_some_and(|(endpoint, _)| endpoint == self.to.endpoint)
    }

    /// What a run would plan for the endpoint now, from a glance at the
    /// backoff (no lock, no claim).
    pub(crate) fn glance(&self) -> Plan {
        self.dir.backoff_glance(&self.to.endpoint, now_ms())
    }

    /// Tells the backoff how an attempt ended.
    pub(crate) fn attempted(&self, outcome: Outcome, wait: Duration) {
        self.dir
            .backoff_after(&self.to.endpoint, outcome, now_ms(), wait);
    }
}
