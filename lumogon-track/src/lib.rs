//! Anonymous, aggregate usage analytics for command-line tools.
//!
//! `lumogon-track` counts how a tool is used (which commands run, which
//! features are tried) under three promises:
//!
//! - **It never slows a command down.** A hit is put on a bounded queue with
//!   `try_send` and sent by one background thread, started by the first hit.
//!   At exit the [`FlushGuard`] waits for no network step that has not
//!   begun: what never left is spooled and a detached sender delivers it
//!   ([`detached_sender`]); the exit never waits longer than the flush
//!   budget (300 ms by default) and never joins a stuck thread.
//! - **It never leaks what a user typed.** Screen names are string literals
//!   fixed at compile time by [`track_screen`]; event names are `&'static
//!   str`. A hit carries only the fields the [guide](crate::guide#what-a-hit-holds)
//!   lists.
//! - **It does not exist in a build that does not want it.** Without the
//!   `analytics` feature (on by default) this crate has no dependencies
//!   beyond its macro, every function is a no-op, and `#[track_screen]`
//!   returns the function exactly as written.
//!
//! Failures (no network, refused connections, TLS errors, slow or broken
//! collectors) are silent: they show only in `log` records at debug level.
//!
//! ```
//! use lumogon_track::track_screen;
//!
//! // Queues the screenview "scan" when the body starts; `target` is never
//! // sent. `outcome`: when it ends, one event with ok/error/panic/cancelled
//! // and a coarse duration, never the error's text.
//! #[track_screen("scan", outcome)]
//! fn scan(target: &str) -> Result<(), String> {
//!     println!("scanning {target}");
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     # lumogon_track::disable();
//!     // `--disable-analytics` would call `lumogon_track::disable()` here.
//!     let config = lumogon_track::config!(ga4: "G-ABCDE12345", "api-secret");
//!     let _guard = lumogon_track::init(config).ok();
//!     match scan("web") {
//!         Ok(()) => std::process::ExitCode::SUCCESS,
//!         Err(_) => std::process::ExitCode::FAILURE,
//!     }
//!     // `_guard` drops here: the exit, which waits for no network.
//! }
//! ```
//!
//! The application says who it is in one [`Config`] (a GA4 web or app
//! stream, a PostHog project, or, as an explicit choice, Universal
//! Analytics, whose hits Google no longer processes), given to both
//! [`init`] and [`status`] so that they decide alike. The library owns the rest: the variables a
//! person sets (`{APP}_DISABLE_ANALYTICS`, `DO_NOT_TRACK`,
//! `{APP}_ANALYTICS_URL`, `{APP}_ANALYTICS_DEBUG`, `{APP}_CONFIG_DIR`), the
//! first-run notice, the saved choice, the client id, the spool of unsent
//! hits, the backoff, quiet CI runs, the log of what was sent, and the
//! `analytics` subcommand (`cli`, with the `clap` feature). Return an `ExitCode` from `main` rather than calling
//! `std::process::exit`, which skips the guard's drop.
//!
//! The [`guide`] has the whole story: adopting the crate step by step, what
//! is stored where, consent, the exit and where users are, the backends and
//! what a hit holds, CI, events and their parameters, outcomes, the sent
//! log, the lifecycle, the opt-outs and the environment.
//!
//! Features: `analytics` (default) the runtime; `clap` the `analytics`
//! subcommand (`cli`), never bringing reqwest by itself; `testing`
//! in-process capture of hits (`testing`) for an application's own tests.

#![deny(missing_docs)]

#[cfg(feature = "analytics")]
mod backends;
#[cfg(feature = "clap")]
pub mod cli;
mod config;
mod consent;
#[cfg(feature = "analytics")]
mod delivery;
pub mod guide;
#[cfg(feature = "analytics")]
mod hit;
#[cfg(feature = "analytics")]
mod lifecycle;
mod limits;
mod outcome;
mod params;
#[cfg(feature = "analytics")]
mod persistence;
mod sent;
#[cfg(feature = "analytics")]
mod stats;
mod status;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(any(feature = "analytics", feature = "clap"))]
mod utc;

