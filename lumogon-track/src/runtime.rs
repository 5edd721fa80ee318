//! The process-wide state: whether analytics is on, the per-process cap, the
//! lazily started worker, and the counters behind [`crate::stats`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use once_cell::sync::OnceCell;

use crate::config::{ConfigError, DRY_RUN_VAR, Settings};
use crate::hit::Hit;
use crate::optout::{self, OptOut};
use crate::worker::Worker;

/// At most this many hits leave one process; later ones are counted and
/// dropped, so a tracked function in a hot loop costs next to nothing.
pub(crate) const MAX_HITS_PER_PROCESS: usize = 20;

const UNINITIALIZED: u8 = 0;
const ENABLED: u8 = 1;
const DISABLED: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNINITIALIZED);
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);
static RUNTIME: OnceCell<Runtime> = OnceCell::new();

struct Runtime {
    flush_budget: Duration,
    /// Taken by the worker when the first hit starts it.
    settings: Mutex<Option<Settings>>,
    /// Started by the first hit, never before: a process that sends nothing
    /// starts no thread.
    worker: OnceCell<Option<Worker>>,
}

/// Counters, readable through [`crate::stats`].
pub(crate) struct Counters {
    pub(crate) queued: Counter,
    pub(crate) sent: Counter,
    pub(crate) failed: Counter,
    pub(crate) dropped: Counter,
    pub(crate) printed: Counter,
}

pub(crate) struct Counter(AtomicU64);

impl Counter {
    pub(crate) fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub(crate) static STATS: Counters = Counters {
    queued: Counter(AtomicU64::new(0)),
    sent: Counter(AtomicU64::new(0)),
    failed: Counter(AtomicU64::new(0)),
    dropped: Counter(AtomicU64::new(0)),
    printed: Counter(AtomicU64::new(0)),
};

/// Records the hit `make` builds. Costs one atomic load and a branch when
/// analytics is off: the hit is built only past the check, so the caller
/// does not even write it to its stack.
#[inline]
pub(crate) fn record(make: impl FnOnce() -> Hit) {
    if STATE.load(Ordering::Acquire) == ENABLED {
        record_enabled(make());
    }
}

#[cold]
fn record_enabled(hit: Hit) {
    if ACCEPTED.load(Ordering::Relaxed) >= MAX_HITS_PER_PROCESS
        || ACCEPTED.fetch_add(1, Ordering::Relaxed) >= MAX_HITS_PER_PROCESS
    {
        STATS.dropped.inc();
        log::debug!(
            "analytics: dropped {hit}: the limit of {MAX_HITS_PER_PROCESS} hits per process is reached"
        );
        return;
    }
    let Some(runtime) = RUNTIME.get() else { return };
    let worker = runtime.worker.get_or_init(|| {
        let settings = runtime
            .settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()?;
        Worker::spawn(settings)
    });
    match worker {
        Some(worker) => worker.queue(hit),
        None => STATS.dropped.inc(),
    }
}

pub(crate) fn init(settings: Settings) -> Result<(), ConfigError> {
    let settings = settings.resolve(|key| std::env::var(key).ok())?;
    let flush_budget = settings.flush_budget;
    let endpoint = settings.endpoint.clone();
    let dry_run = settings.dry_run;
    let runtime = Runtime {
        flush_budget,
        settings: Mutex::new(Some(settings)),
        worker: OnceCell::new(),
    };
    RUNTIME
        .set(runtime)
        .map_err(|_| ConfigError::already_initialized())?;

    let by_application = STATE.load(Ordering::Acquire) == DISABLED;
    match optout::decide(by_application, |key| std::env::var(key).ok()) {
        Some(source) => {
            disable_by(source);
        }
        None => {
            // Loses to a concurrent `disable()`, as it should.
            let _ =
                STATE.compare_exchange(UNINITIALIZED, ENABLED, Ordering::AcqRel, Ordering::Acquire);
            if dry_run {
                log::debug!(
                    "analytics: on, as a dry run ({DRY_RUN_VAR}): requests for {endpoint} are \
                     printed to stderr, not sent"
                );
            } else {
                log::debug!("analytics: on; hits go to {endpoint}");
            }
        }
    }
    Ok(())
}

pub(crate) fn disable() {
    disable_by(OptOut::Application);
}

fn disable_by(source: OptOut) {
    if STATE.swap(DISABLED, Ordering::AcqRel) != DISABLED {
        log::debug!("analytics: off, turned off by {source}; nothing will be sent");
    }
}

/// Waits for queued and in-flight hits, at most the flush budget.
pub(crate) fn flush() {
    let Some(runtime) = RUNTIME.get() else { return };
    let left = wait_for_worker(runtime.flush_budget);
    if left > 0 {
        log::debug!(
            "analytics: gave up on {left} hit(s) still in flight after the flush budget of {:?}",
            runtime.flush_budget
        );
    }
}

/// Waits until the worker has finished every hit queued so far, at most
/// `budget`, and returns how many it had not (0 when no worker started).
pub(crate) fn wait_for_worker(budget: Duration) -> usize {
    let Some(runtime) = RUNTIME.get() else {
        return 0;
    };
    let Some(Some(worker)) = runtime.worker.get() else {
        return 0;
    };
    worker.pending.wait(budget)
}

/// Forgets the hits accepted so far. Only for `crate::__bench`: the
/// benchmarks time the queued path far more often than the cap allows.
pub(crate) fn reset_hit_cap() {
    ACCEPTED.store(0, Ordering::Relaxed);
}

pub(crate) fn stats() -> crate::Stats {
    crate::Stats {
        queued: STATS.queued.get(),
        sent: STATS.sent.get(),
        failed: STATS.failed.get(),
        dropped: STATS.dropped.get(),
        printed: STATS.printed.get(),
    }
}
