//! A scan: which containers, scanned a few at a time, into one report.

use std::io::IsTerminal;

use futures_util::StreamExt;
use futures_util::stream;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::docker::Engine;
use crate::error::CliError;
use crate::harvest::{self, Daemon};
use crate::report::Report;
use crate::resolve;

/// Containers scanned at once: enough to overlap the daemon's latency,
/// few enough not to flood it.
const CONCURRENCY: usize = 4;

/// Scans `targets` (every running container when empty) into a report.
///
/// # Errors
///
/// No daemon, or a target that matches no container or several.
pub async fn scan(targets: &[String]) -> Result<Report, CliError> {
    let engine = Engine::connect().await.map_err(CliError::Failed)?;
    let containers = if targets.is_empty() {
        engine.list(false).await.map_err(CliError::Failed)?
    } else {
        // Named containers may be stopped: their files can still be read.
        let all = engine.list(true).await.map_err(CliError::Failed)?;
        resolve::resolve(&all, targets).map_err(CliError::Failed)?
    };
    let daemon = Daemon {
        version: engine.version().await,
    };
    let progress = progress_bar(containers.len());
    // `buffered` keeps the input order, so the output is deterministic
    // whatever order the scans finish in.
    let reports = stream::iter(&containers)
        .map(|target| async {
            let report = harvest::container(&engine, &daemon, target).await;
            progress.inc(1);
            report
        })
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    progress.finish_and_clear();
    Ok(Report::new(reports))
}

/// A bar on stderr when a person is watching and there is more than one
/// container; otherwise one that draws nothing.
fn progress_bar(containers: usize) -> ProgressBar {
    if containers < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(containers as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("scanning {bar:30} {pos}/{len} containers") {
        bar.set_style(style);
    }
    bar
}

/// Runs `future` on a runtime of its own: the commands are synchronous
/// functions (they carry `#[track_screen]`), the Engine API is async.
pub fn block_on<T>(future: impl Future<Output = Result<T, CliError>>) -> Result<T, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("could not start the async runtime: {e}")))?
        .block_on(future)
}
