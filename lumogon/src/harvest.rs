//! Gathering every capability of one container through the Engine API.
//! The I/O happens here; what the bytes mean is decided by the pure modules
//! (`container_info`, `platform`, `packages`, `report`).

use bollard::models::{ChangeType, ContainerInspectResponse, SystemVersion};

use crate::capability::{self, Capability};
use crate::container_info;
use crate::docker::Engine;
use crate::packages::{self, Packages};
use crate::platform::{self, ReleaseFiles};
use crate::report::{self, ContainerReport, Outcome, Payload};
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
            Some(Outcome::Found(container_info::payload(&inspected))),
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
        .filter_map(|(k, v)| Some((k.to_owned(), v?.into())))
        .collect()
}

fn labels(c: &ContainerInspectResponse) -> Payload {
    let labels = c
        .config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default();
    report::strings(labels)
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
    let files = match release_files(engine, id).await {
        Ok(files) => files,
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

/// The files the platform rules look at, read one at a time (each may be as
/// large as the archive limit allows) and only as far as the rules need:
/// the first release file in the original's order, then what tells
/// derivatives and families apart. One at a time is also the faster way
/// here: asking the daemon for all of them at once measured twice as slow
/// (eight containers: 2.3 s against 1.2 s).
async fn release_files(engine: &Engine, id: &str) -> Result<ReleaseFiles, String> {
    let mut files = ReleaseFiles::default();
    for path in platform::RELEASE_FILES {
        if let Some(bytes) = engine.read_file(id, path).await? {
            files.insert(path, &bytes);
            break;
        }
    }
    for path in platform::ALSO_READ {
        if files.needs(path)
            && let Some(bytes) = engine.read_file(id, path).await?
        {
            files.insert(path, &bytes);
        }
    }
    if files.needs(platform::RASPI_CONFIG) && engine.exists(id, platform::RASPI_CONFIG).await? {
        files.set_raspi_config();
    }
    Ok(files)
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
                    (c.path, kind.into())
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
        Ok(Some(packages)) => Some(Outcome::Found(report::strings(packages))),
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
