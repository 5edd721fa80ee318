//! End-to-end: lumogon's report read the way the original Lumogon's users
//! read theirs. The original's own rules are the oracles: its `container`
//! mapping of `docker inspect` (capabilities/container/container.go with
//! capabilities/payloadfilter/filter.go), its release-file order (gopsutil's
//! `PlatformInformation`), and the jq queries of its
//! examples/explore-lumogon-with-jq.md, run with the real jq.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use lumogon_tests::collector::Collector;
use lumogon_tests::fixtures::{self, ContainerSpec, Entry, Fixture, rpmdb};
use lumogon_tests::lumogon::Lumogon;
use lumogon_tests::tools;
use serde_json::{Map, Value};

/// `lumogon scan IDS` against the real daemon, as parsed JSON and as text.
fn scan(ids: &[&str]) -> (Value, String) {
    let collector = Collector::start(200);
    let mut args = vec!["scan"];
    args.extend_from_slice(ids);
    let out = Lumogon::new(&args)
        .real_docker()
        .collector(&collector.url())
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{}", out.stdout));
    (report, out.stdout)
}

fn capability<'a>(report: &'a Value, id: &str, name: &str) -> &'a Value {
    &report["containers"][id]["capabilities"][name]
}

// --------------------------------------------------------------- container

/// `docker inspect` of one container, whole, as the docker CLI prints it:
/// every field the daemon sends, including those bollard's model lacks.
fn docker_inspect(id: &str) -> Value {
    let out = Command::new("docker")
        .args(["inspect", id])
        .output()
        .expect("the docker CLI");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut all: Value = serde_json::from_slice(&out.stdout).expect("docker inspect prints JSON");
    all[0].take()
}

