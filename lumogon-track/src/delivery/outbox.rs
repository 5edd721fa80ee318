//! The hits between the caller and the collector: queued by the caller,
//! held by the worker until each is settled (sent, spooled or dropped), and
//! handed to the exit when the flush budget runs out, so that a hit that
//! never left is spooled instead of lost.
//!
//! One lock orders the three parties. What decides whether the exit may
//! spool a hit the worker holds is whether a connection to the collector
//! was ever made: before that, no byte of a request can have been written,
//! so spooling it can never send it twice. The transport asks
//! [`Outbox::connected`] the moment a connection is made, and a connection
//! made after the exit took the hits is dropped unused.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use crate::hit::{Entry, Hit, now_ms};
use crate::persistence::backoff::Plan;

/// The worker's side of the queue and what it holds. The caller's side is
/// the [`SyncSender`] of [`Outbox::new`]: a `try_send` on a bounded channel,
/// which never takes a lock, so that a tracked call stays under a
/// microsecond while the worker is busy.
pub(crate) struct Outbox {
    state: Mutex<State>,
    /// Locked by the worker while it waits for hits and moves them into
    /// `held`; the exit drains it when the worker is elsewhere (stuck in a
    /// request, which is when the exit has to take over).
    queue: Mutex<Receiver<Hit>>,
    /// Asked with every new connection, after the exit's own check: the
    /// detached sender's says no once `analytics disable` was run.
    wanted: Box<dyn Fn() -> bool + Send + Sync>,
    /// Hits put on the queue so far.
    queued: AtomicUsize,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct State {
    /// Taken by the worker and not yet settled.
    held: Vec<Entry>,
    /// A connection to the collector was made in this process: any held
    /// hit may have been written.
    connected: bool,
    /// The worker is in a request to the collector (not a dry run, not a
    /// run in backoff, not reading the spool).
    posting: bool,
    /// What the run planned for the endpoint, once the worker knows: the
    /// exit hands a run that holds back no sender.
    plan: Option<Plan>,
    /// GA4's session for this run, once the worker knows it: what the exit
    /// stamps on the hits it spools.
    session: Option<String>,
    /// The exit took over: nothing more is taken, sent or connected.
    closed: bool,
    /// Hits the worker took from the queue so far.
    taken: usize,
    /// When the worker began posting the current request, and when the
    /// connection it uses was made: how far the collector is, for the exit
    /// to tell a collector that is slow from one that does not answer.
    posting_since: Option<Instant>,
    connected_at: Option<Instant>,
}

/// What the exit takes when the flush budget ran out.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Leftover {
    /// Hits that certainly never left: to spool.
    pub(crate) unsent: Vec<Entry>,
    /// Hits whose request may have been written: the collector may have
    /// them, so they are neither spooled nor sent again.
    pub(crate) maybe_sent: Vec<Entry>,
    /// The worker was waiting for a connection to the collector that never
    /// came within the flush budget: the wait counts as a timeout. (A
    /// collector that was reached and answers slowly is not unreachable: a
    /// slow link must not hold every later run back.)
    pub(crate) unreachable: bool,
    /// What the run planned for the endpoint, if the worker got that far.
    pub(crate) plan: Option<Plan>,
    /// GA4's session of this run, if the worker had one.
    pub(crate) session: Option<String>,
}

/// A full queue, or one whose worker is gone: the hit is dropped.
pub(crate) fn push(queue: &SyncSender<Hit>, hit: Hit) -> Result<(), Hit> {
    queue
        .try_send(hit)
        .map_err(|(TrySendError::Full(hit) | TrySendError::Disconnected(hit))| hit)
}

impl Outbox {
    /// The outbox and the caller's side of its queue, `capacity` hits long.
    pub(crate) fn new(capacity: usize) -> (Outbox, SyncSender<Hit>) {
        let (sender, receiver) = mpsc::sync_channel(capacity);
        let outbox = Outbox {
            state: Mutex::new(State::default()),
            queue: Mutex::new(receiver),
            wanted: Box::new(|| true),
            queued: AtomicUsize::new(0),
        };
        (outbox, sender)
    }

