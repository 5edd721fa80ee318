//! What the application tells the runtime: who it is, where hits go, how
//! long the exit may wait. The builder is written once; what it builds is
//! real or a no-op, picked here by feature. What the environment then
//! resolves is `resolve.rs`'.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

mod error;
#[cfg(feature = "analytics")]
mod given;
#[cfg(not(feature = "analytics"))]
mod noop;
#[cfg(feature = "analytics")]
mod resolve;

pub use self::error::ConfigError;
#[cfg(feature = "analytics")]
pub(crate) use self::error::ErrorKind;
#[cfg(feature = "analytics")]
pub(crate) use self::given::{ClientIdSource, Given};
#[cfg(not(feature = "analytics"))]
use self::noop::Given;
#[cfg(feature = "analytics")]
pub(crate) use self::resolve::{Mode, Resolved};

/// The runtime's configuration, given to [`init`](crate::init).
///
/// ```
/// use std::time::Duration;
///
/// let config = lumogon_track::Config::ga4("G-ABCDE12345", "api-secret", "mytool", "1.2.3")
///     .flush_budget(Duration::from_millis(200))
///     .client_id(|| std::fs::read_to_string("/etc/machine-id").ok());
/// # drop(config);
/// ```
///
/// [`Config::ga4`] (a web stream) and [`Config::ga4_app`] (an app stream)
/// send Google Analytics 4 (GA4 Measurement Protocol) events;
/// [`Config::posthog`] sends PostHog events (its capture API, to PostHog
/// Cloud or a self-hosted instance); [`Config::universal_analytics`] sends
/// Universal Analytics (Measurement Protocol v1) hits, which Google no
/// longer processes. Every other method applies to all of them.
///
/// With the `analytics` feature off every method is a no-op and the value
/// holds nothing.
#[must_use = "a Config does nothing until it is given to lumogon_track::init"]
pub struct Config(pub(crate) Given);

impl Config {
    /// A configuration for the Google Analytics 4 data stream
    /// `measurement_id` (`G-` then letters and digits, e.g. `G-ABCDE12345`)
    /// with one of its Measurement Protocol `api_secret`s (created in
    /// Google Analytics under Admin, Data streams, Measurement Protocol API
    /// secrets), reporting as application `app_name`, version `app_version`.
    ///
    /// Hits become GA4 events posted as JSON to
    /// `https://www.google-analytics.com/mp/collect`; see [the crate
    /// docs](crate#backends) for what each event holds.
    ///
    /// ```
    /// let config = lumogon_track::Config::ga4("G-ABCDE12345", "api-secret", "mytool", "1.2.3");
    /// # drop(config);
    /// ```
    #[inline]
    pub fn ga4(
        measurement_id: impl Into<String>,
        api_secret: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        Config(Given::ga4(
            false,
            measurement_id,
            api_secret,
            app_name,
            app_version,
        ))
    }

    /// A configuration for the Google Analytics 4 **app** stream of the
    /// Firebase app `firebase_app_id` (e.g. `1:1234567890:android:321abc456def7890`,
    /// from the Firebase console: Project settings, General, Your apps, App
    /// ID) with one of the stream's Measurement Protocol `api_secret`s,
    /// reporting as application `app_name`, version `app_version`.
    ///
    /// The same events as [`Config::ga4`]'s web stream, except that a
    /// screenview is `screen_view` with `screen_name` (which the protocol
    /// takes from app streams only) and the client is named by
    /// `app_instance_id`; see [the crate docs](crate#backends).
    ///
    /// ```
    /// let config = lumogon_track::Config::ga4_app(
    ///     "1:1234567890:android:321abc456def7890",
    ///     "api-secret",
    ///     "mytool",
    ///     "1.2.3",
    /// );
    /// # drop(config);
    /// ```
    #[inline]
    pub fn ga4_app(
        firebase_app_id: impl Into<String>,
        api_secret: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        Config(Given::ga4(
            true,
            firebase_app_id,
            api_secret,
            app_name,
            app_version,
        ))
    }

    /// A configuration for the PostHog project whose project API key is
    /// `api_key` (`phc_…`, from PostHog's Project settings, "Project API
    /// key": a public, write-only key, not a secret), reporting as
    /// application `app_name`, version `app_version`.
    ///
    /// Hits become anonymous PostHog events (no person profiles, no GeoIP,
    /// no IP address kept) posted as JSON to the batch endpoint of
    /// PostHog's US cloud, `https://us.i.posthog.com/batch/`; for the EU
    /// cloud or a self-hosted instance give [`Config::endpoint`] its
    /// `/batch/` URL (`https://eu.i.posthog.com/batch/`). See [the
    /// guide](crate::guide#posthog) for what each event holds.
    ///
    /// ```
    /// let config = lumogon_track::Config::posthog("phc_1a2B3c4D5e6F7g8H9i0J", "mytool", "1.2.3")
    ///     .endpoint("https://eu.i.posthog.com/batch/");
    /// # drop(config);
    /// ```
    #[inline]
    pub fn posthog(
        api_key: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        Config(Given::posthog(api_key, app_name, app_version))
    }

