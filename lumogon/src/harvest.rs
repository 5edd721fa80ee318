//! Gathering every capability of one container through its engine,
//! whichever it is. The I/O happens here; what the bytes mean is decided by
//! the pure modules (`platform`, `packages`, `report`).

use std::future::Future;

use crate::budget::Held;
use crate::capability::{self, Capability};
use crate::engines::{Engine, Inspected, Server};
use crate::packages::{self, Packages};
use crate::platform::{self, ReleaseFiles};
use crate::report::{self, ContainerReport, Outcome, Payload};
use crate::resolve::Listed;
use crate::stop::{Deadline, Stop};

/// The most lumogon reads of one small text file (a release file).
const TEXT_FILE_BYTES: u64 = 64 * 1024;
/// ... of a package list (a dpkg status file or directory, apk's
/// installed): a few MiB on the largest systems.
const PACKAGE_LIST_BYTES: u64 = 16 * 1024 * 1024;
/// ... of rpm's SQLite database, which holds every package's header.
const RPM_DATABASE_BYTES: u64 = 64 * 1024 * 1024;

/// What is the same for every container: the engine.
#[derive(Debug)]
pub struct Daemon {
    pub server: Result<Server, String>,
}

/// What a scan gathers, and by when.
#[derive(Debug)]
pub struct Plan {
    pub deadline: Deadline,
    /// The capabilities asked for, in report order.
    pub capabilities: Vec<&'static Capability>,
}

impl Plan {
    fn wants(&self, name: &str) -> bool {
        self.capabilities.iter().any(|c| c.name == name)
    }
}

/// A capability's result: `None` when it does not apply to this container
/// (no dpkg database in an Alpine image), which leaves it out of the report.
type Harvested = Option<Outcome>;

/// Scans one container. Never fails as a whole: a capability that fails says
/// so in its entry, and a container that vanished says so in its own.
pub async fn container(
    engine: &Engine,
    daemon: &Daemon,
    target: &Listed,
    plan: &Plan,
) -> ContainerReport {
    let listed_name = target
        .names
        .first()
        .map(|n| format!("/{n}"))
        .unwrap_or_default();
    let inspected = match until(plan.deadline, engine.inspect(target)).await {
        Some(Ok(Some(inspected))) => inspected,
        Some(Ok(None)) => {
            let error = "the container was removed during the scan".to_owned();
            return ContainerReport::failed(&target.id, &listed_name, error);
        }
        Some(Err(e)) => {
            return ContainerReport::failed(
                &target.id,
                &listed_name,
                format!("could not inspect it: {e}"),
            );
        }
        None => {
            let error = plan.deadline.missed("inspecting the container");
            return ContainerReport::failed(&target.id, &listed_name, error);
        }
    };
    let c = &inspected;
    // Each capability on its own deadline: one that is cut short fails
    // alone, and the others keep what they found.
    let (diff, host, dpkg, apk, rpm) = futures_util::join!(
        bounded(plan, "diff", diff(engine, c)),
        bounded(plan, "host", host(engine, daemon, c)),
        bounded(plan, "dpkg", dpkg(engine, c, plan.deadline)),
        bounded(plan, "apk", apk(engine, c, plan.deadline)),
        bounded(plan, "rpm", rpm(engine, c, plan.deadline)),
    );
    let found = [
        ("container", Some(Outcome::Found(c.container.clone()))),
        (
            "label",
            Some(Outcome::Found(report::strings(c.labels.clone()))),
        ),
        ("host", host),
        ("docker", docker_payload(daemon)),
        ("diff", diff),
        ("dpkg", dpkg),
        ("apk", apk),
        ("rpm", rpm),
    ];
    let capabilities: Vec<(&'static Capability, Outcome)> = found
        .into_iter()
        .filter(|(name, _)| plan.wants(name))
        .filter_map(|(name, outcome)| Some((capability::find(name)?, outcome?)))
        .collect();
    let name = if c.name.is_empty() {
        listed_name
    } else {
        c.name.clone()
    };
    let product = daemon.server.as_ref().ok().map(|s| s.product.as_str());
    ContainerReport::new(&target.id, &name, capabilities)
        .origin(product, c.runtime.as_deref(), c.namespace.as_deref())
        .kubernetes(&c.labels)
}

/// `work` until the deadline; `None` when the deadline came first (and
/// `work` was dropped, which cancels it).
pub async fn until<T>(deadline: Deadline, work: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout_at(deadline.at.into(), work).await.ok()
}

/// A capability's work, if the plan asks for it, cut short at the deadline
/// (dropping it cancels its requests and stops its blocking work).
async fn bounded(
    plan: &Plan,
    name: &'static str,
    work: impl Future<Output = Harvested>,
) -> Harvested {
    if !plan.wants(name) {
        return None;
    }
    until(plan.deadline, work)
        .await
        .unwrap_or_else(|| Some(Outcome::Failed(plan.deadline.missed(name))))
}

/// Runs `parse` on a thread of tokio's blocking pool, off the one thread
/// that drives every container's requests. `parse` is told to stop when
/// the deadline passes or when this future is dropped.
async fn off_executor<T: Send + 'static>(
    deadline: Deadline,
    parse: impl FnOnce(&Stop) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (stop, _cancel_on_drop) = Stop::new(deadline);
    tokio::task::spawn_blocking(move || parse(&stop))
        .await
        .unwrap_or_else(|e| Err(format!("reading it failed: {e}")))
}

