//! What an application's `analytics status|enable|disable` needs, without
//! a command-line parser: the decision with its reason, where things are
//! kept, and saving the person's choice.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{Config, Off};
#[cfg(feature = "analytics")]
use crate::{
    backends::Backend, config::Given, consent::DO_NOT_TRACK, hit::now_ms, lifecycle,
    persistence::AppDir,
};

/// Whether this run would send, and why not: what [`init`](crate::init)
/// would decide for the same configuration in the same environment. From
/// [`status`](crate::status).
#[derive(Clone, Debug)]
pub struct Status {
    off: Option<Off>,
    dir: Option<PathBuf>,
    settings_file: Option<PathBuf>,
    app: String,
    variables: Vec<(String, &'static str)>,
    client_id_origin: Option<String>,
    spooled: usize,
    backoff: Option<(String, Duration)>,
    /// The backend's name and endpoint, when the configuration is valid.
    sends_to: Option<(&'static str, String)>,
    /// What the backend makes of each hit, for `analytics screens`, when
    /// the list alone does not say it (PostHog).
    sent_as: Option<&'static str>,
}

impl Status {
    /// What [`init`](crate::init) would decide for `given`, in its
    /// environment.
    #[cfg(feature = "analytics")]
    pub(crate) fn of(given: &Given) -> Status {
        let dir = given.dir();
        let resolved = given.resolve();
        let sends_to = resolved
            .as_ref()
            .ok()
            .map(|r| (r.backend.name(), r.endpoint.clone()));
        let sent_as = match &resolved {
            Ok(r) if matches!(r.backend, Backend::PostHog { .. }) => {
                Some(crate::backends::posthog::DISCLOSURE)
            }
            _ => None,
        };
        let invalid = resolved.err().map(|e| e.to_string());
        let off = lifecycle::decide(given, dir.as_ref(), invalid);
        let names = given.names.clone();
        let mut variables = vec![
            (names.disable, "set: send nothing"),
            (DO_NOT_TRACK.to_owned(), "set: send nothing (every tool)"),
            (names.url, "send to this collector instead"),
            (
                names.debug,
                "1: print each request to stderr instead of sending it; validate: have GA4's \
                 validation server check it",
            ),
            (names.config_dir, "the directory that keeps the settings"),
        ];
        if given.backend_from_env {
            variables.extend([
                (
                    names.ga4_measurement_id,
                    "with the api secret: send to this GA4 web stream",
                ),
                (
                    names.ga4_firebase_app_id,
                    "with the api secret: send to this GA4 app stream",
                ),
                (
                    names.ga4_api_secret,
                    "the GA4 stream's Measurement Protocol API secret",
                ),
                (
                    names.posthog_api_key,
                    "send to this PostHog project (its project API key, phc_…)",
                ),
                (
                    names.posthog_host,
                    "with the key: the PostHog instance (EU cloud, self-hosted); the US cloud \
                     when unset",
                ),
            ]);
        }
        let (spooled, backoff) = dir
            .as_ref()
            .map(|d| (d.spooled(), d.backoff_left(now_ms())))
            .unwrap_or_default();
        Status {
            off,
            settings_file: dir.as_ref().map(AppDir::choice_file),
            dir: dir.map(|d| d.dir),
            app: given.app_name.clone(),
            variables,
            client_id_origin: given.client_id_origin.clone(),
            spooled,
            backoff,
            sends_to,
            sent_as,
        }
    }

    #[cfg(not(feature = "analytics"))]
    pub(crate) fn not_in_build() -> Status {
        Status {
            off: Some(Off::NotInBuild),
            dir: None,
            settings_file: None,
            app: String::new(),
            variables: Vec::new(),
            client_id_origin: None,
            spooled: 0,
            backoff: None,
            sends_to: None,
            sent_as: None,
        }
    }

    /// Whether a run would send.
    pub fn is_on(&self) -> bool {
        self.off.is_none()
    }

    /// Why a run would send nothing: the first reason in precedence order.
    pub fn off(&self) -> Option<&Off> {
        self.off.as_ref()
    }

    /// The application's directory, if one can be named (it may not exist).
    pub fn config_dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The file that keeps the saved choice and the notice version.
    pub fn settings_file(&self) -> Option<PathBuf> {
        self.settings_file.clone()
    }

    /// The environment variables this application answers to, each with what
    /// it does. Empty without the `analytics` feature.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &str)> {
        self.variables
            .iter()
            .map(|(name, what)| (name.as_str(), *what))
    }

    /// The application's name.
    pub fn app(&self) -> &str {
        &self.app
    }

    /// How many hits wait in the spool for a later run.
    pub fn spooled(&self) -> usize {
        self.spooled
    }

    /// The collector URL in backoff, and how long runs still leave it
    /// alone.
    pub fn backoff(&self) -> Option<(&str, Duration)> {
        self.backoff
            .as_ref()
            .map(|(url, left)| (url.as_str(), *left))
    }

    /// The backend's name (`GA4`, `PostHog`, `Universal Analytics`) and
    /// the endpoint hits go to, when the configuration is valid. `None`
    /// without the `analytics` feature.
    pub fn sends_to(&self) -> Option<(&str, &str)> {
        self.sends_to
            .as_ref()
            .map(|(name, endpoint)| (*name, endpoint.as_str()))
    }

    /// What the backend makes of each hit, in a sentence, when a list of
    /// screens and events does not say it: for PostHog, the event each
    /// becomes and the properties every event holds.
    pub fn sent_as(&self) -> Option<&'static str> {
        self.sent_as
    }

