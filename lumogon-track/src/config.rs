//! What the application tells the runtime: who it is, where hits go, how long
//! the exit may wait. Validation is pure; nothing here does I/O.

// Without analytics the setters ignore their arguments and never mutate.
#![cfg_attr(not(feature = "analytics"), allow(unused_mut))]

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

#[cfg(feature = "analytics")]
use crate::app::Names;
#[cfg(feature = "analytics")]
use crate::ga4_rules::StreamKind;

/// Where Measurement Protocol v1 hits go unless told otherwise.
#[cfg(feature = "analytics")]
pub(crate) const DEFAULT_ENDPOINT: &str = "https://www.google-analytics.com/collect";
/// Where GA4 Measurement Protocol events go unless told otherwise; the
/// measurement id and api secret are added as its query string.
#[cfg(feature = "analytics")]
pub(crate) const DEFAULT_GA4_ENDPOINT: &str = "https://www.google-analytics.com/mp/collect";
/// The value of `{APP}_ANALYTICS_DEBUG` that asks GA4's validation server
/// instead of the collector (any other value that is set is a dry run).
#[cfg(feature = "analytics")]
pub(crate) const VALIDATE: &str = "validate";
/// The certificates to trust for an `https` collector instead of the bundled
/// roots, by the name OpenSSL and most TLS clients read it under.
#[cfg(feature = "analytics")]
pub(crate) const CA_FILE_VAR: &str = "SSL_CERT_FILE";
/// How long the exit may wait for hits still queued or in flight.
pub const DEFAULT_FLUSH_BUDGET: Duration = Duration::from_millis(300);

/// Where the client id comes from, tried on the worker thread.
#[cfg(feature = "analytics")]
pub(crate) type ClientIdSource = Box<dyn FnOnce() -> Option<String> + Send>;

/// The runtime's configuration, given to [`init`](crate::init).
///
/// ```
/// use std::time::Duration;
///
/// let config = lumogon_track::Config::new("UA-12345-1", "mytool", "1.2.3")
///     .flush_budget(Duration::from_millis(200))
///     .client_id(|| std::fs::read_to_string("/etc/machine-id").ok());
/// # drop(config);
/// ```
///
/// [`Config::new`] sends Universal Analytics (Measurement Protocol v1) hits;
/// [`Config::ga4`] (a web stream) and [`Config::ga4_app`] (an app stream)
/// send Google Analytics 4 (GA4 Measurement Protocol) events instead. Every
/// other method applies to all three.
///
/// With the `analytics` feature off every method is a no-op and the value
/// holds nothing.
#[must_use = "a Config does nothing until it is given to lumogon_track::init"]
pub struct Config {
    #[cfg(feature = "analytics")]
    pub(crate) settings: Settings,
}

/// The configuration as the runtime uses it.
#[cfg(feature = "analytics")]
pub(crate) struct Settings {
    pub(crate) backend: Backend,
    pub(crate) app_name: String,
    pub(crate) app_version: String,
    pub(crate) endpoint: String,
    pub(crate) flush_budget: Duration,
    pub(crate) client_id: Option<ClientIdSource>,
    /// What the client id is derived from, in words, for `analytics status`
    /// and `analytics disable`.
    pub(crate) client_id_origin: Option<String>,
    /// The variables this application answers to, from its name.
    pub(crate) names: Names,
    /// The application's directory, when it names one itself; else it comes
    /// from the environment ([`crate::app::config_dir`]).
    pub(crate) config_dir: Option<PathBuf>,
    /// The first-run notice: its version and text (`None`: the default).
    pub(crate) notice_version: u32,
    pub(crate) notice: Option<String>,
    /// Why the application says its own configuration is unusable.
    pub(crate) invalid: Option<String>,
    /// `{APP}_ANALYTICS_DEBUG`: print requests instead of sending them.
    /// Only the environment sets it, in [`Settings::resolve`].
    pub(crate) dry_run: bool,
    /// `{APP}_ANALYTICS_DEBUG=validate`: send each request to GA4's
    /// validation server (the endpoint is made that server's in
    /// [`Settings::resolve`]) and print what it answers. Never set together
    /// with `dry_run`.
    pub(crate) validate: bool,
    /// `SSL_CERT_FILE`, for an `https` endpoint only: a PEM file of the
    /// certificates to trust instead of the bundled roots (a collector
    /// behind a private CA or a proxy).
    pub(crate) ca_file: Option<PathBuf>,
}