fn payload<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> Payload {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.into())))
        .collect()
}

/// The `docker` capability: a Docker (or Podman) engine's own description;
/// left out for an engine that is not one.
fn docker_payload(daemon: &Daemon) -> Harvested {
    match &daemon.server {
        Ok(server) => server.docker.clone().map(Outcome::Found),
        Err(e) => Some(Outcome::Failed(e.clone())),
    }
}

async fn host(engine: &Engine, daemon: &Daemon, c: &Inspected) -> Harvested {
    let files = match release_files(engine, c).await {
        Ok(files) => files,
        Err(e) => return Some(Outcome::Failed(e)),
    };
    let server = daemon.server.as_ref().ok();
    let mut found = payload([
        ("hostname", c.hostname.clone()),
        (
            "kernelversion",
            server.and_then(|s| s.kernel_version.clone()),
        ),
        ("os", server.and_then(|s| s.os.clone())),
    ]);
    // A scratch image has no release files: the platform is then unknown
    // (left out, as the original dropped empty values), not an error.
    let decided = platform::decide(&files);
    for (key, value) in [
        ("platform", decided.platform),
        ("platformfamily", decided.family),
        ("platformversion", decided.version),
    ] {
        if !value.is_empty() {
            found.insert(key.to_owned(), value.into());
        }
    }
    Some(Outcome::Found(found))
}

/// The files the platform rules look at, read one at a time and only as far
/// as the rules need: the first release file in the original's order, then
/// what tells derivatives and families apart. One at a time is also the
/// faster way here: asking the daemon for all of them at once measured
/// twice as slow (eight containers: 2.3 s against 1.2 s).
async fn release_files(engine: &Engine, c: &Inspected) -> Result<ReleaseFiles, String> {
    let mut files = ReleaseFiles::default();
    for path in platform::RELEASE_FILES {
        match engine.read_file(c, path, TEXT_FILE_BYTES).await? {
            Some(held) => {
                files.insert(path, &held.value);
                break;
            }
            None => files.absent(path),
        }
    }
    for path in platform::ALSO_READ {
        if files.needs(path) {
            match engine.read_file(c, path, TEXT_FILE_BYTES).await? {
                Some(held) => files.insert(path, &held.value),
                None => files.absent(path),
            }
        }
    }
    if files.needs(platform::RASPI_CONFIG) && engine.exists(c, platform::RASPI_CONFIG).await? {
        files.set_raspi_config();
    }
    Ok(files)
}

