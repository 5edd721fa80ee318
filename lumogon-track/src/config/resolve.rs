//! What the environment makes of the application's configuration: the
//! variables' overrides applied, the mode chosen, every field checked.
//! Pure: the environment is read through [`Given::var`].

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, ErrorKind, Given};
use crate::backends::{Backend, StreamKind, ga4};
use crate::consent::{Names, is_set};
use crate::persistence::AppDir;
use crate::persistence::spool::Destination;

/// The value of `{APP}_ANALYTICS_DEBUG` that asks GA4's validation server
/// instead of the collector (any other value that is set is a dry run).
const VALIDATE: &str = "validate";
/// The certificates to trust for an `https` collector instead of the bundled
/// roots, by the name OpenSSL and most TLS clients read it under.
pub(crate) const CA_FILE_VAR: &str = "SSL_CERT_FILE";

/// What a run does with its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Sends them.
    Send,
    /// `{APP}_ANALYTICS_DEBUG`: prints them to stderr, sends nothing.
    DryRun,
    /// `{APP}_ANALYTICS_DEBUG=validate`: sends them to GA4's validation
    /// server (the endpoint is its URL) and prints what it answers.
    Validate,
}

impl Mode {
    /// Whether hits are sent for real, so that what is not sent may be kept
    /// for a later run (a hit kept by a dry run would be sent for real by
    /// the next).
    pub(crate) fn sends(self) -> bool {
        self == Mode::Send
    }
}

/// The configuration as a run uses it.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) backend: Backend,
    pub(crate) app_name: String,
    pub(crate) app_version: String,
    pub(crate) names: Names,
    pub(crate) endpoint: String,
    pub(crate) mode: Mode,
    /// `SSL_CERT_FILE`, for an `https` endpoint only.
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) flush_budget: Duration,
    pub(crate) dir: Option<AppDir>,
}

impl Resolved {
    /// Where this run's hits go: the endpoint and the property.
    pub(crate) fn destination(&self) -> Destination {
        Destination {
            endpoint: self.endpoint.clone(),
            property: self.backend.property(),
        }
    }
}

impl Given {
    /// Applies the user's endpoint override, the mode and the backend the
    /// environment chooses, and checks every field.
    pub(crate) fn resolve(&self) -> Result<Resolved, ConfigError> {
        if let Some(why) = &self.invalid {
            return Err(ConfigError(ErrorKind::Invalid(why.clone())));
        }
        let backend = self.backend_from_env()?;
        let names = &self.names;
        let (mut endpoint, from) = match self.var(&names.url).filter(|v| !v.trim().is_empty()) {
            Some(url) => (url.trim().to_owned(), names.url.as_str()),
            None => (
                self.endpoint
                    .clone()
                    .unwrap_or_else(|| backend.default_endpoint().to_owned()),
                "Config::endpoint",
            ),
        };
        // `validate`, else the same rule as the opt-out variables, so that
        // {APP}_ANALYTICS_DEBUG=0 means what it says.
        let debug = self.var(&names.debug);
        let mode = match debug.as_deref() {
            Some(v) if v.trim().eq_ignore_ascii_case(VALIDATE) => Mode::Validate,
            v if is_set(v) => Mode::DryRun,
            _ => Mode::Send,
        };
        // Only an https endpoint has a certificate to check: for a plain
        // http one, reading a system bundle (hundreds of certificates) would
        // only delay the first request.
        let ca_file = self
            .var(CA_FILE_VAR)
            .filter(|v| !v.trim().is_empty() && endpoint.starts_with("https://"))
            .map(PathBuf::from);
        backend
            .check()
            .map_err(|bad| ConfigError(ErrorKind::Identity(bad)))?;
        if self.app_name.trim().is_empty() {
            return Err(ConfigError(ErrorKind::AppName));
        }
        if self.app_version.trim().is_empty() {
            return Err(ConfigError(ErrorKind::AppVersion));
        }
        if !is_http_url(&endpoint) {
            return Err(ConfigError(ErrorKind::Endpoint {
                from: from.to_owned(),
                value: endpoint,
                ending: backend.endpoint_ending(),
            }));
        }
        // Universal Analytics has no validation server any more: the worker
        // says so and sends nothing. GA4's is beside the endpoint.
        if mode == Mode::Validate && matches!(backend, Backend::Ga4 { .. }) {
            endpoint = ga4::validation::endpoint(&endpoint)
                .map_err(|why| ConfigError(ErrorKind::NoValidationServer(why)))?;
        }
        Ok(Resolved {
            backend,
            app_name: self.app_name.clone(),
            app_version: self.app_version.clone(),
            names: self.names.clone(),
            endpoint,
            mode,
            ca_file,
            flush_budget: self.flush_budget,
            dir: self.dir(),
        })
    }