/// Which protocol the hits are encoded for, with that protocol's property
/// identity.
#[cfg(feature = "analytics")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// Universal Analytics, Measurement Protocol v1 (`v1.rs`).
    V1 { tracking_id: String },
    /// Google Analytics 4, GA4 Measurement Protocol (`ga4.rs`), to a web
    /// stream (`stream_id` is its measurement id) or an app stream (its
    /// Firebase app id).
    Ga4 {
        stream: StreamKind,
        stream_id: String,
        api_secret: String,
    },
}

#[cfg(feature = "analytics")]
impl Backend {
    /// The property hits go to, without any secret: a spooled hit is sent
    /// only to the property it was recorded for.
    pub(crate) fn property(&self) -> String {
        match self {
            Backend::V1 { tracking_id } => tracking_id.clone(),
            Backend::Ga4 {
                stream, stream_id, ..
            } => format!("{}={stream_id}", stream.id_parameter()),
        }
    }
}

impl Config {
    /// A configuration for the Universal Analytics property `tracking_id`
    /// (`UA-<digits>-<digits>`), reporting as application `app_name`, version
    /// `app_version`.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn new(
        tracking_id: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        #[cfg(feature = "analytics")]
        {
            let backend = Backend::V1 {
                tracking_id: tracking_id.into(),
            };
            Config::with_backend(backend, app_name.into(), app_version.into())
        }
        #[cfg(not(feature = "analytics"))]
        {
            let _ = (tracking_id, app_name, app_version);
            Config {}
        }
    }

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
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn ga4(
        measurement_id: impl Into<String>,
        api_secret: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        #[cfg(feature = "analytics")]
        {
            let backend = Backend::Ga4 {
                stream: StreamKind::Web,
                stream_id: measurement_id.into(),
                api_secret: api_secret.into(),
            };
            Config::with_backend(backend, app_name.into(), app_version.into())
        }
        #[cfg(not(feature = "analytics"))]
        {
            let _ = (measurement_id, api_secret, app_name, app_version);
            Config {}
        }
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
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn ga4_app(
        firebase_app_id: impl Into<String>,
        api_secret: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        #[cfg(feature = "analytics")]
        {
            let backend = Backend::Ga4 {
                stream: StreamKind::App,
                stream_id: firebase_app_id.into(),
                api_secret: api_secret.into(),
            };
            Config::with_backend(backend, app_name.into(), app_version.into())
        }
        #[cfg(not(feature = "analytics"))]
        {
            let _ = (firebase_app_id, api_secret, app_name, app_version);
            Config {}
        }
    }

    #[cfg(feature = "analytics")]
    fn with_backend(backend: Backend, app_name: String, app_version: String) -> Self {
        let endpoint = match backend {
            Backend::V1 { .. } => DEFAULT_ENDPOINT,
            Backend::Ga4 { .. } => DEFAULT_GA4_ENDPOINT,
        };
        Config {
            settings: Settings {
                backend,
                names: Names::of(&app_name),
                app_name,
                app_version,
                endpoint: endpoint.to_owned(),
                flush_budget: DEFAULT_FLUSH_BUDGET,
                client_id: None,
                client_id_origin: None,
                config_dir: None,
                notice_version: 1,
                notice: None,
                invalid: None,
                dry_run: false,
                validate: false,
                ca_file: None,
            },
        }
    }

    /// Sends hits to `url` (`http` or `https`). For v1 ([`Config::new`]) it
    /// is a full `/collect` URL, and several hits go to `batch` beside it.
    /// For GA4 ([`Config::ga4`], [`Config::ga4_app`]) it is a full
    /// `/mp/collect` URL (or `/debug/mp/collect`, Google's validation
    /// endpoint), to which the `measurement_id` (or `firebase_app_id`) and
    /// `api_secret` query parameters are added; in validate mode
    /// (`{APP}_ANALYTICS_DEBUG=validate`) requests go to `/debug/mp/collect`
    /// beside it. The
    /// `{APP}_ANALYTICS_URL` environment variable, when set, wins over this.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.endpoint = url.into();
        }
        #[cfg(not(feature = "analytics"))]
        let _ = url;
        self
    }

    /// How long the [`FlushGuard`](crate::FlushGuard) may hold up the exit
    /// waiting for hits still queued or in flight. Default: 300 ms.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn flush_budget(mut self, budget: Duration) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.flush_budget = budget;
        }
        #[cfg(not(feature = "analytics"))]
        let _ = budget;
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
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn client_id<F>(mut self, source: F) -> Self
    where
        F: FnOnce() -> Option<String> + Send + 'static,
    {
        #[cfg(feature = "analytics")]
        {
            self.settings.client_id = Some(Box::new(source));
        }
        #[cfg(not(feature = "analytics"))]
        let _ = source;
        self
    }

    /// What the [`client_id`](Config::client_id) source derives the id
    /// from, in words (e.g. "the Docker daemon's ID"): `analytics disable`
    /// says that the id it deletes would be derived again, the same, if
    /// analytics were turned back on.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn client_id_origin(mut self, origin: impl Into<String>) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.client_id_origin = Some(origin.into());
        }
        #[cfg(not(feature = "analytics"))]
        let _ = origin;
        self
    }

    /// The directory that keeps the saved choice, the notice version, the
    /// client id, the session, the spool and the backoff, instead of `{APP}_CONFIG_DIR`,
    /// else `$XDG_CONFIG_HOME/{app}`, else `~/.config/{app}`.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.config_dir = Some(dir.into());
        }
        #[cfg(not(feature = "analytics"))]
        let _ = dir;
        self
    }

    /// The first-run notice, shown once on stderr, on a run that then sends
    /// nothing. Say what is sent, where to read more and how to turn it off.
    /// Without it, a default built from what the library sends is shown.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn notice(mut self, text: impl Into<String>) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.notice = Some(text.into());
        }
        #[cfg(not(feature = "analytics"))]
        let _ = text;
        self
    }

    /// The notice's version (default 1). Raise it when the notice changes in
    /// a way a person should see again: each person sees it once more, and
    /// that run sends nothing.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn notice_version(mut self, version: u32) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.notice_version = version;
        }
        #[cfg(not(feature = "analytics"))]
        let _ = version;
        self
    }

    /// Marks the configuration unusable, e.g. when the application chooses
    /// its backend from variables of its own and finds them half set:
    /// [`init`](crate::init) refuses it with `reason`, nothing is sent, and
    /// [`status`](crate::status) says so.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn invalid(mut self, reason: impl Into<String>) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.invalid = Some(reason.into());
        }
        #[cfg(not(feature = "analytics"))]
        let _ = reason;
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Config");
        #[cfg(feature = "analytics")]
        {
            let t = &self.settings;
            match &t.backend {
                Backend::V1 { tracking_id } => s.field("tracking_id", tracking_id),
                // The secret is not secret from anyone who has the binary,
                // but it has no business in logs.
                Backend::Ga4 {
                    stream, stream_id, ..
                } => s
                    .field(stream.id_parameter(), stream_id)
                    .field("api_secret", &"<redacted>"),
            };
            s.field("app_name", &t.app_name)
                .field("app_version", &t.app_version)
                .field("endpoint", &t.endpoint)
                .field("flush_budget", &t.flush_budget)
                .field("client_id", &t.client_id.as_ref().map(|_| "<source>"))
                .field("config_dir", &t.config_dir)
                .field("notice_version", &t.notice_version);
        }
        s.finish_non_exhaustive()
    }
}

