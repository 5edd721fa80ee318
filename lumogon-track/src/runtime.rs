//! The process-wide state: whether analytics is on, the per-process cap, the
//! lazily started worker, and the counters behind [`crate::stats`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use once_cell::sync::OnceCell;

use crate::app::Names;
use crate::config::{ConfigError, Settings};
use crate::consent::{self, Inputs, Off};
use crate::hit::Hit;
use crate::state::{self, Gate};
use crate::store::{Saved, Store};
use crate::worker::{EXIT_LOCK_WAIT, Worker};

/// At most this many hits leave one process; later ones are counted and
/// dropped, so a tracked function in a hot loop costs next to nothing.
pub(crate) const MAX_HITS_PER_PROCESS: usize = 20;

/// What the exit keeps of the flush budget to spool what never left (a
/// lock, a read and a rename of a few KiB, measured in well under 1 ms; the
/// lock is waited for at most [`EXIT_LOCK_WAIT`]).
const EXIT_RESERVE: Duration = EXIT_LOCK_WAIT.saturating_add(Duration::from_millis(5));

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
    pub(crate) spooled: Counter,
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
    spooled: Counter(AtomicU64::new(0)),
};

/// Records the hit `make` builds. Costs one atomic load and a branch when
/// analytics is off: the hit is built only past the check, so the caller
/// does not even write it to its stack.
#[inline]
pub(crate) fn record(make: impl FnOnce() -> Hit) {
    #[cfg(feature = "testing")]
    let Some(make) = crate::testing::take(make) else {
        return;
    };
    match state::gate() {
        Gate::Accept => record_enabled(make()),
        Gate::Closed => record_closed(make()),
        Gate::Ignore => {}
    }
}

#[cold]
fn record_closed(hit: Hit) {
    STATS.dropped.inc();
    log::debug!("analytics: dropped {hit}: recorded after the flush guard was dropped");
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
        let worker = Worker::spawn(settings);
        if worker.is_some() {
            state::running();
        }
        worker
    });
    match worker {
        Some(worker) => worker.queue(hit),
        None => STATS.dropped.inc(),
    }
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// The decision in this process's environment: the one function behind
/// both `init` and `status`.
fn decide(
    names: &Names,
    app: &str,
    store: Option<&Store>,
    invalid: Option<String>,
    notice_version: u32,
) -> Option<Off> {
    consent::decide(Inputs {
        by_application: state::disabled_by_application(),
        environment: consent::environment(names, env),
        app,
        invalid,
        saved: || store.map(Store::load),
        notice_version,
    })
}

pub(crate) fn status(settings: Settings) -> crate::Status {
    let names = settings.names.clone();
    let app = settings.app_name.clone();
    let origin = settings.client_id_origin.clone();
    let notice_version = settings.notice_version;
    let store = settings.store(env);
    let invalid = settings.resolve(env).err().map(|e| e.to_string());
    let off = decide(&names, &app, store.as_ref(), invalid, notice_version);
    crate::Status::new(off, store, names, app, origin)
}

pub(crate) fn init(settings: Settings) -> Result<(), ConfigError> {
    let mut settings = settings.resolve(env)?;
    let store = settings.store(env);
    let off = decide(
        &settings.names,
        &settings.app_name,
        store.as_ref(),
        None,
        settings.notice_version,
    );
    settings.config_dir = store.as_ref().map(|s| s.dir.clone());
    let flush_budget = settings.flush_budget;
    let endpoint = settings.endpoint.clone();
    let dry_run = settings.dry_run.then(|| settings.names.debug.clone());
    let notice = (off == Some(Off::NoticeNotShown)).then(|| settings.notice_text());
    let notice_version = settings.notice_version;
    let runtime = Runtime {
        flush_budget,
        settings: Mutex::new(Some(settings)),
        worker: OnceCell::new(),
    };
    RUNTIME
        .set(runtime)
        .map_err(|_| ConfigError::already_initialized())?;

    match off {
        Some(reason) => {
            if let (Some(text), Some(store)) = (notice, &store) {
                show_notice(&text, store, notice_version);
            }
            state::start(false);
            log::debug!("analytics: off ({reason}); nothing will be sent");
        }
        None => {
            state::start(true);
            match dry_run {
                Some(var) => log::debug!(
                    "analytics: on, as a dry run ({var}): requests for {endpoint} are \
                     printed to stderr, not sent"
                ),
                None => log::debug!("analytics: on; hits go to {endpoint}"),
            }
        }
    }
    Ok(())
}

/// Shows the notice and records that it was shown; until the record is
/// written, nothing is ever sent (the notice shows again on the next run).
fn show_notice(text: &str, store: &Store, version: u32) {
    eprintln!("{text}");
    let saved = Saved {
        notice_version: version,
        ..store.load()
    };
    if let Err(e) = store.save(saved) {
        log::debug!(
            "analytics: could not record the notice in {}: {e}",
            store.dir.display()
        );
    }
}

pub(crate) fn disable() {
    if state::disable() {
        log::debug!("analytics: off, turned off by the application; nothing more will be sent");
    }
}

/// Waits for queued and in-flight hits, at most the flush budget.
pub(crate) fn flush() {
    let Some(runtime) = RUNTIME.get() else { return };
    close_after(runtime);
}

/// Flushes, then closes: later hits are dropped and counted. When the
/// budget runs out, what never left is spooled within it: the wait ends
/// early by the little the spool needs.
fn close_after(runtime: &Runtime) {
    let wait = runtime.flush_budget.saturating_sub(EXIT_RESERVE);
    let left = wait_for_worker(wait);
    if left > 0 {
        log::debug!(
            "analytics: {left} hit(s) still queued or in flight after the flush budget of {:?}",
            runtime.flush_budget
        );
        if let Some(Some(worker)) = runtime.worker.get() {
            worker.give_up();
        }
    }
    state::close();
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
        spooled: STATS.spooled.get(),
    }
}
