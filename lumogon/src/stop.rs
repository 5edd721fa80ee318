//! When a scan's work must stop: the `--timeout` deadline, and the
//! cancellation of a capability whose result nobody waits for any more.
//!
//! Async work stops by being dropped; blocking work (SQLite on a thread of
//! its own) cannot be dropped, so it asks a [`Stop`] as it goes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The scan's deadline, and how it was given, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub at: Instant,
    pub seconds: u64,
}

impl Deadline {
    /// `seconds` from now; a duration past `Instant`'s range saturates.
    pub fn after(seconds: u64) -> Deadline {
        let now = Instant::now();
        let at = now
            .checked_add(Duration::from_secs(seconds))
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600));
        Deadline { at, seconds }
    }

    /// "`what` did not finish within N s", the error of anything cut short.
    pub fn missed(&self, what: &str) -> String {
        format!("{what} did not finish within {} s", self.seconds)
    }
}

/// What blocking work asks between steps: past the deadline, or cancelled
/// because the async side gave up on it.
#[derive(Debug, Clone)]
pub struct Stop {
    at: Instant,
    cancelled: Arc<AtomicBool>,
}

impl Stop {
    pub fn new(deadline: Deadline) -> (Stop, CancelOnDrop) {
        let cancelled = Arc::new(AtomicBool::new(false));
        let stop = Stop {
            at: deadline.at,
            cancelled: Arc::clone(&cancelled),
        };
        (stop, CancelOnDrop(cancelled))
    }

    /// True once the work should give up.
    pub fn requested(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || Instant::now() >= self.at
    }

    /// A stop that never comes, for pure callers (tests, tools).
    #[cfg(test)]
    pub fn never() -> Stop {
        Stop {
            at: Deadline::after(u64::MAX).at,
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Held by the async side: dropping it (the capability finished, or its
/// future was dropped at the deadline) tells the blocking side to stop.
#[derive(Debug)]
pub struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_timeout_saturates() {
        let deadline = Deadline::after(u64::MAX);
        assert!(deadline.at > Instant::now());
        assert_eq!(
            deadline.missed("rpm"),
            format!("rpm did not finish within {} s", u64::MAX)
        );
    }

    #[test]
    fn dropping_the_guard_stops_the_work() {
        let (stop, guard) = Stop::new(Deadline::after(60));
        assert!(!stop.requested());
        drop(guard);
        assert!(stop.requested());
    }

    #[test]
    fn the_deadline_stops_the_work() {
        let (stop, _guard) = Stop::new(Deadline::after(0));
        assert!(stop.requested());
    }
}