pub use config::{Config, ConfigError};
pub use consent::Off;
pub use limits::DEFAULT_FLUSH_BUDGET;
pub use params::{Param, Value};
pub use sent::Sent;
pub use status::{Choice, ChoiceError, Status, set_enabled};

/// A [`Config`] with the calling crate's name and version
/// (`CARGO_PKG_NAME`, `CARGO_PKG_VERSION`) as the app name and version:
/// after `ga4:`, for a GA4 web stream's measurement id and API secret
/// ([`Config::ga4`]); after `ga4_app:`, for a GA4 app stream's Firebase app
/// id and API secret ([`Config::ga4_app`]); after `posthog:`, for a
/// PostHog project API key ([`Config::posthog`]); after `universal_analytics:`,
/// for a Universal Analytics tracking id ([`Config::universal_analytics`]),
/// whose hits Google no longer processes.
///
/// ```
/// let config = lumogon_track::config!(ga4: "G-ABCDE12345", "api-secret")
///     .flush_budget(std::time::Duration::from_millis(100));
/// # drop(config);
/// let config = lumogon_track::config!(ga4_app: "1:1234567890:android:321abc456def7890", "api-secret");
/// # drop(config);
/// let config = lumogon_track::config!(posthog: "phc_1a2B3c4D5e6F7g8H9i0J");
/// # drop(config);
/// ```
#[macro_export]
macro_rules! config {
    (ga4: $measurement_id:expr, $api_secret:expr $(,)?) => {
        $crate::Config::ga4(
            $measurement_id,
            $api_secret,
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        )
    };
    (ga4_app: $firebase_app_id:expr, $api_secret:expr $(,)?) => {
        $crate::Config::ga4_app(
            $firebase_app_id,
            $api_secret,
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        )
    };
    (posthog: $api_key:expr $(,)?) => {
        $crate::Config::posthog(
            $api_key,
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        )
    };
    (universal_analytics: $tracking_id:expr $(,)?) => {
        $crate::Config::universal_analytics(
            $tracking_id,
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        )
    };
}
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
///
/// With `outcome` after the name, the end of the handler is reported too:
/// one event `command`/name with `outcome` (`ok`, `error` for an `Err`, a
/// failing `ExitCode` or `false`, `panic`, `cancelled` for an async
/// handler's future dropped before it completed) and a coarse `duration`
/// (`<0.1s` … `>=1min`); never an error's text. The return type must be
/// `()`, `bool`, `Result` or `ExitCode` (a future's output for async
/// handlers). See [Outcomes and durations](crate::guide#outcomes-and-durations).
///
/// ```
/// #[lumogon_track::track_screen("scan", outcome)]
/// fn scan() -> Result<(), std::io::Error> {
///     Ok(())
/// }
/// # scan().unwrap();
/// ```
pub use lumogon_track_macro::track_screen;

/// Starts analytics for this process and returns the guard whose drop
/// flushes.
///
/// Checks the configuration and makes the decision [`status`] reports (the
/// opt-outs, the saved choice, the notice); on the first run that would
/// send, shows the notice on stderr and sends nothing. Starts nothing: the
/// worker thread, the client id and the HTTP client wait for the first
/// hit. Hits recorded before `init` are dropped.
///
/// # Errors
///
/// A [`ConfigError`] naming the field when the tracking id (v1), the
/// measurement id, Firebase app id or API secret (GA4), the app name, app
/// version or endpoint (including `{APP}_ANALYTICS_URL`) is not valid, when
/// validate mode finds no `/mp/collect` endpoint to validate beside, when
/// the application declared it [invalid](Config::invalid), or when `init`
/// was already called. Without the `analytics` feature, never.
#[cfg_attr(not(feature = "analytics"), inline)]
pub fn init(config: Config) -> Result<FlushGuard, ConfigError> {
    #[cfg(feature = "analytics")]
    lifecycle::init(config.0)?;
    #[cfg(not(feature = "analytics"))]
    let _ = config;
    Ok(FlushGuard { _private: () })
}

