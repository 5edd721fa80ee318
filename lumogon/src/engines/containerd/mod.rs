//! containerd through its own gRPC API, on this machine: the containers and
//! their OCI specs from containerd, their files from their running tasks'
//! roots (`rootfs`). This is how a Kubernetes node's containers are read,
//! with no Docker daemon there.

mod api;
mod grpc;
pub mod rootfs;
mod spec;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::endpoint::{Endpoint, Kind};
use super::{Files, Inspected, Server};
use crate::budget::{Budget, Held};
use crate::resolve::Listed;
use crate::stop::{Deadline, Stop};
use api::{Container, Process};
use grpc::Channel;

/// The namespace the kubelet's containers live in (containerd's CRI
/// plugin), scanned by default when it exists.
pub const KUBERNETES_NAMESPACE: &str = "k8s.io";

/// `diff`'s error for a containerd container: containerd has no list of a
/// container's changes, and making one (its diff service) writes a layer
/// into its content store, which a read-only scan must not do.
pub const NO_CHANGES: &str = "not available for containerd containers: containerd lists no changes, and computing them would write to the node";

/// A connected containerd.
#[derive(Debug)]
pub struct Engine {
    channel: Channel,
    budget: Budget,
    pub endpoint: Endpoint,
    /// The namespaces scanned.
    namespaces: Vec<String>,
    version: String,
}

impl Engine {
    /// Connects to the socket, makes sure containerd answers there, and
    /// settles the namespaces to scan.
    ///
    /// # Errors
    ///
    /// One line naming the socket, what went wrong and what to do.
    pub async fn connect(endpoint: &Endpoint, budget: Budget) -> Result<Engine, String> {
        let Kind::Containerd { socket, namespace } = &endpoint.kind else {
            return Err(format!("{endpoint} is not containerd"));
        };
        let not_containerd = |e: &dyn std::fmt::Display| {
            format!(
                "{endpoint} does not answer as containerd ({e}); give the path of containerd's own socket (a Docker socket is unix://…)"
            )
        };
        let channel = Channel::connect(socket)
            .await
            .map_err(|e| {
                format!(
                    "cannot reach containerd at {endpoint}: {e}; check the socket's path \
                     (usually /run/containerd/containerd.sock; k3s: /run/k3s/containerd/containerd.sock) \
                     and run lumogon as root"
                )
            })?
            .map_err(|e| not_containerd(&e))?;
        let version: api::VersionResponse = channel
            .call(api::VERSION, None, &api::Empty {})
            .await
            .map_err(|e| not_containerd(&e))?;
        let listed: api::ListNamespacesResponse = channel
            .call(
                api::NAMESPACES,
                None,
                &api::ListNamespacesRequest::default(),
            )
            .await
            .map_err(|e| format!("could not list containerd's namespaces at {endpoint}: {e}"))?;
        let existing: Vec<String> = listed.namespaces.into_iter().map(|n| n.name).collect();
        let namespaces =
            namespaces(namespace.as_deref(), existing).map_err(|e| format!("{endpoint}: {e}"))?;
        Ok(Engine {
            channel,
            budget,
            endpoint: endpoint.clone(),
            namespaces,
            version: version.version,
        })
    }

    /// containerd's own UUID (containerd 1.5 and later), which tells one
    /// containerd reached through two paths apart from two.
    pub async fn id(&self) -> Result<String, String> {
        match self
            .channel
            .call::<_, api::ServerResponse>(api::SERVER, None, &api::Empty {})
            .await
        {
            Ok(server) if !server.uuid.is_empty() => Ok(format!("containerd:{}", server.uuid)),
            // Older: the socket's path is the best name it has.
            _ => Ok(format!("containerd:{}", self.endpoint.host)),
        }
    }

    /// What every container here shares. containerd is on this machine
    /// (its containers' files are read from this `/proc`), so the kernel
    /// is this one's.
    pub async fn server(&self) -> Result<Server, String> {
        let uname = rustix::system::uname();
        Ok(Server {
            product: format!("containerd {}", self.version),
            docker: None,
            kernel_version: Some(uname.release().to_string_lossy().into_owned()),
            os: Some(std::env::consts::OS.to_owned()),
        })
    }

