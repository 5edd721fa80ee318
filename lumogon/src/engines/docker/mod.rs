//! The Docker Engine API, reached through `DOCKER_HOST` (default
//! `unix:///var/run/docker.sock`), a context, `tcp://` with TLS or
//! `ssh://`; Podman's service speaks it too. Everything lumogon learns
//! about such a container comes through here: no `docker` CLI, nothing run
//! inside it.

pub mod container_info;
pub mod contexts;
mod ssh;

use std::time::Duration;

use bollard::errors::Error;
use bollard::models::{ChangeType, ContainerInspectResponse, SystemVersion};
use bollard::query_parameters::{
    ContainerArchiveInfoOptionsBuilder, DownloadFromContainerOptionsBuilder,
    ListContainersOptionsBuilder,
};
use bollard::{API_DEFAULT_VERSION, Docker};
use futures_util::StreamExt;

use super::endpoint::{Endpoint, Kind};
use super::{Changes, Files, Inspected, Server};
use crate::archive::{self, Chunks, Entry};
use crate::budget::{Budget, Held};
use crate::error::root_cause;
use crate::report::Payload;
use crate::resolve::Listed;

/// A stuck daemon fails a request after this long rather than hanging.
/// It bounds only the wait for an answer's headers: a scan's `--timeout`
/// bounds everything else.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Symlinks followed from one path before giving up. The daemon resolves a
/// whole chain in one step, so more than one round means the container is
/// changing its links while lumogon reads them.
const MAX_SYMLINKS: usize = 8;

/// `docker diff` entries a report holds at most: far more than any image
/// that is not trying to exhaust the scan.
pub const MAX_CHANGES: usize = 100_000;

/// A connected daemon.
#[derive(Debug)]
pub struct Engine {
    docker: Docker,
    budget: Budget,
    pub endpoint: Endpoint,
}

impl Engine {
    /// Connects to `endpoint`, and settles on an API version the daemon
    /// speaks. `budget` is the scan's memory budget, shared by every engine
    /// of the scan.
    ///
    /// # Errors
    ///
    /// One line naming the engine, what went wrong and what to do.
    pub async fn connect(endpoint: &Endpoint, budget: Budget) -> Result<Engine, String> {
        let unreachable = |e: Error| {
            let hint = match endpoint.kind {
                Kind::Containerd { .. } => "containerd is scanned with --host containerd://…",
                Kind::Unix(_) => "start Docker, or set DOCKER_HOST to where it listens",
                Kind::Tcp { tls: None, .. } => {
                    "check the address; for an engine that wants TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
                }
                Kind::Tcp { tls: Some(_), .. } => {
                    "check the address, and that the engine trusts the certificates in DOCKER_CERT_PATH"
                }
                Kind::Ssh { .. } => {
                    "check that `ssh` to that host works without a password and that docker runs there"
                }
            };
            format!(
                "cannot reach the Docker daemon at {endpoint}: {}; {hint}",
                root_cause(&e)
            )
        };
        let docker = transport(endpoint)
            .map_err(|e| format!("cannot reach the Docker daemon at {endpoint}: {e}"))?
            .map_err(unreachable)?;
        let docker = docker.negotiate_version().await.map_err(unreachable)?;
        Ok(Engine {
            docker,
            budget,
            endpoint: endpoint.clone(),
        })
    }

    /// The daemon's own ID, which tells one engine reached two ways apart
    /// from two engines.
    pub async fn id(&self) -> Result<String, String> {
        let info = self.docker.info().await.map_err(|e| {
            format!(
                "could not ask {} who it is: {}",
                self.endpoint,
                root_cause(&e)
            )
        })?;
        Ok(info.id.unwrap_or_default())
    }

