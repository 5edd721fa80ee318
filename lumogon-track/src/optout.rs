//! Whether the person running the program has opted out. Pure logic: the
//! environment is passed in.

use std::fmt;

/// The library's own opt-out variable.
pub(crate) const DISABLE_VAR: &str = "LUMOGON_DISABLE_ANALYTICS";
/// The cross-tool convention (<https://consoledonottrack.com>).
pub(crate) const DO_NOT_TRACK_VAR: &str = "DO_NOT_TRACK";

/// What turned analytics off, in order of precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OptOut {
    /// The application called [`disable`](crate::disable), e.g. for
    /// `--disable-analytics`.
    Application,
    /// `LUMOGON_DISABLE_ANALYTICS` is set.
    DisableVariable,
    /// `DO_NOT_TRACK` is set.
    DoNotTrack,
}

impl fmt::Display for OptOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptOut::Application => "the application (e.g. --disable-analytics)",
            OptOut::DisableVariable => DISABLE_VAR,
            OptOut::DoNotTrack => DO_NOT_TRACK_VAR,
        })
    }
}

impl OptOut {
    /// The environment variable behind this opt-out, if it is one.
    pub(crate) fn variable(self) -> Option<&'static str> {
        match self {
            OptOut::Application => None,
            OptOut::DisableVariable => Some(DISABLE_VAR),
            OptOut::DoNotTrack => Some(DO_NOT_TRACK_VAR),
        }
    }
}

/// The first opt-out that applies, if any.
pub(crate) fn decide(
    disabled_by_application: bool,
    var: impl Fn(&str) -> Option<String>,
) -> Option<OptOut> {
    if disabled_by_application {
        Some(OptOut::Application)
    } else if is_set(var(DISABLE_VAR).as_deref()) {
        Some(OptOut::DisableVariable)
    } else if is_set(var(DO_NOT_TRACK_VAR).as_deref()) {
        Some(OptOut::DoNotTrack)
    } else {
        None
    }
}

/// An opt-out variable counts when set to anything but empty, `0` or `false`,
/// so that `DO_NOT_TRACK=0` keeps analytics on, as the convention says. The
/// dry-run switch (`LUMOGON_ANALYTICS_DEBUG`) follows the same rule.
pub(crate) fn is_set(value: Option<&str>) -> bool {
    match value.map(str::trim) {
        None | Some("") | Some("0") => false,
        Some(v) => !v.eq_ignore_ascii_case("false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn values_that_opt_out() {
        for value in ["1", "true", "yes", "TRUE", "anything"] {
            assert!(is_set(Some(value)), "{value}");
        }
        for value in ["", " ", "0", "false", "False", "FALSE"] {
            assert!(!is_set(Some(value)), "{value:?}");
        }
        assert!(!is_set(None));
    }

    #[test]
    fn nothing_set_means_enabled() {
        assert_eq!(decide(false, env(&[])), None);
        assert_eq!(decide(false, env(&[("DO_NOT_TRACK", "0")])), None);
    }

    #[test]
    fn each_source_alone() {
        assert_eq!(decide(true, env(&[])), Some(OptOut::Application));
        assert_eq!(
            decide(false, env(&[("LUMOGON_DISABLE_ANALYTICS", "1")])),
            Some(OptOut::DisableVariable)
        );
        assert_eq!(
            decide(false, env(&[("DO_NOT_TRACK", "1")])),
            Some(OptOut::DoNotTrack)
        );
    }

    #[test]
    fn precedence_is_application_then_variable_then_do_not_track() {
        let all = env(&[("LUMOGON_DISABLE_ANALYTICS", "1"), ("DO_NOT_TRACK", "1")]);
        assert_eq!(decide(true, &all), Some(OptOut::Application));
        assert_eq!(decide(false, &all), Some(OptOut::DisableVariable));
    }
}
