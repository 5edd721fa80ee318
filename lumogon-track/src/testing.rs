//! Asserting, in an application's own tests, what its commands record
//! (the `testing` feature): hits are captured in-process instead of sent,
//! with no network, no [`init`](crate::init), no consent and no files, and
//! nothing left behind for the next test.
//!
//! ```
//! #[lumogon_track::track_screen("hello")]
//! fn hello() {
//!     lumogon_track::event("greeting", "said");
//! }
//!
//! let ((), hits) = lumogon_track::testing::capture(hello);
//! if lumogon_track::COMPILED_IN {
//!     use lumogon_track::testing::Hit;
//!     assert_eq!(
//!         hits,
//!         [Hit::Screen("hello"), Hit::event("greeting", "said")]
//!     );
//! } else {
//!     // Compiled out: there is nothing to record.
//!     assert!(hits.is_empty());
//! }
//! ```
//!
//! Capture is per thread: what the closure records on the thread that runs
//! it is captured, so tests running in parallel never see each other's
//! hits. A hit recorded on another thread (a spawned thread, a
//! multi-threaded async runtime's worker) goes the ordinary way, which
//! without `init` is nowhere. Captured hits are not counted in
//! [`stats`](crate::stats) and do not count toward the per-process cap.

use std::cell::RefCell;

/// A captured hit.
#[derive(Clone, Debug, PartialEq)]
pub enum Hit {
    /// A screenview from `#[track_screen(name)]`.
    Screen(&'static str),
    /// An [`event`](crate::event) or [`event_with`](crate::event_with), or
    /// the outcome event of `#[track_screen(.., outcome)]`.
    Event {
        /// Its category.
        category: &'static str,
        /// Its action.
        action: &'static str,
        /// Its parameters, as kept (at most 10, the first of a repeated
        /// key).
        params: Vec<crate::Param>,
    },
}

impl Hit {
    /// An event without parameters, to compare with.
    pub fn event(category: &'static str, action: &'static str) -> Hit {
        Hit::Event {
            category,
            action,
            params: Vec::new(),
        }
    }
}

thread_local! {
    static CAPTURED: RefCell<Option<Vec<Hit>>> = const { RefCell::new(None) };
}

/// Runs `f`, and returns what it returned with every hit it recorded on
/// this thread, in order. Nested captures each see their own hits.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<Hit>) {
    /// Puts the outer capture back, also when `f` panics (a failing
    /// assertion), so that nothing is left for the next test.
    struct Restore(Option<Vec<Hit>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            CAPTURED.with(|c| *c.borrow_mut() = outer);
        }
    }
    let restore = Restore(CAPTURED.with(|c| c.borrow_mut().replace(Vec::new())));
    let result = f();
    let hits = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (result, hits)
}

/// `Some(make)` back when nothing captures on this thread; else the hit is
/// captured and `None` returned.
#[cfg(feature = "analytics")]
pub(crate) fn take<F>(make: F) -> Option<F>
where
    F: FnOnce() -> crate::hit::Hit,
{
    let capturing = CAPTURED.with(|c| c.borrow().is_some());
    if !capturing {
        return Some(make);
    }
    let hit = match make() {
        crate::hit::Hit::Screenview { screen } => Hit::Screen(screen),
        crate::hit::Hit::Event {
            category,
            action,
            params,
        } => Hit::Event {
            category,
            action,
            params,
        },
    };
    CAPTURED.with(|c| {
        if let Some(hits) = c.borrow_mut().as_mut() {
            hits.push(hit);
        }
    });
    None
}

#[cfg(all(test, feature = "analytics"))]
mod tests {
    use super::*;

    #[test]
    fn captures_in_order_and_leaves_nothing_behind() {
        let ((), hits) = capture(|| {
            crate::__private::screen("one");
            crate::event("UX", "upload");
        });
        assert_eq!(hits, [Hit::Screen("one"), Hit::event("UX", "upload")]);
        assert!(CAPTURED.with(|c| c.borrow().is_none()));
    }

    #[test]
    fn nested_captures_and_panics_keep_their_own_hits() {
        let ((), outer) = capture(|| {
            crate::__private::screen("outer");
            let ((), inner) = capture(|| crate::__private::screen("inner"));
            assert_eq!(inner, [Hit::Screen("inner")]);
            let panicked = std::panic::catch_unwind(|| {
                capture(|| {
                    crate::__private::screen("lost");
                    panic!("a failing assertion");
                })
            });
            assert!(panicked.is_err());
        });
        assert_eq!(outer, [Hit::Screen("outer")]);
    }
}
