//! The one decision: does this run send, and if not, why. [`init`] acts on
//! it and [`status`] reports it, so a status can never disagree with what a
//! run does.
//!
//! [`init`]: crate::init
//! [`status`]: crate::status

use std::fmt;

/// Why nothing is sent, in order of precedence: the first that applies is
/// the one named.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Off {
    /// Built without the `analytics` feature.
    NotInBuild,
    /// The application called [`disable`](crate::disable), e.g. for
    /// `--disable-analytics`.
    Application,
    /// An environment variable: `{APP}_DISABLE_ANALYTICS` or `DO_NOT_TRACK`.
    Environment(String),
    /// The person ran `{app} analytics disable`.
    Saved {
        /// The application's name, for the command that undoes it.
        app: String,
    },
    /// The configuration cannot be used (an invalid `{APP}_ANALYTICS_URL`, a
    /// tracking id that is not one, a backend half configured).
    Invalid(String),
    /// No directory can be named to keep the choice and the notice in.
    NoDirectory {
        /// `{APP}_CONFIG_DIR`.
        variable: String,
    },
    /// The first-run notice has not been shown yet: the run that shows it
    /// sends nothing.
    NoticeNotShown,
}

impl fmt::Display for Off {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Off::NotInBuild => f.write_str("this build has no analytics (no `analytics` feature)"),
            Off::Application => f.write_str("--disable-analytics"),
            Off::Environment(var) => write!(f, "{var} is set"),
            Off::Saved { app } => write!(
                f,
                "the saved setting (`{app} analytics enable` turns it back on)"
            ),
            Off::Invalid(why) => write!(f, "the configuration is invalid: {why}"),
            Off::NoDirectory { variable } => write!(
                f,
                "no config directory to keep the choice in: set {variable}, XDG_CONFIG_HOME or HOME"
            ),
            Off::NoticeNotShown => f.write_str(
                "the first-run notice has not been shown yet; the next run shows it and sends nothing",
            ),
        }
    }
}

#[cfg(feature = "analytics")]
/// What the decision is made from; `saved` is read only when nothing before
/// it applies, so that a run that is off anyway touches no file.
pub(crate) struct Inputs<'a, S> {
    pub(crate) by_application: bool,
    /// The first opt-out variable that is set, if any.
    pub(crate) environment: Option<String>,
    pub(crate) app: &'a str,
    pub(crate) invalid: Option<String>,
    /// `None` when there is no directory; else the saved choice and
    /// notice version.
    pub(crate) saved: S,
    pub(crate) notice_version: u32,
}

