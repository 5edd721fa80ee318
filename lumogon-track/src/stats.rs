//! This process's counters behind [`crate::stats`], the per-process cap,
//! and [`tally`]: every hit that ends somewhere is counted and logged in
//! one line saying why.

use std::fmt::Display;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::limits::MAX_HITS_PER_PROCESS;

/// One of [`crate::Stats`]' counts.
pub(crate) struct Counter(AtomicU64);

impl Counter {
    const fn new() -> Counter {
        Counter(AtomicU64::new(0))
    }

    pub(crate) fn add(&self, n: usize) {
        self.0
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub(crate) static QUEUED: Counter = Counter::new();
pub(crate) static SENT: Counter = Counter::new();
pub(crate) static FAILED: Counter = Counter::new();
pub(crate) static DROPPED: Counter = Counter::new();
pub(crate) static PRINTED: Counter = Counter::new();
pub(crate) static SPOOLED: Counter = Counter::new();

/// Hits accepted so far, against [`MAX_HITS_PER_PROCESS`].
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);

/// Counts `entries` in `counter` and logs each on a line of its own,
/// `analytics: <verb> <entry><after>` (`after` brings its own separator:
/// `": why"`, `" (200 OK)"`).
pub(crate) fn tally<E: Display>(counter: &Counter, verb: &str, entries: &[E], after: &dyn Display) {
    counter.add(entries.len());
    for entry in entries {
        log::debug!("analytics: {verb} {entry}{after}");
    }
}

/// Whether one more hit may be accepted in this process.
pub(crate) fn under_cap() -> bool {
    ACCEPTED.load(Ordering::Relaxed) < MAX_HITS_PER_PROCESS
        && ACCEPTED.fetch_add(1, Ordering::Relaxed) < MAX_HITS_PER_PROCESS
}

/// Forgets the hits accepted so far. Only for `crate::__bench`.
pub(crate) fn reset_cap() {
    ACCEPTED.store(0, Ordering::Relaxed);
}

pub(crate) fn snapshot() -> crate::Stats {
    crate::Stats {
        queued: QUEUED.get(),
        sent: SENT.get(),
        failed: FAILED.get(),
        dropped: DROPPED.get(),
        printed: PRINTED.get(),
        spooled: SPOOLED.get(),
    }
}
