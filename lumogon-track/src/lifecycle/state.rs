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

/// The off path (not initialised, off) is one load, one test and one
/// branch, as it was before closing existed: both other outcomes are cold.
#[inline]
pub(crate) fn gate() -> Gate {
    let state = STATE.load(Ordering::Acquire);
    if state & (ACCEPTS | CLOSED) == 0 {
        Gate::Ignore
    } else if state & ACCEPTS != 0 {
        Gate::Accept
    } else {
        Gate::Closed
    }
}

/// What moves the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// `init` decided on.
    InitOn,
    /// `init` decided off.
    InitOff,
    /// The first hit started the worker.
    WorkerStarted,
    /// `disable()`.
    Disable,
    /// The guard dropped.
    GuardDropped,
}

/// The transition table; `None`: the event changes nothing in `state`.
/// Pure, so that the whole table is tested below.
fn next(state: u8, event: Event) -> Option<u8> {
    match (state, event) {
        // `init` loses to a `disable()` that came first.
        (NOT_INITIALISED, Event::InitOn) => Some(ON),
        (NOT_INITIALISED, Event::InitOff) => Some(OFF),
        (ON, Event::WorkerStarted) => Some(RUNNING),
        (OFF | CLOSED, Event::Disable) => None,
        (_, Event::Disable) => Some(OFF),
        // Off stays off: nothing was accepted there, and nothing is counted.
        (s, Event::GuardDropped) if s & ACCEPTS != 0 => Some(CLOSED),
        _ => None,
    }
}

/// Applies `event`; whether the state changed.
fn apply(event: Event) -> bool {
    STATE
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| next(s, event))
        .is_ok()
}

/// `init`'s decision.
pub(crate) fn start(on: bool) {
    apply(if on { Event::InitOn } else { Event::InitOff });
}

/// The first hit started the worker.
pub(crate) fn running() {
    apply(Event::WorkerStarted);
}

/// Whether the worker may still send: not once `disable()` was called,
/// even after the guard closed. After the guard closed, what was queued
/// before still goes out, within what is left of the process.
pub(crate) fn may_send() -> bool {
    STATE.load(Ordering::Acquire) != OFF && !BY_APPLICATION.load(Ordering::Acquire)
}

/// `disable()`: off from any state but closed. Returns whether it changed.
pub(crate) fn disable() -> bool {
    BY_APPLICATION.store(true, Ordering::Release);
    apply(Event::Disable)
}

pub(crate) fn disabled_by_application() -> bool {
    BY_APPLICATION.load(Ordering::Acquire)
}

/// The guard dropped: flushed, now closed.
pub(crate) fn close() {
    apply(Event::GuardDropped);
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [u8; 5] = [NOT_INITIALISED, ON, RUNNING, OFF, CLOSED];

    #[test]
    fn the_lifecycle_runs_one_way() {
        let mut state = NOT_INITIALISED;
        for (event, expected) in [
            (Event::InitOn, ON),
            (Event::WorkerStarted, RUNNING),
            (Event::GuardDropped, CLOSED),
        ] {
            state = next(state, event).unwrap_or(state);
            assert_eq!(state, expected, "{event:?}");
        }
        // Nothing reopens a closed runtime.
        for event in [
            Event::InitOn,
            Event::InitOff,
            Event::WorkerStarted,
            Event::GuardDropped,
        ] {
            assert_eq!(next(CLOSED, event), None, "{event:?}");
        }
    }

    #[test]
    fn disable_wins_from_every_open_state_and_init_cannot_undo_it() {
        for state in [NOT_INITIALISED, ON, RUNNING] {
            assert_eq!(next(state, Event::Disable), Some(OFF));
        }
        assert_eq!(next(OFF, Event::InitOn), None);
        assert_eq!(next(OFF, Event::WorkerStarted), None);
        assert_eq!(next(OFF, Event::GuardDropped), None);
    }

    #[test]
    fn only_on_and_running_accept_hits() {
        let accepts: Vec<u8> = ALL.into_iter().filter(|s| s & ACCEPTS != 0).collect();
        assert_eq!(accepts, [ON, RUNNING]);
    }
}
