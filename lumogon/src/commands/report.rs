use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use lumogon_track::track_screen;

use crate::cli::ScanArgs;
use crate::error::CliError;
use crate::scan;
use crate::upload::{self, Endpoint};

#[track_screen("report")]
pub fn report(out: &mut dyn Write, args: &ScanArgs, endpoint: &str) -> Result<(), CliError> {
    // A bad URL or capability is found before the scan, not after it.
    let endpoint = Endpoint::parse(endpoint).map_err(CliError::Usage)?;
    let options = super::scan::options(args)?;
    let timeout = Duration::from_secs(args.timeout);
    scan::block_on(async {
        let report = scan::scan(&args.containers, options).await?;
        let json = report.to_json();
        let (category, action) = crate::analytics::UPLOAD_EVENT;
        lumogon_track::event(category, action);
        match upload::post(&endpoint, json.clone(), timeout).await {
            Ok(status) => {
                writeln!(
                    out,
                    "uploaded report {} to {endpoint} (HTTP {status})",
                    report.id()
                )?;
                Ok(())
            }
            Err(why) => {
                let saved = save(&json, report.id())
                    .map(|path| format!("the report is saved in {}", path.display()))
                    .unwrap_or_else(|e| format!("and it could not be saved either: {e}"));
                Err(CliError::Failed(format!(
                    "could not upload the report to {endpoint}: {why}; {saved}"
                )))
            }
        }
    })
}

/// Keeps a report that could not be uploaded: in the current directory, or
/// the temporary one if that is not writable.
fn save(json: &str, id: &str) -> std::io::Result<PathBuf> {
    let name = format!("lumogon-report-{id}.json");
    let here = PathBuf::from(&name);
    match std::fs::write(&here, json) {
        Ok(()) => std::path::absolute(&here),
        Err(_) => {
            let tmp = std::env::temp_dir().join(&name);
            std::fs::write(&tmp, json).map(|()| tmp)
        }
    }
}
