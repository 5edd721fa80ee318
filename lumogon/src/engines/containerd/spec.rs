//! The `container` capability of a containerd container: the original's
//! settings that a container record and its OCI runtime spec hold, under
//! the original's names and JSON types. Pure: a spec's JSON in, a payload
//! out.
//!
//! What containerd has no notion of is left out, not invented: the attach
//! and stdin flags, `publishallports`, `nanocpus` (a Docker setting turned
//! into quota and period before it reaches the spec) and `diskquota`.
//! COMPATIBILITY.md lists them. As in the Docker path, nothing that can
//! hold a secret is read: not the process's arguments, environment or
//! mounts (beyond `/dev/shm`'s size).

use serde::Deserialize;
use serde_json::Value;

use crate::report::Payload;

/// The capabilities containerd's default spec (and Docker's) gives a
/// container: `capadd` and `capdrop` are the differences from these, as
/// Docker's `--cap-add` and `--cap-drop` are.
const DEFAULT_CAPABILITIES: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// The parts of an OCI runtime spec that the payload reads. Every field is
/// optional: a spec is whatever its creator wrote.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Spec {
    pub hostname: Option<String>,
    domainname: Option<String>,
    process: Option<Process>,
    root: Option<Root>,
    mounts: Vec<Mount>,
    linux: Option<Linux>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Process {
    terminal: bool,
    user: User,
    capabilities: Option<Capabilities>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct User {
    uid: u32,
    gid: u32,
    username: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Capabilities {
    bounding: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Root {
    readonly: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Mount {
    destination: String,
    options: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Linux {
    resources: Resources,
    masked_paths: Vec<String>,
    readonly_paths: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Resources {
    memory: Memory,
    cpu: Cpu,
    pids: Pids,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Memory {
    limit: Option<i64>,
    reservation: Option<i64>,
    swap: Option<i64>,
    kernel: Option<i64>,
    swappiness: Option<u64>,
    #[serde(rename = "disableOOMKiller")]
    disable_oom_killer: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Cpu {
    shares: Option<u64>,
    quota: Option<i64>,
    period: Option<u64>,
    realtime_runtime: Option<i64>,
    realtime_period: Option<u64>,
    cpus: Option<String>,
    mems: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Pids {
    limit: Option<i64>,
}

/// The spec in `json`.
///
/// # Errors
///
/// Not JSON of an OCI spec's shape.
pub fn parse(json: &[u8]) -> Result<Spec, String> {
    serde_json::from_slice(json).map_err(|e| format!("its OCI spec is unreadable: {e}"))
}

/// The `container` payload: `image` and `runtime` from the container
/// record, the rest from its spec. Numbers a spec does not set are `0`, as
/// the original's Go zero values were (no limit); empty strings are left
/// out.
pub fn payload(spec: &Spec, image: &str, runtime: &str) -> Payload {
    let process = spec.process.as_ref();
    let linux = spec.linux.as_ref();
    let resources = linux.map(|l| &l.resources);
    let memory = resources.map(|r| &r.memory);
    let cpu = resources.map(|r| &r.cpu);
    let bounding: Vec<&str> = process
        .and_then(|p| p.capabilities.as_ref())
        .map(|c| {
            c.bounding
                .iter()
                .map(|n| n.trim_start_matches("CAP_"))
                .collect()
        })
        .unwrap_or_default();
    let added: Vec<&str> = bounding
        .iter()
        .copied()
        .filter(|c| !DEFAULT_CAPABILITIES.contains(c))
        .collect();
    let dropped: Vec<&str> = DEFAULT_CAPABILITIES
        .iter()
        .copied()
        .filter(|c| !bounding.contains(c))
        .collect();

    let text = |v: Option<&str>| Value::String(v.unwrap_or_default().to_owned());
    let flag = |v: bool| Value::String(v.to_string());
    let number = |v: Option<i64>| Value::from(v.unwrap_or(0));
    let unsigned = |v: Option<u64>| Value::from(v.unwrap_or(0));

    let fields = [
        ("hostname", text(spec.hostname.as_deref())),
        ("domainname", text(spec.domainname.as_deref())),
        ("user", Value::String(process.map(user).unwrap_or_default())),
        ("image", text(Some(image))),
        ("tty", flag(process.is_some_and(|p| p.terminal))),
        ("privileged", flag(privileged(&bounding, linux))),
        (
            "readonlyrootfs",
            flag(spec.root.as_ref().is_some_and(|r| r.readonly)),
        ),
        ("shmsize", Value::from(shm_size(&spec.mounts))),
        ("capadd", Value::String(added.join(", "))),
        ("capdrop", Value::String(dropped.join(", "))),
        ("runtime", text(Some(runtime))),
        ("cpushares", unsigned(cpu.and_then(|c| c.shares))),
        ("memory", number(memory.and_then(|m| m.limit))),
        ("cpuperiod", unsigned(cpu.and_then(|c| c.period))),
        ("cpuquota", number(cpu.and_then(|c| c.quota))),
        (
            "cpurealtimeperiod",
            unsigned(cpu.and_then(|c| c.realtime_period)),
        ),
        (
            "cpurealtimeruntime",
            number(cpu.and_then(|c| c.realtime_runtime)),
        ),
        ("cpusetcpus", text(cpu.and_then(|c| c.cpus.as_deref()))),
        ("cpusetmems", text(cpu.and_then(|c| c.mems.as_deref()))),
        ("kernelmemory", number(memory.and_then(|m| m.kernel))),
        (
            "memoryreservation",
            number(memory.and_then(|m| m.reservation)),
        ),
        ("memoryswap", number(memory.and_then(|m| m.swap))),
        (
            "memoryswappiness",
            unsigned(memory.and_then(|m| m.swappiness)),
        ),
        (
            "oomkilldisable",
            flag(memory.and_then(|m| m.disable_oom_killer).unwrap_or(false)),
        ),
        ("pidslimit", number(resources.and_then(|r| r.pids.limit))),
    ];
    fields
        .into_iter()
        .filter(|(_, v)| v.as_str() != Some(""))
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// `--user` as Docker shows it: the name when the spec has one, else
/// `uid:gid`.
fn user(process: &Process) -> String {
    match process.user.username.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => name.to_owned(),
        None => format!("{}:{}", process.user.uid, process.user.gid),
    }
}

/// OCI has no `privileged` setting: it is what Docker's `--privileged`,
/// the kubelet's `privileged: true` and `ctr run --privileged` all write
/// into the spec: every capability (so `SYS_ADMIN` among them), and no
/// masked or read-only paths.
fn privileged(bounding: &[&str], linux: Option<&Linux>) -> bool {
    bounding.contains(&"SYS_ADMIN")
        && linux.is_none_or(|l| l.masked_paths.is_empty() && l.readonly_paths.is_empty())
}

/// `/dev/shm`'s `size=` option in bytes (`65536k`), `0` when it has none.
fn shm_size(mounts: &[Mount]) -> u64 {
    mounts
        .iter()
        .filter(|m| m.destination == "/dev/shm")
        .flat_map(|m| &m.options)
        .find_map(|o| o.strip_prefix("size="))
        .and_then(size_in_bytes)
        .unwrap_or(0)
}

/// A tmpfs size: bytes, or with a `k`, `m` or `g` suffix.
fn size_in_bytes(size: &str) -> Option<u64> {
    let (digits, unit) = match size.char_indices().last()? {
        (at, 'k' | 'K') => (&size[..at], 1 << 10),
        (at, 'm' | 'M') => (&size[..at], 1 << 20),
        (at, 'g' | 'G') => (&size[..at], 1 << 30),
        _ => (size, 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ctr run` with a few settings, as containerd 1.6 writes the spec
    /// (trimmed), with a secret in the places lumogon must not read.
    const SPEC: &str = r#"{
        "ociVersion": "1.0.2-dev",
        "hostname": "web-1",
        "process": {
            "terminal": false,
            "user": {"uid": 1000, "gid": 1000, "additionalGids": [1000]},
            "args": ["/app", "--password", "hunter2"],
            "env": ["SECRET=hunter2"],
            "capabilities": {"bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
                "CAP_FOWNER", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP",
                "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
                "CAP_AUDIT_WRITE", "CAP_NET_ADMIN"]}
        },
        "root": {"path": "rootfs", "readonly": true},
        "mounts": [
            {"destination": "/secrets", "source": "/etc/secrets", "options": ["rbind"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}
        ],
        "linux": {
            "resources": {
                "memory": {"limit": 67108864, "swap": 134217728},
                "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1"},
                "pids": {"limit": 50}
            },
            "maskedPaths": ["/proc/kcore"],
            "readonlyPaths": ["/proc/sys"]
        }
    }"#;

    #[test]
    fn a_ctr_spec_maps_to_the_originals_names() {
        let spec = parse(SPEC.as_bytes()).expect("a spec");
        let p = payload(&spec, "docker.io/library/web:1", "io.containerd.runc.v2");
        let expected = serde_json::json!({
            "hostname": "web-1", "user": "1000:1000", "image": "docker.io/library/web:1",
            "tty": "false", "privileged": "false", "readonlyrootfs": "true",
            "shmsize": 67108864, "capadd": "NET_ADMIN", "capdrop": "MKNOD",
            "runtime": "io.containerd.runc.v2", "cpushares": 512, "memory": 67108864,
            "cpuperiod": 100000, "cpuquota": 50000, "cpurealtimeperiod": 0,
            "cpurealtimeruntime": 0, "cpusetcpus": "0-1", "kernelmemory": 0,
            "memoryreservation": 0, "memoryswap": 134217728, "memoryswappiness": 0,
            "oomkilldisable": "false", "pidslimit": 50
        });
        assert_eq!(serde_json::to_value(&p).unwrap_or_default(), expected);
        let text = serde_json::to_string(&p).unwrap_or_default();
        for secret in ["hunter2", "secrets", "--password"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }

    #[test]
    fn privileged_is_every_capability_and_nothing_masked() {
        let spec = parse(
            br#"{"process": {"capabilities": {"bounding": ["CAP_SYS_ADMIN", "CAP_CHOWN"]},
                 "user": {"uid": 0, "gid": 0, "username": "root"}},
                 "linux": {"maskedPaths": [], "readonlyPaths": []}}"#,
        )
        .expect("a spec");
        let p = payload(&spec, "i", "r");
        assert_eq!(p["privileged"], "true");
        assert_eq!(p["user"], "root");
        // SYS_ADMIN alone, with masked paths, is not privileged.
        let spec = parse(
            br#"{"process": {"capabilities": {"bounding": ["CAP_SYS_ADMIN"]}},
                 "linux": {"maskedPaths": ["/proc/kcore"]}}"#,
        )
        .expect("a spec");
        assert_eq!(payload(&spec, "i", "r")["privileged"], "false");
    }

    #[test]
    fn an_empty_spec_gives_zero_values_and_what_containerd_cannot_say_is_absent() {
        let p = payload(&parse(b"{}").expect("a spec"), "", "");
        // No process: no user to speak of.
        assert!(!p.contains_key("user"));
        assert_eq!(p["pidslimit"], 0);
        assert_eq!(p["capdrop"], DEFAULT_CAPABILITIES.join(", "));
        for absent in [
            "image",
            "runtime",
            "hostname",
            "attachstdin",
            "openstdin",
            "publishallports",
            "nanocpus",
            "diskquota",
        ] {
            assert!(!p.contains_key(absent), "{absent} in {p:?}");
        }
        assert!(parse(b"[1]").is_err());
        assert!(parse(br#"{"process": {"user": {"uid": -1}}}"#).is_err());
    }

    #[test]
    fn tmpfs_sizes() {
        assert_eq!(size_in_bytes("65536k"), Some(64 << 20));
        assert_eq!(size_in_bytes("1g"), Some(1 << 30));
        assert_eq!(size_in_bytes("4096"), Some(4096));
        assert_eq!(size_in_bytes(""), None);
        assert_eq!(size_in_bytes("k"), None);
        assert_eq!(size_in_bytes("99999999999999999999g"), None);
    }
}
