//! Anonymous, aggregate usage analytics for command-line tools.
//!
//! `lumogon-track` counts how a tool is used (which commands run, which
//! features are tried) with Google Analytics Measurement Protocol v1 hits,
//! under three promises:
//!
//! - **It never slows a command down.** A hit is put on a bounded queue with
//!   `try_send` and sent by one background thread. At exit the
//!   [`FlushGuard`] waits for it at most the flush budget (300 ms by default)
//!   and never joins a stuck thread.
//! - **It never leaks what a user typed.** Screen names are string literals
//!   fixed at compile time by [`track_screen`]; event names are `&'static
//!   str`. A hit carries only the fields listed under [What a hit
//!   holds](#what-a-hit-holds), and `aip=1` asks Google to drop the last
//!   octet of the sender's IP address.
//! - **It does not exist in a build that does not want it.** Without the
//!   `analytics` feature (on by default) this crate has no dependencies
//!   beyond its macro, every function is a no-op, and `#[track_screen]`
//!   returns the function exactly as written.
//!
//! Failures (no network, refused connections, TLS errors, slow or broken
//! collectors) are silent: they show only in `log` records at debug level.
//!
//! # Use
//!
//! ```no_run
//! use lumogon_track::{Config, track_screen};
//!
//! #[track_screen("hello")]
//! fn hello() {
//!     println!("hello");
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let disable_flag = std::env::args().any(|a| a == "--disable-analytics");
//!     if disable_flag {
//!         lumogon_track::disable();
//!     }
//!     // Hold the guard for the life of `main`: dropping it is the flush.
//!     let _guard = lumogon_track::init(Config::new("UA-12345-1", "mytool", "1.0.0"));
//!     hello();
//!     std::process::ExitCode::SUCCESS
//! }
//! ```
//!
//! Return an `ExitCode` from `main` rather than calling
//! `std::process::exit`, which skips destructors and so the flush.
//!
//! # Opting out
//!
//! Nothing is sent, no thread is started, no socket opened and no file
//! written when any of these holds:
//!
//! 1. the application called [`disable`] (e.g. for `--disable-analytics`);
//! 2. `LUMOGON_DISABLE_ANALYTICS` is set to anything but empty, `0` or `false`;
//! 3. `DO_NOT_TRACK` is set likewise;
//! 4. [`init`] was never called.
//!
//! # What a hit holds
//!
//! `v=1`, `tid` (tracking id), `cid` (client id), `t` (`screenview` or
//! `event`), `an` (app name), `av` (app version), then `cd` (screen name) or
//! `ec` and `ea` (event category and action), and `aip=1`. Nothing else.
//!
//! # Environment
//!
//! - `LUMOGON_ANALYTICS_URL`: a full `/collect` URL (http or https) that
//!   replaces the endpoint; several hits go to `/batch` beside it.
//!
//! # Features
//!
//! - `analytics` (default): the runtime. Off, the API stays and does nothing.

#![deny(missing_docs)]

#[cfg(feature = "analytics")]
mod client_id;
mod config;
#[cfg(feature = "analytics")]
mod flush;
#[cfg(feature = "analytics")]
mod hit;
#[cfg(feature = "analytics")]
mod optout;
#[cfg(feature = "analytics")]
mod runtime;
#[cfg(feature = "analytics")]
mod transport;
#[cfg(feature = "analytics")]
mod worker;

pub use config::{Config, ConfigError, DEFAULT_FLUSH_BUDGET};
/// Queues a screenview each time the function's body starts.
///
/// ```
/// #[lumogon_track::track_screen("capabilities")]
/// fn capabilities() -> Result<(), std::io::Error> {
///     Ok(())
/// }
/// # capabilities().unwrap();
/// ```
///
/// The argument is one string literal, not empty, at most 2048 bytes and
/// without control characters; anything else is a compile error. The
/// attribute works on free functions, methods, generic, `async` and `unsafe`
/// functions; `const fn` is rejected. With the `analytics` feature off, the
/// function is left exactly as written.
pub use lumogon_track_macro::track_screen;

/// Starts analytics for this process and returns the guard whose drop
/// flushes.
///
/// Checks the configuration and reads the opt-out variables, but starts
/// nothing: the worker thread, the client id and the HTTP client wait for the
/// first hit. Hits recorded before `init` are dropped.
///
/// # Errors
///
/// A [`ConfigError`] naming the field when the tracking id, app name, app
/// version or endpoint (including `LUMOGON_ANALYTICS_URL`) is not valid, or
/// when `init` was already called. Without the `analytics` feature, never.
#[cfg_attr(not(feature = "analytics"), inline)]
pub fn init(config: Config) -> Result<FlushGuard, ConfigError> {
    #[cfg(feature = "analytics")]
    runtime::init(config.settings)?;
    #[cfg(not(feature = "analytics"))]
    let _ = config;
    Ok(FlushGuard { _private: () })
}

/// Turns analytics off for the rest of the process: the run-time opt-out,
/// e.g. for a `--disable-analytics` flag. Call it before [`init`] to make sure
/// nothing starts at all.
#[inline]
pub fn disable() {
    #[cfg(feature = "analytics")]
    runtime::disable();
}

/// Queues an event hit (`t=event&ec=category&ea=action`).
///
/// Both names are `&'static str` so that nothing typed at run time can be
/// sent. Like every hit, it is dropped silently when analytics is off.
#[inline]
pub fn event(category: &'static str, action: &'static str) {
    #[cfg(feature = "analytics")]
    runtime::record(hit::Hit::Event { category, action });
    #[cfg(not(feature = "analytics"))]
    let _ = (category, action);
}

/// Counts of this process's hits so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Hits put on the queue.
    pub queued: u64,
    /// Hits the collector accepted (answered 2xx).
    pub sent: u64,
    /// Hits whose request failed or was answered with a non-2xx status.
    pub failed: u64,
    /// Hits dropped before a request: over the per-process cap, queue full,
    /// or too large.
    pub dropped: u64,
}

/// This process's hit counts. All zero when analytics is off.
#[inline]
pub fn stats() -> Stats {
    #[cfg(feature = "analytics")]
    return runtime::stats();
    #[cfg(not(feature = "analytics"))]
    Stats::default()
}

/// Hold this for the life of `main`. Its drop waits for queued and in-flight
/// hits, at most the flush budget, and then lets the process exit even if a
/// request is still hanging.
#[must_use = "dropping the guard at once flushes at once; bind it: `let _guard = ...`"]
#[derive(Debug)]
pub struct FlushGuard {
    _private: (),
}

#[cfg(feature = "analytics")]
impl Drop for FlushGuard {
    fn drop(&mut self) {
        runtime::flush();
    }
}

/// Not public API: what `#[track_screen]` expands to.
#[doc(hidden)]
pub mod __private {
    /// Queues a screenview for `screen`.
    #[inline]
    pub fn screen(screen: &'static str) {
        #[cfg(feature = "analytics")]
        crate::runtime::record(crate::hit::Hit::Screenview { screen });
        #[cfg(not(feature = "analytics"))]
        let _ = screen;
    }
}
