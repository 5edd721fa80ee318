//! A scan: which containers, scanned a few at a time, into one report.

use std::io::IsTerminal;

use futures_util::StreamExt;
use futures_util::stream;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::capability::Capability;
use crate::docker::Engine;
use crate::error::CliError;
use crate::harvest::{self, Daemon, Plan, until};
use crate::report::Report;
use crate::resolve;
use crate::stop::Deadline;

/// Containers scanned at once: enough to overlap the daemon's latency,
/// few enough not to flood it.
const CONCURRENCY: usize = 4;

/// What a scan is asked for beside its targets.
#[derive(Debug)]
pub struct Options {
    /// `--timeout`: the report is printed within this many seconds.
    pub timeout_secs: u64,
    /// `--capabilities`, in report order.
    pub capabilities: Vec<&'static Capability>,
}

/// Scans `targets` (every running container when empty) into a report,
/// within the timeout whatever the containers hold.
///
/// # Errors
///
/// No daemon (or none that answers in time), or a target that matches no
/// container or several.
pub async fn scan(targets: &[String], options: Options) -> Result<Report, CliError> {
    let deadline = Deadline::after(options.timeout_secs);
    let late = |what: &str| {
        CliError::Failed(format!(
            "{}; raise --timeout, or check that the daemon at {} is well",
            deadline.missed(what),
            crate::docker::host()
        ))
    };
    let engine = until(deadline, Engine::connect())
        .await
        .ok_or_else(|| late("connecting to the Docker daemon"))?
        .map_err(CliError::Failed)?;
    let containers = if targets.is_empty() {
        until(deadline, engine.list(false))
            .await
            .ok_or_else(|| late("listing the containers"))?
            .map_err(CliError::Failed)?
    } else {
        // Named containers may be stopped: their files can still be read.
        let all = until(deadline, engine.list(true))
            .await
            .ok_or_else(|| late("listing the containers"))?
            .map_err(CliError::Failed)?;
        resolve::resolve(&all, targets).map_err(CliError::Failed)?
    };
    let plan = Plan {
        deadline,
        capabilities: options.capabilities,
    };
    let daemon = Daemon {
        version: until(deadline, engine.version())
            .await
            .unwrap_or_else(|| Err(deadline.missed("asking the daemon its version"))),
    };
    let progress = progress_bar(containers.len());
    // `buffered` keeps the input order, so the output is deterministic
    // whatever order the scans finish in.
    let reports = stream::iter(&containers)
        .map(|target| async {
            let report = harvest::container(&engine, &daemon, target, &plan).await;
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("could not start the async runtime: {e}")))?;
    let result = runtime.block_on(future);
    // Blocking work cut short at the deadline has been told to stop; the
    // command does not wait for it to notice.
    runtime.shutdown_background();
    result
}
