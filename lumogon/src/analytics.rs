//! lumogon's use of lumogon-track: who it reports as, where its client id
//! comes from, which opt-out wins, and the first-run notice.

use std::fmt;
use std::path::PathBuf;

use lumogon_track::{Config, FlushGuard};

use crate::settings::Settings;
use crate::{config_dir, docker};

/// The Universal Analytics property of the original Lumogon.
const TRACKING_ID: &str = "UA-54263865-7";

/// The events lumogon sends, as (category, action).
pub const UPLOAD_EVENT: (&str, &str) = ("UX", "upload");
pub const EVENTS: &[(&str, &str)] = &[UPLOAD_EVENT];

/// Raised when the notice's text changes in a way a person should see again.
const NOTICE_VERSION: u32 = 1;

const NOTICE: &str = "\
lumogon sends anonymous usage analytics: the name of each command you run (never its \
arguments), lumogon's version and an anonymous id. Nothing was sent this time.
What is sent and why: https://github.com/lumogon/lumogon-rs/blob/main/ANALYTICS.md
To turn it off: `lumogon analytics disable` (or set DO_NOT_TRACK=1).";

/// What turned analytics off, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Off {
    /// Built without the `analytics` feature.
    NotInBuild,
    /// `--disable-analytics`.
    Flag,
    /// `LUMOGON_DISABLE_ANALYTICS` or `DO_NOT_TRACK`.
    Environment(&'static str),
    /// `lumogon analytics disable`.
    Saved,
}

impl fmt::Display for Off {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Off::NotInBuild => {
                f.write_str("this lumogon was built without the `analytics` feature")
            }
            Off::Flag => f.write_str("--disable-analytics"),
            Off::Environment(var) => write!(f, "{var} is set"),
            Off::Saved => {
                f.write_str("the saved setting (`lumogon analytics enable` turns it back on)")
            }
        }
    }
}

/// The first opt-out that applies. Pure but for `saved`, which is only
/// asked when nothing before it applies.
pub fn off(
    in_build: bool,
    flag: bool,
    environment: Option<&'static str>,
    saved: impl FnOnce() -> Option<bool>,
) -> Option<Off> {
    if !in_build {
        Some(Off::NotInBuild)
    } else if flag {
        Some(Off::Flag)
    } else if let Some(var) = environment {
        Some(Off::Environment(var))
    } else if saved() == Some(false) {
        Some(Off::Saved)
    } else {
        None
    }
}

/// What decides whether this run sends: the opt-out that applies, the
/// config directory, and the saved settings when they were read.
struct State {
    off: Option<Off>,
    dir: Option<PathBuf>,
    /// Read only when no earlier opt-out applies: a run that is off anyway
    /// touches no file.
    settings: Option<Settings>,
}

fn state(flag: bool) -> State {
    let dir = config_dir::config_dir();
    let mut settings = None;
    let off = off(
        lumogon_track::COMPILED_IN,
        flag,
        lumogon_track::disabled_by_environment(),
        || {
            settings = dir.as_deref().map(Settings::load);
            settings.as_ref().and_then(|s| s.analytics)
        },
    );
    State { off, dir, settings }
}

/// The state `lumogon analytics status` reports.
pub fn status(flag: bool) -> (Option<Off>, Option<PathBuf>) {
    let State { off, dir, .. } = state(flag);
    (off, dir)
}

/// Starts analytics unless something says otherwise, and returns the guard
/// that flushes at exit. The first time analytics would be on, it shows the
/// notice instead and sends nothing.
pub fn start(disable_analytics: bool) -> Option<FlushGuard> {
    let State { off, dir, settings } = state(disable_analytics);
    if off.is_some() || !consented(dir.as_deref(), settings.unwrap_or_default()) {
        lumogon_track::disable();
    }
    let config = match backend(|key| std::env::var(key).ok().filter(|v| !v.is_empty())) {
        Ok(config) => config,
        Err(e) => {
            log::debug!("analytics: off: {e}");
            return None;
        }
    };
    let mut config = config.client_id(docker::daemon_id);
    if let Some(dir) = &dir {
        config = config.client_id_file(dir.join("client_id"));
    }
    match lumogon_track::init(config) {
        Ok(guard) => Some(guard),
        Err(e) => {
            // A bad LUMOGON_ANALYTICS_URL must not break the command.
            log::debug!("analytics: off: {e}");
            None
        }
    }
}