async fn diff(engine: &Engine, c: &Inspected) -> Harvested {
    let outcome = match engine.changes(c).await {
        Ok(changes) => Outcome::Found(
            changes
                .into_iter()
                .map(|(path, kind)| (path, kind.into()))
                .collect(),
        ),
        Err(e) => Outcome::Failed(format!("could not list the filesystem changes: {e}")),
    };
    Some(outcome)
}

fn packages_outcome(result: Result<Option<Packages>, String>) -> Harvested {
    match result {
        Ok(None) => None,
        Ok(Some(packages)) => Some(Outcome::Found(report::strings(packages))),
        Err(e) => Some(Outcome::Failed(e)),
    }
}

async fn dpkg(engine: &Engine, c: &Inspected, deadline: Deadline) -> Harvested {
    let read = async {
        // One file at a time, each parsed before the next is read: a read
        // never waits for memory while it holds some.
        let mut found: Option<Packages> = None;
        if let Some(status) = engine
            .read_file(c, "/var/lib/dpkg/status", PACKAGE_LIST_BYTES)
            .await?
        {
            found = Some(
                off_executor(deadline, move |_| {
                    let mut found = Packages::new();
                    packages::dpkg::parse(
                        &String::from_utf8_lossy(&status.value),
                        &mut found,
                        false,
                    )
                    .map(|()| found)
                })
                .await?,
            );
        }
        if let Some(status_d) = engine
            .read_dir(c, "/var/lib/dpkg/status.d", PACKAGE_LIST_BYTES)
            .await?
        {
            let mut more = found.take().unwrap_or_default();
            found = Some(
                off_executor(deadline, move |_| {
                    parse_status_d(&status_d, &mut more).map(|()| more)
                })
                .await?,
            );
        }
        Ok(found)
    };
    packages_outcome(read.await)
}

/// Distroless images keep one dpkg stanza a file in `status.d`.
fn parse_status_d(
    status_d: &Held<Vec<(String, Vec<u8>)>>,
    found: &mut Packages,
) -> Result<(), String> {
    for (name, bytes) in &status_d.value {
        // status.d also holds *.md5sums files next to the stanzas.
        if name.ends_with(".md5sums") {
            continue;
        }
        packages::dpkg::parse(&String::from_utf8_lossy(bytes), found, true)
            .map_err(|e| format!("status.d/{name}: {e}"))?;
    }
    Ok(())
}

async fn apk(engine: &Engine, c: &Inspected, deadline: Deadline) -> Harvested {
    let read = async {
        let Some(installed) = engine
            .read_file(c, "/lib/apk/db/installed", PACKAGE_LIST_BYTES)
            .await?
        else {
            return Ok(None);
        };
        off_executor(deadline, move |_| {
            packages::apk::parse(&String::from_utf8_lossy(&installed.value))
        })
        .await
        .map(Some)
    };
    packages_outcome(read.await)
}

async fn rpm(engine: &Engine, c: &Inspected, deadline: Deadline) -> Harvested {
    let read = async {
        if let Some(db) = engine
            .read_file(c, "/var/lib/rpm/rpmdb.sqlite", RPM_DATABASE_BYTES)
            .await?
        {
            return off_executor(deadline, move |stop| {
                // The bytes go to SQLite; the reservation stays until the
                // database is read and closed.
                let (value, _reservation) = db.into_parts();
                packages::rpm::packages_from_sqlite(value, stop)
            })
            .await
            .map(Some);
        }
        // Older rpm databases: name them rather than pretend there is none.
        for file in ["Packages", "Packages.db"] {
            if engine.exists(c, &format!("/var/lib/rpm/{file}")).await? {
                let fallback = format!("unsupported rpm database /var/lib/rpm/{file}");
                return Err(packages::rpm::unsupported_database_message(file).unwrap_or(fallback));
            }
        }
        Ok(None)
    };
    packages_outcome(read.await)
}