/// Why [`init`](crate::init) refused a configuration. The message names the
/// field and what a valid value looks like.
#[derive(Debug)]
pub struct ConfigError(ErrorKind);

#[cfg(feature = "analytics")]
#[derive(Debug)]
enum ErrorKind {
    TrackingId(String),
    MeasurementId(String),
    FirebaseAppId(String),
    ApiSecret,
    AppName,
    AppVersion,
    Endpoint {
        from: String,
        value: String,
        ending: &'static str,
    },
    AlreadyInitialized,
    Invalid(String),
    NoValidationServer(String),
}

// Without analytics `init` cannot fail: an uninhabited kind lets the compiler
// drop every error path, so the error type leaves no code in the binary.
#[cfg(not(feature = "analytics"))]
#[derive(Debug)]
enum ErrorKind {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "analytics")]
        match &self.0 {
            ErrorKind::TrackingId(id) => write!(
                f,
                "invalid tracking id {id:?}: expected a Universal Analytics id like \"UA-12345-1\""
            ),
            ErrorKind::MeasurementId(id) => write!(
                f,
                "invalid measurement id {id:?}: expected a GA4 measurement id like \"G-ABCDE12345\" \
                 (Google Analytics: Admin, Data streams)"
            ),
            ErrorKind::FirebaseAppId(id) => write!(
                f,
                "invalid Firebase app id {id:?}: expected one like \"1:1234567890:android:321abc456def7890\" \
                 (Firebase console: Project settings, General, Your apps, App ID)"
            ),
            ErrorKind::ApiSecret => f.write_str(
                "invalid api secret: it must not be empty; create one in Google Analytics under \
                 Admin, Data streams, Measurement Protocol API secrets",
            ),
            ErrorKind::AppName => f.write_str("invalid app name: it must not be empty"),
            ErrorKind::AppVersion => f.write_str("invalid app version: it must not be empty"),
            ErrorKind::Endpoint {
                from,
                value,
                ending,
            } => write!(
                f,
                "invalid endpoint {value:?} (from {from}): expected an http:// or https:// URL \
                 ending in {ending}"
            ),
            ErrorKind::AlreadyInitialized => {
                f.write_str("lumogon_track::init was already called in this process")
            }
            ErrorKind::Invalid(why) => f.write_str(why),
            ErrorKind::NoValidationServer(why) => write!(f, "validate mode: {why}"),
        }
        #[cfg(not(feature = "analytics"))]
        {
            let _ = f;
            match self.0 {}
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(feature = "analytics")]
impl ConfigError {
    pub(crate) fn already_initialized() -> Self {
        ConfigError(ErrorKind::AlreadyInitialized)
    }
}

