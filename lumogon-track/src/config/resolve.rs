//! What the environment makes of the application's configuration: the
//! variables' overrides applied, the mode chosen, every field checked.
//! Pure: the environment is read through [`Given::var`].

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, ErrorKind, Given};
use crate::backends::{Backend, StreamKind, ga4, posthog};
use crate::consent::{Names, is_set};
use crate::params::{Param, Value};
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
    /// The CI vendor the run is in: a run that sends from CI (the
    /// application counts CI runs) uses one client id per vendor.
    pub(crate) ci: Option<&'static str>,
    /// What every hit of the run carries about where it runs: OS and
    /// architecture when the application chose to send them, and the CI
    /// vendor in CI.
    pub(crate) context: Vec<Param>,
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

/// What every hit carries about where it runs: the OS and architecture the
/// binary was built for (compile-time constants: nothing is read from the
/// machine) when `platform`, and the CI vendor when in CI (a run in CI
/// sends only when the application counts CI runs, and is then marked).
pub(crate) fn context(platform: bool, ci: Option<&'static str>) -> Vec<Param> {
    let mut context = Vec::new();
    if platform {
        context.push(("os", Value::Str(std::env::consts::OS)));
        context.push(("arch", Value::Str(std::env::consts::ARCH)));
    }
    if let Some(vendor) = ci {
        context.push(("ci", Value::Str(vendor)));
    }
    context
}

impl Given {
    /// Applies the user's endpoint override, the mode and the backend the
    /// environment chooses, and checks every field.
    pub(crate) fn resolve(&self) -> Result<Resolved, ConfigError> {
        if let Some(why) = &self.invalid {
            return Err(ConfigError(ErrorKind::Invalid(why.clone())));
        }
        let (backend, chosen_endpoint) = self.chosen_backend()?;
        let names = &self.names;
        let (mut endpoint, from) = match self.var(&names.url).filter(|v| !v.trim().is_empty()) {
            Some(url) => (url.trim().to_owned(), names.url.clone()),
            None => chosen_endpoint.unwrap_or_else(|| {
                (
                    self.endpoint
                        .clone()
                        .unwrap_or_else(|| backend.default_endpoint().to_owned()),
                    "Config::endpoint".to_owned(),
                )
            }),
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
                from,
                value: endpoint,
                ending: backend.endpoint_ending(),
            }));
        }
        // Universal Analytics has no validation server any more, nor does
        // PostHog: the worker says so and sends nothing. GA4's is beside
        // the endpoint.
        if mode == Mode::Validate && matches!(backend, Backend::Ga4 { .. }) {
            endpoint = ga4::validation::endpoint(&endpoint)
                .map_err(|why| ConfigError(ErrorKind::NoValidationServer(why)))?;
        }
        let ci = self.ci();
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
            context: context(self.platform, ci),
            ci,
        })
    }

    /// The backend given, or the one the `{APP}_GA4_*` or `{APP}_POSTHOG_*`
    /// variables choose when the application lets them
    /// ([`crate::Config::backend_from_env`]), with the endpoint that choice
    /// names and the variable it came from. Half a choice, or two, is
    /// invalid: nothing is sent rather than a guess.
    fn chosen_backend(&self) -> Result<(Backend, Option<(String, String)>), ConfigError> {
        if !self.backend_from_env {
            return Ok((self.backend.clone(), None));
        }
        let n = &self.names;
        let var = |key: &str| self.var(key).filter(|v| !v.trim().is_empty());
        let ga4_set = [
            &n.ga4_measurement_id,
            &n.ga4_firebase_app_id,
            &n.ga4_api_secret,
        ]
        .into_iter()
        .find(|key| var(key).is_some());
        let invalid = |why: String| Err(ConfigError(ErrorKind::Invalid(why)));
        match (var(&n.posthog_api_key), var(&n.posthog_host), ga4_set) {
            (Some(_), _, Some(ga4)) => invalid(format!(
                "{} and {ga4} are both set; set one backend's variables: PostHog's or GA4's",
                n.posthog_api_key
            )),
            (None, Some(_), _) => invalid(format!(
                "{} is set without {}; set the project API key for PostHog, or neither",
                n.posthog_host, n.posthog_api_key
            )),
            (Some(api_key), host, None) => {
                let backend = Backend::PostHog {
                    api_key: api_key.trim().to_owned(),
                };
                // The instance the variables name; without one, the
                // application's own PostHog endpoint if it chose PostHog,
                // else PostHog's US cloud.
                let endpoint = match host {
                    Some(host) => (posthog::batch_url(&host), n.posthog_host.clone()),
                    None if matches!(self.backend, Backend::PostHog { .. }) => (
                        self.given_endpoint().to_owned(),
                        "Config::endpoint".to_owned(),
                    ),
                    None => (
                        posthog::DEFAULT_ENDPOINT.to_owned(),
                        n.posthog_api_key.clone(),
                    ),
                };
                Ok((backend, Some(endpoint)))
            }
            (None, None, _) => {
                let backend = self.ga4_from_env()?;
                // An endpoint the application gave for another protocol is
                // no GA4 endpoint: a stream the variables chose goes to
                // GA4's own.
                let endpoint = (self.endpoint.is_some()
                    && matches!(backend, Backend::Ga4 { .. })
                    && !matches!(self.backend, Backend::Ga4 { .. }))
                .then(|| (ga4::DEFAULT_ENDPOINT.to_owned(), n.ga4_api_secret.clone()));
                Ok((backend, endpoint))
            }
        }
    }

    /// The GA4 stream the `{APP}_GA4_*` variables name, else the backend
    /// given.
    fn ga4_from_env(&self) -> Result<Backend, ConfigError> {
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
#[path = "resolve_tests.rs"]
mod tests;