    /// Containers: the running ones, or all of them.
    pub async fn list(&self, all: bool) -> Result<Vec<Listed>, String> {
        let options = ListContainersOptionsBuilder::new().all(all).build();
        let containers = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| format!("could not list containers: {}", root_cause(&e)))?;
        Ok(containers
            .into_iter()
            .filter_map(|c| {
                let names = c.names.unwrap_or_default();
                let names = names
                    .iter()
                    .map(|n| n.trim_start_matches('/').to_owned())
                    .collect();
                Some(Listed {
                    id: c.id?,
                    names,
                    namespace: None,
                })
            })
            .collect())
    }

    /// `None` when the container no longer exists.
    pub async fn inspect(&self, id: &str) -> Result<Option<ContainerInspectResponse>, String> {
        match self.docker.inspect_container(id, None).await {
            Ok(inspected) => Ok(Some(inspected)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(root_cause(&e)),
        }
    }

    /// The container's filesystem changes, at most [`MAX_CHANGES`].
    pub async fn changes(&self, id: &str) -> Result<Changes, String> {
        let changes = self
            .docker
            .container_changes(id)
            .await
            .map(Option::unwrap_or_default)
            .map_err(|e| root_cause(&e))?;
        if changes.len() > MAX_CHANGES {
            return Err(format!(
                "the container has {} filesystem changes, more than lumogon reports ({MAX_CHANGES})",
                changes.len()
            ));
        }
        Ok(changes
            .into_iter()
            .map(|c| {
                let kind = match c.kind {
                    ChangeType::_0 => "Modified",
                    ChangeType::_1 => "Added",
                    ChangeType::_2 => "Deleted",
                };
                (c.path, kind)
            })
            .collect())
    }

    pub async fn version(&self) -> Result<SystemVersion, String> {
        self.docker
            .version()
            .await
            .map_err(|e| format!("could not ask the daemon its version: {}", root_cause(&e)))
    }

    /// What is at `path` in the container (`None`: nothing), without
    /// following a final symlink, reading at most `cap` bytes of files.
    async fn read_path(
        &self,
        id: &str,
        path: &str,
        cap: u64,
    ) -> Result<Option<Held<Entry>>, String> {
        let options = DownloadFromContainerOptionsBuilder::new()
            .path(path)
            .build();
        let mut stream = self.docker.download_from_container(id, Some(options));
        // The archive of one file is the file plus headers and padding.
        let limit = cap + 64 * 1024;
        let mut chunks = Vec::new();
        let mut received = 0u64;
        // Reserved once the archive's first header says how much is coming,
        // not before: a stream that stalls holds no more of the budget than
        // what it announced, and one that stalls before announcing holds
        // none, so a stalled container cannot starve the others.
        let mut reservation = None;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => {
                    received += bytes.len() as u64;
                    if received > limit {
                        return Err(format!("{path} is larger than lumogon reads ({cap} bytes)"));
                    }
                    chunks.push(bytes);
                }
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) if is_symlink_loop(&e) => return Err(symlink_loop(path)),
                Err(e) => return Err(format!("could not read {path}: {}", root_cause(&e))),
            }
            if reservation.is_none()
                && let Some(announced) = archive::announced(Chunks::new(&chunks), cap)
            {
                reservation = Some(self.budget.reserve(announced).await);
            }
        }
        let reservation = match reservation {
            Some(reservation) => reservation,
            // Shorter than one header: archive::read names the problem.
            None => self.budget.reserve(received).await,
        };
        let entry = archive::read(Chunks::new(&chunks), cap).map_err(|e| format!("{path}: {e}"))?;
        Ok(Some(Held {
            value: entry,
            reservation,
        }))
    }

    /// Where the symlink at `path` finally leads, resolved by the daemon
    /// inside the container's root, through symlinked parents too.
    async fn resolve_symlink(&self, id: &str, path: &str) -> Result<String, String> {
        let options = ContainerArchiveInfoOptionsBuilder::new().path(path).build();
        match self
            .docker
            .get_container_archive_info(id, Some(options))
            .await
        {
            // Empty: no longer a symlink (the container changed it); read
            // the path again.
            Ok(stat) if stat.link_target.is_empty() => Ok(path.to_owned()),
            Ok(stat) => Ok(archive::resolve_symlink("/", &stat.link_target)),
            // The daemon answers a loop with a bare 500 to this request.
            Err(Error::DockerResponseServerError {
                status_code: 500, ..
            }) => Err(symlink_loop(path)),
            Err(e) => Err(format!(
                "could not follow the symlink {path}: {}",
                root_cause(&e)
            )),
        }
    }

    /// Whether anything exists at `path`, reading no more than the first
    /// chunk of it.
    pub async fn exists(&self, id: &str, path: &str) -> Result<bool, String> {
        let options = DownloadFromContainerOptionsBuilder::new()
            .path(path)
            .build();
        let mut stream = self.docker.download_from_container(id, Some(options));
        match stream.next().await {
            None | Some(Ok(_)) => Ok(true),
            Some(Err(e)) if is_not_found(&e) => Ok(false),
            Some(Err(e)) if is_symlink_loop(&e) => Err(symlink_loop(path)),
            Some(Err(e)) => Err(format!("could not look at {path}: {}", root_cause(&e))),
        }
    }

    /// A regular file's contents, at most `cap` bytes, following symlinks
    /// inside the container; `None` when there is no such file.
    pub async fn read_file(
        &self,
        id: &str,
        path: &str,
        cap: u64,
    ) -> Result<Option<Held<Vec<u8>>>, String> {
        let mut at = path.to_owned();
        for _ in 0..=MAX_SYMLINKS {
            let Some(held) = self.read_path(id, &at, cap).await? else {
                return Ok(None);
            };
            match held.value {
                Entry::File(bytes) => {
                    return Ok(Some(Held {
                        value: bytes,
                        reservation: held.reservation,
                    }));
                }
                Entry::Symlink(_) => at = self.resolve_symlink(id, &at).await?,
                Entry::Directory(_) => {
                    return Err(format!("{at} is a directory, not a file"));
                }
            }
        }
        Err(symlink_loop(path))
    }

    /// The regular files directly or deeply inside a directory, at most
    /// `cap` bytes of them; `None` when there is no such directory.
    pub async fn read_dir(
        &self,
        id: &str,
        path: &str,
        cap: u64,
    ) -> Result<Option<Held<Vec<(String, Vec<u8>)>>>, String> {
        let Some(held) = self.read_path(id, path, cap).await? else {
            return Ok(None);
        };
        match held.value {
            Entry::Directory(files) => Ok(Some(Held {
                value: files,
                reservation: held.reservation,
            })),
            _ => Err(format!("{path} is not a directory")),
        }
    }
}

