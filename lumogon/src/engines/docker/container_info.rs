//! The `container` capability: the 33 `docker inspect` settings the original
//! Lumogon reported, under its lowercase names and with its JSON types.
//! Pure: an inspect response in, a payload out.
//!
//! The original chose these settings to describe a container's security
//! posture (capabilities, privileges, limits) while leaving out everything
//! that can hold a secret: the command and its arguments, the environment,
//! mounts and bind paths. Nothing else is added here for the same reason.

use bollard::models::{ContainerConfig, ContainerInspectResponse, HostConfig};
use serde_json::Value;

use crate::report::Payload;

/// The payload for one inspected container. Every key is always computed;
/// an empty string is left out (the original's payload filter did so), while
/// a missing boolean is `"false"` and a missing number is `0`, as the
/// original's Go zero values were.
pub fn payload(c: &ContainerInspectResponse) -> Payload {
    let default_config = ContainerConfig::default();
    let default_host = HostConfig::default();
    let config = c.config.as_ref().unwrap_or(&default_config);
    let host = c.host_config.as_ref().unwrap_or(&default_host);

    let text = |v: &Option<String>| Value::String(v.clone().unwrap_or_default());
    // The original printed booleans with Go's `%t`: strings, not JSON bools.
    let flag = |v: Option<bool>| Value::String(v.unwrap_or(false).to_string());
    let number = |v: Option<i64>| Value::from(v.unwrap_or(0));
    let joined = |v: &Option<Vec<String>>| Value::String(v.as_deref().unwrap_or(&[]).join(", "));

    let fields = [
        ("hostname", text(&config.hostname)),
        ("domainname", text(&config.domainname)),
        ("user", text(&config.user)),
        ("image", text(&config.image)),
        ("attachstdin", flag(config.attach_stdin)),
        ("attachstdout", flag(config.attach_stdout)),
        ("attachstderr", flag(config.attach_stderr)),
        ("tty", flag(config.tty)),
        ("openstdin", flag(config.open_stdin)),
        ("stdinonce", flag(config.stdin_once)),
        ("privileged", flag(host.privileged)),
        ("publishallports", flag(host.publish_all_ports)),
        ("readonlyrootfs", flag(host.readonly_rootfs)),
        ("shmsize", number(host.shm_size)),
        ("capadd", joined(&host.cap_add)),
        ("capdrop", joined(&host.cap_drop)),
        ("runtime", text(&host.runtime)),
        ("cpushares", number(host.cpu_shares)),
        ("memory", number(host.memory)),
        ("nanocpus", number(host.nano_cpus)),
        ("cpuperiod", number(host.cpu_period)),
        ("cpuquota", number(host.cpu_quota)),
        ("cpurealtimeperiod", number(host.cpu_realtime_period)),
        ("cpurealtimeruntime", number(host.cpu_realtime_runtime)),
        ("cpusetcpus", text(&host.cpuset_cpus)),
        ("cpusetmems", text(&host.cpuset_mems)),
        // Engine API 1.42 dropped both settings (kernel memory limits do not
        // exist under cgroup v2; a disk quota was never settable on Linux),
        // so they read as the original's zero value.
        ("diskquota", number(None)),
        ("kernelmemory", number(None)),
        ("memoryreservation", number(host.memory_reservation)),
        ("memoryswap", number(host.memory_swap)),
        ("memoryswappiness", number(host.memory_swappiness)),
        ("oomkilldisable", flag(host.oom_kill_disable)),
        ("pidslimit", number(host.pids_limit)),
    ];
    fields
        .into_iter()
        .filter(|(_, v)| v.as_str() != Some(""))
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_KEYS: [&str; 33] = [
        "hostname",
        "domainname",
        "user",
        "image",
        "attachstdin",
        "attachstdout",
        "attachstderr",
        "tty",
        "openstdin",
        "stdinonce",
        "privileged",
        "publishallports",
        "readonlyrootfs",
        "shmsize",
        "capadd",
        "capdrop",
        "runtime",
        "cpushares",
        "memory",
        "nanocpus",
        "cpuperiod",
        "cpuquota",
        "cpurealtimeperiod",
        "cpurealtimeruntime",
        "cpusetcpus",
        "cpusetmems",
        "diskquota",
        "kernelmemory",
        "memoryreservation",
        "memoryswap",
        "memoryswappiness",
        "oomkilldisable",
        "pidslimit",
    ];

    fn inspected(json: Value) -> ContainerInspectResponse {
        serde_json::from_value(json).unwrap_or_default()
    }

    #[test]
    fn a_hardened_container_maps_as_the_original_did() {
        // The shape `docker inspect` gives (Engine API 1.41), trimmed.
        let c = inspected(serde_json::json!({
            "Id": "abc",
            "Path": "/app",
            "Args": ["--password", "hunter2"],
            "Config": {
                "Hostname": "web-1", "Domainname": "", "User": "1000:1000",
                "AttachStdin": false, "AttachStdout": true, "AttachStderr": true,
                "Tty": false, "OpenStdin": false, "StdinOnce": false,
                "Env": ["SECRET=hunter2"], "Cmd": ["/app"], "Image": "web:1",
                "Labels": {"tier": "frontend"}
            },
            "HostConfig": {
                "Binds": ["/etc/secrets:/secrets:ro"],
                "Privileged": false, "PublishAllPorts": false, "ReadonlyRootfs": true,
                "ShmSize": 67108864, "CapAdd": ["NET_ADMIN", "SYS_TIME"], "CapDrop": ["MKNOD"],
                "Runtime": "runc", "CpuShares": 512, "Memory": 67108864, "NanoCpus": 0,
                "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0,
                "CpusetCpus": "", "CpusetMems": "", "KernelMemory": 0,
                "MemoryReservation": 0, "MemorySwap": 134217728, "MemorySwappiness": null,
                "OomKillDisable": false, "PidsLimit": 50
            }
        }));
        let p = payload(&c);
        let expected = serde_json::json!({
            "hostname": "web-1", "user": "1000:1000", "image": "web:1",
            "attachstdin": "false", "attachstdout": "true", "attachstderr": "true",
            "tty": "false", "openstdin": "false", "stdinonce": "false",
            "privileged": "false", "publishallports": "false", "readonlyrootfs": "true",
            "shmsize": 67108864, "capadd": "NET_ADMIN, SYS_TIME", "capdrop": "MKNOD",
            "runtime": "runc", "cpushares": 512, "memory": 67108864, "nanocpus": 0,
            "cpuperiod": 0, "cpuquota": 0, "cpurealtimeperiod": 0, "cpurealtimeruntime": 0,
            "diskquota": 0, "kernelmemory": 0, "memoryreservation": 0,
            "memoryswap": 134217728, "memoryswappiness": 0, "oomkilldisable": "false",
            "pidslimit": 50
        });
        assert_eq!(serde_json::to_value(&p).unwrap_or_default(), expected);
        let text = serde_json::to_string(&p).unwrap_or_default();
        for secret in ["hunter2", "secrets", "--password", "/app\""] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }

    #[test]
    fn every_key_is_one_of_the_33_and_only_empty_strings_are_dropped() {
        let everything = payload(&inspected(serde_json::json!({
            "Config": {"Hostname": "h", "Domainname": "d", "User": "u", "Image": "i"},
            "HostConfig": {"CapAdd": ["A"], "CapDrop": ["B"], "Runtime": "r",
                           "CpusetCpus": "0-1", "CpusetMems": "0"}
        })));
        let mut keys: Vec<&str> = everything.keys().map(String::as_str).collect();
        let mut all = ALL_KEYS.to_vec();
        keys.sort_unstable();
        all.sort_unstable();
        assert_eq!(keys, all);

        // Nothing inspected at all: zero values, and no empty strings.
        let nothing = payload(&ContainerInspectResponse::default());
        assert_eq!(nothing.len(), 33 - 9);
        assert_eq!(nothing["privileged"], "false");
        assert_eq!(nothing["pidslimit"], 0);
        assert!(nothing.values().all(|v| v.as_str() != Some("")));
    }
}
