//! The variables a person sets for one application, named after it. Pure
//! logic.

/// The variables one application answers to, derived from its name so that
/// setting one tool's variable never changes another tool built on this
/// library. `DO_NOT_TRACK` is shared on purpose: it is the cross-tool
/// convention (<https://consoledonottrack.com>).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Names {
    /// `{APP}_DISABLE_ANALYTICS`
    pub(crate) disable: String,
    /// `{APP}_ANALYTICS_URL`
    pub(crate) url: String,
    /// `{APP}_ANALYTICS_DEBUG`
    pub(crate) debug: String,
    /// `{APP}_CONFIG_DIR`
    pub(crate) config_dir: String,
    /// `{APP}_ANALYTICS_SENDER`: set by the library itself in the detached
    /// sender it starts, to the app directory the sender delivers for.
    pub(crate) sender: String,
    /// `{APP}_GA4_MEASUREMENT_ID`, `{APP}_GA4_FIREBASE_APP_ID` and
    /// `{APP}_GA4_API_SECRET`, for [`Config::backend_from_env`](crate::Config::backend_from_env).
    pub(crate) ga4_measurement_id: String,
    pub(crate) ga4_firebase_app_id: String,
    pub(crate) ga4_api_secret: String,
    /// `{APP}_POSTHOG_API_KEY` and `{APP}_POSTHOG_HOST`, for
    /// [`Config::backend_from_env`](crate::Config::backend_from_env).
    pub(crate) posthog_api_key: String,
    pub(crate) posthog_host: String,
}

/// The cross-tool opt-out.
pub(crate) const DO_NOT_TRACK: &str = "DO_NOT_TRACK";

impl Names {
    pub(crate) fn of(app: &str) -> Names {
        let prefix = prefix(app);
        Names {
            disable: format!("{prefix}_DISABLE_ANALYTICS"),
            url: format!("{prefix}_ANALYTICS_URL"),
            debug: format!("{prefix}_ANALYTICS_DEBUG"),
            config_dir: format!("{prefix}_CONFIG_DIR"),
            sender: format!("{prefix}_ANALYTICS_SENDER"),
            ga4_measurement_id: format!("{prefix}_GA4_MEASUREMENT_ID"),
            ga4_firebase_app_id: format!("{prefix}_GA4_FIREBASE_APP_ID"),
            ga4_api_secret: format!("{prefix}_GA4_API_SECRET"),
            posthog_api_key: format!("{prefix}_POSTHOG_API_KEY"),
            posthog_host: format!("{prefix}_POSTHOG_HOST"),
        }
    }
}

/// The app name upper-cased, every character that cannot be part of a
/// portable variable name made `_` (POSIX names are letters, digits and `_`).
fn prefix(app: &str) -> String {
    app.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // lumogon's own names are held by its end-to-end tests
    // (tests/tests/analytics_command.rs, dry_run.rs): the library's code
    // names no application's variables but those of the example below.
    #[test]
    fn an_app_name_gives_its_four_names() {
        let names = Names::of("mytool");
        assert_eq!(names.disable, "MYTOOL_DISABLE_ANALYTICS");
        assert_eq!(names.url, "MYTOOL_ANALYTICS_URL");
        assert_eq!(names.debug, "MYTOOL_ANALYTICS_DEBUG");
        assert_eq!(names.config_dir, "MYTOOL_CONFIG_DIR");
        assert_eq!(names.posthog_api_key, "MYTOOL_POSTHOG_API_KEY");
        assert_eq!(names.posthog_host, "MYTOOL_POSTHOG_HOST");
    }

    #[test]
    fn other_characters_become_underscores() {
        assert_eq!(
            Names::of("my-tool.rs").disable,
            "MY_TOOL_RS_DISABLE_ANALYTICS"
        );
        assert_eq!(Names::of("größe").url, "GR__E_ANALYTICS_URL");
    }
}
