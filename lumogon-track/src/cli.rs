//! The ready `analytics` subcommand for clap applications (the `clap`
//! feature): `status`, `enable`, `disable` and `screens`, so that an
//! application embeds them with one enum variant and one call.
//!
//! ```
//! use clap::{Parser, Subcommand};
//! use lumogon_track::cli::{AnalyticsCommand, Disclosure};
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(subcommand)]
//!     command: Command,
//! }
//!
//! #[derive(Subcommand)]
//! enum Command {
//!     Hello,
//!     /// See or change whether mytool sends anonymous usage analytics
//!     #[command(subcommand)]
//!     Analytics(AnalyticsCommand),
//! }
//!
//! const DISCLOSURE: Disclosure = Disclosure { screens: &["hello"], events: &[], outcomes: &[] };
//!
//! # let dir = std::env::temp_dir().join(format!("cli-doc-{}", std::process::id()));
//! let cli = Cli::parse_from(["mytool", "analytics", "status"]);
//! if let Command::Analytics(what) = cli.command {
//!     let config = lumogon_track::Config::ga4("G-ABCDE12345", "api-secret", "mytool", "1.0");
//! #   let config = config.config_dir(&dir);
//!     lumogon_track::cli::run(&what, config, &DISCLOSURE, &mut std::io::stdout())
//!         .map_err(|e| eprintln!("mytool: {e}"))
//!         .ok();
//! }
//! ```
//!
//! None of it sends anything, starts anything or shows the notice: do not
//! call [`init`](crate::init) for it.

use std::fmt;
use std::io::{self, Write};

use crate::{ChoiceError, Config, Off, Status};

/// `{app} analytics …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Subcommand)]
pub enum AnalyticsCommand {
    /// Say whether analytics is on, and if not, what turned it off
    Status,
    /// Turn analytics on again (saved in the config directory)
    Enable,
    /// Turn analytics off for good, and delete what was kept for it
    Disable,
    /// List every screen name and event this program can send
    Screens,
    /// Show the last hits that were sent or kept for a later run
    Log,
}

/// What the application can send, for `analytics screens`: its screen names
/// (the `#[track_screen]` arguments), its events, and the screens whose
/// handlers add an outcome event.
#[derive(Clone, Copy, Debug)]
pub struct Disclosure {
    /// Every screen name.
    pub screens: &'static [&'static str],
    /// Every event, as (category, action, the keys of its parameters).
    pub events: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// The screens whose handlers carry `#[track_screen(.., outcome)]`:
    /// each adds the event `command` / its screen with `outcome` and
    /// `duration`.
    pub outcomes: &'static [&'static str],
}