    /// The backend given, or the GA4 stream the `{APP}_GA4_*` variables
    /// name when the application lets them ([`crate::Config::ga4_from_env`]).
    /// Half a GA4 configuration is invalid: nothing is sent rather than a
    /// guess.
    fn backend_from_env(&self) -> Result<Backend, ConfigError> {
        if !self.ga4_from_env {
            return Ok(self.backend.clone());
        }
        let n = &self.names;
        let var = |key: &str| self.var(key).filter(|v| !v.is_empty());
        let ga4 = |stream, stream_id, api_secret| {
            Ok(Backend::Ga4 {
                stream,
                stream_id,
                api_secret,
            })
        };
        let half = |set: &str, missing: &str| {
            format!("{set} is set without {missing}; set both for GA4, or neither")
        };
        let (web, app, secret) = (
            &n.ga4_measurement_id,
            &n.ga4_firebase_app_id,
            &n.ga4_api_secret,
        );
        let why = match (var(web), var(app), var(secret)) {
            (None, None, None) => return Ok(self.backend.clone()),
            (Some(id), None, Some(secret)) => return ga4(StreamKind::Web, id, secret),
            (None, Some(id), Some(secret)) => return ga4(StreamKind::App, id, secret),
            (Some(_), Some(_), _) => format!(
                "{web} and {app} are both set; set one: the web stream's measurement id or the \
                 app stream's Firebase app id"
            ),
            (Some(_), None, None) => half(web, secret),
            (None, Some(_), None) => half(app, secret),
            (None, None, Some(_)) => half(secret, &format!("{web} or {app}")),
        };
        Err(ConfigError(ErrorKind::Invalid(why)))
    }
}

