//! Anonymous, aggregate usage analytics for command-line tools.
//!
//! `lumogon-track` counts how a tool is used (which commands run, which
//! features are tried) with Google Analytics hits (Universal Analytics
//! Measurement Protocol v1 by default, or GA4: see [Backends](#backends)),
//! under three promises:
//!
//! - **It never slows a command down.** A hit is put on a bounded queue with
//!   `try_send` and sent by one background thread. At exit the
//!   [`FlushGuard`] waits for it at most the flush budget (300 ms by default)
//!   and never joins a stuck thread.
//! - **It never leaks what a user typed.** Screen names are string literals
//!   fixed at compile time by [`track_screen`]; event names are `&'static
//!   str`. A hit carries only the fields listed under [What a hit
//!   holds](#what-a-hit-holds); with v1, `aip=1` asks Google to drop the
//!   last octet of the sender's IP address (GA4 does not store IP addresses).
//! - **It does not exist in a build that does not want it.** Without the
//!   `analytics` feature (on by default) this crate has no dependencies
//!   beyond its macro, every function is a no-op, and `#[track_screen]`
//!   returns the function exactly as written.
//!
//! Failures (no network, refused connections, TLS errors, slow or broken
//! collectors) are silent: they show only in `log` records at debug level.
//!
//! # Adopting lumogon-track
//!
//! The library owns everything but the application's identity: the
//! variables the user sets, the first-run notice and its bookkeeping, the
//! saved choice, the client id, the session, the lifecycle, and the
//! `analytics` subcommand. The steps:
//!
//! 1. **Depend on it, and forward the features** so that your users can
//!    build without analytics (a member that depends on it with default
//!    features turns analytics back on in everyone's `--no-default-features`
//!    build, by cargo's feature unification):
//!
//!    ```toml
//!    [dependencies]
//!    lumogon-track = { version = "0.1", default-features = false }
//!
//!    [features]
//!    default = ["analytics"]
//!    analytics = ["lumogon-track/analytics", "lumogon-track/clap"]
//!
//!    [dev-dependencies]
//!    lumogon-track = { version = "0.1", default-features = false, features = ["testing"] }
//!    ```
//!
//! 2. **Say who you are**, in one function that both `init` and the
//!    `analytics` subcommand are given, so that they decide alike: a
//!    [`Config`] with your tracking id (or GA4 stream), name and version,
//!    and optionally your notice ([`Config::notice`]), its version, and a
//!    client-id source of your own ([`Config::client_id`], with
//!    [`Config::client_id_origin`] to say what it is derived from).
//! 3. **Annotate the command handlers** with [`track_screen`]; call
//!    [`event`] for the few things worth counting.
//! 4. **Wire `--disable-analytics`** to [`disable`], call [`init`] in
//!    `main` and hold the guard it returns until `main` returns.
//! 5. **Embed the subcommand** (`clap` feature): a variant
//!    `Analytics(lumogon_track::cli::AnalyticsCommand)` and a call to
//!    [`cli::run`](crate::cli) with your screens and events. Without clap,
//!    [`status`] and [`set_enabled`] are the same thing as functions.
//! 6. **Test what your commands send** with [`testing::capture`](crate::testing)
//!    (`testing` feature): in-process, no network.
//!
//! `examples/greeter.rs` in the repository is a complete adopter in about
//! 50 lines of analytics code, choosing Universal Analytics or a GA4 web or
//! app stream from its own variables: `cargo run -p lumogon-track --features
//! clap --example greeter -- --debug hello you`.
//!
//! ## What your application gets
//!
//! From the application's name (`greeter`, say), upper-cased with every
//! other character made `_`:
//!
//! | variable | effect |
//! | --- | --- |
//! | `GREETER_DISABLE_ANALYTICS` | set (not empty, `0` or `false`): send nothing |
//! | `DO_NOT_TRACK` | the same, for every tool |
//! | `GREETER_ANALYTICS_URL` | send to this collector instead ([Environment](#environment)) |
//! | `GREETER_ANALYTICS_DEBUG` | a dry run: print each request, send nothing; `validate`: ask GA4's validation server instead of the collector and print what it says |
//! | `GREETER_CONFIG_DIR` | the directory below |
//!
//! Another tool's variables never change yours.
//!
//! ## What is stored where
//!
//! In `GREETER_CONFIG_DIR`, else `$XDG_CONFIG_HOME/greeter`, else
//! `~/.config/greeter` ([`Config::config_dir`] overrides it):
//!
//! - `analytics.json`: the saved choice (`greeter analytics enable|disable`)
//!   and the version of the notice last shown;
//! - `client_id`: the client id: the name-based UUID (v5) of what the
//!   application's source answers ([`Config::client_id`]) under the
//!   application's own namespace, or a random UUIDv4 when there is no
//!   answer. Once a derived id is kept, the source is never asked again;
//! - `session`: GA4's session id and the time of the last activity (a new
//!   session after 30 minutes idle, GA's default);
//! - `spool`: hits that never reached the collector, for a later run (see
//!   [Where users are](#where-users-are));
//! - `backoff`: a collector URL that timed out, and until when runs leave
//!   it alone;
//! - `.lock`: locked while the spool or the backoff is rewritten.
//!
//! `greeter analytics disable` deletes all of them and keeps only the
//! choice. An id derived from the application's source (lumogon's from the
//! Docker daemon's ID) would be derived again, the same, if analytics were
//! turned back on; the command says so.
//!
//! ## Consent
//!
//! The first run that would send shows the notice on stderr instead, records
//! that it did, and sends nothing; so does the first run after the notice's
//! version is raised. A directory that cannot be written means the record
//! is never made, so nothing is ever sent. [`status`] makes the same
//! decision as [`init`] and names its reason ([`Off`]).
//!
//! ## Use
//!
//! The smallest `main`:
//!
//! ```
//! use clap::{Parser, Subcommand};
//! use lumogon_track::track_screen;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     /// Send no usage analytics for this run
//!     #[arg(long, global = true)]
//!     disable_analytics: bool,
//!     #[command(subcommand)]
//!     command: Command,
//! }
//!
//! #[derive(Subcommand)]
//! enum Command {
//!     Scan { target: String },
//!     Version,
//! }
//!
//! // Queues the screenview "scan" when the body starts; `target` is never sent.
//! #[track_screen("scan")]
//! fn scan(target: &str) -> Result<(), String> {
//!     println!("scanning {target}");
//!     Ok(())
//! }
//!
//! #[track_screen("version")]
//! fn version() -> Result<(), String> {
//!     println!("mytool 1.0.0");
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     # fn args() -> [&'static str; 4] { ["mytool", "--disable-analytics", "scan", "web"] }
//!     let cli = Cli::parse_from(args()); // `Cli::parse()` in a real program
//!     if cli.disable_analytics {
//!         lumogon_track::disable();
//!     }
//!     // This crate's name and version, the property's tracking id. Hits
//!     // recorded before `init` are not sent.
//!     let _guard = lumogon_track::init(lumogon_track::config!("UA-12345-1"))
//!         .map_err(|e| eprintln!("analytics off: {e}"))
//!         .ok();
//!     let result = match cli.command {
//!         Command::Scan { target } => scan(&target),
//!         Command::Version => version(),
//!     };
//!     match result {
//!         Ok(()) => std::process::ExitCode::SUCCESS,
//!         Err(e) => {
//!             eprintln!("mytool: {e}");
//!             std::process::ExitCode::FAILURE
//!         }
//!     }
//!     // `_guard` drops here: the exit waits for queued hits, at most 300 ms.
//! }
//! ```
//!
//! Return an `ExitCode` from `main` rather than calling
//! `std::process::exit`, which skips destructors and so the flush. A
//! panic that unwinds out of `main` still runs it.
//!
//! # The exit-time promise
//!
//! Nothing happens on the caller's thread but an atomic check and a
//! `try_send` onto a bounded channel. The
//! first hit starts one worker thread, which reads the kept client id (or,
//! the first time, asks the client-id source, at most 200 ms, on a thread
//! of its own), builds the HTTP client and sends; hits queued meanwhile go
//! out together (a v1 `/batch`, or one GA4 request of up to 25 events).
//! Requests time out after 1 s to connect and 3 s in all, and a failure is
//! never retried within the run. When the [`FlushGuard`] drops, it waits for
//! what is queued or in flight for at most the flush budget (300 ms unless
//! [`Config::flush_budget`] says otherwise), then spools what never left
//! (within the budget: the wait ends 10 ms early for it) and returns without
//! joining the worker: the process never waits longer than that because of
//! analytics.
//!
//! # Where users are
//!
//! Networks fail in two ways, and they cost a command differently.
//!
//! - **Fast failures** (a refused connection, a name that does not resolve,
//!   a TLS error) cost nothing at exit. The hits of such a request are kept
//!   in the spool, and the next run tries again.
//! - **Timeouts** (a firewall that drops packets) would cost the whole
//!   flush budget on every run. The first run pays it once; its unsent hits
//!   are spooled at exit and the collector URL goes into backoff: for 15
//!   minutes runs send nothing to it and spool their hits at once, then one
//!   run probes; each failed probe doubles the window, up to 24 hours, and
//!   an answer ends it. A backoff starts when a connection never came
//!   within the flush budget, or when the worker saw a connect or request
//!   timeout (1 s, 3 s). A collector that was reached and is merely slower
//!   than the budget (a slow link) starts none at exit: its hits were
//!   written, and holding later runs back would only delay them.
//!
//! The first request of a later run carries up to a request's worth of
//! spooled hits (20 for v1, 25 events for GA4), so that the exit waits for
//! no extra request; each is sent with its age (v1 `qt`, at most 4 hours;
//! GA4 `timestamp_micros`, at most 72 hours; older ones are dropped as the
//! collector would drop them). A spooled hit goes only to the collector URL
//! and the property (tracking id or GA4 stream) it was recorded for. Nothing
//! is ever sent twice: the worker spools a request only when it failed
//! before any connection was made for it, and the exit, which cannot tell
//! which request a connection carried, spools what it takes over only if
//! no connection to the collector was made in the run at all; a request
//! that was written but not answered may have been received, and is given
//! up. Concurrent runs take hits out of the spool under a file lock, so
//! none is lost or doubled. The spool holds at most 100 hits and 16 KiB.
//! Once [`disable`] is called, nothing more is spooled.
//!
//! # Backends
//!
//! The application chooses one when it builds its [`Config`]; the calls that
//! record hits ([`track_screen`], [`event`]) are the same for both.
//!
//! - **Universal Analytics, Measurement Protocol v1** (the default):
//!   [`Config::new`], or [`config!`]`("UA-12345-1")`. Form-encoded hits are
//!   posted to `https://www.google-analytics.com/collect`, several at once
//!   to `/batch`.
//! - **Google Analytics 4, web stream**: [`Config::ga4`], or
//!   [`config!`]`(ga4: "G-ABCDE12345", api_secret)`, with the data stream's
//!   measurement id and a Measurement Protocol API secret. JSON is posted to
//!   `https://www.google-analytics.com/mp/collect?measurement_id=…&api_secret=…`,
//!   at most 25 events a request.
//! - **Google Analytics 4, app stream**: [`Config::ga4_app`], or
//!   [`config!`]`(ga4_app: "1:1234567890:android:321abc456def7890", api_secret)`,
//!   with the Firebase app id of an app stream and one of its API secrets:
//!   the same, with `firebase_app_id=…` in the query string.
//!
//! The two kinds of GA4 stream do not take the same events: the
//! Measurement Protocol takes `screen_view` (like `ad_impression` and
//! `in_app_purchase`) from app streams only, and a web stream answers 2xx to
//! one and counts nothing. So each kind gets only what the protocol's
//! reference accepts from it (see [What a hit holds](#what-a-hit-holds)),
//! and every event is checked against the reference's rules before it is
//! sent: names (letters, digits and underscores, starting with a letter, at
//! most 40 characters), the names and prefixes reserved for each kind of
//! stream, at most 25 events a request and 25 parameters an event, values
//! of at most 100 characters, `session_id` and `engagement_time_msec` on
//! every event. An [`event`] whose name breaks one is refused (counted in
//! [`Stats::dropped`], with a debug line naming the rule), never sent to be
//! dropped in silence.
//!
//! # Lifecycle
//!
//! Not initialised, then on or off ([`init`]'s decision), running once the
//! first hit starts the worker, and closed when the [`FlushGuard`] drops:
//! hits recorded after that (or after `let _ = init(..)`) are dropped and
//! counted in [`Stats::dropped`], since nothing would flush them.
//! [`disable`] wins at any time over every hit not yet sent. A panic in the
//! worker or in the client-id source is caught, stays off stderr (debug log
//! only), and never makes a flush wait. Across `fork`, the child inherits
//! the state but not the worker thread: call [`disable`] in a child that
//! does not `exec`.
//!
//! # Opting out
//!
//! Nothing is sent, no thread is started and no socket opened when any of
//! these holds, in this order (the first is the one [`status`] names):
//!
//! 1. the application called [`disable`] (e.g. for `--disable-analytics`);
//! 2. `{APP}_DISABLE_ANALYTICS` is set to anything but empty, `0` or `false`;
//! 3. `DO_NOT_TRACK` is set likewise;
//! 4. the person ran `{app} analytics disable`;
//! 5. the configuration is invalid;
//! 6. no directory can be named to keep the choice in, or the notice has
//!    not been shown yet (this run shows it);
//! 7. [`init`] was never called.
//!
//! # What a hit holds
//!
//! `v=1`, `tid` (tracking id), `cid` (client id), `t` (`screenview` or
//! `event`), `an` (app name), `av` (app version), then `cd` (screen name) or
//! `ec` and `ea` (event category and action), and `aip=1`; a hit sent late
//! from the spool adds `qt`, its age in milliseconds. Nothing else.
//!
//! With GA4, a request's body is `{"client_id": …, "events": […]}` for a
//! web stream and `{"app_instance_id": …, "events": […]}` for an app
//! stream. The id is the client id in the form each field takes: for
//! `app_instance_id`, 32 hex digits (the client id's UUID without its
//! hyphens, lowercased); for `client_id`, two positive numbers joined by a
//! period, as gtag.js makes them (the UUID's first and next 32 bits). An id
//! of the application's that is no UUID is hashed first (FNV-1a, 128 bits),
//! so one client is always one id.
//!
//! A screenview is, on an **app** stream, the event `screen_view` with the
//! parameter `screen_name`; on a **web** stream, the event `page_view` with
//! `page_title` (the screen name: GA4's "Pages and screens" report lists
//! views by it) and `page_location`, a URL on the reserved `.invalid` domain
//! named after the application whose path is the screen's words
//! (`https://lumogon.invalid/capabilities/describe`).
//! An [`event`] is a custom event named after its category (ASCII letters,
//! lowercased, and digits kept, each run of other characters made one `_`:
//! `"UX"` becomes `ux`) with the parameters `category` and `action`; a name
//! that then breaks a rule of GA4's (one it reserves, one that starts with a
//! digit, one over 40 characters) is refused. Every event also carries `app_name`
//! and `app_version` (v1's `an` and `av`), `session_id` (kept in the
//! application's directory while the last activity is under 30 minutes old,
//! else the time the first hit was handled, in milliseconds) and
//! `engagement_time_msec: 1`, without which GA4 does not count the event in a
//! session. An event sent late from the spool also carries
//! `timestamp_micros` and the `session_id` of its own run. Values are cut to
//! 100 characters. Nothing else.
//!
//! # Environment
//!
//! Each variable's name starts with the application's name (`{APP}`, see
//! [What your application gets](#what-your-application-gets)).
//!
//! - `{APP}_ANALYTICS_URL`: a URL (http or https) that replaces the
//!   endpoint. For v1 a full `/collect` URL; several hits go to `/batch`
//!   beside it. For GA4 a full `/mp/collect` URL, to whose query string
//!   `measurement_id` (or `firebase_app_id`) and `api_secret` are added.
//! - `{APP}_ANALYTICS_DEBUG`: set to anything but empty, `0` or `false`, a
//!   dry run: each request that would be sent is printed to stderr instead,
//!   exactly, as `lumogon-track: dry run ({APP}_ANALYTICS_DEBUG): POST
//!   <full URL>` and then the body on the following lines, and nothing is
//!   sent: no HTTP client is built, no socket opened. The client id is found
//!   as usual, so that what is printed is what would go out. The opt-outs
//!   still win (nothing to send, nothing printed), the per-process cap still
//!   applies, printed hits are counted in [`Stats::printed`] (never in
//!   `sent`), and the flush at exit waits for the printing as it waits for
//!   sends.
//!
//!   Set to `validate` (any case), **validate mode**: with GA4, each request
//!   goes to Google's validation server instead of the collector, at the
//!   same URL with `/debug` before `/mp/collect`
//!   (`https://www.google-analytics.com/debug/mp/collect`, or beside
//!   `{APP}_ANALYTICS_URL`), which checks it and records nothing. Each
//!   request is printed as in a dry run, then every entry of the
//!   `validationMessages` the server answers, one a line, as
//!   `lumogon-track: validate ({APP}_ANALYTICS_DEBUG): <validationCode> at
//!   <fieldPath>: <description>`, or `… valid` when there is none (or
//!   `… not validated: <why>` when the server could not be asked). The exit
//!   code and stdout never change; validated hits are counted in
//!   [`Stats::printed`], never in `sent`. With Universal Analytics, which
//!   has no validation server any more, one line says so and nothing is
//!   sent.
//! - `SSL_CERT_FILE`: a PEM file of the certificates to trust for an `https`
//!   endpoint, instead of the bundled Mozilla roots (a collector behind a
//!   private certificate authority or a TLS-inspecting proxy), read only
//!   for an `https` endpoint. Certificates in it that cannot be used are
//!   skipped; a file that cannot be read or holds no usable certificate is
//!   ignored, with a debug log record, and the bundled roots are used.
//!
//! # Features
//!
//! - `analytics` (default): the runtime: the worker, reqwest, rustls. Off,
//!   the API stays as it is and does nothing; `#[track_screen]` returns the
//!   function exactly as written, so the same code builds in both modes and
//!   a build without the feature contains no analytics code at all.
//! - `clap`: [`cli`], the `analytics` subcommand. Brings clap,
//!   never reqwest.
//! - `testing`: [`testing`], capturing hits in tests.

