//! The lifecycle, as one state machine in one atomic:
//!
//! ```text
//! not initialised ──init──▶ on ──first hit──▶ running ──guard drop──▶ closed
//!        │                   │                   │
//!        └──────disable──────┴──────disable──────┴──▶ off
//! ```
//!
//! `init` decides between on and off (consent.rs); `disable()` moves any
//! state but closed to off, at any time, and a hit not yet sent when it
//! does is dropped. Only on and running accept hits. Dropping the guard
//! flushes, then closes: a hit recorded after that would never be flushed,
//! so it is dropped and counted instead of queued (the way sentry's client
//! guard closes its transport).
//!
//! Across `fork`: the state is copied into the child, but the worker thread
//! is not (only the forking thread survives a fork). A child that records
//! hits queues them for a thread that does not exist in it; its flush waits
//! at most the budget and gives up. Call [`disable`](crate::disable) in a
//! child that is not going to `exec`.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

const NOT_INITIALISED: u8 = 0;
/// The bit shared by the states that accept hits, so that the hot path
/// is one load and one test.
const ACCEPTS: u8 = 0b0001;
const ON: u8 = ACCEPTS;
const RUNNING: u8 = ACCEPTS | 0b0010;
const OFF: u8 = 0b0100;
const CLOSED: u8 = 0b1000;

static STATE: AtomicU8 = AtomicU8::new(NOT_INITIALISED);
/// Whether [`disable`](crate::disable) was called, which `status` reports
/// whatever the state is now.
static BY_APPLICATION: AtomicBool = AtomicBool::new(false);

/// What a recorded hit meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    Accept,
    /// Closed: dropped and counted.
    Closed,
    /// Not initialised or off: dropped without a trace, at the cost of a
    /// load and a branch.
    Ignore,
}

#[inline]
pub(crate) fn gate() -> Gate {
    let state = STATE.load(Ordering::Acquire);
    if state & ACCEPTS != 0 {
        Gate::Accept
    } else if state == CLOSED {
        Gate::Closed
    } else {
        Gate::Ignore
    }
}

/// `init`'s decision. Loses to a `disable()` that came first.
pub(crate) fn start(on: bool) {
    let to = if on { ON } else { OFF };
    let _ = STATE.compare_exchange(NOT_INITIALISED, to, Ordering::AcqRel, Ordering::Acquire);
}

/// The first hit started the worker.
pub(crate) fn running() {
    let _ = STATE.compare_exchange(ON, RUNNING, Ordering::AcqRel, Ordering::Acquire);
}

/// Whether the worker may still send: not once `disable()` was called.
/// After the guard closed, what was queued before still goes out, within
/// what is left of the process.
pub(crate) fn may_send() -> bool {
    STATE.load(Ordering::Acquire) != OFF
}

/// `disable()`: off from any state but closed. Returns whether it changed.
pub(crate) fn disable() -> bool {
    BY_APPLICATION.store(true, Ordering::Release);
    turn_off()
}

/// Off because of an opt-out found at `init`.
pub(crate) fn turn_off() -> bool {
    STATE
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
            (s != OFF && s != CLOSED).then_some(OFF)
        })
        .is_ok()
}

pub(crate) fn disabled_by_application() -> bool {
    BY_APPLICATION.load(Ordering::Acquire)
}

/// The guard dropped. Off stays off: nothing was accepted there, and
/// nothing is counted.
pub(crate) fn close() {
    let _ = STATE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
        (s & ACCEPTS != 0).then_some(CLOSED)
    });
}
