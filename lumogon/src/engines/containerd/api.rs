//! The few messages of containerd's gRPC API that lumogon sends and reads,
//! declared with prost's derive. Field numbers are those of containerd's
//! `api/services/*/v1/*.proto` and `api/types/task/task.proto` (stable
//! since containerd 1.0); fields lumogon does not read are left out, which
//! protobuf decoding skips.

use std::collections::BTreeMap;

/// The gRPC method paths.
pub const VERSION: &str = "/containerd.services.version.v1.Version/Version";
pub const SERVER: &str = "/containerd.services.introspection.v1.Introspection/Server";
pub const NAMESPACES: &str = "/containerd.services.namespaces.v1.Namespaces/List";
pub const CONTAINERS: &str = "/containerd.services.containers.v1.Containers/List";
pub const CONTAINER: &str = "/containerd.services.containers.v1.Containers/Get";
pub const TASKS: &str = "/containerd.services.tasks.v1.Tasks/List";
pub const TASK: &str = "/containerd.services.tasks.v1.Tasks/Get";

/// `google.protobuf.Empty`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Empty {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionResponse {
    #[prost(string, tag = "1")]
    pub version: String,
    #[prost(string, tag = "2")]
    pub revision: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ServerResponse {
    #[prost(string, tag = "1")]
    pub uuid: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListNamespacesRequest {
    #[prost(string, tag = "1")]
    pub filter: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListNamespacesResponse {
    #[prost(message, repeated, tag = "1")]
    pub namespaces: Vec<Namespace>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Namespace {
    #[prost(string, tag = "1")]
    pub name: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListContainersRequest {
    #[prost(string, repeated, tag = "1")]
    pub filters: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListContainersResponse {
    #[prost(message, repeated, tag = "1")]
    pub containers: Vec<Container>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GetContainerRequest {
    #[prost(string, tag = "1")]
    pub id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GetContainerResponse {
    #[prost(message, optional, tag = "1")]
    pub container: Option<Container>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Container {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(btree_map = "string, string", tag = "2")]
    pub labels: BTreeMap<String, String>,
    #[prost(string, tag = "3")]
    pub image: String,
    #[prost(message, optional, tag = "4")]
    pub runtime: Option<Runtime>,
    /// The OCI runtime spec, JSON inside an `Any`.
    #[prost(message, optional, tag = "5")]
    pub spec: Option<Any>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Runtime {
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListTasksRequest {
    #[prost(string, tag = "1")]
    pub filter: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListTasksResponse {
    #[prost(message, repeated, tag = "1")]
    pub tasks: Vec<Process>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GetTaskRequest {
    #[prost(string, tag = "1")]
    pub container_id: String,
    #[prost(string, tag = "2")]
    pub exec_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GetTaskResponse {
    #[prost(message, optional, tag = "1")]
    pub process: Option<Process>,
}

/// `containerd.v1.types.Process`: a task. containerd fills `id` (the
/// container's ID, for a task's init process) and leaves `container_id`
/// empty in what `Tasks.List` answers.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Process {
    #[prost(string, tag = "1")]
    pub container_id: String,
    #[prost(string, tag = "2")]
    pub id: String,
    #[prost(uint32, tag = "3")]
    pub pid: u32,
    #[prost(enumeration = "Status", tag = "4")]
    pub status: i32,
}

/// `containerd.v1.types.Status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Status {
    Unknown = 0,
    Created = 1,
    Running = 2,
    Stopped = 3,
    Paused = 4,
    Pausing = 5,
}

impl Process {
    /// Whether its processes exist, so that its root can be read: running,
    /// or paused (`docker ps` lists paused containers too).
    pub fn is_live(&self) -> bool {
        matches!(
            Status::try_from(self.status),
            Ok(Status::Running | Status::Paused | Status::Pausing)
        ) && self.pid != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn a_container_decodes_from_containerds_field_numbers() {
        // Hand-encoded as containerd sends it, with a field lumogon does not
        // declare (6, snapshotter) in between.
        let mut bytes = Vec::new();
        bytes.extend([0x0a, 2, b'c', b'1']); // id
        bytes.extend([0x12, 8, 0x0a, 1, b'k', 0x12, 3, b'v', b'a', b'l']); // labels
        bytes.extend([0x1a, 3, b'i', b'm', b'g']); // image
        bytes.extend([0x32, 6, b'n', b'a', b't', b'i', b'v', b'e']); // snapshotter
        bytes.extend([0x22, 3, 0x0a, 1, b'r']); // runtime.name
        bytes.extend([0x2a, 4, 0x12, 2, b'{', b'}']); // spec.value
        let c = Container::decode(bytes.as_slice()).expect("decodes");
        assert_eq!(c.id, "c1");
        assert_eq!(c.labels.get("k").map(String::as_str), Some("val"));
        assert_eq!(c.image, "img");
        assert_eq!(c.runtime.map(|r| r.name).as_deref(), Some("r"));
        assert_eq!(c.spec.map(|s| s.value), Some(b"{}".to_vec()));
    }

    #[test]
    fn only_a_task_with_processes_is_live() {
        let task = |status: Status, pid| Process {
            container_id: String::new(),
            id: "c".to_owned(),
            pid,
            status: status as i32,
        };
        assert!(task(Status::Running, 42).is_live());
        assert!(task(Status::Paused, 42).is_live());
        assert!(!task(Status::Stopped, 42).is_live());
        assert!(!task(Status::Created, 42).is_live() && !task(Status::Running, 0).is_live());
    }
}