#![deny(missing_docs)]

#[cfg(feature = "analytics")]
mod app;
#[cfg(feature = "analytics")]
mod backoff;
#[cfg(feature = "clap")]
pub mod cli;
#[cfg(feature = "analytics")]
mod client_id;
mod config;
mod consent;
#[cfg(feature = "analytics")]
mod flush;
#[cfg(feature = "analytics")]
mod ga4;
#[cfg(feature = "analytics")]
mod ga4_rules;
#[cfg(feature = "analytics")]
mod hit;
#[cfg(feature = "analytics")]
mod outbox;
#[cfg(feature = "analytics")]
mod runtime;
#[cfg(feature = "analytics")]
mod spool;
#[cfg(feature = "analytics")]
mod state;
mod status;
#[cfg(feature = "analytics")]
mod store;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "analytics")]
mod transport;
#[cfg(feature = "analytics")]
mod v1;
#[cfg(feature = "analytics")]
mod worker;

pub use config::{Config, ConfigError, DEFAULT_FLUSH_BUDGET};
pub use consent::Off;
pub use status::{Choice, ChoiceError, Status, set_enabled};

/// A [`Config`] with the calling crate's name and version
/// (`CARGO_PKG_NAME`, `CARGO_PKG_VERSION`) as the app name and version: for
/// a v1 tracking id ([`Config::new`]); after `ga4:`, for a GA4 web stream's
/// measurement id and API secret ([`Config::ga4`]); after `ga4_app:`, for a
/// GA4 app stream's Firebase app id and API secret ([`Config::ga4_app`]).
///
/// ```
/// let config = lumogon_track::config!("UA-12345-1").flush_budget(std::time::Duration::from_millis(100));
/// # drop(config);
/// let config = lumogon_track::config!(ga4: "G-ABCDE12345", "api-secret");
/// # drop(config);
/// let config = lumogon_track::config!(ga4_app: "1:1234567890:android:321abc456def7890", "api-secret");
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
    ($tracking_id:expr $(,)?) => {
        $crate::Config::new(
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

/// Whether this build has the `analytics` feature: without it nothing can
/// be sent, whatever else is set.
pub const COMPILED_IN: bool = cfg!(feature = "analytics");

/// What [`init`] would decide for `config` in this process's environment,
/// without starting anything or showing the notice: the one decision, so
/// that an application's `analytics status` can never disagree with what a
/// run does. Reads the saved choice in the application's directory.
pub fn status(config: Config) -> Status {
    #[cfg(feature = "analytics")]
    return runtime::status(config.settings);
    #[cfg(not(feature = "analytics"))]
    {
        let _ = config;
        Status::not_in_build()
    }
}

/// Queues an event hit (v1: `t=event&ec=category&ea=action`; GA4: an event
/// named after `category`, see [Backends](crate#backends)).
///
/// Both names are `&'static str` so that nothing typed at run time can be
/// sent. Like every hit, it is dropped silently when analytics is off.
#[inline]
pub fn event(category: &'static str, action: &'static str) {
    #[cfg(feature = "analytics")]
    runtime::record(|| hit::Hit::Event { category, action });
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
    return runtime::stats();
    #[cfg(not(feature = "analytics"))]
    Stats::default()
}

/// Hold this for the life of `main`. Its drop waits for queued and in-flight
/// hits, at most the flush budget, and then lets the process exit even if a
/// request is still hanging. Then analytics is closed: a hit recorded later
/// is dropped and counted, never queued for a flush that will not come.
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
        crate::runtime::record(|| crate::hit::Hit::Screenview { screen });
        #[cfg(not(feature = "analytics"))]
        let _ = screen;
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
        crate::runtime::reset_hit_cap();
    }

    /// Waits until the worker has finished (sent or failed) every hit queued
    /// so far, at most `timeout`. Whether it did.
    pub fn drain(timeout: Duration) -> bool {
        crate::runtime::wait_for_worker(timeout) == 0
    }
}