    /// A configuration for the Universal Analytics property `tracking_id`
    /// (`UA-<digits>-<digits>`), reporting as application `app_name`, version
    /// `app_version`: Measurement Protocol v1 hits, form-encoded.
    ///
    /// Google stopped processing Universal Analytics hits on 1 July 2023
    /// (360 properties: 1 July 2024) and has deleted the properties; its
    /// endpoint still answers 200 to every hit and keeps none. Choose it
    /// only to serve a collector of your own that speaks the protocol
    /// ([`Config::endpoint`]), or for compatibility with a tool that sent it
    /// before; otherwise use [`Config::ga4`] or [`Config::posthog`].
    #[inline]
    pub fn universal_analytics(
        tracking_id: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        Config(Given::v1(tracking_id, app_name, app_version))
    }

    /// Lets whoever builds or runs the application choose the backend
    /// instead of the one given:
    ///
    /// - a GA4 stream: `{APP}_GA4_MEASUREMENT_ID` (a web stream) or
    ///   `{APP}_GA4_FIREBASE_APP_ID` (an app stream), each with
    ///   `{APP}_GA4_API_SECRET`;
    /// - a PostHog project: `{APP}_POSTHOG_API_KEY` (its project API key,
    ///   `phc_…`), with `{APP}_POSTHOG_HOST` for the instance
    ///   (`https://eu.i.posthog.com`, a self-hosted
    ///   `https://posthog.example.com`; `/batch/` is appended), PostHog's US
    ///   cloud when it is unset.
    ///
    /// With none of them set, the backend given stays. With half a choice
    /// (a stream but no secret, a secret but no stream, both streams, a
    /// PostHog host but no key) or both a GA4 and a PostHog choice, the
    /// configuration is invalid and nothing is sent (rather than a guess),
    /// and [`status`](crate::status) names the variables.
    /// `{APP}_ANALYTICS_URL` still wins over the endpoint; an endpoint given
    /// with [`Config::endpoint`] for another protocol than the one the
    /// variables choose is not used.
    ///
    /// ```
    /// let config = lumogon_track::Config::ga4("G-ABCDE12345", "api-secret", "mytool", "1.2.3")
    ///     .backend_from_env();
    /// # drop(config);
    /// ```
    #[inline]
    pub fn backend_from_env(mut self) -> Self {
        self.0.backend_from_env();
        self
    }