#[cfg(feature = "analytics")]
impl Settings {
    /// Applies the user's endpoint override and dry-run switch, and checks
    /// every field.
    pub(crate) fn resolve(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        if let Some(why) = &self.invalid {
            return Err(ConfigError(ErrorKind::Invalid(why.clone())));
        }
        let mut from = "Config::endpoint".to_owned();
        if let Some(url) = var(&self.names.url).filter(|v| !v.trim().is_empty()) {
            self.endpoint = url.trim().to_owned();
            from.clone_from(&self.names.url);
        }
        // `validate`, else the same rule as the opt-out variables, so that
        // {APP}_ANALYTICS_DEBUG=0 means what it says.
        let debug = var(&self.names.debug);
        self.validate = debug
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(VALIDATE));
        self.dry_run = !self.validate && crate::consent::is_set(debug.as_deref());
        // Only an https endpoint has a certificate to check: for a plain
        // http one, reading a system bundle (hundreds of certificates) would
        // only delay the first request.
        self.ca_file = var(CA_FILE_VAR)
            .filter(|v| !v.trim().is_empty() && self.endpoint.starts_with("https://"))
            .map(PathBuf::from);
        let ending = match &self.backend {
            Backend::V1 { tracking_id } => {
                if !is_tracking_id(tracking_id) {
                    return Err(ConfigError(ErrorKind::TrackingId(tracking_id.clone())));
                }
                "/collect"
            }
            Backend::Ga4 {
                stream: StreamKind::Web,
                stream_id,
                ..
            } if !is_measurement_id(stream_id) => {
                return Err(ConfigError(ErrorKind::MeasurementId(stream_id.clone())));
            }
            Backend::Ga4 {
                stream: StreamKind::App,
                stream_id,
                ..
            } if !is_firebase_app_id(stream_id) => {
                return Err(ConfigError(ErrorKind::FirebaseAppId(stream_id.clone())));
            }
            Backend::Ga4 { api_secret, .. } => {
                if api_secret.trim().is_empty() {
                    return Err(ConfigError(ErrorKind::ApiSecret));
                }
                "/mp/collect"
            }
        };
        if self.app_name.trim().is_empty() {
            return Err(ConfigError(ErrorKind::AppName));
        }
        if self.app_version.trim().is_empty() {
            return Err(ConfigError(ErrorKind::AppVersion));
        }
        if !is_http_url(&self.endpoint) {
            return Err(ConfigError(ErrorKind::Endpoint {
                from,
                value: self.endpoint,
                ending,
            }));
        }
        // Universal Analytics has no validation server any more: the worker
        // says so and sends nothing. GA4's is beside the endpoint.
        if self.validate && matches!(self.backend, Backend::Ga4 { .. }) {
            self.endpoint = crate::ga4::validation_endpoint(&self.endpoint)
                .map_err(|why| ConfigError(ErrorKind::NoValidationServer(why)))?;
        }
        Ok(self)
    }
}

