//! Issue 22: a Kubernetes node's containers, read through containerd's own
//! API. Against a containerd of the tests' own (`lumogon_tests::containerd`:
//! its own root, state, socket; Debian's containerd and ctr), with images
//! saved from the Docker fixtures and imported with `ctr`, and containers
//! run in `k8s.io` with the kubelet's labels, without networking.
//!
//! What is checked: a pod's container beside a Docker container of the
//! same image in one report (the same `host` and `dpkg` payloads; dpkg
//! equal to `dpkg-query` on the very database read; labels, pod fields,
//! the container settings), the namespace choice, a container without a
//! task, the errors for a socket that is missing or not containerd's, and
//! hostile images confined to their root under the same bounds as on
//! Docker.
//!
//! Like the hostile-container suite, it runs in the default build's pass
//! of the README's test command only: the scan has no code that depends on
//! the `analytics` feature.

#![cfg(feature = "analytics")]

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::net::UnixListener;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use lumogon_tests::bounded::{self, ScratchDir};
use lumogon_tests::containerd::{Containerd, CtrSpec, K8S_NAMESPACE};
use lumogon_tests::fixtures::hostile::{self, HostileDb};
use lumogon_tests::fixtures::{self, ContainerSpec, Entry, Fixture};
use lumogon_tests::installed;
use lumogon_tests::lumogon::{Lumogon, Output};
use serde_json::Value;

const DOCKER: &str = "unix:///var/run/docker.sock";

/// The debian-like fixture image, imported once into `k8s.io`.
fn debian() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let fixture = Fixture::debian().expect("the Debian-like image");
        Containerd::shared().import(&fixture, K8S_NAMESPACE)
    })
}

fn lumogon(args: &[&str]) -> Output {
    Lumogon::new(args).env("DO_NOT_TRACK", "1").run()
}

fn json(out: &Output) -> Value {
    assert_eq!(out.code, Some(0), "{out:?}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: not JSON: {out:?}"))
}

fn payload<'a>(container: &'a Value, capability: &str) -> &'a Value {
    let entry = &container["capabilities"][capability];
    entry
        .get("payload")
        .unwrap_or_else(|| panic!("{capability} has no payload: {container:#}"))
}

fn error<'a>(container: &'a Value, capability: &str) -> &'a str {
    container["capabilities"][capability]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{capability} has no error: {container:#}"))
}

