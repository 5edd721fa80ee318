//! The worker's loop: each batch of hits becomes requests, each request is
//! sent, printed or spooled, then settled: counted, spooled if it never
//! left, and the backoff told.

use super::outbox::Outbox;
use super::pending::Pending;
use super::setup::{Route, Run};
use super::sinks::Ended;
use crate::backends::{Encoded, Sender};
use crate::hit::{Entry, now_ms};
use crate::persistence::backoff::Outcome;
use crate::persistence::sent_log::Fate;
use crate::stats::{self, DROPPED, FAILED, PRINTED, SENT};

/// Takes batches from the outbox until the exit takes over or the caller's
/// side is gone. `start` sets the run up when the first hit arrives.
pub(crate) fn run(
    outbox: &Outbox,
    pending: &Pending,
    may_send: fn() -> bool,
    start: impl FnOnce() -> Run,
) {
    let Some(mut batch) = outbox.take() else {
        return;
    };
    let run = start();
    loop {
        let count = batch.len();
        if may_send() {
            run.handle(batch, outbox);
        } else if outbox.settle(&batch) {
            // `disable()` wins over every hit not yet sent.
            let why = ": analytics was disabled before it was sent";
            stats::tally(&DROPPED, "dropped", &batch, &why);
        }
        pending.done(count);
        match outbox.take() {
            Some(next) => batch = next,
            None => return,
        }
    }
}

impl Run {
    /// Sends what the spool holds for this run's destination, one request's
    /// worth: the detached sender's step. How the request ended, if one was
    /// made.
    pub(crate) fn deliver_spooled(&self, outbox: &Outbox) -> Option<Outcome> {
        self.spool_taken.set(false);
        self.last.set(None);
        self.handle(Vec::new(), outbox);
        self.last.get()
    }

    /// One code path for every backend and sink.
    fn handle(&self, batch: Vec<Entry>, outbox: &Outbox) {
        let route = match &self.route {
            Ok(route) => route,
            Err(e) => {
                if outbox.settle(&batch) {
                    stats::tally(&FAILED, "dropped", &batch, &format!(": {e}"));
                }
                return;
            }
        };
        let session = route.encoder.session_id();
        let Some(sink) = route.sink.as_ref().filter(|_| !self.holding.get()) else {
            outbox.keep(batch, |hits| {
                self.spool(hits, session, "the collector timed out recently");
            });
            return;
        };
        let mut entries = batch;
        // Empty if the exit took over meanwhile: then what was in the spool
        // stays there, and nothing more is posted (below).
        entries.extend(self.unspool(route, entries.len(), outbox));
        let sender = Sender {
            client_id: &self.client_id,
            app_name: &self.resolved.app_name,
            app_version: &self.resolved.app_version,
            context: &self.resolved.context,
        };
        let Encoded { requests, refused } = route.encoder.encode(sender, &entries, now_ms());
        if outbox.settle(&refused) {
            let why = ": the protocol does not accept it";
            stats::tally(&DROPPED, "dropped", &refused, &why);
        }
        for request in requests {
            if self.holding.get() {
                outbox.keep(request.hits, |hits| {
                    self.spool(hits, session, "the collector timed out in this run");
                });
                continue;
            }
            if matches!(sink, super::sinks::Sink::Http(_)) && !outbox.posting() {
                return;
            }
            let ended = sink.deliver(&request);
            let ours = match &ended {
                // Never written: kept for a later run, while the exit
                // waits for this local step instead of spooling them too.
                Ended::Failed(failure) if failure.before_connecting => {
                    let why = format!("the collector was not reached: {}", failure.message);
                    outbox.keep(request.hits.clone(), |hits| self.spool(hits, session, &why))
                }
                _ => outbox.settle(&request.hits),
            };
            if !ours {
                // The exit took over while the request was out: the hits
                // are its to spool or give up.
                return;
            }
            if self.settle(request.hits, ended) == Some(Outcome::TimedOut) {
                self.holding.set(true);
            }
        }
    }

    /// What became of a request's hits (spooled already if it never left):
    /// counted, and the backoff told.
    fn settle(&self, hits: Vec<Entry>, ended: Ended) -> Option<Outcome> {
        let outcome = match ended {
            Ended::Printed => {
                let why = format!(" ({} is set; not sent)", self.resolved.names.debug);
                stats::tally(&PRINTED, "printed", &hits, &why);
                return None;
            }
            Ended::Unvalidated { why, dropped } => {
                let counter = if dropped { &DROPPED } else { &FAILED };
                stats::tally(counter, "dropped", &hits, &format!(": {why}"));
                return None;
            }
            Ended::Answered(status) if status.is_success() => {
                stats::tally(&SENT, "sent", &hits, &format!(" ({status})"));
                self.log(&hits, Fate::Sent);
                Outcome::Answered
            }
            Ended::Answered(status) => {
                let why = format!(": the collector answered {status}");
                stats::tally(&FAILED, "dropped", &hits, &why);
                self.log(&hits, Fate::Rejected(status.as_u16()));
                Outcome::Answered
            }
            Ended::Failed(failure) => {
                if !failure.before_connecting {
                    // Written, perhaps: the collector may have it.
                    stats::tally(&FAILED, "dropped", &hits, &format!(": {}", failure.message));
                    self.log(&hits, Fate::Failed);
                }
                if failure.timed_out {
                    Outcome::TimedOut
                } else {
                    Outcome::FailedFast
                }
            }
        };
        if let Some(keeper) = &self.keeper {
            keeper.attempted(outcome, self.lock_wait);
        }
        self.last.set(Some(outcome));
        Some(outcome)
    }

    fn log(&self, hits: &[Entry], fate: Fate) {
        if let Some(keeper) = &self.keeper {
            keeper.log(hits, fate);
        }
    }

    fn spool(&self, entries: Vec<Entry>, session: Option<&str>, why: &str) {
        match &self.keeper {
            Some(keeper) => {
                keeper.spool(entries, session, self.lock_wait, why);
            }
            None => stats::tally(&FAILED, "dropped", &entries, &format!(": {why}")),
        }
    }

    /// What earlier runs spooled for this endpoint, as much as fits in the
    /// first request beside `fresh` hits of this run. A dry run shows it
    /// and leaves it in the spool; so does validate mode, whose requests
    /// are only checked. They are held by the outbox before they leave the
    /// file, so that the exit finds them in one place or the other.
    fn unspool(&self, route: &Route, fresh: usize, outbox: &Outbox) -> Vec<Entry> {
        if self.spool_taken.replace(true) {
            return Vec::new();
        }
        let Some(dir) = &self.resolved.dir else {
            return Vec::new();
        };
        let (room, max_age) = route.encoder.spool_room();
        dir.unspool(
            &self.resolved.destination(),
            room.saturating_sub(fresh),
            max_age,
            now_ms(),
            !self.resolved.mode.sends(),
            self.lock_wait,
            |late| outbox.hold(late),
        )
    }
}
