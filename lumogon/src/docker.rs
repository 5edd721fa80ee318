//! The Docker Engine API, reached through `DOCKER_HOST` (default
//! `unix:///var/run/docker.sock`). Everything lumogon learns about a
//! container comes through here: no `docker` CLI, nothing run inside it.

use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error;
use bollard::models::{ContainerInspectResponse, FilesystemChange, SystemVersion};
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, ListContainersOptionsBuilder,
};
use futures_util::StreamExt;

use crate::archive::{self, Entry, MAX_FILE_BYTES};
use crate::error::root_cause;
use crate::resolve::Listed;

/// A stuck daemon fails a request after this long rather than hanging.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Symlinks followed from one path before giving up (a loop).
const MAX_SYMLINKS: usize = 8;

/// A connected daemon.
#[derive(Debug)]
pub struct Engine {
    docker: Docker,
}

/// Where the daemon is said to be, for error messages.
pub fn host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned())
}

impl Engine {
    /// Connects, and settles on an API version the daemon speaks.
    ///
    /// # Errors
    ///
    /// One line naming `DOCKER_HOST` and what to do.
    pub async fn connect() -> Result<Engine, String> {
        let unreachable = |e: Error| {
            format!(
                "cannot reach the Docker daemon at {}: {}; start Docker, or set DOCKER_HOST to where it listens",
                host(),
                root_cause(&e)
            )
        };
        let docker = Docker::connect_with_defaults()
            .map_err(unreachable)?
            .with_timeout(REQUEST_TIMEOUT);
        let docker = docker.negotiate_version().await.map_err(unreachable)?;
        Ok(Engine { docker })
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
                Some(Listed { id: c.id?, names })
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

    pub async fn changes(&self, id: &str) -> Result<Vec<FilesystemChange>, String> {
        self.docker
            .container_changes(id)
            .await
            .map(Option::unwrap_or_default)
            .map_err(|e| root_cause(&e))
    }

    pub async fn version(&self) -> Result<SystemVersion, String> {
        self.docker
            .version()
            .await
            .map_err(|e| format!("could not ask the daemon its version: {}", root_cause(&e)))
    }

    /// What is at `path` in the container (`None`: nothing), without
    /// following a final symlink.
    pub async fn read_path(&self, id: &str, path: &str) -> Result<Option<Entry>, String> {
        let options = DownloadFromContainerOptionsBuilder::new()
            .path(path)
            .build();
        let mut stream = self.docker.download_from_container(id, Some(options));
        // The tar stream of one file is the file plus headers and padding.
        let limit = MAX_FILE_BYTES + 1024 * 1024;
        let mut tar = Vec::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => {
                    tar.extend_from_slice(&bytes);
                    if tar.len() as u64 > limit {
                        return Err(format!(
                            "{path} is larger than lumogon reads ({MAX_FILE_BYTES} bytes)"
                        ));
                    }
                }
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) => return Err(format!("could not read {path}: {}", root_cause(&e))),
            }
        }
        archive::read(&tar)
            .map(Some)
            .map_err(|e| format!("{path}: {e}"))
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
            Some(Err(e)) => Err(format!("could not look at {path}: {}", root_cause(&e))),
        }
    }

    /// A regular file's contents, following symlinks inside the container;
    /// `None` when there is no such file.
    pub async fn read_file(&self, id: &str, path: &str) -> Result<Option<Vec<u8>>, String> {
        let mut path = path.to_owned();
        for _ in 0..=MAX_SYMLINKS {
            match self.read_path(id, &path).await? {
                None => return Ok(None),
                Some(Entry::File(bytes)) => return Ok(Some(bytes)),
                Some(Entry::Symlink(target)) => path = archive::resolve_symlink(&path, &target),
                Some(Entry::Directory(_)) => {
                    return Err(format!("{path} is a directory, not a file"));
                }
            }
        }
        Err(format!("{path}: too many levels of symbolic links"))
    }

    /// The regular files directly or deeply inside a directory; `None` when
    /// there is no such directory.
    pub async fn read_dir(
        &self,
        id: &str,
        path: &str,
    ) -> Result<Option<Vec<(String, Vec<u8>)>>, String> {
        match self.read_path(id, path).await? {
            None => Ok(None),
            Some(Entry::Directory(files)) => Ok(Some(files)),
            Some(_) => Err(format!("{path} is not a directory")),
        }
    }
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
/// daemon to ask.
///
/// Blocking: it runs on the analytics worker's own thread, which gives it at
/// most 200 ms, so it never delays a command.
pub fn daemon_id() -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async { Engine::connect().await.ok()?.docker.info().await.ok()?.id })
}