/// Lets the exit hand what it could not send to a detached sender, so that
/// no command waits for the network: call it first thing in `main`, with
/// the function that makes the application's [`Config`] (the one given to
/// [`init`]).
///
/// In the sender (this executable, started again by the exit of a run that
/// sends) it delivers what that run spooled and ends the process, before
/// any of the application's own code runs; `config` is called only there.
/// Anywhere else it returns at once, having noted that this executable
/// serves senders. An application that does not call it keeps the bounded
/// wait at exit (at most the flush budget) and the next run delivers what
/// was spooled. See the [guide](crate::guide#the-exit-time-promise).
///
/// ```no_run
/// fn config() -> lumogon_track::Config {
///     lumogon_track::config!(ga4: "G-ABCDE12345", "api-secret")
/// }
///
/// fn main() -> std::process::ExitCode {
///     lumogon_track::detached_sender(config);
///     // … parse the command line, `init(config())`, run the command …
///     # std::process::ExitCode::SUCCESS
/// }
/// ```
#[inline]
pub fn detached_sender(config: impl FnOnce() -> Config) {
    #[cfg(feature = "analytics")]
    delivery::sender::serve(config);
    #[cfg(not(feature = "analytics"))]
    let _ = config;
}

/// Turns analytics off for the rest of the process: the run-time opt-out,
/// e.g. for a `--disable-analytics` flag. Call it before [`init`] to make sure
/// nothing starts at all.
#[inline]
pub fn disable() {
    #[cfg(feature = "analytics")]
    lifecycle::disable();
}

/// Whether this build has the `analytics` feature: without it nothing can
/// be sent, whatever else is set.
pub const COMPILED_IN: bool = cfg!(feature = "analytics");

/// The variables that mark a run as in CI (`CI` and the vendors'), for an
/// application's own tests that must decide the same in CI as on a
/// workstation: remove them from the environment of a command under test,
/// or leave them out of [`Config::environment`]. See
/// [`Config::count_ci_runs`] for what a run in CI does.
pub fn ci_variables() -> impl Iterator<Item = &'static str> {
    consent::ci::variables()
}

/// What [`init`] would decide for `config` in this process's environment,
/// without starting anything or showing the notice: the one decision, so
/// that an application's `analytics status` can never disagree with what a
/// run does. Reads the saved choice in the application's directory.
pub fn status(config: Config) -> Status {
    #[cfg(feature = "analytics")]
    return Status::of(&config.0);
    #[cfg(not(feature = "analytics"))]
    {
        let _ = config;
        Status::not_in_build()
    }
}

/// The last hits this application sent or spooled (at most 300, oldest
/// first), from the `sent.log` its directory keeps: what `{app} analytics
/// log` shows. Empty when nothing was sent, when analytics is compiled out,
/// and after `analytics disable`, which deletes the log. Only runs that
/// send write it: nothing is logged while analytics is off or in a dry run.
pub fn sent_log(config: Config) -> Vec<Sent> {
    #[cfg(feature = "analytics")]
    return config.0.dir().map(|dir| dir.sent_log()).unwrap_or_default();
    #[cfg(not(feature = "analytics"))]
    {
        let _ = config;
        Vec::new()
    }
}

/// Queues an event hit (v1: `t=event&ec=category&ea=action`; GA4: an event
/// named after `category`, see [Backends](crate::guide#backends)).
///
/// Both names are `&'static str` so that nothing typed at run time can be
/// sent. Like every hit, it is dropped silently when analytics is off.
#[inline]
pub fn event(category: &'static str, action: &'static str) {
    event_with(category, action, &[]);
}

