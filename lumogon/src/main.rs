//! `lumogon`: wires the command line to the handlers. Nothing else lives here.

mod analytics;
mod archive;
mod budget;
mod built_in;
mod capability;
mod cli;
mod commands;
mod engines;
mod error;
#[cfg(test)]
mod fuzz;
mod harvest;
mod logging;
mod os_release;
mod packages;
mod platform;
mod report;
mod resolve;
mod scan;
mod stop;
mod timefmt;
mod upload;

use std::process::ExitCode;

// `analytics.rs` asks `docker::daemon_id` for the client id's seed.
use engines::docker;

use clap::Parser;

fn main() -> ExitCode {
    // In the detached sender that a run's exit starts, this delivers what
    // the run left and ends the process, before any of lumogon's own code.
    lumogon_track::detached_sender(analytics::config);
    let cli = cli::Cli::parse();
    logging::init(cli.debug);
    // Held until `main` returns: its drop is the exit, which waits for no
    // network. `main` returns an ExitCode rather than calling
    // `process::exit`, which would skip the drop.
    // `lumogon analytics …` and `completions` never send: nothing starts.
    let tracked = !matches!(
        cli.command,
        cli::Command::Analytics(_) | cli::Command::Completions { .. }
    );
    let _analytics = tracked.then(|| analytics::start(cli.disable_analytics));
    match commands::run(cli.command, cli.disable_analytics) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