#[cfg(feature = "analytics")]
impl Settings {
    /// The application's directory: the one the application named, else
    /// the one the environment names.
    pub(crate) fn store(
        &self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Option<crate::store::Store> {
        self.config_dir
            .clone()
            .or_else(|| crate::app::config_dir(&self.app_name, &self.names, var))
            .map(|dir| crate::store::Store { dir })
    }

    /// The application's notice, or the default built from what is sent.
    pub(crate) fn notice_text(&self) -> String {
        if let Some(text) = &self.notice {
            return text.clone();
        }
        let app = &self.app_name;
        format!(
            "{app} sends anonymous usage analytics: the name of each command you run (never its \
             arguments), {app}'s version and an anonymous id. Nothing was sent this time.\n\
             To turn it off: `{app} analytics disable` (or set {} or DO_NOT_TRACK to 1).",
            self.names.disable
        )
    }
}

/// `UA-<digits>-<digits>`.
#[cfg(feature = "analytics")]
fn is_tracking_id(id: &str) -> bool {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    id.strip_prefix("UA-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(account, property)| all_digits(account) && all_digits(property))
}

/// `G-` then ASCII letters and digits, as Google Analytics shows a GA4 web
/// or app stream's measurement id.
#[cfg(feature = "analytics")]
fn is_measurement_id(id: &str) -> bool {
    id.strip_prefix("G-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A Firebase app id as the Firebase console shows it:
/// `<version>:<project number>:<platform>:<hex>`, e.g.
/// `1:1234567890:android:321abc456def7890` (platforms `android`, `ios`, and
/// `web` for completeness; the stream's kind is what the protocol checks).
#[cfg(feature = "analytics")]
fn is_firebase_app_id(id: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = id.split(':');
    let (Some(version), Some(project), Some(platform), Some(hex), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    digits(version)
        && digits(project)
        && !platform.is_empty()
        && platform.bytes().all(|b| b.is_ascii_lowercase())
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An absolute http(s) URL with a host. The transport parses it fully; this
/// only catches the mistakes a person makes (a bare host, a typo'd scheme).
#[cfg(feature = "analytics")]
fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !r.contains(char::is_whitespace)
    })
}

#[cfg(all(test, feature = "analytics"))]
mod tests {
    use super::*;

    const ENDPOINT_VAR: &str = "MYTOOL_ANALYTICS_URL";
    const DRY_RUN_VAR: &str = "MYTOOL_ANALYTICS_DEBUG";

    fn settings() -> Settings {
        Config::new("UA-54263865-7", "mytool", "0.1.0").settings
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults() {
        let s = settings().resolve(no_env).map_err(|e| e.to_string());
        let s = s.as_ref().map(|s| (s.endpoint.as_str(), s.flush_budget));
        assert_eq!(s, Ok((DEFAULT_ENDPOINT, Duration::from_millis(300))));
    }

    #[test]
    fn tracking_ids() {
        for good in ["UA-54263865-7", "UA-1-1"] {
            assert!(is_tracking_id(good), "{good}");
        }
        for bad in [
            "", "UA-", "UA-1", "UA-1-", "UA--1", "ua-1-1", "G-ABC123", "UA-1-1-1", "UA-1a-1",
        ] {
            assert!(!is_tracking_id(bad), "{bad}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let err = |s: Settings| {
            s.resolve(no_env)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let mut s = settings();
        s.backend = Backend::V1 {
            tracking_id: "G-XYZ".into(),
        };
        assert!(err(s).starts_with("invalid tracking id \"G-XYZ\""));
        let mut s = settings();
        s.app_name = " ".into();
        assert!(err(s).starts_with("invalid app name"));
        let mut s = settings();
        s.endpoint = "ftp://example.org/collect".into();
        assert!(err(s).contains("(from Config::endpoint)"));
    }

    fn ga4(measurement_id: &str, api_secret: &str) -> Settings {
        Config::ga4(measurement_id, api_secret, "mytool", "0.1.0").settings
    }

    #[test]
    fn measurement_ids() {
        for good in ["G-ABCDE12345", "G-1", "G-abc9"] {
            assert!(is_measurement_id(good), "{good}");
        }
        for bad in [
            "", "G-", "G", "g-ABC", "UA-1-1", "G-AB-C", "G-AB C", "G-ÄB", " G-AB",
        ] {
            assert!(!is_measurement_id(bad), "{bad}");
        }
    }

    #[test]
    fn ga4_settings_are_checked_by_ga4_rules() {
        let s = ga4("G-ABCDE12345", "s3cret").resolve(no_env);
        let s = s.as_ref().map(|s| (s.endpoint.as_str(), &s.backend));
        let backend = Backend::Ga4 {
            stream: StreamKind::Web,
            stream_id: "G-ABCDE12345".into(),
            api_secret: "s3cret".into(),
        };
        assert_eq!(s.ok(), Some((DEFAULT_GA4_ENDPOINT, &backend)));

        let err = |s: Settings| {
            s.resolve(no_env)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        // The v1 tracking id rule does not apply to GA4, nor the other way.
        assert!(err(ga4("UA-1-1", "s")).starts_with("invalid measurement id \"UA-1-1\""));
        assert!(err(ga4("G-ABC", " ")).starts_with("invalid api secret"));
        let mut s = ga4("G-ABC", "s");
        s.endpoint = "www.google-analytics.com/mp/collect".into();
        assert!(err(s).ends_with("ending in /mp/collect"));
        let mut s = ga4("G-ABC", "s");
        s.app_version = String::new();
        assert!(err(s).starts_with("invalid app version"));
    }

    #[test]
    fn firebase_app_ids() {
        for good in [
            "1:1234567890:android:321abc456def7890",
            "1:1:ios:ABCDEF0123",
            "2:99:web:0",
        ] {
            assert!(is_firebase_app_id(good), "{good}");
        }
        for bad in [
            "",
            "G-ABC123",
            "1:2:android",
            "1:2:android:",
            "1:2:android:xyz",
            "a:2:android:ab",
            "1::android:ab",
            "1:2::ab",
            "1:2:Android:ab",
            "1:2:android:ab:cd",
        ] {
            assert!(!is_firebase_app_id(bad), "{bad}");
        }
    }

    #[test]
    fn an_app_stream_is_checked_by_its_own_rules() {
        let app = |id: &str| Config::ga4_app(id, "s3cret", "mytool", "0.1.0").settings;
        let s = app("1:1234567890:android:321abc456def7890").resolve(no_env);
        let s = s.as_ref().map(|s| (s.endpoint.as_str(), &s.backend));
        let backend = Backend::Ga4 {
            stream: StreamKind::App,
            stream_id: "1:1234567890:android:321abc456def7890".into(),
            api_secret: "s3cret".into(),
        };
        assert_eq!(s.ok(), Some((DEFAULT_GA4_ENDPOINT, &backend)));
        let e = app("G-ABCDE12345")
            .resolve(no_env)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("invalid Firebase app id \"G-ABCDE12345\""),
            "{e}"
        );
        // And a web stream takes no Firebase app id.
        let e = ga4("1:1:ios:ab", "s")
            .resolve(no_env)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("invalid measurement id"), "{e}");
        let debug = format!(
            "{:?}",
            Config::ga4_app("1:1:ios:ab", "hunter2", "tool", "1")
        );
        assert!(
            debug.contains("firebase_app_id: \"1:1:ios:ab\"") && !debug.contains("hunter2"),
            "{debug}"
        );
    }

    #[test]
    fn validate_mode_asks_the_validation_server_beside_the_endpoint() {
        let validate = |k: &str| (k == DRY_RUN_VAR).then(|| " Validate ".to_owned());
        let s = ga4("G-A", "s").resolve(validate).map_err(|e| e.to_string());
        let s = s
            .as_ref()
            .map(|s| (s.validate, s.dry_run, s.endpoint.as_str()));
        assert_eq!(
            s,
            Ok((
                true,
                false,
                "https://www.google-analytics.com/debug/mp/collect"
            ))
        );
        let with_url = |k: &str| match k {
            DRY_RUN_VAR => Some("validate".to_owned()),
            ENDPOINT_VAR => Some("http://127.0.0.1:9/mp/collect".to_owned()),
            _ => None,
        };
        let s = ga4("G-A", "s").resolve(with_url).map(|s| s.endpoint);
        assert_eq!(
            s.ok().as_deref(),
            Some("http://127.0.0.1:9/debug/mp/collect")
        );
        // An endpoint with no /mp/collect has no validation server beside it.
        let odd = |k: &str| match k {
            DRY_RUN_VAR => Some("validate".to_owned()),
            ENDPOINT_VAR => Some("http://127.0.0.1:9/elsewhere".to_owned()),
            _ => None,
        };
        let e = ga4("G-A", "s")
            .resolve(odd)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("validate mode: endpoint"), "{e}");
        // v1 keeps its endpoint: the worker says there is no server to ask.
        let s = settings()
            .resolve(validate)
            .map(|s| (s.validate, s.endpoint));
        assert_eq!(s.ok(), Some((true, DEFAULT_ENDPOINT.to_owned())));
        // The dry run is untouched.
        let one = |k: &str| (k == DRY_RUN_VAR).then(|| "1".to_owned());
        let s = ga4("G-A", "s")
            .resolve(one)
            .map(|s| (s.validate, s.dry_run, s.endpoint));
        assert_eq!(s.ok(), Some((false, true, DEFAULT_GA4_ENDPOINT.to_owned())));
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let config = Config::ga4("G-ABC", "hunter2", "tool", "1");
        let debug = format!("{config:?}");
        assert!(
            debug.contains("G-ABC") && !debug.contains("hunter2"),
            "{debug}"
        );
    }

    #[test]
    fn the_dry_run_variable_follows_the_opt_out_rule() {
        for (value, on) in [
            ("1", true),
            ("yes", true),
            ("0", false),
            ("false", false),
            ("", false),
        ] {
            let var = |k: &str| (k == DRY_RUN_VAR).then(|| value.to_owned());
            let s = settings().resolve(var).map(|s| s.dry_run).ok();
            assert_eq!(s, Some(on), "{value:?}");
        }
        assert_eq!(
            settings().resolve(no_env).map(|s| s.dry_run).ok(),
            Some(false)
        );
    }

    #[test]
    fn ssl_cert_file_names_the_roots_to_trust() {
        let var = |k: &str| (k == CA_FILE_VAR).then(|| "/etc/ca.pem".to_owned());
        let s = settings().resolve(var).map(|s| s.ca_file).ok();
        assert_eq!(s, Some(Some(PathBuf::from("/etc/ca.pem"))));
        let var = |k: &str| (k == CA_FILE_VAR).then(|| " ".to_owned());
        assert_eq!(settings().resolve(var).map(|s| s.ca_file).ok(), Some(None));
        assert_eq!(
            settings().resolve(no_env).map(|s| s.ca_file).ok(),
            Some(None)
        );
        // An http endpoint has no certificate to check.
        let var = |k: &str| match k {
            CA_FILE_VAR => Some("/etc/ca.pem".to_owned()),
            ENDPOINT_VAR => Some("http://127.0.0.1:9/collect".to_owned()),
            _ => None,
        };
        assert_eq!(settings().resolve(var).map(|s| s.ca_file).ok(), Some(None));
    }

    #[test]
    fn the_environment_overrides_the_endpoint() {
        let var = |k: &str| (k == ENDPOINT_VAR).then(|| "http://127.0.0.1:9/collect".to_owned());
        let s = settings()
            .resolve(var)
            .map(|s| s.endpoint)
            .map_err(|e| e.to_string());
        assert_eq!(s.as_deref(), Ok("http://127.0.0.1:9/collect"));

        let var = |k: &str| (k == ENDPOINT_VAR).then(|| "localhost:9".to_owned());
        let e = settings()
            .resolve(var)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("from MYTOOL_ANALYTICS_URL"), "{e}");
        // Another application answers to its own variable only.
        let greeter = || Config::new("UA-1-1", "greeter", "1").settings;
        assert_eq!(
            greeter().resolve(var).map(|s| s.endpoint).ok().as_deref(),
            Some(DEFAULT_ENDPOINT)
        );
        let var = |k: &str| (k == "GREETER_ANALYTICS_URL").then(|| "localhost:9".to_owned());
        let e = greeter()
            .resolve(var)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("from GREETER_ANALYTICS_URL"), "{e}");
    }

    #[test]
    fn an_application_can_declare_its_configuration_invalid() {
        let mut s = settings();
        s.invalid = Some("TOOL_API_SECRET is not set".into());
        let e = s.resolve(no_env).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("TOOL_API_SECRET is not set"));
    }

    #[test]
    fn urls() {
        assert!(is_http_url("http://127.0.0.1:8080/collect"));
        assert!(is_http_url("https://www.google-analytics.com/collect"));
        assert!(!is_http_url("http:///collect"));
        assert!(!is_http_url("www.google-analytics.com/collect"));
        assert!(!is_http_url("http://a b/collect"));
    }
}
