//! The decision itself: pure, the environment and the saved choice passed
//! in.

use super::Off;
use super::is_set;
use super::names::{DO_NOT_TRACK, Names};
use crate::persistence::choice::Saved;

/// What the decision is made from; `saved` is read only when nothing before
/// it applies, so that a run that is off anyway touches no file.
pub(crate) struct Inputs<'a, S> {
    pub(crate) by_application: bool,
    /// The first opt-out variable that is set, if any.
    pub(crate) environment: Option<String>,
    /// The CI vendor this run is in ([`super::ci::detect`]), if any.
    pub(crate) ci: Option<&'static str>,
    /// Whether the application counts CI runs (`Config::count_ci_runs`).
    pub(crate) count_ci: bool,
    pub(crate) app: &'a str,
    /// `{APP}_CONFIG_DIR`, for the reason that names it.
    pub(crate) config_dir_variable: &'a str,
    pub(crate) invalid: Option<String>,
    /// `None` when there is no directory; else the saved choice and
    /// notice version.
    pub(crate) saved: S,
    pub(crate) notice_version: u32,
}

/// The first reason that applies, or `None`: on.
pub(crate) fn decide<S>(inputs: Inputs<'_, S>) -> Option<Off>
where
    S: FnOnce() -> Option<Saved>,
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
    if let (Some(vendor), false) = (inputs.ci, inputs.count_ci) {
        return Some(Off::Ci {
            vendor: vendor.to_owned(),
        });
    }
    if let Some(why) = inputs.invalid {
        return Some(Off::Invalid(why));
    }
    match saved {
        None => Some(Off::NoDirectory {
            variable: inputs.config_dir_variable.to_owned(),
        }),
        // Nobody reads a notice in CI: counting CI runs, which the
        // application chose, does not wait for one.
        Some(s) if s.notice_version < inputs.notice_version && inputs.ci.is_none() => {
            Some(Off::NoticeNotShown)
        }
        Some(_) => None,
    }
}

/// The first opt-out variable that is set: `{APP}_DISABLE_ANALYTICS`, then
/// `DO_NOT_TRACK`.
pub(crate) fn environment(names: &Names, var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    [names.disable.as_str(), DO_NOT_TRACK]
        .into_iter()
        .find(|name| is_set(var(name).as_deref()))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ci: None,
            count_ci: false,
            app: "tool",
            config_dir_variable: "TOOL_CONFIG_DIR",
            invalid: invalid.map(str::to_owned),
            saved: move || saved,
            notice_version: 1,
        })
    }

    #[test]
    fn on_only_when_nothing_applies() {
        assert_eq!(inputs(false, None, None, seen(None)), None);
        assert_eq!(inputs(false, None, None, seen(Some(true))), None);
    }

    #[test]
    fn precedence() {
        let (bad, no) = (Some("bad"), seen(Some(false)));
        let env = |name: &str| Some(Off::Environment(name.into()));
        assert_eq!(inputs(true, Some("X"), bad, no), Some(Off::Application));
        assert_eq!(inputs(false, Some("X"), bad, no), env("X"));
        let saved = Some(Off::Saved { app: "tool".into() });
        assert_eq!(inputs(false, None, bad, no), saved);
        assert_eq!(
            inputs(false, None, bad, None),
            Some(Off::Invalid("bad".into()))
        );
        let variable = "TOOL_CONFIG_DIR".into();
        let no_directory = Some(Off::NoDirectory { variable });
        assert_eq!(inputs(false, None, None, None), no_directory);
        let unseen = Some(Saved::default());
        assert_eq!(inputs(false, None, None, unseen), Some(Off::NoticeNotShown));
        // An explicit enable does not override an environment opt-out.
        let yes = seen(Some(true));
        assert_eq!(
            inputs(false, Some("DO_NOT_TRACK"), None, yes),
            env("DO_NOT_TRACK")
        );
    }

    #[test]
    fn in_ci_nothing_is_sent_and_no_notice_shown_unless_the_application_counts_ci() {
        let in_ci = |count_ci: bool, environment: Option<&str>, saved: Option<Saved>| {
            decide(Inputs {
                by_application: false,
                environment: environment.map(str::to_owned),
                ci: Some("gitlab"),
                count_ci,
                app: "tool",
                config_dir_variable: "TOOL_CONFIG_DIR",
                invalid: None,
                saved: move || saved,
                notice_version: 1,
            })
        };
        let ci = Some(Off::Ci {
            vendor: "gitlab".into(),
        });
        // A fresh home directory: no notice (NoticeNotShown would print it).
        assert_eq!(in_ci(false, None, Some(Saved::default())), ci);
        assert_eq!(in_ci(false, None, seen(Some(true))), ci);
        // Counted: on without a notice, in a fresh home directory too.
        assert_eq!(in_ci(true, None, Some(Saved::default())), None);
        // Every opt-out still wins over counting.
        let env = Some(Off::Environment("DO_NOT_TRACK".into()));
        assert_eq!(in_ci(true, Some("DO_NOT_TRACK"), None), env);
        let saved = Some(Off::Saved { app: "tool".into() });
        assert_eq!(in_ci(true, None, seen(Some(false))), saved);
        assert_eq!(in_ci(false, None, seen(Some(false))), saved);
    }

    #[test]
    fn the_saved_choice_is_not_read_when_an_earlier_source_applies() {
        let off = decide(Inputs {
            by_application: false,
            environment: Some("DO_NOT_TRACK".into()),
            ci: None,
            count_ci: false,
            app: "tool",
            config_dir_variable: "TOOL_CONFIG_DIR",
            invalid: None,
            saved: || -> Option<Saved> { panic!("the settings were read") },
            notice_version: 1,
        });
        assert_eq!(off, Some(Off::Environment("DO_NOT_TRACK".into())));
    }

    #[test]
    fn the_environment_uses_the_apps_own_name_then_do_not_track() {
        let names = Names::of("greeter");
        let off = |pairs: &[(&str, &str)]| {
            let var = |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).into())
            };
            environment(&names, &var)
        };
        assert_eq!(off(&[("MYTOOL_DISABLE_ANALYTICS", "1")]), None);
        let both = [("GREETER_DISABLE_ANALYTICS", "1"), ("DO_NOT_TRACK", "1")];
        assert_eq!(off(&both), Some("GREETER_DISABLE_ANALYTICS".into()));
        assert_eq!(
            off(&[("DO_NOT_TRACK", "true")]),
            Some("DO_NOT_TRACK".into())
        );
        assert_eq!(off(&[("DO_NOT_TRACK", "0")]), None);
    }
}
