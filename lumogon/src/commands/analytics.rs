//! `lumogon analytics …`: the library's subcommand, given lumogon's identity
//! and its list of screens. Never sends anything itself, and is not tracked.

use std::io::Write;

use crate::analytics::EVENTS;
use crate::cli::AnalyticsCommand;
use crate::error::CliError;

mod screens {
    include!(concat!(env!("OUT_DIR"), "/screens.rs"));
}

#[cfg(feature = "analytics")]
pub fn run(what: &AnalyticsCommand, flag: bool, out: &mut dyn Write) -> Result<(), CliError> {
    use lumogon_track::cli::{self, Disclosure, Error};
    const DISCLOSURE: Disclosure = Disclosure {
        screens: screens::SCREENS,
        events: EVENTS,
        outcomes: &[],
    };
    // So that `status` names the flag given on its own command line.
    if flag {
        lumogon_track::disable();
    }
    cli::run(what, crate::analytics::config(), &DISCLOSURE, out).map_err(|e| match e {
        Error::Output(e) => CliError::Output(e),
        e @ Error::Choice(_) => CliError::Failed(e.to_string()),
    })
}

/// Without analytics there is nothing to decide, keep or delete; the
/// commands stay, so that scripts work with both builds, and say so.
#[cfg(not(feature = "analytics"))]
pub fn run(what: &AnalyticsCommand, _flag: bool, out: &mut dyn Write) -> Result<(), CliError> {
    const NONE: &str = "this lumogon was built without the `analytics` feature";
    match what {
        AnalyticsCommand::Status => writeln!(out, "analytics: off ({NONE})")?,
        AnalyticsCommand::Enable | AnalyticsCommand::Disable => writeln!(
            out,
            "{NONE}: it sends nothing and keeps nothing, so there is nothing to turn on or off"
        )?,
        AnalyticsCommand::Screens => {
            eprintln!("lumogon: this build has no analytics and sends none of these");
            for screen in screens::SCREENS {
                writeln!(out, "screen {screen}")?;
            }
            for (category, action, _) in EVENTS {
                writeln!(out, "event  {category} {action}")?;
            }
        }
        AnalyticsCommand::Log => writeln!(out, "{NONE}: it has sent nothing")?,
    }
    Ok(())
}
