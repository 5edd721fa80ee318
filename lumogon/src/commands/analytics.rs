//! `lumogon analytics …`: see and change the analytics setting. Never sends
//! anything itself, and is not tracked.

use std::io::Write;

use crate::analytics::{self, EVENTS};
use crate::error::CliError;

mod screens {
    include!(concat!(env!("OUT_DIR"), "/screens.rs"));
}

pub fn status(out: &mut dyn Write, flag: bool) -> Result<(), CliError> {
    let (off, dir) = analytics::status(flag);
    match off {
        None => writeln!(out, "analytics: on")?,
        Some(why) => writeln!(out, "analytics: off ({why})")?,
    }
    match dir {
        Some(dir) => writeln!(out, "settings:  {}", crate::settings::path(&dir).display())?,
        None => writeln!(
            out,
            "settings:  none (no config directory: set LUMOGON_CONFIG_DIR or HOME)"
        )?,
    }
    writeln!(
        out,
        "what is sent: `lumogon analytics screens`, and ANALYTICS.md"
    )?;
    Ok(())
}

pub fn choose(out: &mut dyn Write, enabled: bool) -> Result<(), CliError> {
    let path = analytics::choose(enabled).map_err(CliError::Failed)?;
    if enabled {
        writeln!(out, "analytics enabled (saved in {})", path.display())?;
        if let Some(var) = lumogon_track::disabled_by_environment() {
            writeln!(
                out,
                "note: {var} is set, and keeps analytics off while it is"
            )?;
        }
    } else {
        writeln!(
            out,
            "analytics disabled for good (saved in {}); the anonymous id was deleted",
            path.display()
        )?;
    }
    Ok(())
}

/// Every screen and event this binary can send, one a line.
pub fn screens(out: &mut dyn Write) -> Result<(), CliError> {
    if !lumogon_track::COMPILED_IN {
        eprintln!("lumogon: this build has no analytics and sends none of these");
    }
    for screen in screens::SCREENS {
        writeln!(out, "screen {screen}")?;
    }
    for (category, action) in EVENTS {
        writeln!(out, "event  {category} {action}")?;
    }
    Ok(())
}
