//! The analytics backend baked into a lumogon when it is built: the
//! original's Universal Analytics property, whose hits Google no longer
//! processes, unless whoever builds lumogon names a GA4 stream or a PostHog
//! project. Pure: the build script checks the same choice (a half-named
//! one fails the build), and `analytics.rs` makes it a `Config`.

/// Names a GA4 web stream's measurement id (`G-…`) ...
pub const GA4_MEASUREMENT_ID: &str = "LUMOGON_BUILD_GA4_MEASUREMENT_ID";
/// ... or a GA4 app stream's Firebase app id, ...
pub const GA4_FIREBASE_APP_ID: &str = "LUMOGON_BUILD_GA4_FIREBASE_APP_ID";
/// ... either with one of the stream's Measurement Protocol API secrets.
pub const GA4_API_SECRET: &str = "LUMOGON_BUILD_GA4_API_SECRET";
/// A PostHog project's API key (`phc_…`) ...
pub const POSTHOG_API_KEY: &str = "LUMOGON_BUILD_POSTHOG_API_KEY";
/// ... and, for the EU cloud or a self-hosted instance, its host.
pub const POSTHOG_HOST: &str = "LUMOGON_BUILD_POSTHOG_HOST";

/// Every variable read when lumogon is built (by the build script).
#[allow(dead_code)]
pub const VARIABLES: [&str; 5] = [
    GA4_MEASUREMENT_ID,
    GA4_FIREBASE_APP_ID,
    GA4_API_SECRET,
    POSTHOG_API_KEY,
    POSTHOG_HOST,
];

/// The backend a build bakes in.
#[derive(Debug, PartialEq, Eq)]
pub enum BuiltIn<'a> {
    /// The original Lumogon's Universal Analytics property.
    Original,
    Ga4Web {
        measurement_id: &'a str,
        api_secret: &'a str,
    },
    Ga4App {
        firebase_app_id: &'a str,
        api_secret: &'a str,
    },
    PostHog {
        api_key: &'a str,
        host: Option<&'a str>,
    },
}

/// The backend the variables `var` names (empty counts as unset); an error
/// naming the variables when they name half a backend or two, rather than a
/// guess.
pub fn choose<'a>(var: impl Fn(&str) -> Option<&'a str>) -> Result<BuiltIn<'a>, String> {
    let var = |name: &str| var(name).map(str::trim).filter(|v| !v.is_empty());
    let (web, app, secret) = (
        var(GA4_MEASUREMENT_ID),
        var(GA4_FIREBASE_APP_ID),
        var(GA4_API_SECRET),
    );
    let (key, host) = (var(POSTHOG_API_KEY), var(POSTHOG_HOST));
    let ga4 = web.is_some() || app.is_some() || secret.is_some();
    let fix = "set a GA4 stream (its id and API secret) or a PostHog project (its API key), \
               or none of them to keep the original's property";
    match (web, app, secret, key, host) {
        _ if ga4 && (key.is_some() || host.is_some()) => Err(format!(
            "both a GA4 stream and a PostHog project are named when lumogon is built; {fix}"
        )),
        (Some(_), Some(_), _, _, _) => Err(format!(
            "both {GA4_MEASUREMENT_ID} and {GA4_FIREBASE_APP_ID} are set; {fix}"
        )),
        (Some(measurement_id), None, Some(api_secret), _, _) => Ok(BuiltIn::Ga4Web {
            measurement_id,
            api_secret,
        }),
        (None, Some(firebase_app_id), Some(api_secret), _, _) => Ok(BuiltIn::Ga4App {
            firebase_app_id,
            api_secret,
        }),
        (Some(_) | None, _, None, _, _) if ga4 => Err(format!(
            "a GA4 stream without {GA4_API_SECRET} is named when lumogon is built; {fix}"
        )),
        (None, None, Some(_), _, _) => Err(format!(
            "{GA4_API_SECRET} is set without {GA4_MEASUREMENT_ID} or {GA4_FIREBASE_APP_ID}; {fix}"
        )),
        (_, _, _, Some(api_key), host) => Ok(BuiltIn::PostHog { api_key, host }),
        (_, _, _, None, Some(_)) => Err(format!(
            "{POSTHOG_HOST} is set without {POSTHOG_API_KEY}; {fix}"
        )),
        _ => Ok(BuiltIn::Original),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(set: &[(&'static str, &'static str)]) -> Result<BuiltIn<'static>, String> {
        choose(|name| set.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }

    #[test]
    fn each_backend_from_its_variables_and_the_original_from_none() {
        assert_eq!(chosen(&[]), Ok(BuiltIn::Original));
        assert_eq!(chosen(&[(GA4_API_SECRET, " ")]), Ok(BuiltIn::Original));
        assert_eq!(
            chosen(&[(GA4_MEASUREMENT_ID, "G-A1"), (GA4_API_SECRET, "s")]),
            Ok(BuiltIn::Ga4Web {
                measurement_id: "G-A1",
                api_secret: "s"
            })
        );
        assert_eq!(
            chosen(&[
                (GA4_FIREBASE_APP_ID, "1:2:android:ab"),
                (GA4_API_SECRET, "s")
            ]),
            Ok(BuiltIn::Ga4App {
                firebase_app_id: "1:2:android:ab",
                api_secret: "s"
            })
        );
        assert_eq!(
            chosen(&[(POSTHOG_API_KEY, "phc_k")]),
            Ok(BuiltIn::PostHog {
                api_key: "phc_k",
                host: None
            })
        );
        assert_eq!(
            chosen(&[
                (POSTHOG_API_KEY, "phc_k"),
                (POSTHOG_HOST, "https://eu.i.posthog.com")
            ]),
            Ok(BuiltIn::PostHog {
                api_key: "phc_k",
                host: Some("https://eu.i.posthog.com")
            })
        );
    }

    #[test]
    fn half_a_backend_or_two_is_an_error_naming_the_variables() {
        let error = |set: &[(&'static str, &'static str)]| chosen(set).err().unwrap_or_default();
        assert!(error(&[(GA4_MEASUREMENT_ID, "G-A1")]).contains(GA4_API_SECRET));
        assert!(error(&[(GA4_FIREBASE_APP_ID, "1:2:ios:ab")]).contains(GA4_API_SECRET));
        assert!(error(&[(GA4_API_SECRET, "s")]).contains(GA4_MEASUREMENT_ID));
        assert!(error(&[(POSTHOG_HOST, "https://x")]).contains(POSTHOG_API_KEY));
        let both_streams = [
            (GA4_MEASUREMENT_ID, "G-A1"),
            (GA4_FIREBASE_APP_ID, "1:2:ios:ab"),
            (GA4_API_SECRET, "s"),
        ];
        assert!(error(&both_streams).starts_with("both"));
        let both_backends = [
            (GA4_MEASUREMENT_ID, "G-A1"),
            (GA4_API_SECRET, "s"),
            (POSTHOG_API_KEY, "phc_k"),
        ];
        assert!(error(&both_backends).contains("both a GA4 stream and a PostHog project"));
        // Every error says how to fix it.
        assert!(error(&both_backends).ends_with("keep the original's property"));
    }
}
