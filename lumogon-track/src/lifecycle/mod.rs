//! The process-wide runtime: the one global cell, and what [`init`],
//! recording a hit, [`disable`] and the guard's drop do to it. The states
//! and their transitions are `state.rs`'.
//!
//! [`init`]: crate::init
//! [`disable`]: crate::disable

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use once_cell::sync::OnceCell;

use crate::config::{ClientIdSource, ConfigError, ErrorKind, Given, Mode, Resolved};
use crate::consent::{self, Off};
use crate::delivery::{Worker, sender};
use crate::hit::Hit;
use crate::limits::{EXIT_RESERVE, MAX_HITS_PER_PROCESS};
use crate::persistence::AppDir;
use crate::stats::{self, DROPPED};

mod state;

use self::state::Gate;

static RUNTIME: OnceCell<Runtime> = OnceCell::new();

struct Runtime {
    flush_budget: Duration,
    /// The exit waits for nothing: a detached sender delivers what is left
    /// (a run that sends for real, in an executable that serves senders).
    detached: bool,
    /// Taken by the first hit, which starts the worker with it.
    start: Mutex<Option<(Resolved, Option<ClientIdSource>)>>,
    /// Started by the first hit, never before: a process that sends nothing
    /// starts no thread.
    worker: OnceCell<Option<Worker>>,
}

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
    stats::tally(
        &DROPPED,
        "dropped",
        &[hit],
        &": recorded after the flush guard was dropped",
    );
}

#[cold]
fn record_enabled(hit: Hit) {
    if !stats::under_cap() {
        let why = format!(": the limit of {MAX_HITS_PER_PROCESS} hits per process is reached");
        stats::tally(&DROPPED, "dropped", &[hit], &why);
        return;
    }
    let Some(runtime) = RUNTIME.get() else { return };
    let worker = runtime.worker.get_or_init(|| {
        let (resolved, source) = runtime
            .start
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        let worker = Worker::spawn(resolved, source, state::may_send);
        if worker.is_some() {
            state::running();
        }
        worker
    });
    match worker {
        Some(worker) => worker.queue(hit),
        None => DROPPED.add(1),
    }
}

/// The decision for `given` in this process: the one function behind both
/// `init` and `status`.
pub(crate) fn decide(given: &Given, dir: Option<&AppDir>, invalid: Option<String>) -> Option<Off> {
    given.decide(dir, invalid, state::disabled_by_application())
}

pub(crate) fn init(mut given: Given) -> Result<(), ConfigError> {
    let resolved = given.resolve()?;
    let off = decide(&given, resolved.dir.as_ref(), None);
    let notice = (off == Some(Off::NoticeNotShown)).then(|| {
        given
            .notice
            .take()
            .unwrap_or_else(|| consent::default_notice(&given.app_name, &given.names.disable))
    });
    let (endpoint, mode, dir) = (
        resolved.endpoint.clone(),
        resolved.mode,
        resolved.dir.clone(),
    );
    let runtime = Runtime {
        flush_budget: resolved.flush_budget,
        detached: mode == Mode::Send && sender::wired(),
        start: Mutex::new(Some((resolved, given.client_id.take()))),
        worker: OnceCell::new(),
    };
    RUNTIME
        .set(runtime)
        .map_err(|_| ConfigError(ErrorKind::AlreadyInitialized))?;

    let Some(reason) = off else {
        state::start(true);
        match mode {
            Mode::Send | Mode::Validate => log::debug!("analytics: on; hits go to {endpoint}"),
            Mode::DryRun => log::debug!(
                "analytics: on, as a dry run ({}): requests for {endpoint} are printed to \
                 stderr, not sent",
                given.names.debug
            ),
        }
        return Ok(());
    };
    if let (Some(text), Some(dir)) = (notice, &dir) {
        consent::show_notice(&text, dir, given.notice_version);
    }
    state::start(false);
    log::debug!("analytics: off ({reason}); nothing will be sent");
    Ok(())
}

pub(crate) fn disable() {
    if state::disable() {
        log::debug!("analytics: off, turned off by the application; nothing more will be sent");
    }
}

/// The exit, then closes: later hits are dropped and counted. A detached
/// run waits for nothing that has not begun: only for the answer to a
/// request already written, at most the flush budget; what never left is
/// spooled at once and a sender delivers it. Any other run waits for queued
/// and in-flight hits at most the flush budget, then spools what never
/// left. Either wait ends early by the little the spool needs.
pub(crate) fn flush() {
    let Some(runtime) = RUNTIME.get() else { return };
    let worker = match runtime.worker.get() {
        Some(Some(worker)) => worker,
        _ => return state::close(),
    };
    let budget = runtime.flush_budget.saturating_sub(EXIT_RESERVE);
    let waited = !runtime.detached || worker.in_flight();
    let left = worker.wait(if waited { budget } else { Duration::ZERO });
    if left > 0 {
        log::debug!("analytics: {left} hit(s) still queued or in flight at exit");
        worker.give_up(runtime.detached, waited);
    }
    state::close();
}

/// Waits until the worker has finished every hit queued so far, at most
/// `budget`, and returns how many it had not (0 when no worker started).
pub(crate) fn wait_for_worker(budget: Duration) -> usize {
    match RUNTIME.get().and_then(|r| r.worker.get()) {
        Some(Some(worker)) => worker.wait(budget),
        _ => 0,
    }
}
