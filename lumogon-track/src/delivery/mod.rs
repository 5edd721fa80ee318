//! Getting hits to the collector without the caller ever waiting: the
//! caller's handle on the background worker ([`Worker`]), and the worker's
//! parts: the outbox between them, the run's setup, the send loop, the
//! sinks, the transport, and what is kept for a later run.

use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::time::Duration;

use crate::config::{ClientIdSource, Resolved};
use crate::hit::Hit;
use crate::limits::{
    EXIT_CLOSE_WAIT, EXIT_LOCK_WAIT, MAX_HITS_PER_PROCESS, SILENT_MARGIN, WORKER_LOCK_WAIT,
};
use crate::persistence::backoff::{Outcome, Plan};
use crate::persistence::sent_log::Fate;
use crate::stats::{self, DROPPED, QUEUED};

mod keeper;
mod outbox;
mod pending;
mod send_loop;
pub(crate) mod sender;
mod setup;
mod sinks;
mod threads;
mod transport;

use self::keeper::Keeper;
use self::outbox::Outbox;
use self::pending::Pending;
use self::setup::Run;

/// The caller's handle on the worker thread. Nothing here runs on the
/// caller's thread but [`Worker::spawn`] and [`Worker::queue`];
/// [`Worker::give_up`] runs at exit.
#[derive(Debug)]
pub(crate) struct Worker {
    queue: SyncSender<Hit>,
    outbox: Arc<Outbox>,
    pending: Arc<Pending>,
    /// Where the exit keeps what the worker could not send.
    keeper: Option<Keeper>,
    /// `{APP}_ANALYTICS_DEBUG`, in validate mode: the exit says what went
    /// unchecked.
    validating: Option<String>,
    /// `{APP}_ANALYTICS_SENDER`, which marks the sender the exit starts.
    sender_marker: String,
}

impl Worker {
    /// Starts the thread. `None` if the OS refuses a thread: then nothing is
    /// sent, and nothing else changes. `may_send` says whether `disable()`
    /// still allows sending.
    pub(crate) fn spawn(
        resolved: Resolved,
        source: Option<ClientIdSource>,
        may_send: fn() -> bool,
    ) -> Option<Worker> {
        let (outbox, queue) = Outbox::new(MAX_HITS_PER_PROCESS);
        let outbox = Arc::new(outbox);
        let pending = Arc::new(Pending::default());
        let keeper = Keeper::of(&resolved, may_send);
        let validating =
            (resolved.mode == crate::config::Mode::Validate).then(|| resolved.names.debug.clone());
        let sender_marker = resolved.names.sender.clone();
        let (worker_outbox, worker_pending, worker_keeper) =
            (Arc::clone(&outbox), Arc::clone(&pending), keeper.clone());
        let spawned = threads::spawn_worker(Arc::clone(&pending), move || {
            send_loop::run(&worker_outbox, &worker_pending, may_send, || {
                let plan = worker_keeper
                    .as_ref()
                    .map_or(Plan::Send, |k| k.plan(WORKER_LOCK_WAIT));
                let how = (plan, WORKER_LOCK_WAIT);
                Run::start(resolved, source, worker_keeper, how, &worker_outbox)
            });
        });
        spawned.then_some(Worker {
            queue,
            outbox,
            pending,
            keeper,
            validating,
            sender_marker,
        })
    }

    /// Queues a hit without ever waiting for the worker: a full queue drops
    /// it.
    pub(crate) fn queue(&self, hit: Hit) {
        self.pending.add(1);
        // Counted before it is on the queue, so that the exit never misses
        // it between the two.
        self.outbox.queued(1);
        // A clone allocates only for an event with parameters.
        match outbox::push(&self.queue, hit.clone()) {
            Ok(()) => stats::tally(&QUEUED, "queued", std::slice::from_ref(&hit), &""),
            Err(hit) => {
                self.outbox.queued(-1);
                self.pending.done(1);
                stats::tally(&DROPPED, "dropped", &[hit], &": the queue is full");
            }
        }
    }

    /// Waits until every hit queued so far is settled, at most `budget`;
    /// how many were not.
    pub(crate) fn wait(&self, budget: Duration) -> usize {
        self.pending.wait(budget)
    }

    /// Whether a request may be on the wire now: one is being posted over a
    /// connection that was made. Its answer is at most a round trip away.
    pub(crate) fn in_flight(&self) -> bool {
        self.outbox.in_flight()
    }

    /// At exit, with hits not settled: takes over what the worker has not
    /// settled. What never left is spooled; what may have been written is
    /// given up (never sent twice).
    ///
    /// `detached`: the exit waited for nothing but the answer to a request
    /// already written (`waited`, within the flush budget), and a detached
    /// sender delivers what was spooled, unless the run holds back from the
    /// endpoint; a written request whose answer is overdue by more than its
    /// round trip is a collector that was reached and does not answer: a
    /// backoff starts (one merely far away, whose answer was due after the
    /// budget, starts none).
    /// Otherwise the exit waited the flush budget, and a wait for a
    /// connection that never came starts the backoff, so that the next runs
    /// do not wait for it too.
    pub(crate) fn give_up(&self, detached: bool, waited: bool) {
        // A request the exit waited for, and whose answer is overdue by more
        // than the round trip its connection took: a collector that does not
        // answer, not a slow one (whose answer was due after the budget).
        let silent = detached && waited && self.outbox.overdue(SILENT_MARGIN);
        let left = self.outbox.close(EXIT_CLOSE_WAIT);
        // A run that set out before its worker planned goes by the file: a
        // glance, no lock, taken at once, before the worker (which may be
        // about to claim the probe) gets further. A window that is over
        // makes the exit's sender the probe: the worker will not send, the
        // exit took over.
        let plan = match (&self.keeper, left.plan) {
            (_, Some(plan)) => plan,
            (Some(keeper), None) => keeper.glance(),
            (None, None) => Plan::Send,
        };
        if !left.maybe_sent.is_empty() {
            log::debug!(
                "analytics: handed over {} hit(s) whose request was written: the collector has \
                 them or never will, and they are not sent again",
                left.maybe_sent.len()
            );
        }
        if let Some(variable) = &self.validating {
            sinks::print_unvalidated_at_exit(variable);
        }
        let Some(keeper) = &self.keeper else { return };
        keeper.log(&left.maybe_sent, Fate::HandedOver);
        let why = if detached && !waited {
            "the command ended before they left"
        } else {
            "the flush budget ran out"
        };
        let spooled = keeper.spool(left.unsent, left.session.as_deref(), EXIT_LOCK_WAIT, why);
        let silent = silent && !left.maybe_sent.is_empty();
        if silent || (!detached && left.unreachable) {
            keeper.attempted(Outcome::TimedOut, EXIT_LOCK_WAIT);
        }
        if detached && spooled && !silent && plan != Plan::Hold {
            sender::start(&keeper.dir, &self.sender_marker, plan == Plan::Probe);
        }
    }
}