#[cfg(feature = "analytics")]
/// The first reason that applies, or `None`: on.
pub(crate) fn decide<S>(inputs: Inputs<'_, S>) -> Option<Off>
where
    S: FnOnce() -> Option<crate::store::Saved>,
{
    if inputs.by_application {
        return Some(Off::Application);
    }
    if let Some(var) = inputs.environment {
        return Some(Off::Environment(var));
    }
    let saved = (inputs.saved)();
    if saved.is_some_and(|s| s.choice == Some(false)) {
        return Some(Off::Saved {
            app: inputs.app.to_owned(),
        });
    }
    if let Some(why) = inputs.invalid {
        return Some(Off::Invalid(why));
    }
    match saved {
        None => Some(Off::NoDirectory {
            variable: crate::app::Names::of(inputs.app).config_dir,
        }),
        Some(s) if s.notice_version < inputs.notice_version => Some(Off::NoticeNotShown),
        Some(_) => None,
    }
}

#[cfg(feature = "analytics")]
/// The first opt-out variable that is set: `{APP}_DISABLE_ANALYTICS`, then
/// `DO_NOT_TRACK`.
pub(crate) fn environment(
    names: &crate::app::Names,
    var: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    [names.disable.as_str(), crate::app::DO_NOT_TRACK]
        .into_iter()
        .find(|name| is_set(var(name).as_deref()))
        .map(str::to_owned)
}

#[cfg(feature = "analytics")]
/// A switch variable counts when set to anything but empty, `0` or
/// `false`, so that `DO_NOT_TRACK=0` keeps analytics on, as the convention
/// says. The dry-run switch follows the same rule.
pub(crate) fn is_set(value: Option<&str>) -> bool {
    match value.map(str::trim) {
        None | Some("") | Some("0") => false,
        Some(v) => !v.eq_ignore_ascii_case("false"),
    }
}

#[cfg(all(test, feature = "analytics"))]
mod tests {
    use super::*;
    use crate::app::Names;
    use crate::store::Saved;

    fn seen(choice: Option<bool>) -> Option<Saved> {
        Some(Saved {
            choice,
            notice_version: 1,
        })
    }

    fn inputs(
        by_application: bool,
        environment: Option<&str>,
        invalid: Option<&str>,
        saved: Option<Saved>,
    ) -> Option<Off> {
        decide(Inputs {
            by_application,
            environment: environment.map(str::to_owned),
            app: "tool",
            invalid: invalid.map(str::to_owned),
            saved: move || saved,
            notice_version: 1,
        })
    }

    #[test]
    fn values_that_count() {
        for value in ["1", "true", "yes", "TRUE", "anything"] {
            assert!(is_set(Some(value)), "{value}");
        }
        for value in ["", " ", "0", "false", "False", "FALSE"] {
            assert!(!is_set(Some(value)), "{value:?}");
        }
        assert!(!is_set(None));
    }

    #[test]
    fn on_only_when_nothing_applies() {
        assert_eq!(inputs(false, None, None, seen(None)), None);
        assert_eq!(inputs(false, None, None, seen(Some(true))), None);
    }

    #[test]
    fn precedence() {
        let all = || inputs(true, Some("X"), Some("bad"), seen(Some(false)));
        assert_eq!(all(), Some(Off::Application));
        assert_eq!(
            inputs(false, Some("X"), Some("bad"), seen(Some(false))),
            Some(Off::Environment("X".into()))
        );
        assert_eq!(
            inputs(false, None, Some("bad"), seen(Some(false))),
            Some(Off::Saved { app: "tool".into() })
        );
        assert_eq!(
            inputs(false, None, Some("bad"), None),
            Some(Off::Invalid("bad".into()))
        );
        assert_eq!(
            inputs(false, None, None, None),
            Some(Off::NoDirectory {
                variable: "TOOL_CONFIG_DIR".into()
            })
        );
        let unseen = Some(Saved::default());
        assert_eq!(inputs(false, None, None, unseen), Some(Off::NoticeNotShown));
        // An explicit enable does not override an environment opt-out.
        assert_eq!(
            inputs(false, Some("DO_NOT_TRACK"), None, seen(Some(true))),
            Some(Off::Environment("DO_NOT_TRACK".into()))
        );
    }

    #[test]
    fn the_saved_choice_is_not_read_when_an_earlier_source_applies() {
        let off = decide(Inputs {
            by_application: false,
            environment: Some("DO_NOT_TRACK".into()),
            app: "tool",
            invalid: None,
            saved: || -> Option<Saved> { panic!("the settings were read") },
            notice_version: 1,
        });
        assert_eq!(off, Some(Off::Environment("DO_NOT_TRACK".into())));
    }

    #[test]
    fn the_environment_uses_the_apps_own_name_then_do_not_track() {
        let names = Names::of("greeter");
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            environment(&names, env(&[("MYTOOL_DISABLE_ANALYTICS", "1")])),
            None
        );
        assert_eq!(
            environment(
                &names,
                env(&[("GREETER_DISABLE_ANALYTICS", "1"), ("DO_NOT_TRACK", "1")])
            ),
            Some("GREETER_DISABLE_ANALYTICS".into())
        );
        assert_eq!(
            environment(&names, env(&[("DO_NOT_TRACK", "true")])),
            Some("DO_NOT_TRACK".into())
        );
        assert_eq!(environment(&names, env(&[("DO_NOT_TRACK", "0")])), None);
    }
}