/// The original's `InspectContainer` followed by its `payloadfilter.Filter`,
/// on the daemon's JSON: Go zero values for what is missing or null,
/// booleans through `%t`, `CapAdd`/`CapDrop` joined with ", ", int64s kept
/// as numbers, and empty strings dropped.
fn original_container_payload(inspect: &Value) -> Map<String, Value> {
    let config = &inspect["Config"];
    let host = &inspect["HostConfig"];
    let string = |v: &Value| Value::String(v.as_str().unwrap_or_default().to_owned());
    let boolean = |v: &Value| Value::String(format!("{}", v.as_bool().unwrap_or(false)));
    let int64 = |v: &Value| Value::from(v.as_i64().unwrap_or(0));
    let joined = |v: &Value| {
        let list: Vec<&str> = v
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        Value::String(list.join(", "))
    };
    let result = [
        ("hostname", string(&config["Hostname"])),
        ("domainname", string(&config["Domainname"])),
        ("user", string(&config["User"])),
        ("image", string(&config["Image"])),
        ("attachstdin", boolean(&config["AttachStdin"])),
        ("attachstdout", boolean(&config["AttachStdout"])),
        ("attachstderr", boolean(&config["AttachStderr"])),
        ("tty", boolean(&config["Tty"])),
        ("openstdin", boolean(&config["OpenStdin"])),
        ("stdinonce", boolean(&config["StdinOnce"])),
        ("privileged", boolean(&host["Privileged"])),
        ("publishallports", boolean(&host["PublishAllPorts"])),
        ("readonlyrootfs", boolean(&host["ReadonlyRootfs"])),
        ("shmsize", int64(&host["ShmSize"])),
        ("capadd", joined(&host["CapAdd"])),
        ("capdrop", joined(&host["CapDrop"])),
        ("runtime", string(&host["Runtime"])),
        ("cpushares", int64(&host["CpuShares"])),
        ("memory", int64(&host["Memory"])),
        ("nanocpus", int64(&host["NanoCpus"])),
        ("cpuperiod", int64(&host["CpuPeriod"])),
        ("cpuquota", int64(&host["CpuQuota"])),
        ("cpurealtimeperiod", int64(&host["CpuRealtimePeriod"])),
        ("cpurealtimeruntime", int64(&host["CpuRealtimeRuntime"])),
        ("cpusetcpus", string(&host["CpusetCpus"])),
        ("cpusetmems", string(&host["CpusetMems"])),
        ("diskquota", int64(&host["DiskQuota"])),
        ("kernelmemory", int64(&host["KernelMemory"])),
        ("memoryreservation", int64(&host["MemoryReservation"])),
        ("memoryswap", int64(&host["MemorySwap"])),
        ("memoryswappiness", int64(&host["MemorySwappiness"])),
        ("oomkilldisable", boolean(&host["OomKillDisable"])),
        ("pidslimit", int64(&host["PidsLimit"])),
    ];
    result
        .into_iter()
        .filter(|(_, v)| v.as_str() != Some(""))
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

#[test]
fn the_container_payload_is_docker_inspect_mapped_as_the_original_did() {
    let fixture = Fixture::scratch().expect("image");
    let hardened = fixture
        .start(
            &ContainerSpec::new()
                .hostname("posture-1")
                .user("1000:1000")
                .cap_add("NET_ADMIN")
                .cap_add("SYS_TIME")
                .cap_drop("MKNOD")
                .cap_drop("CHOWN")
                .memory(64 * 1024 * 1024)
                .cpu_shares(512)
                .pids_limit(50)
                .read_only(),
        )
        .expect("start");
    let plain = fixture.start(&ContainerSpec::new()).expect("start");

    let (report, text) = scan(&[&hardened.id, &plain.id]);
    for c in [&hardened, &plain] {
        let entry = capability(&report, &c.id, "container");
        assert_eq!(entry["title"], "Container Information");
        let payload = entry["payload"].as_object().expect("a container payload");
        let expected = original_container_payload(&docker_inspect(&c.id));
        assert_eq!(payload, &expected, "{} vs docker inspect", c.name);
    }

    // What the spec asked for is there, with the original's types.
    let posture = &capability(&report, &hardened.id, "container")["payload"];
    assert_eq!(posture["user"], "1000:1000");
    assert_eq!(posture["readonlyrootfs"], "true");
    assert_eq!(posture["privileged"], "false");
    assert_eq!(posture["memory"], 64 * 1024 * 1024);
    assert_eq!(posture["cpushares"], 512);
    assert_eq!(posture["pidslimit"], 50);
    assert_eq!(posture["hostname"], "posture-1");
    let capadd = posture["capadd"].as_str().unwrap_or_default();
    let capdrop = posture["capdrop"].as_str().unwrap_or_default();
    assert!(
        capadd.contains("NET_ADMIN") && capadd.contains(", "),
        "{capadd}"
    );
    assert!(
        capdrop.contains("MKNOD") && capdrop.contains("CHOWN"),
        "{capdrop}"
    );
    let defaults = &capability(&report, &plain.id, "container")["payload"];
    assert_eq!(defaults["readonlyrootfs"], "false");
    assert_eq!(defaults["pidslimit"], 0);
    assert!(defaults.get("user").is_none(), "an empty user is left out");
    assert!(defaults.get("capadd").is_none(), "{defaults:#}");

    // Nothing that could hold a secret: not the command, its arguments, the
    // environment or the mounts.
    for c in [&hardened, &plain] {
        let payload = capability(&report, &c.id, "container")["payload"].to_string();
        for leak in [fixtures::PAUSE_PATH, "PATH=", "Cmd", "Env", "Mounts"] {
            assert!(!payload.contains(leak), "{leak} in {payload}");
        }
    }
    assert!(!text.contains("\"Command\""), "{text}");
}

// ----------------------------------------------------------- release files

const CENTOS_7_RELEASE: &str = "CentOS Linux release 7.3.1611 (Core) \n";
const CENTOS_7_OS_RELEASE: &str = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:centos:centos:7\"\nHOME_URL=\"https://www.centos.org/\"\n";
const FEDORA_40_RELEASE: &str = "Fedora release 40 (Forty)\n";
const FEDORA_40_OS_RELEASE: &str = "NAME=\"Fedora Linux\"\nVERSION=\"40 (Container Image)\"\nID=fedora\nVERSION_ID=40\nPLATFORM_ID=\"platform:f40\"\nPRETTY_NAME=\"Fedora Linux 40 (Container Image)\"\n";
const UBUNTU_2204_LSB: &str = "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n";
const UBUNTU_2204_OS_RELEASE: &str = "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n";
const OPENSUSE_423_SUSE_RELEASE: &str = "openSUSE 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n# /etc/SuSE-release is deprecated and will be removed in a future service pack or release.\n# Please check /etc/os-release for details about this release.\n";
const OPENSUSE_423_OS_RELEASE: &str = "NAME=\"openSUSE Leap\"\nVERSION=\"42.3\"\nID=opensuse\nID_LIKE=\"suse\"\nVERSION_ID=\"42.3\"\nPRETTY_NAME=\"openSUSE Leap 42.3\"\n";

/// A root holding one distribution's release files, laid out as its image
/// lays them out (links included).
fn release_root(kind: &str) -> Vec<Entry> {
    let file = |path: &str, contents: &str| Entry::file(path, contents, 0o644);
    let os_release = |contents: &str| {
        [
            Entry::file("/usr/lib/os-release", contents, 0o644),
            Entry::symlink("/etc/os-release", fixtures::OS_RELEASE_LINK),
        ]
    };
    let mut root = match kind {
        "debian" => vec![file("/etc/debian_version", fixtures::DEBIAN_VERSION)],
        "ubuntu" => vec![
            file("/etc/debian_version", "bookworm/sid\n"),
            file("/etc/lsb-release", UBUNTU_2204_LSB),
        ],
        "centos" => vec![
            file("/etc/centos-release", CENTOS_7_RELEASE),
            Entry::symlink("/etc/redhat-release", "centos-release"),
            Entry::symlink("/etc/system-release", "centos-release"),
        ],
        "fedora" => vec![
            file("/etc/fedora-release", FEDORA_40_RELEASE),
            Entry::symlink("/etc/redhat-release", "fedora-release"),
            Entry::symlink("/etc/system-release", "fedora-release"),
        ],
        "opensuse" => vec![file("/etc/SuSE-release", OPENSUSE_423_SUSE_RELEASE)],
        "alpine" => vec![
            file("/etc/alpine-release", fixtures::ALPINE_RELEASE),
            file("/etc/os-release", fixtures::ALPINE_OS_RELEASE),
        ],
        other => panic!("no release files for {other}"),
    };
    let os = match kind {
        "debian" => Some(fixtures::DEBIAN_OS_RELEASE),
        "ubuntu" => Some(UBUNTU_2204_OS_RELEASE),
        "centos" => Some(CENTOS_7_OS_RELEASE),
        "fedora" => Some(FEDORA_40_OS_RELEASE),
        "opensuse" => Some(OPENSUSE_423_OS_RELEASE),
        _ => None,
    };
    root.extend(os.into_iter().flat_map(os_release));
    root
}

#[test]
fn release_files_decide_the_platform_in_the_originals_order() {
    // (kind, platform, family, version): what the original's rules give.
    let expected = [
        ("debian", "debian", "debian", "12.11"),
        ("ubuntu", "ubuntu", "debian", "22.04"),
        ("centos", "centos", "rhel", "7.3.1611"),
        ("fedora", "fedora", "fedora", "40"),
        ("opensuse", "opensuse", "suse", "42.3"),
        ("alpine", "alpine", "alpine", "3.20.3"),
    ];
    let fixtures: Vec<Fixture> = expected
        .iter()
        .map(|(kind, ..)| Fixture::build(kind, &release_root(kind)).expect("image"))
        .collect();
    let containers: Vec<_> = fixtures
        .iter()
        .map(|f| {
            f.start(&ContainerSpec::new().hostname("h-1"))
                .expect("start")
        })
        .collect();
    let ids: Vec<&str> = containers.iter().map(|c| c.id.as_str()).collect();
    let (report, _) = scan(&ids);
    for ((kind, platform, family, version), c) in expected.iter().zip(&containers) {
        let host = capability(&report, &c.id, "host");
        assert_eq!(host["title"], "Host Information");
        let p = &host["payload"];
        assert_eq!(
            (&p["platform"], &p["platformfamily"], &p["platformversion"]),
            (
                &Value::from(*platform),
                &Value::from(*family),
                &Value::from(*version)
            ),
            "{kind}: {host:#}"
        );
        assert_eq!(p["hostname"], "h-1", "the target's own host name");
        assert!(p.get("procs").is_none() && p.get("uptime").is_none());
    }
}

// ---------------------------------------------------------------------- jq

/// `jq ARGS` on `input`, with Debian's jq (installed if need be).
fn jq(args: &[&str], input: &str) -> String {
    tools::require("jq", "jq");
    let mut child = Command::new("jq")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jq");
    child
        .stdin
        .take()
        .expect("jq's stdin")
        .write_all(input.as_bytes())
        .expect("write to jq");
    let out = child.wait_with_output().expect("jq");
    assert!(
        out.status.success(),
        "jq {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Debian's dpkg-query on the container's own dpkg database: the version
/// of `package` installed there.
fn dpkg_version(container: &str, package: &str) -> String {
    fixtures::dpkg_query(container, &["-W", "-f", "${Version}", package])
}

#[test]
fn the_originals_jq_examples_give_the_same_answers() {
    let debian = Fixture::debian().expect("debian image");
    let alpine = Fixture::alpine().expect("alpine image");
    let rpm_dir = tempfile::tempdir().expect("tempdir");
    let rpm_db = rpmdb::build_rpmdb(rpm_dir.path());
    let rpm = Fixture::rpm(&rpm_db).expect("rpm image");
    let labels = ContainerSpec::new()
        .label("com.docker.compose.project", "fixtures")
        .label("com.docker.compose.service", "debian");
    let deb = debian.start(&labels).expect("start");
    let apk = alpine.start(&ContainerSpec::new()).expect("start");
    let centos = rpm.start(&ContainerSpec::new()).expect("start");

    // "Looking at a container's labels"
    let (_, one) = scan(&[&deb.name]);
    let shown: Value =
        serde_json::from_str(&jq(&[".containers[].capabilities.label.payload"], &one))
            .expect("jq printed JSON");
    let api_labels: Map<String, Value> = fixtures::inspect(&deb.id)
        .expect("inspect")
        .labels
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    assert_eq!(shown, Value::Object(api_labels));

    // "Listing packages installed in a container", and one package's version.
    let bash = dpkg_version(&deb.id, "bash");
    let packages: Value =
        serde_json::from_str(&jq(&[".containers[].capabilities.dpkg.payload"], &one))
            .expect("jq printed JSON");
    assert!(
        packages
            .as_object()
            .is_some_and(|p| p.len() > 10 && p.values().all(Value::is_string)),
        "{packages:#}"
    );
    assert_eq!(
        jq(&[".containers[].capabilities.dpkg.payload.bash"], &one),
        format!("\"{bash}\"\n")
    );

    // "Information about more than one container": the name and the bash
    // of dpkg or rpm, for every container.
    let (_, all) = scan(&[&deb.id, &apk.id, &centos.id]);
    let rpm_bash = rpmdb::rpm_query_all(rpm_db.parent().expect("the db's directory"))
        .remove("bash")
        .expect("bash in the rpm fixture");
    assert!(rpm_bash.starts_with("4.2.46-21.el7_3-"), "{rpm_bash}");
    let mut lines: Vec<String> = jq(
        &[
            "-r",
            r#".containers[] | .container_name + "   " + .capabilities.dpkg.payload.bash + "    " + .capabilities.rpm.payload.bash"#,
        ],
        &all,
    )
    .lines()
    .map(str::to_owned)
    .collect();
    lines.sort();
    let mut expected = vec![
        format!("/{}   {bash}    ", deb.name),
        format!("/{}       ", apk.name),
        format!("/{}       {rpm_bash}", centos.name),
    ];
    expected.sort();
    assert_eq!(lines, expected);

    // "Those using a debian derivative"
    assert_eq!(
        jq(
            &[
                "-r",
                r#".containers[] | select(.capabilities.host.payload.platformfamily == "debian") | .container_name"#,
            ],
            &all,
        ),
        format!("/{}\n", deb.name)
    );

    // The original's example test suite: a Debian image is debian-family and
    // has no rpm capability.
    let families: BTreeMap<String, String> = serde_json::from_str(&jq(
        &[
            "-c",
            "[.containers[] | {key: .container_name, value: (.capabilities.host.payload.platformfamily + \" rpm=\" + (.capabilities | has(\"rpm\") | tostring))}] | from_entries",
        ],
        &all,
    ))
    .expect("jq printed JSON");
    assert_eq!(families[&format!("/{}", deb.name)], "debian rpm=false");
    assert_eq!(families[&format!("/{}", apk.name)], "alpine rpm=false");
    assert_eq!(families[&format!("/{}", centos.name)], "rhel rpm=true");
}
