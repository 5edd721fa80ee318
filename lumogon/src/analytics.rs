//! lumogon's identity for lumogon-track: its tracking id (or GA4 stream),
//! its first-run notice, and where its client id comes from. Everything
//! else (opt-outs, the saved choice, the notice's bookkeeping, the config
//! directory, the lifecycle) is the library's.

use lumogon_track::{Config, FlushGuard};

use crate::docker;

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

/// lumogon as lumogon-track knows it: what `init` and `analytics status`
/// are both given, so that they decide alike.
pub fn config() -> Config {
    backend(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
        .client_id(docker::daemon_id)
        .client_id_origin("the Docker daemon's ID (`docker info`)")
        .notice(NOTICE)
        .notice_version(NOTICE_VERSION)
}

/// Starts analytics unless something says otherwise, and returns the guard
/// that flushes at exit. The library shows the notice on the first run.
pub fn start(disable_analytics: bool) -> Option<FlushGuard> {
    if disable_analytics {
        lumogon_track::disable();
    }
    lumogon_track::init(config())
        // A bad LUMOGON_ANALYTICS_URL must not break the command.
        .map_err(|e| log::debug!("analytics: off: {e}"))
        .ok()
}

/// Universal Analytics v1 as the original Lumogon, or GA4 when both
/// `LUMOGON_GA4_MEASUREMENT_ID` and `LUMOGON_GA4_API_SECRET` are set; one
/// alone is an invalid configuration (sending nothing rather than guessing).
fn backend(var: impl Fn(&str) -> Option<String>) -> Config {
    let version = env!("CARGO_PKG_VERSION");
    let (id, secret) = (
        var("LUMOGON_GA4_MEASUREMENT_ID"),
        var("LUMOGON_GA4_API_SECRET"),
    );
    let (set, missing) = match (id, secret) {
        (None, None) => return Config::new(TRACKING_ID, "lumogon", version),
        (Some(id), Some(secret)) => return Config::ga4(id, secret, "lumogon", version),
        (Some(_), None) => ("LUMOGON_GA4_MEASUREMENT_ID", "LUMOGON_GA4_API_SECRET"),
        (None, Some(_)) => ("LUMOGON_GA4_API_SECRET", "LUMOGON_GA4_MEASUREMENT_ID"),
    };
    Config::new(TRACKING_ID, "lumogon", version).invalid(format!(
        "{set} is set without {missing}; set both for GA4, or neither"
    ))
}

#[cfg(all(test, feature = "analytics"))]
mod tests {
    use super::*;

    #[test]
    fn half_a_ga4_configuration_is_invalid_and_says_which_half() {
        let only = |name: &'static str| move |key: &str| (key == name).then(|| "x".to_owned());
        let dir = std::env::temp_dir().join(format!("lumogon-ga4-half-{}", std::process::id()));
        let status =
            lumogon_track::status(backend(only("LUMOGON_GA4_API_SECRET")).config_dir(&dir));
        match status.off() {
            Some(lumogon_track::Off::Invalid(why)) => assert_eq!(
                why,
                "LUMOGON_GA4_API_SECRET is set without LUMOGON_GA4_MEASUREMENT_ID; set both for \
                 GA4, or neither"
            ),
            // An opt-out in the environment running the tests comes first.
            Some(lumogon_track::Off::Environment(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}
