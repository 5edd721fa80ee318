use std::io::Write;

use lumogon_track::track_screen;

use crate::capability;
use crate::cli::ScanArgs;
use crate::engines;
use crate::error::CliError;
use crate::scan::{self, Options};

#[track_screen("scan")]
pub fn scan(out: &mut dyn Write, args: &ScanArgs) -> Result<(), CliError> {
    let options = options(args)?;
    let report = scan::block_on(scan::scan(&args.containers, options))?;
    // Written in one piece only once the scan succeeded: no partial JSON.
    out.write_all(report.to_json().as_bytes())?;
    Ok(())
}

/// The scan's options from the command line; an unknown capability is a
/// usage error, found before anything is scanned.
pub fn options(args: &ScanArgs) -> Result<Options, CliError> {
    let capabilities = if args.capabilities.is_empty() {
        capability::ALL.iter().collect()
    } else {
        capability::select(&args.capabilities).map_err(CliError::Usage)?
    };
    let engines = engines::choose(
        &args.hosts,
        &args.contexts,
        args.namespace.as_deref(),
        &engines::Env::read(),
    )
    .map_err(CliError::Usage)?;
    Ok(Options {
        timeout_secs: args.timeout,
        capabilities,
        engines,
    })
}