/// Universal Analytics v1 as the original Lumogon, or GA4 when both
/// `LUMOGON_GA4_MEASUREMENT_ID` and `LUMOGON_GA4_API_SECRET` are set.
fn backend(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
    let version = env!("CARGO_PKG_VERSION");
    match (
        var("LUMOGON_GA4_MEASUREMENT_ID"),
        var("LUMOGON_GA4_API_SECRET"),
    ) {
        (None, None) => Ok(Config::new(TRACKING_ID, "lumogon", version)),
        (Some(id), Some(secret)) => Ok(Config::ga4(id, secret, "lumogon", version)),
        (Some(_), None) => Err(
            "LUMOGON_GA4_MEASUREMENT_ID is set without LUMOGON_GA4_API_SECRET; set both for GA4"
                .to_owned(),
        ),
        (None, Some(_)) => Err(
            "LUMOGON_GA4_API_SECRET is set without LUMOGON_GA4_MEASUREMENT_ID; set both for GA4"
                .to_owned(),
        ),
    }
}

/// Whether the person has seen the current notice. If not, shows it and
/// records that it was shown; this run sends nothing either way, and
/// nothing is sent until the record can be written.
fn consented(dir: Option<&std::path::Path>, mut settings: Settings) -> bool {
    let Some(dir) = dir else {
        eprintln!("{NOTICE}");
        return false;
    };
    if settings.notice_version >= NOTICE_VERSION {
        return true;
    }
    eprintln!("{NOTICE}");
    settings.notice_version = NOTICE_VERSION;
    if let Err(e) = settings.save(dir) {
        log::debug!(
            "analytics: could not record the notice in {}: {e}",
            dir.display()
        );
    }
    false
}

/// Saves the person's choice; turning analytics off also deletes the
/// anonymous id. Returns the settings file's path.
pub fn choose(enabled: bool) -> Result<PathBuf, String> {
    let dir = config_dir::config_dir()
        .ok_or("no config directory: set LUMOGON_CONFIG_DIR, XDG_CONFIG_HOME or HOME")?;
    let mut settings = Settings::load(&dir);
    settings.analytics = Some(enabled);
    // Choosing is informed consent either way: no notice after it.
    settings.notice_version = NOTICE_VERSION;
    settings.save(&dir).map_err(|e| {
        format!(
            "cannot save the setting in {}: {e}; check that the directory is writable",
            dir.display()
        )
    })?;
    if !enabled {
        let id = dir.join("client_id");
        match std::fs::remove_file(&id) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(format!(
                    "the setting is saved, but {} could not be deleted: {e}",
                    id.display()
                ));
            }
        }
    }
    Ok(crate::settings::path(&dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_is_build_flag_environment_saved() {
        assert_eq!(off(true, false, None, || None), None);
        assert_eq!(off(true, false, None, || Some(true)), None);
        assert_eq!(off(true, false, None, || Some(false)), Some(Off::Saved));
        assert_eq!(
            off(true, false, Some("DO_NOT_TRACK"), || Some(false)),
            Some(Off::Environment("DO_NOT_TRACK"))
        );
        assert_eq!(
            off(true, true, Some("DO_NOT_TRACK"), || Some(false)),
            Some(Off::Flag)
        );
        assert_eq!(
            off(false, true, Some("DO_NOT_TRACK"), || Some(false)),
            Some(Off::NotInBuild)
        );
        // The saved setting is not even read when something earlier applies.
        let unread = || -> Option<bool> { panic!("the settings were read") };
        assert_eq!(off(true, true, None, unread), Some(Off::Flag));
        assert_eq!(off(false, false, None, unread), Some(Off::NotInBuild));
        // An explicit enable does not override an environment opt-out.
        assert_eq!(
            off(true, false, Some("LUMOGON_DISABLE_ANALYTICS"), || Some(
                true
            )),
            Some(Off::Environment("LUMOGON_DISABLE_ANALYTICS"))
        );
    }
}