/// Why an `analytics` command failed.
#[derive(Debug)]
pub enum Error {
    /// The choice could not be saved, or a file not deleted.
    Choice(ChoiceError),
    /// Writing the output failed.
    Output(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Choice(e) => e.fmt(f),
            Error::Output(e) => write!(f, "could not write the output: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Output(e)
    }
}

/// Runs `command` for the application `config` describes, writing to `out`.
/// Call [`disable`](crate::disable) first for a `--disable-analytics` flag
/// on the same command line, so that `status` reports it.
///
/// # Errors
///
/// When the choice cannot be saved, or `out` cannot be written.
pub fn run(
    command: &AnalyticsCommand,
    config: Config,
    disclosure: &Disclosure,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match command {
        AnalyticsCommand::Status => status(&crate::status(config), out)?,
        AnalyticsCommand::Enable | AnalyticsCommand::Disable => {
            let enabled = *command == AnalyticsCommand::Enable;
            let choice = crate::set_enabled(config, enabled).map_err(Error::Choice)?;
            chosen(&choice, enabled, out)?;
        }
        AnalyticsCommand::Log => log(&crate::sent_log(config), out)?,
        AnalyticsCommand::Screens => {
            let carries = config.carries();
            let sent_as = crate::status(config).sent_as();
            screens(disclosure, &carries, sent_as, out)?;
        }
    }
    Ok(())
}

fn screens(
    disclosure: &Disclosure,
    carries: &[&str],
    sent_as: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for screen in disclosure.screens {
        writeln!(out, "screen {screen}")?;
    }
    let with = |keys: &[&str]| match keys {
        [] => String::new(),
        keys => format!(" (with {})", keys.join(", ")),
    };
    for (category, action, keys) in disclosure.events {
        writeln!(out, "event  {category} {action}{}", with(keys))?;
    }
    for screen in disclosure.outcomes {
        writeln!(
            out,
            "event  command {screen}{}",
            with(&["outcome", "duration"])
        )?;
    }
    writeln!(out, "every hit: {}", carries.join(", "))?;
    if let Some(sent_as) = sent_as {
        writeln!(out, "({sent_as})")?;
    }
    Ok(())
}

fn status(status: &Status, out: &mut dyn Write) -> io::Result<()> {
    match status.off() {
        None => writeln!(out, "analytics: on")?,
        Some(why) => writeln!(out, "analytics: off ({why})")?,
    }
    match status.settings_file() {
        Some(file) => writeln!(out, "settings:  {}", file.display())?,
        None if status.off() == Some(&Off::NotInBuild) => {}
        None => writeln!(out, "settings:  none (no config directory)")?,
    }
    if let Some((backend, endpoint)) = status.sends_to() {
        writeln!(out, "sends to:  {backend}, {endpoint}")?;
    }
    if status.spooled() > 0 {
        writeln!(
            out,
            "spool:     {} hit(s) that did not reach the collector, for a later run",
            status.spooled()
        )?;
    }
    if let Some((url, left)) = status.backoff() {
        writeln!(
            out,
            "backoff:   {url} timed out; runs send it nothing for another {} min",
            left.as_secs().div_ceil(60)
        )?;
    }
    for (name, what) in status.variables() {
        writeln!(out, "variable:  {name} ({what})")?;
    }
    if !status.app().is_empty() {
        writeln!(out, "what is sent: `{} analytics screens`", status.app())?;
        writeln!(out, "what was sent: `{} analytics log`", status.app())?;
    }
    Ok(())
}

fn log(sent: &[crate::Sent], out: &mut dyn Write) -> io::Result<()> {
    if sent.is_empty() {
        return writeln!(
            out,
            "nothing was sent or kept for a later run since the log began (it keeps the last \
             300 hits, and `analytics disable` deletes it)"
        );
    }
    for hit in sent {
        let late = if hit.late { " (late)" } else { "" };
        writeln!(
            out,
            "{}  {:<14} {}{late}  to {}",
            utc(hit.at_ms),
            hit.outcome,
            hit.hit,
            hit.to
        )?;
    }
    Ok(())
}

/// `ms` since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`: a log read by a
/// person.
fn utc(ms: u64) -> String {
    let t = crate::utc::Utc::from_ms(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn chosen(choice: &crate::Choice, enabled: bool, out: &mut dyn Write) -> io::Result<()> {
    let Some(file) = &choice.settings_file else {
        writeln!(
            out,
            "this build has no analytics: it sends nothing and keeps nothing, so there is \
             nothing to turn on or off"
        )?;
        return Ok(());
    };
    if enabled {
        writeln!(out, "analytics enabled (saved in {})", file.display())?;
        if let Some(why) = choice.status.off() {
            writeln!(out, "note: nothing is sent while {why}")?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "analytics disabled for good (saved in {})",
        file.display()
    )?;
    if choice.deleted.is_empty() {
        writeln!(out, "nothing else was kept, so nothing was deleted")?;
    }
    for path in &choice.deleted {
        writeln!(out, "deleted:   {}", path.display())?;
    }
    if let Some(origin) = choice.status.client_id_origin() {
        writeln!(
            out,
            "the anonymous id {app} sent is derived from {origin}, which {app} does not own: \
             were analytics turned back on, the same id would be derived again",
            app = choice.status.app()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_times_are_utc_to_the_second() {
        assert_eq!(utc(1_796_398_861_999), "2026-12-04 15:41:01 UTC");
    }
}
