//! lumogon's identity for lumogon-track: its tracking id (or GA4 stream),
//! its first-run notice, and where its client id comes from. Everything
//! else (opt-outs, the saved choice, the notice's bookkeeping, the config
//! directory, the lifecycle) is the library's.

use lumogon_track::{Config, FlushGuard};

use crate::docker;

/// The Universal Analytics property of the original Lumogon.
const TRACKING_ID: &str = "UA-54263865-7";

/// The event lumogon sends when a report upload is attempted, as
/// (category, action): the original's.
pub const UPLOAD_EVENT: (&str, &str) = ("UX", "upload");
/// Every event lumogon sends, as (category, action, parameter keys): for
/// `analytics screens`.
pub const EVENTS: &[(&str, &str, &[&str])] = &[(UPLOAD_EVENT.0, UPLOAD_EVENT.1, &[])];

/// Raised when the notice's text changes in a way a person should see again.
const NOTICE_VERSION: u32 = 1;

const NOTICE: &str = "\
lumogon sends anonymous usage analytics: the name of each command you run (never its \
arguments), lumogon's version and an anonymous id. Nothing was sent this time.
What is sent and why: https://github.com/lumogon/lumogon-rs/blob/main/ANALYTICS.md
To turn it off: `lumogon analytics disable` (or set DO_NOT_TRACK=1).";

/// lumogon as lumogon-track knows it: what `init` and `analytics status`
/// are both given, so that they decide alike. The backend baked in when it
/// was built ([`built_in`]), unless `LUMOGON_GA4_MEASUREMENT_ID` (a web
/// stream) or `LUMOGON_GA4_FIREBASE_APP_ID` (an app stream), each with
/// `LUMOGON_GA4_API_SECRET`, name a GA4 stream, or `LUMOGON_POSTHOG_API_KEY`
/// (with `LUMOGON_POSTHOG_HOST` for the EU cloud or a self-hosted instance)
/// a PostHog project when it runs (the library's choice).
pub fn config() -> Config {
    built_in()
        .backend_from_env()
        .client_id(docker::daemon_id)
        .client_id_origin("the Docker daemon's ID (`docker info`)")
        .notice(NOTICE)
        .notice_version(NOTICE_VERSION)
}

/// The backend baked in when this lumogon was built: the original's
/// Universal Analytics property unless the build named a GA4 stream or a
/// PostHog project (`LUMOGON_BUILD_*`, see ANALYTICS.md). The build script
/// refuses half a choice, so an error here cannot happen in a build that
/// finished; it is kept as an invalid configuration all the same.
fn built_in() -> Config {
    use crate::built_in::{self as build, BuiltIn};
    let (app, version) = ("lumogon", env!("CARGO_PKG_VERSION"));
    // `option_env!` needs each name as a literal; cargo rebuilds lumogon
    // when one of them changes.
    let var = |name: &str| match name {
        build::GA4_MEASUREMENT_ID => option_env!("LUMOGON_BUILD_GA4_MEASUREMENT_ID"),
        build::GA4_FIREBASE_APP_ID => option_env!("LUMOGON_BUILD_GA4_FIREBASE_APP_ID"),
        build::GA4_API_SECRET => option_env!("LUMOGON_BUILD_GA4_API_SECRET"),
        build::POSTHOG_API_KEY => option_env!("LUMOGON_BUILD_POSTHOG_API_KEY"),
        build::POSTHOG_HOST => option_env!("LUMOGON_BUILD_POSTHOG_HOST"),
        _ => None,
    };
    let original = || Config::universal_analytics(TRACKING_ID, app, version);
    match build::choose(var) {
        Ok(BuiltIn::Original) => original(),
        Ok(BuiltIn::Ga4Web {
            measurement_id,
            api_secret,
        }) => Config::ga4(measurement_id, api_secret, app, version),
        Ok(BuiltIn::Ga4App {
            firebase_app_id,
            api_secret,
        }) => Config::ga4_app(firebase_app_id, api_secret, app, version),
        Ok(BuiltIn::PostHog { api_key, host }) => {
            let config = Config::posthog(api_key, app, version);
            match host {
                Some(host) => config.posthog_host(host),
                None => config,
            }
        }
        Err(why) => original().invalid(why),
    }
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

#[cfg(all(test, feature = "analytics"))]
mod tests {
    use super::*;

    /// Why lumogon's configuration is off in the environment that holds
    /// only `set` (each name set to a value of its kind): passed in, so
    /// that the answer is the same wherever the tests run.
    fn off(set: &'static [&'static str], case: &str) -> Option<lumogon_track::Off> {
        let dir = std::env::temp_dir().join(format!("lumogon-ga4-{case}-{}", std::process::id()));
        let config = config().config_dir(&dir).environment(move |key| {
            set.contains(&key).then(|| {
                match key {
                    "LUMOGON_GA4_MEASUREMENT_ID" => "G-ABCDE12345",
                    "LUMOGON_GA4_FIREBASE_APP_ID" => "1:1234567890:android:321abc456def7890",
                    _ => "s3cret",
                }
                .to_owned()
            })
        });
        lumogon_track::status(config).off().cloned()
    }

    fn invalid(why: &str) -> Option<lumogon_track::Off> {
        Some(lumogon_track::Off::Invalid(why.to_owned()))
    }

    #[test]
    fn both_streams_at_once_are_invalid_and_say_so() {
        assert_eq!(
            off(
                &[
                    "LUMOGON_GA4_MEASUREMENT_ID",
                    "LUMOGON_GA4_FIREBASE_APP_ID",
                    "LUMOGON_GA4_API_SECRET"
                ],
                "both"
            ),
            invalid(
                "LUMOGON_GA4_MEASUREMENT_ID and LUMOGON_GA4_FIREBASE_APP_ID are both set; set \
                 one: the web stream's measurement id or the app stream's Firebase app id"
            )
        );
    }

    #[test]
    fn each_stream_with_its_secret_is_valid() {
        // Valid, and off only because the notice was never shown in a fresh
        // directory: the decision's last reason.
        for (set, case) in [
            (
                &["LUMOGON_GA4_MEASUREMENT_ID", "LUMOGON_GA4_API_SECRET"][..],
                "web",
            ),
            (
                &["LUMOGON_GA4_FIREBASE_APP_ID", "LUMOGON_GA4_API_SECRET"][..],
                "app",
            ),
            (&[][..], "v1"),
        ] {
            assert_eq!(
                off(set, case),
                Some(lumogon_track::Off::NoticeNotShown),
                "{case}"
            );
        }
    }

    #[test]
    fn half_a_ga4_configuration_is_invalid_and_says_which_half() {
        assert_eq!(
            off(&["LUMOGON_GA4_API_SECRET"], "secret-half"),
            invalid(
                "LUMOGON_GA4_API_SECRET is set without LUMOGON_GA4_MEASUREMENT_ID or \
                 LUMOGON_GA4_FIREBASE_APP_ID; set both for GA4, or neither"
            )
        );
        assert_eq!(
            off(&["LUMOGON_GA4_FIREBASE_APP_ID"], "app-half"),
            invalid(
                "LUMOGON_GA4_FIREBASE_APP_ID is set without LUMOGON_GA4_API_SECRET; set both \
                 for GA4, or neither"
            )
        );
    }
}
