//! The report `lumogon scan` prints and `lumogon report` uploads, in the
//! original Lumogon JSON format. Pure data: building it needs no I/O beyond
//! the clock and random ids.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::capability::Capability;
use crate::commands::version::{BUILD_SHA, BUILD_TIME};
use crate::timefmt;

const REPORT_SCHEMA: &str = "http://puppet.com/lumogon/core/draft-01/schema#1";
const CONTAINER_SCHEMA: &str = "http://puppet.com/lumogon/containerreport/draft-01/schema#1";

/// A capability's findings. Values are JSON: strings almost everywhere, as
/// in the original, but its `container` capability reports its numeric
/// settings as JSON integers.
pub type Payload = BTreeMap<String, serde_json::Value>;

/// A payload whose values are all strings (packages, labels, changes).
pub fn strings(pairs: impl IntoIterator<Item = (String, String)>) -> Payload {
    pairs
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect()
}

/// A whole report; keys serialize in this order.
#[derive(Debug, Serialize)]
pub struct Report {
    #[serde(rename = "$schema")]
    schema: &'static str,
    generated: String,
    owner: &'static str,
    group: [&'static str; 1],
    client_version: ClientVersion,
    reportid: String,
    /// By container ID, so the order is deterministic.
    containers: BTreeMap<String, ContainerReport>,
    /// Engines of a scan of several that could not be reached, by host;
    /// absent when there are none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    engine_errors: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
struct ClientVersion {
    #[serde(rename = "BuildVersion")]
    version: &'static str,
    #[serde(rename = "BuildTime")]
    time: &'static str,
    #[serde(rename = "BuildSHA")]
    sha: &'static str,
}

impl Report {
    pub fn new(containers: Vec<ContainerReport>) -> Report {
        Report {
            schema: REPORT_SCHEMA,
            generated: timefmt::now(),
            owner: "default",
            group: ["default"],
            client_version: ClientVersion {
                version: env!("CARGO_PKG_VERSION"),
                time: BUILD_TIME,
                sha: BUILD_SHA,
            },
            reportid: new_id(),
            containers: containers
                .into_iter()
                .map(|c| (c.container_id.clone(), c))
                .collect(),
            engine_errors: BTreeMap::new(),
        }
    }

    /// The engines that could not be reached, by host.
    pub fn engine_errors(self, engine_errors: BTreeMap<String, String>) -> Report {
        Report {
            engine_errors,
            ..self
        }
    }

    pub fn id(&self) -> &str {
        &self.reportid
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        // Serializing maps with string keys and JSON values cannot fail.
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

/// What one capability found in one container.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Found(Payload),
    Failed(String),
}

/// One container's part of the report.
#[derive(Debug, Serialize)]
pub struct ContainerReport {
    #[serde(rename = "$schema")]
    schema: &'static str,
    generated: String,
    container_report_id: String,
    container_id: String,
    container_name: String,
    /// The engine it runs on, as given (`DOCKER_HOST`, `--host`, or a
    /// context's endpoint).
    #[serde(skip_serializing_if = "String::is_empty")]
    engine: String,
    /// The engine's product and version, and the OCI runtime it runs the
    /// container with: `containerd 1.6.20 (io.containerd.runc.v2)`.
    #[serde(skip_serializing_if = "String::is_empty")]
    runtime: String,
    /// The containerd namespace the container lives in.
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    /// The pod, its namespace and the container's name in it, for a
    /// container the kubelet started (from its labels).
    #[serde(skip_serializing_if = "Option::is_none")]
    kubernetes: Option<Kubernetes>,
    /// Set when the container could not be inspected at all (it was removed
    /// during the scan); the capabilities are then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    capabilities: Capabilities,
}

impl ContainerReport {
    /// `capabilities` in catalogue order; those that do not apply are left
    /// out by the caller.
    pub fn new(id: &str, name: &str, capabilities: Vec<(&'static Capability, Outcome)>) -> Self {
        ContainerReport {
            schema: CONTAINER_SCHEMA,
            generated: timefmt::now(),
            container_report_id: new_id(),
            container_id: id.to_owned(),
            container_name: name.to_owned(),
            engine: String::new(),
            runtime: String::new(),
            namespace: None,
            kubernetes: None,
            error: None,
            capabilities: Capabilities(capabilities),
        }
    }

    /// The same report, saying which engine the container runs on.
    pub fn engine(self, host: &str) -> Self {
        ContainerReport {
            engine: host.to_owned(),
            ..self
        }
    }

    /// The same report, saying what runs the container: the engine's
    /// `product` (`containerd 1.6.20`), the OCI `runtime`, and the
    /// containerd `namespace`.
    pub fn origin(
        self,
        product: Option<&str>,
        runtime: Option<&str>,
        namespace: Option<&str>,
    ) -> Self {
        let runtime = match (product, runtime) {
            (Some(product), Some(runtime)) => format!("{product} ({runtime})"),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => String::new(),
        };
        ContainerReport {
            runtime,
            namespace: namespace.map(str::to_owned),
            ..self
        }
    }

    /// The same report with its Kubernetes fields, when `labels` hold the
    /// kubelet's.
    pub fn kubernetes(self, labels: &BTreeMap<String, String>) -> Self {
        ContainerReport {
            kubernetes: Kubernetes::from_labels(labels),
            ..self
        }
    }

    pub fn failed(id: &str, name: &str, error: String) -> Self {
        ContainerReport {
            error: Some(error),
            ..ContainerReport::new(id, name, Vec::new())
        }
    }
}

/// Where the kubelet put a container, from the labels it gives every
/// container it starts (containerd's CRI plugin and dockershim alike).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Kubernetes {
    pod: String,
    namespace: String,
    container: String,
}

impl Kubernetes {
    /// `None` unless the pod's name is there: a container without it was
    /// not started by a kubelet.
    fn from_labels(labels: &BTreeMap<String, String>) -> Option<Kubernetes> {
        let label = |key: &str| labels.get(key).cloned().unwrap_or_default();
        let pod = label("io.kubernetes.pod.name");
        (!pod.is_empty()).then(|| Kubernetes {
            pod,
            namespace: label("io.kubernetes.pod.namespace"),
            container: label("io.kubernetes.container.name"),
        })
    }
}

#[derive(Debug)]
struct Capabilities(Vec<(&'static Capability, Outcome)>);

impl Serialize for Capabilities {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (capability, outcome) in &self.0 {
            let (payload, error) = match outcome {
                Outcome::Found(payload) => (Some(payload), None),
                Outcome::Failed(error) => (None, Some(error.as_str())),
            };
            let entry = CapabilityEntry {
                schema: capability.schema(),
                title: capability.title,
                kind: capability.kind,
                harvestid: new_id(),
                payload,
                error,
            };
            map.serialize_entry(capability.name, &entry)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct CapabilityEntry<'a> {
    #[serde(rename = "$schema")]
    schema: String,
    title: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    harvestid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a Payload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability;

    #[test]
    fn keys_come_in_the_documented_order() {
        let dpkg = capability::find("dpkg").into_iter().next();
        let label = capability::find("label").into_iter().next();
        let mut caps = Vec::new();
        if let (Some(label), Some(dpkg)) = (label, dpkg) {
            caps.push((label, Outcome::Found(Payload::new())));
            let payload = strings([("bash".to_owned(), "5.2.15-2+b2".to_owned())]);
            caps.push((dpkg, Outcome::Found(payload)));
        }
        let gone = ContainerReport::failed("bbb", "/gone", "no such container".to_owned());
        let report = Report::new(vec![gone, ContainerReport::new("aaa", "/web", caps)]);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap_or_default();
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        // serde_json's Value sorts keys, so check the order on the text.
        let text = report.to_json();
        let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap_or(usize::MAX);
        let top = [
            "$schema",
            "generated",
            "owner",
            "group",
            "client_version",
            "reportid",
            "containers",
        ];
        assert!(top.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
        assert!(at("aaa") < at("bbb"), "containers sorted by id");
        assert!(at("label") < at("dpkg"), "capabilities in catalogue order");
        let web = &json["containers"]["aaa"];
        assert_eq!(web["container_name"], "/web");
        assert_eq!(web["$schema"], CONTAINER_SCHEMA);
        assert_eq!(
            keys(&web["capabilities"]["dpkg"]),
            ["$schema", "harvestid", "payload", "title", "type"]
        );
        assert_eq!(
            web["capabilities"]["dpkg"]["payload"]["bash"],
            "5.2.15-2+b2"
        );
        assert_eq!(web["capabilities"]["dpkg"]["type"], "dockerapi");
        assert_eq!(json["containers"]["bbb"]["error"], "no such container");
        assert_eq!(json["group"], serde_json::json!(["default"]));
        assert_eq!(
            json["client_version"]["BuildVersion"],
            env!("CARGO_PKG_VERSION")
        );
    }

    #[test]
    fn origin_and_kubernetes_fields_are_additive() {
        let labels: BTreeMap<String, String> = [
            ("io.kubernetes.pod.name", "web-0"),
            ("io.kubernetes.pod.namespace", "shop"),
            ("io.kubernetes.container.name", "nginx"),
            ("tier", "front"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let report = ContainerReport::new("c1", "/c1", Vec::new())
            .origin(
                Some("containerd 1.6.20"),
                Some("io.containerd.runc.v2"),
                Some("k8s.io"),
            )
            .kubernetes(&labels);
        let json = serde_json::to_value(&report).unwrap_or_default();
        assert_eq!(json["runtime"], "containerd 1.6.20 (io.containerd.runc.v2)");
        assert_eq!(json["namespace"], "k8s.io");
        assert_eq!(
            json["kubernetes"],
            serde_json::json!({"pod": "web-0", "namespace": "shop", "container": "nginx"})
        );
        // A plain Docker container: none of the three.
        let plain = ContainerReport::new("d1", "/d1", Vec::new())
            .origin(None, None, None)
            .kubernetes(&BTreeMap::new());
        let json = serde_json::to_value(&plain).unwrap_or_default();
        for key in ["runtime", "namespace", "kubernetes"] {
            assert!(json.get(key).is_none(), "{key} in {json}");
        }
    }
}