    /// Sends hits to `url` (`http` or `https`). For v1 ([`Config::universal_analytics`]) it
    /// is a full `/collect` URL, and several hits go to `batch` beside it.
    /// For GA4 ([`Config::ga4`], [`Config::ga4_app`]) it is a full
    /// `/mp/collect` URL (or `/debug/mp/collect`, Google's validation
    /// endpoint), to which the `measurement_id` (or `firebase_app_id`) and
    /// `api_secret` query parameters are added; in validate mode
    /// (`{APP}_ANALYTICS_DEBUG=validate`) requests go to `/debug/mp/collect`
    /// beside it. For PostHog ([`Config::posthog`]) it is a full `/batch/`
    /// URL: `https://eu.i.posthog.com/batch/` for the EU cloud, or a
    /// self-hosted instance's. The
    /// `{APP}_ANALYTICS_URL` environment variable, when set, wins over this.
    #[inline]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.0.endpoint(url);
        self
    }

    /// Sends a PostHog project's events ([`Config::posthog`]) to the
    /// instance at `host`: the EU cloud (`https://eu.i.posthog.com`) or one
    /// of your own. Its `/batch/` endpoint, as `{APP}_POSTHOG_HOST` would
    /// give it; a shorthand for [`Config::endpoint`].
    ///
    /// ```
    /// let config = lumogon_track::Config::posthog("phc_1a2B3c4D5e6F7g8H9i0J", "mytool", "1.2.3")
    ///     .posthog_host("https://eu.i.posthog.com");
    /// # drop(config);
    /// ```
    #[inline]
    pub fn posthog_host(mut self, host: impl AsRef<str>) -> Self {
        self.0.posthog_host(host.as_ref());
        self
    }

    /// How long the [`FlushGuard`](crate::FlushGuard) may hold up the exit
    /// waiting for hits still queued or in flight. Default: 300 ms.
    #[inline]
    pub fn flush_budget(mut self, budget: Duration) -> Self {
        self.0.flush_budget(budget);
        self
    }

    /// What the anonymous client id (`cid`) is derived from: an identifier
    /// that is stable for one installation (lumogon gives the Docker
    /// daemon's ID). Its answer is never sent: the id is the name-based UUID
    /// (v5) of it under a namespace of the application's own, so it stays
    /// the same for one installation and one application but cannot be
    /// linked to the answer or to another application's id. The id is kept
    /// in the application's directory, and once a derived one is, the source
    /// is never asked again.
    ///
    /// The source runs on the background worker when the first hit is sent,
    /// never on the caller's thread. The first run waits for it at most
    /// 200 ms; `None` or a late answer gives a random UUIDv4, kept too. A
    /// later run with a random id uses it at once and asks the source again
    /// on a thread of its own, without waiting for it: an answer that comes
    /// before the process ends is kept for the runs after it.
    #[inline]
    pub fn client_id<F>(mut self, source: F) -> Self
    where
        F: FnOnce() -> Option<String> + Send + 'static,
    {
        self.0.client_id(source);
        self
    }

    /// What the [`client_id`](Config::client_id) source derives the id
    /// from, in words (e.g. "the Docker daemon's ID"): `analytics disable`
    /// says that the id it deletes would be derived again, the same, if
    /// analytics were turned back on.
    #[inline]
    pub fn client_id_origin(mut self, origin: impl Into<String>) -> Self {
        self.0.client_id_origin(origin);
        self
    }

    /// The directory that keeps the saved choice, the notice version, the
    /// client id, the session, the spool and the backoff, instead of `{APP}_CONFIG_DIR`,
    /// else `$XDG_CONFIG_HOME/{app}`, else `~/.config/{app}`.
    #[inline]
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.0.config_dir(dir);
        self
    }

    /// The first-run notice, shown once on stderr, on a run that then sends
    /// nothing. Say what is sent, where to read more and how to turn it off.
    /// Without it, a default built from what the library sends is shown.
    #[inline]
    pub fn notice(mut self, text: impl Into<String>) -> Self {
        self.0.notice(text);
        self
    }

    /// The notice's version (default 1). Raise it when the notice changes in
    /// a way a person should see again: each person sees it once more, and
    /// that run sends nothing.
    #[inline]
    pub fn notice_version(mut self, version: u32) -> Self {
        self.0.notice_version(version);
        self
    }

    /// Marks the configuration unusable, e.g. when the application chooses
    /// its backend from variables of its own and finds them half set:
    /// [`init`](crate::init) refuses it with `reason`, nothing is sent, and
    /// [`status`](crate::status) says so.
    #[inline]
    pub fn invalid(mut self, reason: impl Into<String>) -> Self {
        self.0.invalid(reason);
        self
    }

    /// Counts runs in CI too. By default a run in CI (`CI` or a CI vendor's
    /// variable is set: GitHub Actions, GitLab CI, CircleCI, Jenkins, …)
    /// shows no notice and sends nothing: nobody reads a notice in a build
    /// log, and a CI machine's fresh home directory would print it on every
    /// run. With this, CI runs send without a notice, every hit marked
    /// with the vendor (`ci`, e.g. `github_actions`), under one client id
    /// per vendor rather than one per throwaway machine. Every opt-out
    /// still applies. Disclose it in your notice and documentation.
    #[inline]
    pub fn count_ci_runs(mut self) -> Self {
        self.0.count_ci_runs();
        self
    }

    /// Adds to every hit the OS and architecture the binary was built for
    /// (`os`: `linux`, `macos`, `windows`, …; `arch`: `x86_64`,
    /// `aarch64`, …), from compile-time constants: nothing is read from
    /// the machine. GA4 sends them as event parameters and PostHog as
    /// properties; Universal Analytics has no field for them. The app's
    /// version is always sent. Disclose it in your notice and
    /// documentation.
    #[inline]
    pub fn platform_context(mut self) -> Self {
        self.0.platform_context();
        self
    }

    /// Reads the environment through `var` instead of the process's: every
    /// variable this library reads for the application (the opt-outs, the
    /// endpoint, the dry run, the directory, [`Config::backend_from_env`]'s).
    /// For an application's own tests, so that they decide the same
    /// wherever they run, whatever `DO_NOT_TRACK` the machine has.
    ///
    /// ```
    /// let config = lumogon_track::Config::ga4("G-ABCDE12345", "api-secret", "mytool", "1.2.3")
    ///     .environment(|name| (name == "MYTOOL_DISABLE_ANALYTICS").then(|| "1".to_owned()));
    /// assert!(!lumogon_track::status(config).is_on());
    /// ```
    #[inline]
    pub fn environment<F>(mut self, var: F) -> Self
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
        self.0.environment(var);
        self
    }
}

impl Config {
    /// What every hit carries besides what it is, in words, for `analytics
    /// screens`.
    #[cfg(feature = "clap")]
    #[cfg_attr(not(feature = "analytics"), allow(clippy::unused_self))]
    pub(crate) fn carries(&self) -> Vec<&'static str> {
        #[cfg_attr(not(feature = "analytics"), allow(unused_mut))]
        let mut carries = vec!["an anonymous client id", "the app's name and version"];
        #[cfg(feature = "analytics")]
        {
            if self.0.platform {
                carries.push("the OS and architecture it was built for");
            }
            if self.0.count_ci {
                carries.push("the CI vendor, in CI");
            }
        }
        carries
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Config");
        #[cfg(feature = "analytics")]
        self.0.fields(&mut s);
        s.finish_non_exhaustive()
    }
}
