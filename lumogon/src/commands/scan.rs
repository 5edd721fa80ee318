use std::io::Write;

use lumogon_track::track_screen;

use crate::error::CliError;
use crate::scan;

#[track_screen("scan")]
pub fn scan(out: &mut dyn Write, targets: &[String]) -> Result<(), CliError> {
    let report = scan::block_on(scan::scan(targets))?;
    // Written in one piece only once the scan succeeded: no partial JSON.
    out.write_all(report.to_json().as_bytes())?;
    Ok(())
}