    /// The same, asking `wanted` too before any connection is used.
    pub(crate) fn wanted(mut self, wanted: impl Fn() -> bool + Send + Sync + 'static) -> Outbox {
        self.wanted = Box::new(wanted);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The worker's side: waits for hits, and holds them from now on. `None`
    /// once the exit took over, or when the caller's side is gone.
    pub(crate) fn take(&self) -> Option<Vec<Entry>> {
        let queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let first = queue.recv().ok()?;
        let now = now_ms();
        let taken: Vec<Entry> = std::iter::once(first)
            .chain(queue.try_iter())
            .map(|hit| Entry::fresh(hit, now))
            .collect();
        // Held before the queue is let go, so that the exit finds every hit
        // in one place or the other: also once it closed, since it waits for
        // them to arrive here.
        let mut state = self.lock();
        state.taken += taken.len();
        state.held.extend(taken.iter().cloned());
        (!state.closed).then_some(taken)
    }

    /// The worker holds `entries` too (hits it took from the spool). False
    /// once the exit took over: the entries are not the worker's, and
    /// nothing may be sent.
    pub(crate) fn hold(&self, entries: &[Entry]) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        state.held.extend(entries.iter().cloned());
        true
    }

    /// This run's GA4 session, for the hits the exit may have to spool.
    pub(crate) fn session(&self, session: &str) {
        self.lock().session = Some(session.to_owned());
    }

    /// Whether a request may be on the wire: the worker posts, and a
    /// connection was made.
    pub(crate) fn in_flight(&self) -> bool {
        let state = self.lock();
        state.posting && state.connected
    }

    /// Whether a request on the wire is overdue: its answer should have
    /// come a round trip after it was written, the round trip being half
    /// of what its connection took (TCP and TLS, two), and a margin.
    pub(crate) fn overdue(&self, margin: Duration) -> bool {
        let state = self.lock();
        match (state.posting, state.posting_since, state.connected_at) {
            (true, Some(since), Some(at)) => {
                let round_trip = at.saturating_duration_since(since) / 2;
                Instant::now() > at + round_trip + margin
            }
            _ => false,
        }
    }

    /// What this run planned for the endpoint.
    pub(crate) fn planned(&self, plan: Plan) {
        self.lock().plan = Some(plan);
    }

    /// The worker is about to wait for the collector. False once the exit
    /// took over: nothing may be sent.
    pub(crate) fn posting(&self) -> bool {
        let mut state = self.lock();
        state.posting = !state.closed;
        state.posting_since = Some(Instant::now());
        state.posting
    }

