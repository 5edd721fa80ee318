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

/// A GA4 web stream's measurement id.
const GA4_MEASUREMENT_ID: &str = "LUMOGON_GA4_MEASUREMENT_ID";
/// A GA4 app stream's Firebase app id.
const GA4_FIREBASE_APP_ID: &str = "LUMOGON_GA4_FIREBASE_APP_ID";
/// The stream's Measurement Protocol API secret, for either.
const GA4_API_SECRET: &str = "LUMOGON_GA4_API_SECRET";

/// Universal Analytics v1 as the original Lumogon, or GA4: a web stream
/// with `LUMOGON_GA4_MEASUREMENT_ID`, an app stream with
/// `LUMOGON_GA4_FIREBASE_APP_ID`, each with `LUMOGON_GA4_API_SECRET`. A
/// stream without its secret, a secret without a stream, or both streams at
/// once is an invalid configuration (sending nothing rather than guessing).
fn backend(var: impl Fn(&str) -> Option<String>) -> Config {
    let version = env!("CARGO_PKG_VERSION");
    let (web, app, secret) = (
        var(GA4_MEASUREMENT_ID),
        var(GA4_FIREBASE_APP_ID),
        var(GA4_API_SECRET),
    );
    let why = match (web, app, secret) {
        (None, None, None) => return Config::new(TRACKING_ID, "lumogon", version),
        (Some(id), None, Some(secret)) => return Config::ga4(id, secret, "lumogon", version),
        (None, Some(id), Some(secret)) => {
            return Config::ga4_app(id, secret, "lumogon", version);
        }
        (Some(_), Some(_), _) => format!(
            "{GA4_MEASUREMENT_ID} and {GA4_FIREBASE_APP_ID} are both set; set one: the web \
             stream's measurement id or the app stream's Firebase app id"
        ),
        (Some(_), None, None) => half(GA4_MEASUREMENT_ID, GA4_API_SECRET),
        (None, Some(_), None) => half(GA4_FIREBASE_APP_ID, GA4_API_SECRET),
        (None, None, Some(_)) => half(
            GA4_API_SECRET,
            &format!("{GA4_MEASUREMENT_ID} or {GA4_FIREBASE_APP_ID}"),
        ),
    };
    Config::new(TRACKING_ID, "lumogon", version).invalid(why)
}

/// Why half a GA4 configuration is invalid.
fn half(set: &str, missing: &str) -> String {
    format!("{set} is set without {missing}; set both for GA4, or neither")
}

#[cfg(all(test, feature = "analytics"))]
mod tests {
    use super::*;

    /// Why lumogon's configuration is invalid in the environment `set`
    /// (each name set to a value of its kind), or `None` when it is valid.
    /// An opt-out in the environment running the tests comes first, and
    /// hides the answer: then `Some("")`.
    fn invalid(set: &'static [&'static str], case: &str) -> Option<String> {
        let var = move |key: &str| {
            set.contains(&key).then(|| {
                match key {
                    GA4_MEASUREMENT_ID => "G-ABCDE12345",
                    GA4_FIREBASE_APP_ID => "1:1234567890:android:321abc456def7890",
                    _ => "s3cret",
                }
                .to_owned()
            })
        };
        let dir = std::env::temp_dir().join(format!("lumogon-ga4-{case}-{}", std::process::id()));
        match lumogon_track::status(backend(var).config_dir(&dir)).off() {
            Some(lumogon_track::Off::Invalid(why)) => Some(why.clone()),
            Some(lumogon_track::Off::Environment(_)) => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn both_streams_at_once_are_invalid_and_say_so() {
        let why = invalid(
            &[GA4_MEASUREMENT_ID, GA4_FIREBASE_APP_ID, GA4_API_SECRET],
            "both",
        );
        if why.as_deref() != Some("") {
            assert_eq!(
                why.as_deref(),
                Some(
                    "LUMOGON_GA4_MEASUREMENT_ID and LUMOGON_GA4_FIREBASE_APP_ID are both set; set \
                     one: the web stream's measurement id or the app stream's Firebase app id"
                )
            );
        }
        let why = invalid(&[GA4_FIREBASE_APP_ID], "app-half");
        if why.as_deref() != Some("") {
            assert_eq!(
                why.as_deref(),
                Some(
                    "LUMOGON_GA4_FIREBASE_APP_ID is set without LUMOGON_GA4_API_SECRET; set both \
                     for GA4, or neither"
                )
            );
        }
    }

    #[test]
    fn each_stream_with_its_secret_is_valid() {
        for (set, case) in [
            (&[GA4_MEASUREMENT_ID, GA4_API_SECRET][..], "web"),
            (&[GA4_FIREBASE_APP_ID, GA4_API_SECRET][..], "app"),
            (&[][..], "v1"),
        ] {
            let why = invalid(set, case);
            assert!(
                why.is_none() || why.as_deref() == Some(""),
                "{case}: {why:?}"
            );
        }
    }

    #[test]
    fn half_a_ga4_configuration_is_invalid_and_says_which_half() {
        let only = |name: &'static str| move |key: &str| (key == name).then(|| "x".to_owned());
        let dir = std::env::temp_dir().join(format!("lumogon-ga4-half-{}", std::process::id()));
        let status =
            lumogon_track::status(backend(only("LUMOGON_GA4_API_SECRET")).config_dir(&dir));
        match status.off() {
            Some(lumogon_track::Off::Invalid(why)) => assert_eq!(
                why,
                "LUMOGON_GA4_API_SECRET is set without LUMOGON_GA4_MEASUREMENT_ID or \
                 LUMOGON_GA4_FIREBASE_APP_ID; set both for GA4, or neither"
            ),
            // An opt-out in the environment running the tests comes first.
            Some(lumogon_track::Off::Environment(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}
