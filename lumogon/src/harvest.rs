//! Gathering every capability of one container through the Engine API.
//! The I/O happens here; what the bytes mean is decided by the pure modules
//! (`os_release`, `packages`, `report`).

use bollard::models::{ChangeType, ContainerInspectResponse, SystemVersion};

use crate::capability::{self, Capability};
use crate::docker::Engine;
use crate::os_release::OsRelease;
use crate::packages::{self, Packages};
use crate::report::{ContainerReport, Outcome, Payload};
use crate::resolve::Listed;

/// What is the same for every container: the daemon.
#[derive(Debug)]
pub struct Daemon {
    pub version: Result<SystemVersion, String>,
}

/// A capability's result: `None` when it does not apply to this container
/// (no dpkg database in an Alpine image), which leaves it out of the report.
type Harvested = Option<Outcome>;

/// Scans one container. Never fails as a whole: a capability that fails says
/// so in its entry, and a container that vanished says so in its own.
pub async fn container(engine: &Engine, daemon: &Daemon, target: &Listed) -> ContainerReport {
    let listed_name = target
        .names
        .first()
        .map(|n| format!("/{n}"))
        .unwrap_or_default();
    let inspected = match engine.inspect(&target.id).await {
        Ok(Some(inspected)) => inspected,
        Ok(None) => {
            let error = "the container was removed during the scan".to_owned();
            return ContainerReport::failed(&target.id, &listed_name, error);
        }
        Err(e) => {
            return ContainerReport::failed(
                &target.id,
                &listed_name,
                format!("could not inspect it: {e}"),
            );
        }
    };
    let id = &target.id;
    let (diff, host, dpkg, apk, rpm) = futures_util::join!(
        diff(engine, id),
        host(engine, daemon, id, &inspected),
        dpkg(engine, id),
        apk(engine, id),
        rpm(engine, id),
    );
    let found = [
        (
            "container",
            Some(Outcome::Found(container_payload(&inspected))),
        ),
        ("label", Some(Outcome::Found(labels(&inspected)))),
        ("host", host),
        ("docker", Some(docker_payload(daemon))),
        ("diff", diff),
        ("dpkg", dpkg),
        ("apk", apk),
        ("rpm", rpm),
    ];
    let capabilities: Vec<(&'static Capability, Outcome)> = found
        .into_iter()
        .filter_map(|(name, outcome)| Some((capability::find(name)?, outcome?)))
        .collect();
    let name = inspected.name.clone().unwrap_or(listed_name);
    ContainerReport::new(id, &name, capabilities)
}

fn payload<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> Payload {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect()
}

fn container_payload(c: &ContainerInspectResponse) -> Payload {
    let config = c.config.as_ref();
    let command = c
        .path
        .iter()
        .chain(c.args.iter().flatten())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    payload([
        ("ID", c.id.clone()),
        ("Name", c.name.clone()),
        ("Image", config.and_then(|c| c.image.clone())),
        ("ImageID", c.image.clone()),
        ("Created", c.created.clone()),
        (
            "State",
            c.state
                .as_ref()
                .and_then(|s| s.status)
                .map(|s| s.to_string()),
        ),
        ("Command", Some(command).filter(|c| !c.is_empty())),
        ("Hostname", config.and_then(|c| c.hostname.clone())),
    ])
}

fn labels(c: &ContainerInspectResponse) -> Payload {
    let labels = c
        .config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default();
    labels.into_iter().collect()
}

fn docker_payload(daemon: &Daemon) -> Outcome {
    match &daemon.version {
        Ok(v) => Outcome::Found(payload([
            ("Version", v.version.clone()),
            ("APIVersion", v.api_version.clone()),
            ("MinAPIVersion", v.min_api_version.clone()),
            ("Os", v.os.clone()),
            ("Arch", v.arch.clone()),
            ("KernelVersion", v.kernel_version.clone()),
        ])),
        Err(e) => Outcome::Failed(e.clone()),
    }
}

async fn host(
    engine: &Engine,
    daemon: &Daemon,
    id: &str,
    c: &ContainerInspectResponse,
) -> Harvested {
    let os_release = match engine.read_file(id, "/etc/os-release").await {
        Ok(None) => engine.read_file(id, "/usr/lib/os-release").await,
        found => found,
    };
    let os_release = match os_release {
        Ok(found) => found.map(|bytes| OsRelease::parse(&String::from_utf8_lossy(&bytes))),
        Err(e) => return Some(Outcome::Failed(e)),
    };
    let version = daemon.version.as_ref().ok();
    let mut found = payload([
        (
            "hostname",
            c.config.as_ref().and_then(|c| c.hostname.clone()),
        ),
        (
            "kernelversion",
            version.and_then(|v| v.kernel_version.clone()),
        ),
        ("os", version.and_then(|v| v.os.clone())),
    ]);
    // A scratch image has no os-release: the platform is then unknown, not
    // an error.
    if let Some(os) = os_release {
        found.insert("platform".to_owned(), os.platform().to_owned());
        found.insert("platformfamily".to_owned(), os.family().to_owned());
        if let Some(v) = os.version() {
            found.insert("platformversion".to_owned(), v.to_owned());
        }
    }
    Some(Outcome::Found(found))
}

async fn diff(engine: &Engine, id: &str) -> Harvested {
    let outcome = match engine.changes(id).await {
        Ok(changes) => Outcome::Found(
            changes
                .into_iter()
                .map(|c| {
                    let kind = match c.kind {
                        ChangeType::_0 => "Modified",
                        ChangeType::_1 => "Added",
                        ChangeType::_2 => "Deleted",
                    };
                    (c.path, kind.to_owned())
                })
                .collect(),
        ),
        Err(e) => Outcome::Failed(format!("could not list the filesystem changes: {e}")),
    };
    Some(outcome)
}

fn packages_outcome(result: Result<Option<Packages>, String>) -> Harvested {
    match result {
        Ok(None) => None,
        Ok(Some(packages)) => Some(Outcome::Found(packages)),
        Err(e) => Some(Outcome::Failed(e)),
    }
}

async fn dpkg(engine: &Engine, id: &str) -> Harvested {
    let read = async {
        let status = engine.read_file(id, "/var/lib/dpkg/status").await?;
        let status_d = engine.read_dir(id, "/var/lib/dpkg/status.d").await?;
        if status.is_none() && status_d.is_none() {
            return Ok(None);
        }
        let mut found = Packages::new();
        if let Some(bytes) = status {
            packages::dpkg::parse(&String::from_utf8_lossy(&bytes), &mut found, false)?;
        }
        for (name, bytes) in status_d.unwrap_or_default() {
            // status.d also holds *.md5sums files next to the stanzas.
            if name.ends_with(".md5sums") {
                continue;
            }
            packages::dpkg::parse(&String::from_utf8_lossy(&bytes), &mut found, true)
                .map_err(|e| format!("status.d/{name}: {e}"))?;
        }
        Ok(Some(found))
    };
    packages_outcome(read.await)
}

async fn apk(engine: &Engine, id: &str) -> Harvested {
    let read = async {
        let Some(bytes) = engine.read_file(id, "/lib/apk/db/installed").await? else {
            return Ok(None);
        };
        packages::apk::parse(&String::from_utf8_lossy(&bytes)).map(Some)
    };
    packages_outcome(read.await)
}

async fn rpm(engine: &Engine, id: &str) -> Harvested {
    let read = async {
        if let Some(db) = engine.read_file(id, "/var/lib/rpm/rpmdb.sqlite").await? {
            return packages::rpm::packages_from_sqlite(&db).map(Some);
        }
        // Older rpm databases: name them rather than pretend there is none.
        for file in ["Packages", "Packages.db"] {
            if engine.exists(id, &format!("/var/lib/rpm/{file}")).await? {
                let fallback = format!("unsupported rpm database /var/lib/rpm/{file}");
                return Err(packages::rpm::unsupported_database_message(file).unwrap_or(fallback));
            }
        }
        Ok(None)
    };
    packages_outcome(read.await)
}
