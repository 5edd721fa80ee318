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

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::hit::{Entry, Hit, now_ms};

/// The queue and what the worker holds.
#[derive(Debug)]
pub(crate) struct Outbox {
    state: Mutex<State>,
    arrived: Condvar,
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    /// Recorded, not yet taken by the worker.
    queued: Vec<Hit>,
    /// Taken by the worker and not yet settled.
    held: Vec<Entry>,
    /// A connection to the collector was made in this process: any held
    /// hit may have been written.
    connected: bool,
    /// The worker is trying to reach the collector (not a dry run, not a
    /// run in backoff).
    posting: bool,
    /// The exit took over: nothing more is taken, sent or connected.
    closed: bool,
}

/// What the exit takes when the flush budget ran out.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Leftover {
    /// Hits that certainly never left: to spool.
    pub(crate) unsent: Vec<Entry>,
    /// Hits whose request may have been written: the collector may have
    /// them, so they are neither spooled nor sent again.
    pub(crate) maybe_sent: usize,
    /// The worker was waiting for the collector: the exit's wait counts as
    /// a timeout.
    pub(crate) waited_for_collector: bool,
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> Outbox {
        Outbox {
            state: Mutex::new(State::default()),
            arrived: Condvar::new(),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The caller's side: queues `hit` unless the queue is full or closed,
    /// never waiting for the worker (it holds the lock only to move hits).
    pub(crate) fn push(&self, hit: Hit) -> Result<(), Hit> {
        let mut state = self.lock();
        if state.closed || state.queued.len() >= self.capacity {
            return Err(hit);
        }
        state.queued.push(hit);
        drop(state);
        self.arrived.notify_one();
        Ok(())
    }

    /// The worker's side: waits for hits, and holds them from now on. `None`
    /// once the exit took over.
    pub(crate) fn take(&self) -> Option<Vec<Entry>> {
        let mut state = self.lock();
        loop {
            if state.closed {
                return None;
            }
            if !state.queued.is_empty() {
                let now = now_ms();
                let taken: Vec<Entry> = state
                    .queued
                    .drain(..)
                    .map(|hit| Entry::fresh(hit, now))
                    .collect();
                state.held.extend(taken.iter().cloned());
                return Some(taken);
            }
            state = self
                .arrived
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The worker holds `entries` too (hits it took from the spool), and
    /// is or is not trying to reach the collector. False once the exit took
    /// over: the entries are not the worker's, and nothing may be sent.
    pub(crate) fn hold(&self, entries: &[Entry], posting: bool) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        state.held.extend(entries.iter().cloned());
        state.posting = posting;
        true
    }

    /// The worker settled `entries` (sent, dropped, or about to spool them
    /// itself). False when the exit took over first: then they are the
    /// exit's, and the worker must do nothing more with them.
    pub(crate) fn settle(&self, entries: &[Entry]) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        for entry in entries {
            if let Some(i) = state.held.iter().position(|held| held == entry) {
                state.held.swap_remove(i);
            }
        }
        true
    }

    /// The transport made a connection to the collector. False once the
    /// exit took over: the connection must not be used, since the hits it
    /// would carry are being spooled.
    pub(crate) fn connected(&self) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        state.connected = true;
        true
    }

    /// The exit's side, once the flush budget ran out: closes the outbox and
    /// takes what never left.
    pub(crate) fn close(&self) -> Leftover {
        let mut state = self.lock();
        state.closed = true;
        let now = now_ms();
        let mut unsent: Vec<Entry> = state
            .queued
            .drain(..)
            .map(|hit| Entry::fresh(hit, now))
            .collect();
        let held = std::mem::take(&mut state.held);
        let maybe_sent = if state.connected {
            held.len()
        } else {
            unsent.extend(held);
            0
        };
        let waited_for_collector = state.posting;
        drop(state);
        self.arrived.notify_all();
        Leftover {
            unsent,
            maybe_sent,
            waited_for_collector,
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
    };

    #[test]
    fn the_queue_is_bounded_and_closes() {
        let outbox = Outbox::new(2);
        assert_eq!(outbox.push(SCAN), Ok(()));
        assert_eq!(outbox.push(SCAN), Ok(()));
        assert_eq!(outbox.push(UPLOAD), Err(UPLOAD));
        let left = outbox.close();
        assert_eq!(left.unsent.len(), 2);
        assert_eq!(outbox.push(SCAN), Err(SCAN));
        assert_eq!(outbox.take(), None);
    }

    #[test]
    fn before_any_connection_the_exit_takes_everything_the_worker_holds() {
        let outbox = Outbox::new(20);
        let _ = outbox.push(SCAN);
        let taken = outbox.take().unwrap_or_default();
        let mut late = Entry::fresh(UPLOAD, 1);
        late.late = true;
        assert!(outbox.hold(std::slice::from_ref(&late), true));
        let _ = outbox.push(UPLOAD);
        let left = outbox.close();
        let hits: Vec<_> = left.unsent.iter().map(|e| (e.hit, e.late)).collect();
        assert_eq!(hits, [(UPLOAD, false), (SCAN, false), (UPLOAD, true)]);
        assert_eq!((left.maybe_sent, left.waited_for_collector), (0, true));
        // Now they are the exit's: the worker may neither send nor spool
        // them, and a connection made now is refused.
        assert!(!outbox.settle(&taken));
        assert!(!outbox.connected());
        assert!(!outbox.hold(&[], true));
    }

    #[test]
    fn after_a_connection_held_hits_may_have_been_written() {
        let outbox = Outbox::new(20);
        let _ = outbox.push(SCAN);
        let _ = outbox.take();
        assert!(outbox.connected());
        let _ = outbox.push(UPLOAD);
        let left = outbox.close();
        // The queued one never left; the held one may have.
        let hits: Vec<_> = left.unsent.iter().map(|e| e.hit).collect();
        assert_eq!(hits, [UPLOAD]);
        assert_eq!(left.maybe_sent, 1);
    }

    #[test]
    fn settled_hits_are_no_longer_the_exits() {
        let outbox = Outbox::new(20);
        let _ = outbox.push(SCAN);
        let _ = outbox.push(SCAN);
        let taken = outbox.take().unwrap_or_default();
        assert!(outbox.settle(&taken[..1]));
        let left = outbox.close();
        assert_eq!(left.unsent.len(), 1);
        assert!(!left.waited_for_collector);
    }

    #[test]
    fn the_worker_wakes_when_a_hit_arrives_or_the_exit_closes() {
        let outbox = std::sync::Arc::new(Outbox::new(20));
        let worker = std::sync::Arc::clone(&outbox);
        let t = std::thread::spawn(move || (worker.take(), worker.take()));
        let _ = outbox.push(SCAN);
        // The second take waits until the close.
        while outbox.lock().queued.len() == 1 {
            std::thread::yield_now();
        }
        let _ = outbox.close();
        let (first, second) = t.join().unwrap_or_default();
        assert_eq!(first.map(|f| f.len()), Some(1));
        assert_eq!(second, None);
    }
}