/// The pid of a running task, from `ctr tasks ls`.
fn pid(containerd: &Containerd, namespace: &str, id: &str) -> u32 {
    let tasks = containerd.ctr(&["-n", namespace, "tasks", "ls"]);
    tasks
        .lines()
        .find_map(|line| {
            let mut fields = line.split_whitespace();
            (fields.next() == Some(id)).then(|| fields.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no task {id} in:\n{tasks}"))
}

#[test]
fn a_pods_container_is_scanned_beside_a_docker_container_of_the_same_image() {
    let containerd = Containerd::shared();
    let image = debian();
    let pod = containerd.run(
        image,
        K8S_NAMESPACE,
        &CtrSpec::new()
            .pod("shop", "web-0", "nginx")
            .label("tier", "front")
            .flag("--read-only")
            .flag("--memory-limit=67108864")
            .flag("--cap-add=CAP_NET_ADMIN")
            .flag("--cap-drop=CAP_MKNOD"),
    );
    let fixture = Fixture::debian().expect("the Debian-like image on Docker");
    let docker = fixture
        .start(&ContainerSpec::new().label("tier", "front"))
        .expect("a Docker container");
    let host = containerd.host();
    let out = lumogon(&[
        "scan",
        "--timeout",
        "30",
        "--host",
        &host,
        "--host",
        DOCKER,
        &pod.id,
        &docker.name,
    ]);
    let report = json(&out);
    let k = &report["containers"][&pod.id];
    let d = &report["containers"][&docker.id];

    // Where each came from.
    assert_eq!(k["engine"], host.as_str());
    assert_eq!(d["engine"], DOCKER);
    let runtime = k["runtime"].as_str().unwrap_or_default();
    assert!(
        runtime.starts_with("containerd ") && runtime.ends_with(" (io.containerd.runc.v2)"),
        "{runtime}"
    );
    assert!(
        d["runtime"]
            .as_str()
            .unwrap_or_default()
            .starts_with("docker "),
        "{d:#}"
    );
    assert_eq!(k["namespace"], K8S_NAMESPACE);
    assert_eq!(
        k["kubernetes"],
        serde_json::json!({"pod": "web-0", "namespace": "shop", "container": "nginx"})
    );
    assert!(
        d.get("kubernetes").is_none() && d.get("namespace").is_none(),
        "{d:#}"
    );
    assert_eq!(k["container_name"], format!("/{}", pod.id).as_str());

    // Labels: the kubelet's and the others, as given.
    let labels = payload(k, "label");
    for (key, value) in [
        ("io.kubernetes.pod.name", "web-0"),
        ("io.kubernetes.pod.namespace", "shop"),
        ("io.kubernetes.container.name", "nginx"),
        ("tier", "front"),
    ] {
        assert_eq!(labels[key], value, "{labels:#}");
    }

    // The settings the OCI spec holds.
    let settings = payload(k, "container");
    for (key, value) in [
        ("image", Value::from(image)),
        ("readonlyrootfs", Value::from("true")),
        ("privileged", Value::from("false")),
        ("memory", Value::from(67_108_864)),
        ("capadd", Value::from("NET_ADMIN")),
        ("capdrop", Value::from("MKNOD")),
        ("runtime", Value::from("io.containerd.runc.v2")),
        ("user", Value::from("0:0")),
    ] {
        assert_eq!(settings[key], value, "{key} in {settings:#}");
    }
    for absent in ["attachstdin", "publishallports", "nanocpus", "diskquota"] {
        assert!(settings.get(absent).is_none(), "{absent} in {settings:#}");
    }

    // dpkg: what dpkg-query reads in the same database, read here from
    // the task's root, plus the one package in status.d.
    let expected = installed::dpkg_in_root(pid(containerd, K8S_NAMESPACE, &pod.id));
    let dpkg: BTreeMap<String, String> =
        serde_json::from_value(payload(k, "dpkg").clone()).expect("names to versions");
    assert_eq!(dpkg, expected);

    // The same image on both engines: the same packages and platform.
    assert_eq!(payload(k, "dpkg"), payload(d, "dpkg"));
    let without_hostname = |p: &Value| {
        let mut p = p.clone();
        p.as_object_mut().map(|o| o.remove("hostname"));
        p
    };
    assert_eq!(
        without_hostname(payload(k, "host")),
        without_hostname(payload(d, "host"))
    );
    assert_eq!(payload(k, "host")["platform"], "debian");

    // What containerd cannot give is said, not guessed.
    assert!(
        error(k, "diff").contains("not available for containerd"),
        "{k:#}"
    );
    assert!(k["capabilities"].get("docker").is_none(), "{k:#}");
    assert!(d["capabilities"].get("docker").is_some(), "{d:#}");
}

#[test]
fn the_kubelets_namespace_by_default_else_the_one_asked_for() {
    let containerd = Containerd::shared();
    let image = debian();
    let other_ns = "lumogon-test-other";
    let other_image = {
        let fixture = Fixture::debian().expect("the Debian-like image");
        containerd.import(&fixture, other_ns)
    };
    let pod = containerd.run(
        image,
        K8S_NAMESPACE,
        &CtrSpec::new().pod("shop", "db-0", "postgres"),
    );
    let other = containerd.run(&other_image, other_ns, &CtrSpec::new());
    let host = containerd.host();
    let ids = |report: &Value| -> Vec<String> {
        report["containers"]
            .as_object()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    };

    let by_default = json(&lumogon(&[
        "scan",
        "--timeout",
        "30",
        "--capabilities",
        "label",
        "--host",
        &host,
    ]));
    let found = ids(&by_default);
    assert!(
        found.contains(&pod.id) && !found.contains(&other.id),
        "{found:?}"
    );

    let asked = json(&lumogon(&[
        "scan",
        "--timeout",
        "30",
        "--capabilities",
        "label",
        "--host",
        &host,
        "--namespace",
        other_ns,
    ]));
    assert_eq!(ids(&asked), [other.id.as_str()]);
    assert_eq!(asked["containers"][&other.id]["namespace"], other_ns);

    // A pod's container by its Kubernetes name.
    let named = json(&lumogon(&[
        "scan",
        "--timeout",
        "30",
        "--capabilities",
        "label",
        "--host",
        &host,
        "shop/db-0/postgres",
    ]));
    assert_eq!(ids(&named), [pod.id.as_str()]);
}

#[test]
fn a_container_without_a_task_is_reported_without_its_files() {
    let containerd = Containerd::shared();
    let created = containerd.create(debian(), K8S_NAMESPACE);
    let host = containerd.host();
    let report = json(&lumogon(&[
        "scan",
        "--timeout",
        "30",
        "--host",
        &host,
        &created.id,
    ]));
    let c = &report["containers"][&created.id];
    assert_eq!(payload(c, "container")["image"], debian());
    assert!(payload(c, "label").is_object());
    for capability in ["host", "dpkg", "apk", "rpm"] {
        assert!(
            error(c, capability).contains("the container is not running"),
            "{capability}: {c:#}"
        );
    }
}

/// Exit 1, nothing on stdout, one line on stderr; returns the line.
fn one_line_failure(out: &Output) -> String {
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    let line = out.stderr.trim_end();
    assert!(!line.is_empty() && !line.contains('\n'), "{:?}", out.stderr);
    line.to_owned()
}

#[test]
fn a_socket_that_is_missing_or_not_containerds_is_a_one_line_error() {
    let missing = "containerd:///nonexistent/lumogon-tests/containerd.sock";
    let line = one_line_failure(&lumogon(&["scan", "--timeout", "10", "--host", missing]));
    assert!(
        line.starts_with(&format!("lumogon: cannot reach containerd at {missing}: ")),
        "{line}"
    );

    // A socket that answers HTTP/1.1, as Docker's does.
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("not-containerd.sock");
    let listener = UnixListener::bind(&socket).expect("bind");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let host = format!("containerd://{}", socket.display());
    let line = one_line_failure(&lumogon(&["scan", "--timeout", "10", "--host", &host]));
    assert!(
        line.starts_with(&format!("lumogon: {host} does not answer as containerd (")),
        "{line}"
    );
    assert!(
        line.contains("give the path of containerd's own socket"),
        "{line}"
    );
}

// ------------------------------------------------------------- hostile

/// Files of the node that a hostile image points its symlinks at: what a
/// scan reports must never come from here.
struct NodeFiles {
    dir: tempfile::TempDir,
}

const NODE_PACKAGE: &str = "node-only-package";

impl NodeFiles {
    fn new() -> NodeFiles {
        let dir = tempfile::Builder::new()
            .prefix("lumogon-node-")
            .tempdir()
            .expect("tempdir");
        let stanza = format!(
            "Package: {NODE_PACKAGE}\nStatus: install ok installed\nVersion: 6.6.6\nArchitecture: all\n\n"
        );
        std::fs::write(dir.path().join("status"), stanza).expect("write");
        std::fs::write(
            dir.path().join("os-release"),
            "ID=node-secret\nVERSION_ID=1\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("installed"),
            format!("P:{NODE_PACKAGE}\nV:6.6.6\n\n"),
        )
        .expect("write");
        NodeFiles { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// An image whose every read path leads to the node's files: an
    /// absolute link, a relative one climbing past the root, a link
    /// through a magic link of the container's `/proc` (its PID 1's root
    /// here; in a container that sees other processes, any of theirs),
    /// and a link inside `status.d`.
    fn escapes(&self) -> Vec<Entry> {
        vec![
            Entry::symlink(
                "/etc/os-release",
                format!("/proc/1/root{}", self.path("os-release")),
            ),
            Entry::symlink("/var/lib/dpkg/status", self.path("status")),
            Entry::symlink(
                "/var/lib/dpkg/status.d/escape",
                format!("../../../../../../../..{}", self.path("status")),
            ),
            Entry::file(
                fixtures::DISTROLESS_STATUS_FILE,
                fixtures::DISTROLESS_STANZA,
                0o644,
            ),
            Entry::symlink(
                "/lib/apk/db/installed",
                format!("../../../../../../../..{}", self.path("installed")),
            ),
        ]
    }
}

/// `lumogon scan --host HOST --timeout T IDS…`, bounded as the hostile
/// suite bounds its runs (tmpfs TMPDIR, hard kill, memory ceiling).
fn bounded_scan(host: &str, timeout: u64, ids: &[&str]) -> bounded::Run {
    let tmp = ScratchDir::tmpfs("64m");
    let home = tempfile::tempdir().expect("a HOME");
    let timeout_arg = timeout.to_string();
    let mut args = vec!["scan", "--timeout", timeout_arg.as_str(), "--host", host];
    args.extend_from_slice(ids);
    let mut command = Command::new(lumogon_tests::lumogon::binary());
    command
        .args(&args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("LUMOGON_CONFIG_DIR", home.path().join("config"))
        .env("DO_NOT_TRACK", "1");
    let deadline = Duration::from_secs(timeout) + bounded::HARD_KILL_AFTER;
    bounded::run(
        command,
        format!("lumogon {}", args.join(" ")),
        deadline,
        &tmp,
    )
}

#[test]
fn hostile_images_are_confined_to_their_root_and_bounded() {
    const TIMEOUT: u64 = 10;
    let containerd = Containerd::shared();
    let node = NodeFiles::new();
    let kinds: Vec<(String, Vec<Entry>)> = vec![
        ("loops-files".to_owned(), hostile::file_loops()),
        ("loops-parents".to_owned(), hostile::parent_loops()),
        ("loops-cycles".to_owned(), hostile::cycles()),
        ("symlinked-parent".to_owned(), hostile::symlinked_parent()),
        ("escapes".to_owned(), node.escapes()),
        (
            format!("rpm-{}", HostileDb::NestedViews.name()),
            HostileDb::NestedViews.image(),
        ),
    ];
    let images: Vec<String> = kinds
        .iter()
        .map(|(kind, entries)| {
            let fixture = Fixture::build(kind, entries).expect("a hostile image");
            containerd.import(&fixture, K8S_NAMESPACE)
        })
        .collect();
    let running: Vec<_> = images
        .iter()
        .map(|image| containerd.run(image, K8S_NAMESPACE, &CtrSpec::new()))
        .collect();
    let clean = containerd.run(debian(), K8S_NAMESPACE, &CtrSpec::new());
    let host = containerd.host();

    let alone = bounded_scan(&host, 60, &[&clean.id]);
    let alone = alone.report();
    let mut ids: Vec<&str> = running.iter().map(|c| c.id.as_str()).collect();
    ids.push(&clean.id);
    let run = bounded_scan(&host, TIMEOUT, &ids);
    assert_eq!(run.killed, None, "{run:?}");
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.elapsed <= Duration::from_secs(TIMEOUT + 8),
        "{:?}",
        run.elapsed
    );
    assert!(run.peak_kb <= 256 * 1024, "peak {} kB", run.peak_kb);
    assert!(run.temp_files.is_empty(), "{:?}", run.temp_files);
    let report = run.report();
    let container = |i: usize| &report["containers"][&running[i].id];

    // The clean container is reported as when scanned alone.
    let capabilities = |r: &Value| {
        let mut c = r["containers"][&clean.id]["capabilities"].clone();
        for entry in c.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            entry.as_object_mut().map(|e| e.remove("harvestid"));
        }
        c
    };
    assert_eq!(capabilities(&report), capabilities(&alone));

    // Loops: the capabilities that meet one fail with the Docker path's
    // words, naming where.
    for (i, host_path) in [
        (0, "/etc/os-release"),
        (1, "/usr/lib"),
        (2, "/usr/lib/os-release"),
    ] {
        for (capability, path) in hostile::READ_PATHS {
            let path = if *capability == "host" {
                host_path
            } else {
                path
            };
            let e = error(container(i), capability);
            assert!(
                e.contains("too many levels of symbolic links") && e.contains(path),
                "{} of {}: {e}",
                capability,
                kinds[i].0
            );
        }
    }

    // A relative link through a symlinked parent: its real directory.
    let host_payload = payload(container(3), "host");
    assert_eq!(
        (&host_payload["platform"], &host_payload["platformversion"]),
        (&Value::from("debian"), &Value::from("11")),
        "{host_payload:#}"
    );

    // Escapes: nothing of the node's. The magic link is refused; the
    // absolute and climbing links land inside the container, where
    // nothing is; the link in status.d is not followed.
    let escapes = container(4);
    let text = escapes.to_string();
    assert!(
        !text.contains(NODE_PACKAGE) && !text.contains("node-secret"),
        "{escapes:#}"
    );
    assert!(
        error(escapes, "host").contains("too many levels of symbolic links"),
        "{escapes:#}"
    );
    assert_eq!(
        payload(escapes, "dpkg"),
        &serde_json::json!({fixtures::DISTROLESS_PACKAGE: fixtures::DISTROLESS_VERSION})
    );
    assert!(escapes["capabilities"].get("apk").is_none(), "{escapes:#}");

    // SQLite's rules hold on containerd too.
    let rpm = error(container(5), "rpm");
    assert!(rpm.contains("not an rpm database"), "{rpm}");
    assert_eq!(payload(container(5), "host")["platform"], "rocky");
}