/// Queues an event hit with parameters: keys are `&'static str`, values
/// string literals or numbers ([`Value`]), so that nothing typed at run
/// time can be sent. At most 10 are kept (the first of a repeated key);
/// a key must be lowercase ASCII letters, digits and `_`, starting with a
/// letter, at most 40 characters, or the event is refused when it is
/// encoded (a debug line says why).
///
/// Each backend carries them its own way: GA4 as event parameters, PostHog
/// as properties, Universal Analytics as the label (`el`, every parameter as
/// `key=value`, joined by `;`) and the value (`ev`, the first whole number
/// that is not negative). See [Backends](crate::guide#backends).
///
/// ```
/// lumogon_track::event_with("report", "upload", &[("format", "json".into()), ("containers", 3.into())]);
/// ```
#[inline]
pub fn event_with(category: &'static str, action: &'static str, params: &[Param]) {
    #[cfg(feature = "analytics")]
    lifecycle::record(|| hit::Hit::Event {
        category,
        action,
        params: params::collect(params),
    });
    #[cfg(not(feature = "analytics"))]
    let _ = (category, action, params);
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
    /// too large, refused by a rule of GA4's, or (in validate mode) bound
    /// for Universal Analytics, which has no validation server.
    pub dropped: u64,
    /// Hits printed to stderr instead of sent, in a dry run
    /// (`{APP}_ANALYTICS_DEBUG`), or checked by GA4's validation server in
    /// validate mode (`{APP}_ANALYTICS_DEBUG=validate`). They are never
    /// counted as `sent`.
    pub printed: u64,
    /// Hits kept in the application's directory for a later run: the
    /// collector was not reached (refused, no such host, a connect
    /// timeout), or it timed out recently (backoff). Never counted as
    /// `failed`.
    pub spooled: u64,
}

/// This process's hit counts. All zero when analytics is off.
#[inline]
pub fn stats() -> Stats {
    #[cfg(feature = "analytics")]
    return stats::snapshot();
    #[cfg(not(feature = "analytics"))]
    Stats::default()
}

/// Hold this for the life of `main`. Its drop is the exit: with
/// [`detached_sender`] wired, it spools what never left for a detached
/// sender and waits only for the answer to a request already written;
/// without, it waits for queued and in-flight hits. Either way at most the
/// flush budget, and then it lets the process exit even if a request is
/// still hanging. Then analytics is closed: a hit recorded later
/// is dropped and counted, never queued for a flush that will not come.
#[must_use = "dropping the guard at once flushes at once; bind it: `let _guard = ...`"]
#[derive(Debug)]
pub struct FlushGuard {
    _private: (),
}

#[cfg(feature = "analytics")]
impl Drop for FlushGuard {
    fn drop(&mut self) {
        lifecycle::flush();
    }
}