    /// What the client id is derived from, when the application gives a
    /// source ([`Config::client_id_origin`]).
    pub fn client_id_origin(&self) -> Option<&str> {
        self.client_id_origin.as_deref()
    }
}

/// What [`set_enabled`](crate::set_enabled) did.
#[derive(Clone, Debug)]
pub struct Choice {
    /// Where the choice is saved; `None` without the `analytics` feature,
    /// where there is nothing to save.
    pub settings_file: Option<PathBuf>,
    /// The files deleted (turning analytics off deletes everything the
    /// library kept for the application but the choice itself).
    pub deleted: Vec<PathBuf>,
    /// The status after the choice: an enable does not win over an
    /// environment opt-out, for one.
    pub status: Status,
}

/// Why a choice could not be saved; the message names the directory and
/// what to do.
#[derive(Debug)]
pub struct ChoiceError(String);

impl fmt::Display for ChoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChoiceError {}

/// Saves the person's choice for the application: `true` for `enable`,
/// `false` for `disable`. Either counts as having seen the notice. Turning
/// analytics off also deletes everything else the library kept: the client
/// id, the session, the spool of unsent hits and the backoff. An id derived
/// from the application's source ([`Config::client_id_origin`]) would be
/// derived again, the same, if analytics were turned back on.
///
/// # Errors
///
/// When no directory can be named or written, or a file cannot be deleted.
pub fn set_enabled(config: Config, enabled: bool) -> Result<Choice, ChoiceError> {
    #[cfg(feature = "analytics")]
    {
        let given = config.0;
        let dir = given.dir().ok_or_else(|| {
            ChoiceError(format!(
                "no config directory: set {}, XDG_CONFIG_HOME or HOME",
                given.names.config_dir
            ))
        })?;
        let saved = crate::persistence::choice::Saved {
            choice: Some(enabled),
            notice_version: dir.load().notice_version.max(given.notice_version),
        };
        dir.save(saved).map_err(|e| {
            ChoiceError(format!(
                "cannot save the choice in {}: {e}; check that the directory is writable",
                dir.dir.display()
            ))
        })?;
        let deleted = if enabled {
            Vec::new()
        } else {
            dir.delete_data().map_err(|e| {
                ChoiceError(format!("the choice is saved, but {e}; delete it by hand"))
            })?
        };
        Ok(Choice {
            settings_file: Some(dir.choice_file()),
            deleted,
            status: Status::of(&given),
        })
    }
    #[cfg(not(feature = "analytics"))]
    {
        let _ = (config, enabled);
        Ok(Choice {
            settings_file: None,
            deleted: Vec::new(),
            status: Status::not_in_build(),
        })
    }
}
