//! A scan: which containers, scanned a few at a time, into one report.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use futures_util::StreamExt;
use futures_util::future::join_all;
use futures_util::stream;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::budget::Budget;
use crate::capability::Capability;
use crate::engines::{Endpoint, Engine};
use crate::error::CliError;
use crate::harvest::{self, Daemon, Plan, until};
use crate::report::Report;
use crate::resolve::{self, Listed};
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
    /// The engines to scan (`--host`, `--context`, else the one of
    /// `DOCKER_HOST` or the current context), at least one.
    pub engines: Vec<Endpoint>,
}

/// One engine of the scan, with what it runs.
struct Reached {
    engine: Engine,
    daemon: Daemon,
    containers: Vec<Listed>,
}

/// Scans `targets` (every running container when empty) into a report,
/// within the timeout whatever the containers hold.
///
/// With one engine, an engine that cannot be reached fails the scan. With
/// several, it is an error entry of the report and the others are
/// scanned; only when none can be reached does the scan fail.
///
/// # Errors
///
/// No engine (or none that answers in time), or a target that matches no
/// container or several.
pub async fn scan(targets: &[String], options: Options) -> Result<Report, CliError> {
    let deadline = Deadline::after(options.timeout_secs);
    let budget = Budget::new();
    let several = options.engines.len() > 1;
    let attempts = join_all(options.engines.iter().map(|endpoint| {
        reach(
            endpoint,
            budget.clone(),
            deadline,
            !targets.is_empty(),
            several,
        )
    }))
    .await;
    let mut reached: Vec<(String, Reached)> = Vec::new();
    let mut engine_errors = BTreeMap::new();
    for (endpoint, attempt) in options.engines.iter().zip(attempts) {
        match attempt {
            Ok((id, engine)) => {
                // The same daemon reached two ways is scanned once.
                if id.is_empty() || !reached.iter().any(|(other, _)| *other == id) {
                    reached.push((id, engine));
                } else {
                    log::debug!("{endpoint} is an engine already scanned ({id}); skipping it");
                }
            }
            Err(e) if !several => return Err(CliError::Failed(e)),
            Err(e) => {
                engine_errors.insert(endpoint.host.clone(), e);
            }
        }
    }
    if reached.is_empty() {
        let errors: Vec<String> = engine_errors.into_values().collect();
        let what = if options.engines.iter().any(Endpoint::is_containerd) {
            "no engine"
        } else {
            "no Docker engine"
        };
        return Err(CliError::Failed(format!(
            "{what} could be reached: {}",
            errors.join("; ")
        )));
    }
    let mut reached: Vec<Reached> = reached.into_iter().map(|(_, r)| r).collect();
    choose_containers(&mut reached, targets, several)?;

    let plan = Plan {
        deadline,
        capabilities: options.capabilities,
    };
    let work: Vec<(&Reached, &Listed)> = reached
        .iter()
        .flat_map(|r| r.containers.iter().map(move |c| (r, c)))
        .collect();
    let progress = progress_bar(work.len());
    // `buffered` keeps the input order, so the output is deterministic
    // whatever order the scans finish in.
    let reports = stream::iter(&work)
        .map(|(r, target)| async {
            let report = harvest::container(&r.engine, &r.daemon, target, &plan)
                .await
                .engine(&r.engine.endpoint().host);
            progress.inc(1);
            report
        })
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    progress.finish_and_clear();
    Ok(Report::new(reports).engine_errors(engine_errors))
}

/// Connects to one engine and learns its version and its containers (all
/// of them when `all`, to resolve names of stopped ones) and, when `identify`
/// (a scan of several engines, which must tell one reached twice), its ID
/// (empty otherwise), all within the deadline.
async fn reach(
    endpoint: &Endpoint,
    budget: Budget,
    deadline: Deadline,
    all: bool,
    identify: bool,
) -> Result<(String, Reached), String> {
    let late = |what: &str| {
        format!(
            "{}; raise --timeout, or check that the daemon at {endpoint} is well",
            deadline.missed(what)
        )
    };
    let engine = until(deadline, Engine::connect(endpoint, budget))
        .await
        .ok_or_else(|| {
            late(if endpoint.is_containerd() {
                "connecting to containerd"
            } else {
                "connecting to the Docker daemon"
            })
        })??;
    let id = async {
        if identify {
            until(deadline, engine.id()).await
        } else {
            Some(Ok(String::new()))
        }
    };
    let (id, server, containers) = futures_util::join!(
        id,
        until(deadline, engine.server()),
        until(deadline, engine.list(all)),
    );
    let id = id.ok_or_else(|| late("asking the daemon who it is"))??;
    let containers = containers.ok_or_else(|| late("listing the containers"))??;
    let daemon = Daemon {
        server: server.unwrap_or_else(|| Err(deadline.missed("asking the daemon its version"))),
    };
    Ok((
        id,
        Reached {
            engine,
            daemon,
            containers,
        },
    ))
}

/// Keeps, on each engine, the containers the targets name (every running
/// one when there are no targets). With several engines a target need only
/// match on one of them.
fn choose_containers(
    reached: &mut [Reached],
    targets: &[String],
    several: bool,
) -> Result<(), CliError> {
    if targets.is_empty() {
        return Ok(());
    }
    if !several {
        for r in reached.iter_mut() {
            r.containers = resolve::resolve(&r.containers, targets, r.engine.lister())
                .map_err(CliError::Failed)?;
        }
        return Ok(());
    }
    let mut found_somewhere = vec![false; targets.len()];
    for r in reached.iter_mut() {
        let mut chosen: Vec<Listed> = Vec::new();
        for (target, found) in targets.iter().zip(found_somewhere.iter_mut()) {
            if let Some(c) = resolve::find(&r.containers, target).map_err(CliError::Failed)? {
                *found = true;
                if !chosen.iter().any(|x| x.id == c.id) {
                    chosen.push(c.clone());
                }
            }
        }
        r.containers = chosen;
    }
    if let Some((target, _)) = targets.iter().zip(&found_somewhere).find(|(_, f)| !**f) {
        return Err(CliError::Failed(format!(
            "no container on any of the engines matches {target:?}; `docker ps -a` (containerd: `ctr containers ls`) lists the containers' names and IDs"
        )));
    }
    Ok(())
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