    /// The containers of the namespaces scanned: those with a live task,
    /// or all of them.
    pub async fn list(&self, all: bool) -> Result<Vec<Listed>, String> {
        let mut listed = Vec::new();
        for namespace in &self.namespaces {
            let ns = Some(namespace.as_str());
            let containers: api::ListContainersResponse = self
                .channel
                .call(api::CONTAINERS, ns, &api::ListContainersRequest::default())
                .await
                .map_err(|e| {
                    format!("could not list the containers of namespace {namespace}: {e}")
                })?;
            let tasks: api::ListTasksResponse = self
                .channel
                .call(api::TASKS, ns, &api::ListTasksRequest::default())
                .await
                .map_err(|e| format!("could not list the tasks of namespace {namespace}: {e}"))?;
            let live: Vec<&str> = tasks
                .tasks
                .iter()
                .filter(|t| t.is_live())
                .map(|t| t.id.as_str())
                .collect();
            listed.extend(
                containers
                    .containers
                    .iter()
                    .filter(|c| all || live.contains(&c.id.as_str()))
                    .map(|c| Listed {
                        id: c.id.clone(),
                        names: names(&c.labels),
                        namespace: Some(namespace.clone()),
                    }),
            );
        }
        Ok(listed)
    }

    /// `None` when the container no longer exists.
    pub async fn inspect(&self, target: &Listed) -> Result<Option<Inspected>, String> {
        let ns = target.namespace.as_deref();
        let request = api::GetContainerRequest {
            id: target.id.clone(),
        };
        let container = match self
            .channel
            .call::<_, api::GetContainerResponse>(api::CONTAINER, ns, &request)
            .await
        {
            Ok(got) => got.container.unwrap_or_default(),
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let root = self.root(&target.id, ns).await;
        Ok(Some(inspected(&container, ns, root)))
    }

    /// The task of `id`, when it has live processes.
    async fn task(&self, id: &str, ns: Option<&str>) -> Result<Option<Process>, String> {
        let request = api::GetTaskRequest {
            container_id: id.to_owned(),
            exec_id: String::new(),
        };
        match self
            .channel
            .call::<_, api::GetTaskResponse>(api::TASK, ns, &request)
            .await
        {
            Ok(got) => Ok(got.process.filter(Process::is_live)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(format!("could not ask containerd for its task: {e}")),
        }
    }

    /// The running task's root, or why there is none to read.
    async fn root(&self, id: &str, ns: Option<&str>) -> Result<Arc<rootfs::Root>, String> {
        let not_running = || {
            "the container is not running: containerd's containers are read from their running task"
                .to_owned()
        };
        let task = self.task(id, ns).await?.ok_or_else(not_running)?;
        let pid = task.pid;
        let root = blocking(move || rootfs::Root::open(pid)).await?;
        // The pid was read before its root was opened: had the task ended
        // and its pid gone to another process in between, that process's
        // root would be read as the container's. The task still running
        // with the same pid after the open rules that out.
        match self.task(id, ns).await? {
            Some(again) if again.pid == root.pid() => Ok(Arc::new(root)),
            _ => Err(not_running()),
        }
    }

    pub async fn read_file(
        &self,
        root: &Arc<rootfs::Root>,
        path: &str,
        cap: u64,
    ) -> Result<Option<Held<Vec<u8>>>, String> {
        let (at, owned) = (Arc::clone(root), path.to_owned());
        let Some((file, size)) = blocking(move || at.open_file(&owned, cap)).await? else {
            return Ok(None);
        };
        // The size is known before a byte is read: reserved first, as the
        // Docker path reserves what an archive header announces.
        let reservation = self.budget.reserve(size).await;
        let owned = path.to_owned();
        let value = blocking(move || rootfs::read(file, size, cap, &owned)).await?;
        Ok(Some(Held { value, reservation }))
    }

    pub async fn read_dir(
        &self,
        root: &Arc<rootfs::Root>,
        path: &str,
        cap: u64,
    ) -> Result<Option<Held<Vec<(String, Vec<u8>)>>>, String> {
        let (at, owned) = (Arc::clone(root), path.to_owned());
        let Some(dir) = blocking(move || at.open_dir(&owned)).await? else {
            return Ok(None);
        };
        // A directory's size is known only once read: its cap is reserved,
        // once it is known to exist.
        let reservation = self.budget.reserve(cap).await;
        // Dropping this future (the deadline) stops the walk.
        let (stop, _cancel_on_drop) = Stop::new(Deadline::after(u64::MAX));
        let owned = path.to_owned();
        let value = blocking(move || rootfs::read_dir(dir, &owned, cap, &stop)).await?;
        Ok(Some(Held { value, reservation }))
    }

    pub async fn exists(&self, root: &Arc<rootfs::Root>, path: &str) -> Result<bool, String> {
        let (at, owned) = (Arc::clone(root), path.to_owned());
        blocking(move || at.exists(&owned)).await
    }
}

/// Runs file work on tokio's blocking pool, off the thread that drives
/// every container's requests.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(format!("reading it failed: {e}")))
}

/// The namespaces to scan: the one asked for, else `k8s.io` when it
/// exists, else every one.
fn namespaces(asked: Option<&str>, existing: Vec<String>) -> Result<Vec<String>, String> {
    match asked {
        Some(asked) if existing.iter().any(|n| n == asked) => Ok(vec![asked.to_owned()]),
        Some(asked) => Err(format!(
            "containerd has no namespace {asked:?}; it has: {} (`ctr namespaces ls`)",
            if existing.is_empty() {
                "none".to_owned()
            } else {
                existing.join(", ")
            }
        )),
        None if existing.iter().any(|n| n == KUBERNETES_NAMESPACE) => {
            Ok(vec![KUBERNETES_NAMESPACE.to_owned()])
        }
        None => Ok(existing),
    }
}

/// The names a container can be given on the command line beside its ID:
/// `<namespace>/<pod>/<container>` for one the kubelet started.
fn names(labels: &BTreeMap<String, String>) -> Vec<String> {
    let label = |k: &str| labels.get(k).filter(|v| !v.is_empty());
    match (
        label("io.kubernetes.pod.namespace"),
        label("io.kubernetes.pod.name"),
        label("io.kubernetes.container.name"),
    ) {
        (Some(namespace), Some(pod), Some(container)) => {
            vec![format!("{namespace}/{pod}/{container}")]
        }
        _ => Vec::new(),
    }
}

/// A container as [`Inspected`] describes it.
fn inspected(
    c: &Container,
    namespace: Option<&str>,
    root: Result<Arc<rootfs::Root>, String>,
) -> Inspected {
    let runtime = c
        .runtime
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let parsed = c.spec.as_ref().map(|s| spec::parse(&s.value));
    let (container, hostname) = match &parsed {
        Some(Ok(parsed)) => (
            spec::payload(parsed, &c.image, &runtime),
            parsed.hostname.clone().filter(|h| !h.is_empty()),
        ),
        // No spec, or one that does not parse: what the record holds.
        _ => (
            spec::payload(&spec::Spec::default(), &c.image, &runtime),
            None,
        ),
    };
    if let Some(Err(e)) = &parsed {
        log::debug!("container {}: {e}", c.id);
    }
    Inspected {
        // containerd's containers have an ID and no name.
        name: format!("/{}", c.id),
        labels: c.labels.clone(),
        hostname,
        container,
        runtime: Some(runtime).filter(|r| !r.is_empty()),
        namespace: namespace.map(str::to_owned),
        files: Files::Containerd(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn kubernetes_namespace_by_default_else_every_one() {
        assert_eq!(
            namespaces(None, owned(&["default", "k8s.io", "moby"])),
            Ok(owned(&["k8s.io"]))
        );
        assert_eq!(
            namespaces(None, owned(&["default", "moby"])),
            Ok(owned(&["default", "moby"]))
        );
        assert_eq!(
            namespaces(Some("moby"), owned(&["k8s.io", "moby"])),
            Ok(owned(&["moby"]))
        );
        assert_eq!(
            namespaces(Some("nope"), owned(&["k8s.io"])),
            Err(
                "containerd has no namespace \"nope\"; it has: k8s.io (`ctr namespaces ls`)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_kubelet_container_is_named_by_its_pod() {
        let labels: BTreeMap<String, String> = [
            ("io.kubernetes.pod.name", "web-0"),
            ("io.kubernetes.pod.namespace", "shop"),
            ("io.kubernetes.container.name", "nginx"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(names(&labels), ["shop/web-0/nginx"]);
        assert!(names(&BTreeMap::new()).is_empty());
    }

    #[test]
    fn a_record_without_a_spec_still_has_its_image_and_runtime() {
        let c = Container {
            id: "c1".to_owned(),
            image: "docker.io/library/web:1".to_owned(),
            runtime: Some(api::Runtime {
                name: "io.containerd.runc.v2".to_owned(),
            }),
            ..Container::default()
        };
        let inspected = inspected(&c, Some("k8s.io"), Err("not running".to_owned()));
        assert_eq!(inspected.name, "/c1");
        assert_eq!(inspected.container["image"], "docker.io/library/web:1");
        assert_eq!(inspected.runtime.as_deref(), Some("io.containerd.runc.v2"));
        assert_eq!(inspected.namespace.as_deref(), Some("k8s.io"));
    }
}