/// An absolute http(s) URL with a host. The transport parses it fully; this
/// only catches the mistakes a person makes (a bare host, a typo'd scheme).
fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !r.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    const ENDPOINT_VAR: &str = "MYTOOL_ANALYTICS_URL";
    const DRY_RUN_VAR: &str = "MYTOOL_ANALYTICS_DEBUG";

    fn settings() -> Given {
        Config::new("UA-54263865-7", "mytool", "0.1.0").0
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// `given` resolved in the environment `var`.
    fn resolve(
        mut given: Given,
        var: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Resolved, ConfigError> {
        given.environment(var);
        given.resolve()
    }

    #[test]
    fn defaults() {
        let s = resolve(settings(), no_env).map_err(|e| e.to_string());
        let s = s.as_ref().map(|s| (s.endpoint.as_str(), s.flush_budget));
        assert_eq!(
            s,
            Ok((
                crate::backends::v1::DEFAULT_ENDPOINT,
                Duration::from_millis(300)
            ))
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = |s: Given| {
            resolve(s, no_env)
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
        s.endpoint = Some("ftp://example.org/collect".into());
        assert!(err(s).contains("(from Config::endpoint)"));
    }

    fn ga4(measurement_id: &str, api_secret: &str) -> Given {
        Config::ga4(measurement_id, api_secret, "mytool", "0.1.0").0
    }

    #[test]
    fn ga4_settings_are_checked_by_ga4_rules() {
        let s = resolve(ga4("G-ABCDE12345", "s3cret"), no_env);
        let s = s.as_ref().map(|s| (s.endpoint.as_str(), &s.backend));
        let backend = Backend::Ga4 {
            stream: StreamKind::Web,
            stream_id: "G-ABCDE12345".into(),
            api_secret: "s3cret".into(),
        };
        assert_eq!(s.ok(), Some((ga4::DEFAULT_ENDPOINT, &backend)));

        let err = |s: Given| {
            resolve(s, no_env)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        // The v1 tracking id rule does not apply to GA4, nor the other way.
        assert!(err(ga4("UA-1-1", "s")).starts_with("invalid measurement id \"UA-1-1\""));
        assert!(err(ga4("G-ABC", " ")).starts_with("invalid api secret"));
        let mut s = ga4("G-ABC", "s");
        s.endpoint = Some("www.google-analytics.com/mp/collect".into());
        assert!(err(s).ends_with("ending in /mp/collect"));
        let mut s = ga4("G-ABC", "s");
        s.app_version = String::new();
        assert!(err(s).starts_with("invalid app version"));
    }

    #[test]
    fn an_app_stream_is_checked_by_its_own_rules() {
        let app = |id: &str| Config::ga4_app(id, "s3cret", "mytool", "0.1.0").0;
        let s = resolve(app("1:1234567890:android:321abc456def7890"), no_env);
        let s = s.as_ref().map(|s| (s.endpoint.as_str(), &s.backend));
        let backend = Backend::Ga4 {
            stream: StreamKind::App,
            stream_id: "1:1234567890:android:321abc456def7890".into(),
            api_secret: "s3cret".into(),
        };
        assert_eq!(s.ok(), Some((ga4::DEFAULT_ENDPOINT, &backend)));
        let e = resolve(app("G-ABCDE12345"), no_env)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("invalid Firebase app id \"G-ABCDE12345\""),
            "{e}"
        );
        // And a web stream takes no Firebase app id.
        let e = resolve(ga4("1:1:ios:ab", "s"), no_env)
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
        let s = resolve(ga4("G-A", "s"), validate).map_err(|e| e.to_string());
        let s = s.as_ref().map(|s| (s.mode, s.endpoint.as_str()));
        assert_eq!(
            s,
            Ok((
                Mode::Validate,
                "https://www.google-analytics.com/debug/mp/collect"
            ))
        );
        let with_url = |k: &str| match k {
            DRY_RUN_VAR => Some("validate".to_owned()),
            ENDPOINT_VAR => Some("http://127.0.0.1:9/mp/collect".to_owned()),
            _ => None,
        };
        let s = resolve(ga4("G-A", "s"), with_url).map(|s| s.endpoint);
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
        let e = resolve(ga4("G-A", "s"), odd)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("validate mode: endpoint"), "{e}");
        // v1 keeps its endpoint: the worker says there is no server to ask.
        let s = resolve(settings(), validate).map(|s| (s.mode, s.endpoint));
        assert_eq!(
            s.ok(),
            Some((
                Mode::Validate,
                crate::backends::v1::DEFAULT_ENDPOINT.to_owned()
            ))
        );
        // The dry run is untouched.
        let one = |k: &str| (k == DRY_RUN_VAR).then(|| "1".to_owned());
        let s = resolve(ga4("G-A", "s"), one).map(|s| (s.mode, s.endpoint));
        assert_eq!(
            s.ok(),
            Some((Mode::DryRun, ga4::DEFAULT_ENDPOINT.to_owned()))
        );
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
            let s = resolve(settings(), var)
                .map(|s| s.mode == Mode::DryRun)
                .ok();
            assert_eq!(s, Some(on), "{value:?}");
        }
        assert_eq!(
            resolve(settings(), no_env).map(|s| s.mode).ok(),
            Some(Mode::Send)
        );
    }

    #[test]
    fn ssl_cert_file_names_the_roots_to_trust() {
        let var = |k: &str| (k == CA_FILE_VAR).then(|| "/etc/ca.pem".to_owned());
        let s = resolve(settings(), var).map(|s| s.ca_file).ok();
        assert_eq!(s, Some(Some(PathBuf::from("/etc/ca.pem"))));
        let var = |k: &str| (k == CA_FILE_VAR).then(|| " ".to_owned());
        assert_eq!(resolve(settings(), var).map(|s| s.ca_file).ok(), Some(None));
        assert_eq!(
            resolve(settings(), no_env).map(|s| s.ca_file).ok(),
            Some(None)
        );
        // An http endpoint has no certificate to check.
        let var = |k: &str| match k {
            CA_FILE_VAR => Some("/etc/ca.pem".to_owned()),
            ENDPOINT_VAR => Some("http://127.0.0.1:9/collect".to_owned()),
            _ => None,
        };
        assert_eq!(resolve(settings(), var).map(|s| s.ca_file).ok(), Some(None));
    }

    #[test]
    fn the_environment_overrides_the_endpoint() {
        let var = |k: &str| (k == ENDPOINT_VAR).then(|| "http://127.0.0.1:9/collect".to_owned());
        let s = resolve(settings(), var)
            .map(|s| s.endpoint)
            .map_err(|e| e.to_string());
        assert_eq!(s.as_deref(), Ok("http://127.0.0.1:9/collect"));

        let var = |k: &str| (k == ENDPOINT_VAR).then(|| "localhost:9".to_owned());
        let e = resolve(settings(), var)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("from MYTOOL_ANALYTICS_URL"), "{e}");
        // Another application answers to its own variable only.
        let greeter = || Config::new("UA-1-1", "greeter", "1").0;
        assert_eq!(
            resolve(greeter(), var).map(|s| s.endpoint).ok().as_deref(),
            Some(crate::backends::v1::DEFAULT_ENDPOINT)
        );
        let var = |k: &str| (k == "GREETER_ANALYTICS_URL").then(|| "localhost:9".to_owned());
        let e = resolve(greeter(), var)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("from GREETER_ANALYTICS_URL"), "{e}");
    }

    #[test]
    fn an_application_can_declare_its_configuration_invalid() {
        let mut s = settings();
        s.invalid = Some("TOOL_API_SECRET is not set".into());
        let e = resolve(s, no_env).err().map(|e| e.to_string());
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

    /// The backend `ga4_from_env` picks with the variables `set`, each set
    /// to a value of its kind, or why it refuses.
    fn from_env(set: &'static [&'static str]) -> Result<Backend, String> {
        let mut given = Config::new("UA-1-1", "mytool", "1").ga4_from_env().0;
        given.environment(move |key| {
            set.contains(&key).then(|| {
                match key {
                    "MYTOOL_GA4_MEASUREMENT_ID" => "G-ABCDE12345",
                    "MYTOOL_GA4_FIREBASE_APP_ID" => "1:1234567890:android:321abc456def7890",
                    _ => "s3cret",
                }
                .to_owned()
            })
        });
        given
            .resolve()
            .map(|r| r.backend)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_environment_may_choose_a_ga4_stream_and_half_a_choice_is_refused() {
        const WEB: &str = "MYTOOL_GA4_MEASUREMENT_ID";
        const APP: &str = "MYTOOL_GA4_FIREBASE_APP_ID";
        const SECRET: &str = "MYTOOL_GA4_API_SECRET";
        let ga4 = |stream, id: &str| {
            Ok(Backend::Ga4 {
                stream,
                stream_id: id.to_owned(),
                api_secret: "s3cret".to_owned(),
            })
        };
        assert_eq!(
            from_env(&[]),
            Ok(Backend::V1 {
                tracking_id: "UA-1-1".into()
            })
        );
        assert_eq!(
            from_env(&[WEB, SECRET]),
            ga4(StreamKind::Web, "G-ABCDE12345")
        );
        assert_eq!(
            from_env(&[APP, SECRET]),
            ga4(StreamKind::App, "1:1234567890:android:321abc456def7890")
        );
        assert_eq!(
            from_env(&[WEB, APP, SECRET]),
            Err(
                "MYTOOL_GA4_MEASUREMENT_ID and MYTOOL_GA4_FIREBASE_APP_ID are both set; set one: \
                 the web stream's measurement id or the app stream's Firebase app id"
                    .to_owned()
            )
        );
        assert_eq!(
            from_env(&[APP]),
            Err(
                "MYTOOL_GA4_FIREBASE_APP_ID is set without MYTOOL_GA4_API_SECRET; set both for \
                 GA4, or neither"
                    .to_owned()
            )
        );
        assert_eq!(
            from_env(&[SECRET]),
            Err(
                "MYTOOL_GA4_API_SECRET is set without MYTOOL_GA4_MEASUREMENT_ID or \
                 MYTOOL_GA4_FIREBASE_APP_ID; set both for GA4, or neither"
                    .to_owned()
            )
        );
        // Without the choice, the variables mean nothing.
        let mut given = Config::new("UA-1-1", "mytool", "1").0;
        given.environment(|key| (key == SECRET).then(|| "x".to_owned()));
        assert!(given.resolve().is_ok());
    }
}
