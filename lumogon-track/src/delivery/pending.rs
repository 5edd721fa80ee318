//! Counting hits that are queued or in flight, so the exit can wait for
//! them, but never longer than the flush budget.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Hits accepted by the queue and not yet finished (sent or failed).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    count: AtomicUsize,
    /// The worker is gone (it panicked): nothing pending will ever finish,
    /// so nobody may wait for it.
    abandoned: AtomicBool,
    lock: Mutex<()>,
    idle: Condvar,
}

impl Pending {
    pub(crate) fn add(&self, n: usize) {
        self.count.fetch_add(n, Ordering::SeqCst);
    }

    pub(crate) fn done(&self, n: usize) {
        if self.count.fetch_sub(n, Ordering::SeqCst) == n {
            // Taking the lock orders this notification after a waiter's
            // check, so the waiter cannot miss it.
            let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.idle.notify_all();
        }
    }

    /// The worker will finish nothing more: wake every waiter and let no
    /// one wait again.
    pub(crate) fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.idle.notify_all();
    }

    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Waits until nothing is pending, the worker is gone, or `budget` has
    /// passed. Returns how many hits were still pending when it stopped (0
    /// on success).
    pub(crate) fn wait(&self, budget: Duration) -> usize {
        // A budget past what `Instant` can hold (`Duration::MAX`) means no
        // deadline, not an overflow panic inside a `Drop`.
        let deadline = Instant::now().checked_add(budget);
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let left = self.count();
            if left == 0 || self.abandoned.load(Ordering::SeqCst) {
                return left;
            }
            let timeout = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return left;
                    }
                    deadline - now
                }
                None => Duration::MAX,
            };
            guard = self
                .idle
                .wait_timeout(guard, timeout)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn waiting_with_nothing_pending_returns_at_once() {
        assert_eq!(Pending::default().wait(Duration::from_secs(60)), 0);
    }

    #[test]
    fn waiting_ends_when_the_last_hit_is_done() {
        let pending = Arc::new(Pending::default());
        pending.add(2);
        let worker = Arc::clone(&pending);
        let t = std::thread::spawn(move || {
            worker.done(1);
            worker.done(1);
        });
        assert_eq!(pending.wait(Duration::from_secs(60)), 0);
        let _ = t.join();
    }

    #[test]
    fn a_budget_past_instants_range_saturates() {
        // Before: `Instant::now() + Duration::MAX` panicked.
        assert_eq!(Pending::default().wait(Duration::MAX), 0);
        let pending = Arc::new(Pending::default());
        pending.add(1);
        let worker = Arc::clone(&pending);
        let t = std::thread::spawn(move || worker.done(1));
        assert_eq!(pending.wait(Duration::MAX), 0);
        let _ = t.join();
    }

    #[test]
    fn an_abandoned_queue_is_not_waited_for() {
        let pending = Pending::default();
        pending.add(2);
        pending.abandon();
        // Not timed: before, this waited the whole budget (an hour).
        assert_eq!(pending.wait(Duration::from_secs(3600)), 2);
    }

    #[test]
    fn waiting_gives_up_and_reports_what_is_left() {
        let pending = Pending::default();
        pending.add(3);
        assert_eq!(pending.wait(Duration::from_millis(10)), 3);
    }
}
