//! Consent: the one decision (does this run send, and if not, why), the
//! variables a person sets, and the first-run notice. [`init`] acts on the
//! decision and [`status`] reports it, so a status can never disagree with
//! what a run does.
//!
//! [`init`]: crate::init
//! [`status`]: crate::status

use std::fmt;

pub(crate) mod ci;
#[cfg(feature = "analytics")]
mod decision;
#[cfg(feature = "analytics")]
mod names;
#[cfg(feature = "analytics")]
mod notice;

#[cfg(feature = "analytics")]
pub(crate) use self::decision::{Inputs, decide, environment};
#[cfg(feature = "analytics")]
pub(crate) use self::names::{DO_NOT_TRACK, Names};
#[cfg(feature = "analytics")]
pub(crate) use self::notice::{default_notice, show_notice};

/// A switch variable counts when set to anything but empty, `0` or
/// `false`, so that `DO_NOT_TRACK=0` keeps analytics on, as the convention
/// says. The dry-run switch follows the same rule.
#[cfg_attr(not(feature = "analytics"), allow(dead_code))]
pub(crate) fn is_set(value: Option<&str>) -> bool {
    match value.map(str::trim) {
        None | Some("") | Some("0") => false,
        Some(v) => !v.eq_ignore_ascii_case("false"),
    }
}

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
    /// The run is in CI (`CI` or a vendor's variable is set), where nobody
    /// reads the notice, and the application does not count CI runs.
    Ci {
        /// The vendor, as sent when CI runs are counted (`github_actions`,
        /// `gitlab`, …; `unknown` when only `CI` is set).
        vendor: String,
    },
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
            Off::Ci { vendor } => write!(
                f,
                "this run is in CI ({}), where nobody reads the notice; the application \
                 does not count CI runs",
                ci::display(vendor)
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