/// Not public API: what `#[track_screen]` expands to.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "analytics")]
    use crate::outcome::{self, Outcome};

    /// Queues a screenview for `screen`.
    #[inline]
    pub fn screen(screen: &'static str) {
        #[cfg(feature = "analytics")]
        crate::lifecycle::record(|| crate::hit::Hit::Screenview { screen });
        #[cfg(not(feature = "analytics"))]
        let _ = screen;
    }

    /// The guard of `#[track_screen(.., outcome)]`: made when the body
    /// starts, it queues the screenview and notes the time; [`Tracked::end`]
    /// records how the handler ended, and a drop without it records that the
    /// handler panicked (while unwinding) or was cancelled (an async
    /// handler's future dropped before it completed). One event either way.
    ///
    /// The macro never emits it without the `analytics` feature; it is kept
    /// there, empty, so that the path exists in both modes.
    #[derive(Debug)]
    #[must_use = "the outcome is recorded by `end` or by the drop"]
    pub struct Tracked {
        #[cfg(feature = "analytics")]
        screen: &'static str,
        // Taken only on this path: a handler without `outcome` reads no clock.
        #[cfg(feature = "analytics")]
        started: std::time::Instant,
        #[cfg(feature = "analytics")]
        ended: bool,
    }

    impl Tracked {
        /// Queues the screenview for `screen` and starts the clock.
        #[inline]
        pub fn start(screen: &'static str) -> Tracked {
            self::screen(screen);
            Tracked {
                #[cfg(feature = "analytics")]
                screen,
                #[cfg(feature = "analytics")]
                started: std::time::Instant::now(),
                #[cfg(feature = "analytics")]
                ended: false,
            }
        }

        /// Records the outcome of a handler that returned `ret`: `error` when
        /// it [failed](Judge::failed), else `ok`. Only the verdict is kept,
        /// never anything `ret` holds.
        #[inline]
        pub fn end<R: Judge + ?Sized>(mut self, ret: &R) {
            #[cfg(feature = "analytics")]
            {
                self.ended = true;
                let outcome = if ret.failed() {
                    Outcome::Error
                } else {
                    Outcome::Ok
                };
                record(self.screen, outcome, self.started.elapsed());
            }
            #[cfg(not(feature = "analytics"))]
            let _ = (&mut self, ret);
        }
    }

    #[cfg(feature = "analytics")]
    impl Drop for Tracked {
        fn drop(&mut self) {
            if self.ended {
                return;
            }
            let outcome = if std::thread::panicking() {
                Outcome::Panic
            } else {
                Outcome::Cancelled
            };
            let (screen, elapsed) = (self.screen, self.started.elapsed());
            // A panic escaping a drop that runs while unwinding aborts the
            // process: whatever recording meets, it stays in here.
            let _ = std::panic::catch_unwind(|| record(screen, outcome, elapsed));
        }
    }

    #[cfg(feature = "analytics")]
    fn record(screen: &'static str, outcome: Outcome, elapsed: std::time::Duration) {
        crate::event_with(
            outcome::CATEGORY,
            screen,
            &[
                ("outcome", crate::Value::Str(outcome.as_str())),
                (
                    "duration",
                    crate::Value::Str(outcome::duration_bucket(elapsed)),
                ),
            ],
        );
    }

    /// Calls `body`: a sync handler's body, as a closure, so that `return`
    /// and `?` come back to the verdict. Taking an `FnOnce` makes the
    /// closure one, which may hand back a borrow of what it captured (a
    /// field of `&mut self`), as the function itself could.
    #[inline(always)]
    pub fn call_once<R>(body: impl FnOnce() -> R) -> R {
        body()
    }

    /// What a handler with `#[track_screen(.., outcome)]` may return: the
    /// types whose value says whether the handler failed.
    #[diagnostic::on_unimplemented(
        message = "`#[track_screen(.., outcome)]` cannot tell whether a handler returning `{Self}` failed",
        label = "the `outcome` option judges this return type",
        note = "`outcome` judges `()`, `bool`, `Result<T, E>` and `std::process::ExitCode`: return one of them, or remove `outcome`"
    )]
    pub trait Judge {
        /// Whether the handler failed: an `Err`, a failing `ExitCode`,
        /// `false`.
        fn failed(&self) -> bool;
    }

    impl Judge for () {
        #[inline]
        fn failed(&self) -> bool {
            false
        }
    }

    impl Judge for bool {
        #[inline]
        fn failed(&self) -> bool {
            !*self
        }
    }

    impl<T, E> Judge for Result<T, E> {
        #[inline]
        fn failed(&self) -> bool {
            self.is_err()
        }
    }

    impl Judge for std::process::ExitCode {
        #[inline]
        fn failed(&self) -> bool {
            *self != std::process::ExitCode::SUCCESS
        }
    }
}

/// Not public API: hooks for this crate's benchmarks (`benches/track.rs`),
/// which time the queued path far more often than the per-process cap lets
/// one process queue. Nothing else may call them; they may change or go at
/// any time, and the promise of at most 20 hits a process holds only for a
/// process that does not call [`__bench::reset_hit_cap`]. Neither turns
/// analytics on: a process that opted out stays out.
#[cfg(feature = "analytics")]
#[doc(hidden)]
pub mod __bench {
    use std::time::Duration;

    /// Forgets the hits accepted so far, so that the next ones are queued
    /// again rather than dropped at the cap.
    pub fn reset_hit_cap() {
        crate::stats::reset_cap();
    }

    /// Waits until the worker has finished (sent or failed) every hit queued
    /// so far, at most `timeout`. Whether it did.
    pub fn drain(timeout: Duration) -> bool {
        crate::lifecycle::wait_for_worker(timeout) == 0
    }
}
