//! The engines a scan reads containers from, behind one small interface:
//! Docker's Engine API (also Podman's, which speaks it) and containerd's
//! gRPC API. `scan` and `harvest` see only [`Engine`], [`Server`] and
//! [`Inspected`], never which engine a container came from.

pub mod choose;
pub mod containerd;
pub mod docker;
pub mod endpoint;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use choose::{Env, choose};
pub use endpoint::Endpoint;

use crate::budget::{Budget, Held};
use crate::report::Payload;
use crate::resolve::Listed;

/// A connected engine.
#[derive(Debug)]
pub enum Engine {
    Docker(docker::Engine),
    Containerd(containerd::Engine),
}

/// What every container of one engine shares.
#[derive(Debug, Clone)]
pub struct Server {
    /// The engine's product and version (`docker 20.10.24`, `podman 4.3.1`,
    /// `containerd 1.6.20`), for the report's `runtime`.
    pub product: String,
    /// The `docker` capability's payload; `None` for an engine that is not
    /// a Docker daemon, which leaves the capability out.
    pub docker: Option<Payload>,
    /// The kernel and operating system the containers run on.
    pub kernel_version: Option<String>,
    pub os: Option<String>,
}

/// One container, as its engine describes it.
#[derive(Debug)]
pub struct Inspected {
    /// With its leading `/`, as the original reported names.
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub hostname: Option<String>,
    /// The `container` capability's payload, made by the engine's own
    /// module from what that engine holds.
    pub container: Payload,
    /// The OCI runtime that runs it (`runc`, `io.containerd.runc.v2`).
    pub runtime: Option<String>,
    /// The containerd namespace it lives in.
    pub namespace: Option<String>,
    files: Files,
}

/// How a container's files are read.
#[derive(Debug)]
enum Files {
    /// Through the Engine API's archive endpoint, by container ID.
    Docker(String),
    /// From its running task's root, or why there is none.
    Containerd(Result<Arc<containerd::rootfs::Root>, String>),
}

/// What `diff` lists: a path and `Added`, `Modified` or `Deleted`.
pub type Changes = Vec<(String, &'static str)>;

impl Engine {
    /// Connects to `endpoint` and makes sure an engine of its kind answers
    /// there. `budget` is the scan's memory budget, shared by every engine.
    ///
    /// # Errors
    ///
    /// One line naming the engine, what went wrong and what to do.
    pub async fn connect(endpoint: &Endpoint, budget: Budget) -> Result<Engine, String> {
        if endpoint.is_containerd() {
            containerd::Engine::connect(endpoint, budget)
                .await
                .map(Engine::Containerd)
        } else {
            docker::Engine::connect(endpoint, budget)
                .await
                .map(Engine::Docker)
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        match self {
            Engine::Docker(e) => &e.endpoint,
            Engine::Containerd(e) => &e.endpoint,
        }
    }

    /// The command that lists this engine's containers, for messages.
    pub fn lister(&self) -> &'static str {
        match self {
            Engine::Docker(_) => "`docker ps -a`",
            Engine::Containerd(_) => "`ctr --namespace k8s.io containers ls` (or `crictl ps -a`)",
        }
    }

    /// The engine's own ID, which tells one engine reached two ways apart
    /// from two engines.
    pub async fn id(&self) -> Result<String, String> {
        match self {
            Engine::Docker(e) => e.id().await,
            Engine::Containerd(e) => e.id().await,
        }
    }

    pub async fn server(&self) -> Result<Server, String> {
        match self {
            Engine::Docker(e) => e.version().await.map(|v| docker::server(&v)),
            Engine::Containerd(e) => e.server().await,
        }
    }

    /// Containers: the running ones, or all of them.
    pub async fn list(&self, all: bool) -> Result<Vec<Listed>, String> {
        match self {
            Engine::Docker(e) => e.list(all).await,
            Engine::Containerd(e) => e.list(all).await,
        }
    }

    /// `None` when the container no longer exists.
    pub async fn inspect(&self, target: &Listed) -> Result<Option<Inspected>, String> {
        match self {
            Engine::Docker(e) => Ok(e
                .inspect(&target.id)
                .await?
                .map(|c| docker::inspected(&c, Files::Docker(target.id.clone())))),
            Engine::Containerd(e) => e.inspect(target).await,
        }
    }

    /// The container's filesystem changes.
    pub async fn changes(&self, c: &Inspected) -> Result<Changes, String> {
        match (self, &c.files) {
            (Engine::Docker(e), Files::Docker(id)) => e.changes(id).await,
            _ => Err(containerd::NO_CHANGES.to_owned()),
        }
    }

    /// A regular file's contents, at most `cap` bytes, following symlinks
    /// inside the container; `None` when there is no such file.
    pub async fn read_file(
        &self,
        c: &Inspected,
        path: &str,
        cap: u64,
    ) -> Result<Option<Held<Vec<u8>>>, String> {
        match (self, &c.files) {
            (Engine::Docker(e), Files::Docker(id)) => e.read_file(id, path, cap).await,
            (Engine::Containerd(e), Files::Containerd(root)) => {
                e.read_file(root.as_ref()?, path, cap).await
            }
            _ => Err(mismatch()),
        }
    }

    /// The regular files directly or deeply inside a directory, at most
    /// `cap` bytes of them; `None` when there is no such directory.
    pub async fn read_dir(
        &self,
        c: &Inspected,
        path: &str,
        cap: u64,
    ) -> Result<Option<Held<Vec<(String, Vec<u8>)>>>, String> {
        match (self, &c.files) {
            (Engine::Docker(e), Files::Docker(id)) => e.read_dir(id, path, cap).await,
            (Engine::Containerd(e), Files::Containerd(root)) => {
                e.read_dir(root.as_ref()?, path, cap).await
            }
            _ => Err(mismatch()),
        }
    }

    /// Whether anything exists at `path`.
    pub async fn exists(&self, c: &Inspected, path: &str) -> Result<bool, String> {
        match (self, &c.files) {
            (Engine::Docker(e), Files::Docker(id)) => e.exists(id, path).await,
            (Engine::Containerd(e), Files::Containerd(root)) => {
                e.exists(root.as_ref()?, path).await
            }
            _ => Err(mismatch()),
        }
    }
}

/// A container inspected by one engine and read through another: a bug in
/// the scan, said as such rather than panicking.
fn mismatch() -> String {
    "internal error: the container was read through another engine than its own".to_owned()
}
