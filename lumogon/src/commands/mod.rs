//! Command handlers. Each carries `#[track_screen]` with its command path,
//! never its arguments.

mod analytics;
mod capabilities;
mod report;
mod scan;
pub mod version;

use std::io::{self, Write};

use crate::cli::{CapabilitiesCommand, Command};
use crate::error::CliError;

/// Runs one command, writing its output to stdout. `disable_analytics` is
/// the global flag, which `analytics status` reports on.
pub fn run(command: Command, disable_analytics: bool) -> Result<(), CliError> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match command {
        Command::Scan(args) => scan::scan(&mut out, &args)?,
        Command::Report { scan, endpoint } => report::report(&mut out, &scan, &endpoint)?,
        Command::Version => version::version(&mut out)?,
        Command::Analytics(what) => analytics::run(&what, disable_analytics, &mut out)?,
        // Not tracked: completion scripts are made by package builds and
        // install scripts, not by a person using lumogon.
        Command::Completions { shell } => {
            let mut cli = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cli, "lumogon", &mut out);
        }
        Command::Capabilities(args) => match args.command {
            None => capabilities::list(&mut out)?,
            Some(CapabilitiesCommand::Describe { name }) => {
                capabilities::describe(&mut out, &name)?;
            }
        },
    }
    out.flush()?;
    Ok(())
}