/// A client for `endpoint`. The outer error is what is missing on this side
/// (a TLS file, the `ssh` program), which bollard would only report
/// vaguely; the inner one is bollard's.
fn transport(endpoint: &Endpoint) -> Result<Result<Docker, Error>, String> {
    let timeout = REQUEST_TIMEOUT.as_secs();
    let version = API_DEFAULT_VERSION;
    match &endpoint.kind {
        Kind::Unix(path) => Ok(Docker::connect_with_unix(
            &format!("unix://{}", path.display()),
            timeout,
            version,
        )),
        Kind::Tcp { address, tls: None } => Ok(Docker::connect_with_http(
            &format!("tcp://{address}"),
            timeout,
            version,
        )),
        Kind::Tcp {
            address,
            tls: Some(tls),
        } => {
            for (path, what) in tls.files() {
                if !path.is_file() {
                    return Err(format!(
                        "{what} {} is missing; TLS needs ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH (default ~/.docker) or in the context",
                        path.display()
                    ));
                }
            }
            Ok(Docker::connect_with_ssl(
                &format!("tcp://{address}"),
                &tls.key,
                &tls.cert,
                &tls.ca,
                timeout,
                version,
            ))
        }
        // `Engine::connect` sends containerd elsewhere; said plainly if a
        // caller ever does not.
        Kind::Containerd { .. } => Err(format!("{endpoint} is containerd, not a Docker engine")),
        Kind::Ssh { destination } => {
            if !on_path("ssh") {
                return Err(
                    "the ssh program is not on PATH; install OpenSSH's client (Debian: openssh-client)"
                        .to_owned(),
                );
            }
            Ok(ssh::connect(destination, timeout, version))
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn symlink_loop(path: &str) -> String {
    format!("{path}: too many levels of symbolic links")
}

/// The daemon's word for a symlink loop on the way to a path; its message
/// names the daemon's own directories, so lumogon words its own.
fn is_symlink_loop(e: &Error) -> bool {
    matches!(e, Error::DockerResponseServerError { status_code: 500, message }
        if message.contains("too many links"))
}

fn is_not_found(e: &Error) -> bool {
    matches!(
        e,
        Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// The daemon's anonymous `ID` from `GET /info`, or `None` when there is no
/// daemon to ask, or when the engine is not on this machine: asking a
/// remote one (over SSH, say) on every run would cost far more than
/// analytics may, and its ID does not describe this machine.
///
/// Blocking: it runs on the analytics worker's own thread, which gives it at
/// most 200 ms, so it never delays a command. One request where it can be:
/// `/info` at bollard's API version, and only a daemon too old for that is
/// asked its version first (negotiating first would double the wait on a
/// slow daemon, and the answer would come too late to be used).
pub fn daemon_id() -> Option<String> {
    let endpoint = super::choose::docker_default(&super::Env::read()).ok()?;
    if !endpoint.is_local() {
        return None;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let docker = transport(&endpoint).ok()?.ok()?;
        match docker.info().await {
            Ok(info) => info.id,
            Err(_) => docker.negotiate_version().await.ok()?.info().await.ok()?.id,
        }
    })
}

/// A container as [`super::Inspected`] describes it, from its inspect
/// response.
pub(super) fn inspected(c: &ContainerInspectResponse, files: Files) -> Inspected {
    let config = c.config.as_ref();
    Inspected {
        name: c.name.clone().unwrap_or_default(),
        labels: config
            .and_then(|c| c.labels.clone())
            .unwrap_or_default()
            .into_iter()
            .collect(),
        hostname: config.and_then(|c| c.hostname.clone()),
        container: container_info::payload(c),
        runtime: c
            .host_config
            .as_ref()
            .and_then(|h| h.runtime.clone())
            .filter(|r| !r.is_empty()),
        namespace: None,
        files,
    }
}

/// What the daemon's `/version` says, as the scan uses it. Podman's
/// service answers as a Docker engine would, and names itself among the
/// components.
pub(super) fn server(v: &SystemVersion) -> Server {
    let podman = v
        .components
        .iter()
        .flatten()
        .any(|c| c.name.starts_with("Podman"));
    let product = if podman { "podman" } else { "docker" };
    let docker: Payload = [
        ("Version", v.version.clone()),
        ("APIVersion", v.api_version.clone()),
        ("MinAPIVersion", v.min_api_version.clone()),
        ("Os", v.os.clone()),
        ("Arch", v.arch.clone()),
        ("KernelVersion", v.kernel_version.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_owned(), v?)))
    .map(|(k, v)| (k, serde_json::Value::String(v)))
    .collect();
    Server {
        product: format!(
            "{product} {}",
            v.version.as_deref().unwrap_or("(unknown version)")
        ),
        docker: Some(docker),
        kernel_version: v.kernel_version.clone(),
        os: v.os.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_names_itself_among_the_components() {
        let version = |components: serde_json::Value| -> SystemVersion {
            serde_json::from_value(serde_json::json!({
                "Version": "4.3.1", "ApiVersion": "1.41", "Os": "linux",
                "Components": components
            }))
            .unwrap_or_default()
        };
        let podman = server(&version(
            serde_json::json!([{"Name": "Podman Engine", "Version": "4.3.1"}]),
        ));
        assert_eq!(podman.product, "podman 4.3.1");
        let docker = server(&version(
            serde_json::json!([{"Name": "Engine", "Version": "4.3.1"}]),
        ));
        assert_eq!(docker.product, "docker 4.3.1");
        let payload = docker.docker.unwrap_or_default();
        assert_eq!(payload["APIVersion"], "1.41");
        assert!(!payload.contains_key("Arch"), "absent values are left out");
    }
}