    /// The worker settled `entries` (sent, dropped, or about to spool them
    /// itself). False when the exit took over first: then they are the
    /// exit's, and the worker must do nothing more with them.
    pub(crate) fn settle(&self, entries: &[Entry]) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        state.posting = false;
        for entry in entries {
            if let Some(i) = state.held.iter().position(|held| held == entry) {
                state.held.swap_remove(i);
            }
        }
        true
    }

    /// The worker keeps `entries` (held, never written) for a later run
    /// with `spool`, and then no longer holds them. False, and nothing done,
    /// when the exit took over first: they are its to spool.
    pub(crate) fn keep(&self, entries: Vec<Entry>, spool: impl FnOnce(Vec<Entry>)) -> bool {
        // Out of the exit's hands first: if the process ends while they are
        // being written, they are lost, never spooled twice.
        if !self.settle(&entries) {
            return false;
        }
        spool(entries);
        true
    }

    /// The transport made a connection to the collector. False once the
    /// exit took over: the connection must not be used, since the hits it
    /// would carry are being spooled.
    pub(crate) fn connected(&self) -> bool {
        let mut state = self.lock();
        if state.closed || !(self.wanted)() {
            return false;
        }
        state.connected = true;
        state.connected_at = Some(Instant::now());
        true
    }

    /// Hits go onto the queue (`-1`: one did not after all). The caller's
    /// side: one atomic add.
    pub(crate) fn queued(&self, n: isize) {
        if n >= 0 {
            self.queued.fetch_add(n.unsigned_abs(), Ordering::Relaxed);
        } else {
            self.queued.fetch_sub(n.unsigned_abs(), Ordering::Relaxed);
        }
    }

    /// The exit's side: closes the outbox and takes what never left. The
    /// queue is drained unless the worker has it: then it is waking up to
    /// move what it received into `held` (the two counts say whether hits
    /// are still between them), and the exit waits for that local step, at
    /// most `wait`, never for the network.
    pub(crate) fn close(&self, wait: Duration) -> Leftover {
        self.lock().closed = true;
        let now = now_ms();
        let deadline = Instant::now() + wait;
        let mut unsent: Vec<Entry> = Vec::new();
        let mut state = loop {
            match self.queue.try_lock() {
                Ok(queue) => unsent.extend(queue.try_iter().map(|hit| Entry::fresh(hit, now))),
                Err(TryLockError::Poisoned(queue)) => unsent.extend(
                    queue
                        .into_inner()
                        .try_iter()
                        .map(|hit| Entry::fresh(hit, now)),
                ),
                Err(TryLockError::WouldBlock) => {}
            }
            let state = self.lock();
            let all_here = state.taken + unsent.len() >= self.queued.load(Ordering::Relaxed);
            if all_here || Instant::now() >= deadline {
                break state;
            }
            drop(state);
            std::thread::sleep(Duration::from_micros(50));
        };
        let held = std::mem::take(&mut state.held);
        // In the order they were recorded: what the worker took came first.
        let maybe_sent = if state.connected {
            held
        } else {
            unsent.splice(0..0, held);
            Vec::new()
        };
        Leftover {
            unsent,
            maybe_sent,
            unreachable: state.posting && !state.connected,
            plan: state.plan,
            session: state.session.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCAN: Hit = Hit::Screenview { screen: "scan" };
    const UPLOAD: Hit = Hit::Event {
        category: "UX",
        action: "upload",
        params: Vec::new(),
    };

    #[test]
    fn the_queue_is_bounded_and_the_exit_drains_it() {
        let (outbox, queue) = Outbox::new(2);
        assert_eq!(push(&queue, SCAN), Ok(()));
        assert_eq!(push(&queue, SCAN), Ok(()));
        assert_eq!(push(&queue, UPLOAD), Err(UPLOAD));
        let left = outbox.close(Duration::ZERO);
        assert_eq!(left.unsent.len(), 2);
        // Closed: the worker takes nothing more.
        let _ = push(&queue, SCAN);
        assert_eq!(outbox.take(), None);
    }

    #[test]
    fn before_any_connection_the_exit_takes_everything_the_worker_holds() {
        let (outbox, queue) = Outbox::new(20);
        let _ = push(&queue, SCAN);
        let taken = outbox.take().unwrap_or_default();
        let mut late = Entry::fresh(UPLOAD, 1);
        late.late = true;
        assert!(outbox.hold(std::slice::from_ref(&late)));
        outbox.session("1700000000000");
        assert!(outbox.posting());
        let _ = push(&queue, UPLOAD);
        let left = outbox.close(Duration::ZERO);
        let hits: Vec<_> = left
            .unsent
            .iter()
            .map(|e| (e.hit.clone(), e.late))
            .collect();
        assert_eq!(hits, [(SCAN, false), (UPLOAD, true), (UPLOAD, false)]);
        assert_eq!((left.maybe_sent.len(), left.unreachable), (0, true));
        assert_eq!(left.session.as_deref(), Some("1700000000000"));
        // Now they are the exit's: the worker may neither send nor spool
        // them, and a connection made now is refused.
        assert!(!outbox.settle(&taken));
        assert!(!outbox.connected());
        assert!(!outbox.hold(&[]));
        assert!(!outbox.posting());
    }

    #[test]
    fn after_a_connection_held_hits_may_have_been_written() {
        let (outbox, queue) = Outbox::new(20);
        let _ = push(&queue, SCAN);
        let _ = outbox.take();
        assert!(outbox.posting());
        assert!(outbox.connected());
        let _ = push(&queue, UPLOAD);
        let left = outbox.close(Duration::ZERO);
        // The queued one never left; the held one may have. The collector
        // was reached: slow, not unreachable.
        let hits: Vec<_> = left.unsent.iter().map(|e| e.hit.clone()).collect();
        assert_eq!(hits, [UPLOAD]);
        assert_eq!((left.maybe_sent.len(), left.unreachable), (1, false));
    }

    #[test]
    fn settled_hits_are_no_longer_the_exits() {
        let (outbox, queue) = Outbox::new(20);
        let _ = push(&queue, SCAN);
        let _ = push(&queue, SCAN);
        let taken = outbox.take().unwrap_or_default();
        assert_eq!(taken.len(), 2, "hits queued together are taken together");
        assert!(outbox.posting());
        // Settling ends the wait for the collector.
        assert!(outbox.settle(&taken[..1]));
        outbox.planned(Plan::Probe);
        let left = outbox.close(Duration::ZERO);
        assert_eq!(left.unsent.len(), 1);
        assert!(!left.unreachable);
        assert_eq!(left.plan, Some(Plan::Probe));
    }

    #[test]
    fn a_waiting_worker_leaves_nothing_for_the_exit_to_miss() {
        let (outbox, queue) = Outbox::new(20);
        let outbox = std::sync::Arc::new(outbox);
        let worker = std::sync::Arc::clone(&outbox);
        let t = std::thread::spawn(move || worker.take());
        let _ = push(&queue, SCAN);
        let taken = t.join().unwrap_or_default();
        assert_eq!(taken.map(|t| t.len()), Some(1));
        // The worker holds it, and the exit finds it there.
        assert_eq!(outbox.close(Duration::ZERO).unsent.len(), 1);
        // With the caller's side gone, a worker stops waiting.
        drop(queue);
        assert_eq!(outbox.take(), None);
    }

    #[test]
    fn what_the_worker_keeps_is_never_the_exits_too() {
        let (outbox, queue) = Outbox::new(20);
        let _ = push(&queue, SCAN);
        let _ = push(&queue, UPLOAD);
        let taken = outbox.take().unwrap_or_default();
        // The worker spools the first: from then on the exit does not see
        // it, even while the spool is being written.
        let mut seen_by_exit = None;
        assert!(outbox.keep(taken[..1].to_vec(), |_| {
            seen_by_exit = Some(outbox.lock().held.len());
        }));
        assert_eq!(seen_by_exit, Some(1));
        let left = outbox.close(Duration::ZERO);
        let hits: Vec<_> = left.unsent.iter().map(|e| e.hit.clone()).collect();
        assert_eq!(hits, [UPLOAD]);
        // After the exit took over, the worker keeps nothing: it is the
        // exit's.
        let mut spooled = false;
        assert!(!outbox.keep(taken[1..].to_vec(), |_| spooled = true));
        assert!(!spooled);
    }

    #[test]
    fn a_request_is_overdue_only_well_past_its_round_trip() {
        let (outbox, _queue) = Outbox::new(20);
        assert!(!outbox.overdue(Duration::ZERO), "nothing on the wire");
        assert!(outbox.posting());
        assert!(outbox.connected());
        // Connected at once (a round trip of ~0): overdue after the margin.
        assert!(!outbox.overdue(Duration::from_secs(3600)));
        std::thread::sleep(Duration::from_millis(2));
        assert!(outbox.overdue(Duration::from_millis(1)));
    }
}
