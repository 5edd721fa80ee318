//! What the application tells the runtime: who it is, where hits go, how long
//! the exit may wait. Validation is pure; nothing here does I/O.

// Without analytics the setters ignore their arguments and never mutate.
#![cfg_attr(not(feature = "analytics"), allow(unused_mut))]

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where Measurement Protocol v1 hits go unless told otherwise.
#[cfg(feature = "analytics")]
pub(crate) const DEFAULT_ENDPOINT: &str = "https://www.google-analytics.com/collect";
/// The user's override of the endpoint: a full `/collect` URL.
#[cfg(feature = "analytics")]
pub(crate) const ENDPOINT_VAR: &str = "LUMOGON_ANALYTICS_URL";
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
///     .client_id(|| Some("35009a79-1a05-49d7-b876-2b884d0f825b".to_owned()));
/// # drop(config);
/// ```
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
    pub(crate) tracking_id: String,
    pub(crate) app_name: String,
    pub(crate) app_version: String,
    pub(crate) endpoint: String,
    pub(crate) flush_budget: Duration,
    pub(crate) client_id: Option<ClientIdSource>,
    pub(crate) client_id_file: Option<PathBuf>,
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
            Config {
                settings: Settings {
                    tracking_id: tracking_id.into(),
                    app_name: app_name.into(),
                    app_version: app_version.into(),
                    endpoint: DEFAULT_ENDPOINT.to_owned(),
                    flush_budget: DEFAULT_FLUSH_BUDGET,
                    client_id: None,
                    client_id_file: None,
                },
            }
        }
        #[cfg(not(feature = "analytics"))]
        {
            let _ = (tracking_id, app_name, app_version);
            Config {}
        }
    }

    /// Sends hits to `url`, a full Measurement Protocol v1 `/collect` URL
    /// (`http` or `https`); several hits go to `batch` beside it. The
    /// `LUMOGON_ANALYTICS_URL` environment variable, when set, wins over this.
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

    /// Where the anonymous client id (`cid`) comes from. The source runs once,
    /// on the background worker when the first hit is sent, never on the
    /// caller's thread, and is given at most 200 ms; `None` or a late answer
    /// falls back to the [`client_id_file`](Config::client_id_file).
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

    /// A file that keeps a random UUIDv4 client id between runs, created when
    /// it is first needed. Without it (or when it cannot be written) a fresh
    /// random id is used for the process.
    #[cfg_attr(not(feature = "analytics"), inline)]
    pub fn client_id_file(mut self, path: impl Into<PathBuf>) -> Self {
        #[cfg(feature = "analytics")]
        {
            self.settings.client_id_file = Some(path.into());
        }
        #[cfg(not(feature = "analytics"))]
        let _ = path;
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Config");
        #[cfg(feature = "analytics")]
        {
            let t = &self.settings;
            s.field("tracking_id", &t.tracking_id)
                .field("app_name", &t.app_name)
                .field("app_version", &t.app_version)
                .field("endpoint", &t.endpoint)
                .field("flush_budget", &t.flush_budget)
                .field("client_id", &t.client_id.as_ref().map(|_| "<source>"))
                .field("client_id_file", &t.client_id_file);
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
    AppName,
    AppVersion,
    Endpoint { from: &'static str, value: String },
    AlreadyInitialized,
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
            ErrorKind::AppName => f.write_str("invalid app name: it must not be empty"),
            ErrorKind::AppVersion => f.write_str("invalid app version: it must not be empty"),
            ErrorKind::Endpoint { from, value } => write!(
                f,
                "invalid endpoint {value:?} (from {from}): expected an http:// or https:// URL \
                 ending in /collect"
            ),
            ErrorKind::AlreadyInitialized => {
                f.write_str("lumogon_track::init was already called in this process")
            }
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
    /// Applies the user's endpoint override and checks every field.
    pub(crate) fn resolve(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut from = "Config::endpoint";
        if let Some(url) = var(ENDPOINT_VAR).filter(|v| !v.trim().is_empty()) {
            self.endpoint = url.trim().to_owned();
            from = ENDPOINT_VAR;
        }
        if !is_tracking_id(&self.tracking_id) {
            return Err(ConfigError(ErrorKind::TrackingId(self.tracking_id)));
        }
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
            }));
        }
        Ok(self)
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

    fn settings() -> Settings {
        Config::new("UA-54263865-7", "lumogon", "0.1.0").settings
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
        s.tracking_id = "G-XYZ".into();
        assert!(err(s).starts_with("invalid tracking id \"G-XYZ\""));
        let mut s = settings();
        s.app_name = " ".into();
        assert!(err(s).starts_with("invalid app name"));
        let mut s = settings();
        s.endpoint = "ftp://example.org/collect".into();
        assert!(err(s).contains("(from Config::endpoint)"));
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
        assert!(e.contains("from LUMOGON_ANALYTICS_URL"), "{e}");
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
