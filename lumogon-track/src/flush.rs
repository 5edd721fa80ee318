//! Counting hits that are queued or in flight, so the exit can wait for
//! them, but never longer than the flush budget.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Hits accepted by the queue and not yet finished (sent or failed).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    count: AtomicUsize,
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

    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Waits until nothing is pending or `budget` has passed. Returns how many
    /// hits were still pending when it gave up (0 on success).
    pub(crate) fn wait(&self, budget: Duration) -> usize {
        let deadline = Instant::now() + budget;
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let left = self.count();
            let now = Instant::now();
            if left == 0 || now >= deadline {
                return left;
            }
            guard = self
                .idle
                .wait_timeout(guard, deadline - now)
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
    fn waiting_gives_up_and_reports_what_is_left() {
        let pending = Pending::default();
        pending.add(3);
        assert_eq!(pending.wait(Duration::from_millis(10)), 3);
    }
}
