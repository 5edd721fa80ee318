//! A containerd of the tests' own: Debian's `containerd`, with its own root,
//! state directory, socket and configuration (the CRI plugin off, so that
//! nothing reaches for a network; the `native` snapshotter, which works on
//! any filesystem), and `ctr` to import images saved from the Docker
//! fixtures and to run containers from them as the kubelet would, labels
//! included. The containers run without networking: `ctr run` gives each a
//! network namespace of its own with only loopback in it.
//!
//! One containerd per test process ([`Containerd::shared`]), shared by the
//! process's tests. It is started under a small shell that waits on a pipe
//! from this process: when the process ends, however it ends, the pipe
//! closes and the shell removes every task and container, stops containerd
//! and deletes its directory, so nothing outlives the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;

use crate::fixtures::{self, Fixture, PAUSE_PATH};
use crate::tools;

/// The namespace of the kubelet's containers.
pub const K8S_NAMESPACE: &str = "k8s.io";

/// The kubelet's labels on every container it starts.
pub const POD_NAME: &str = "io.kubernetes.pod.name";
pub const POD_NAMESPACE: &str = "io.kubernetes.pod.namespace";
pub const CONTAINER_NAME: &str = "io.kubernetes.container.name";

/// How long containerd may take to answer on its socket.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs containerd until its stdin closes, then cleans up. `$1` the config,
/// `$2` the directory, `$3` the socket.
const WATCHDOG: &str = r#"
containerd --config "$1" >"$2/containerd.log" 2>&1 &
pid=$!
cat >/dev/null
for ns in $(ctr -a "$3" namespaces ls -q 2>/dev/null); do
    for c in $(ctr -a "$3" -n "$ns" containers ls -q 2>/dev/null); do
        ctr -a "$3" -n "$ns" tasks rm -f "$c" >/dev/null 2>&1
        ctr -a "$3" -n "$ns" containers rm "$c" >/dev/null 2>&1
    done
done
kill "$pid"
wait "$pid"
rm -rf "$2"
"#;

/// A running containerd of this test process.
pub struct Containerd {
    dir: PathBuf,
    socket: PathBuf,
    /// Its stdin is the pipe whose end stops containerd.
    _watchdog: Mutex<Child>,
}

impl Containerd {
    /// This process's containerd, started on first use.
    pub fn shared() -> &'static Containerd {
        static SHARED: OnceLock<Containerd> = OnceLock::new();
        SHARED.get_or_init(Containerd::start)
    }

    fn start() -> Containerd {
        tools::require("containerd", "containerd");
        tools::require("ctr", "containerd");
        let dir = tempfile::Builder::new()
            .prefix("lumogon-containerd-")
            .tempdir()
            .expect("a directory for containerd")
            .keep();
        let socket = dir.join("containerd.sock");
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                r#"version = 2
root = "{root}"
state = "{state}"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{socket}"
[ttrpc]
  address = "{socket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
"#,
                root = dir.join("root").display(),
                state = dir.join("state").display(),
                socket = socket.display(),
            ),
        )
        .expect("write containerd's config");
        let mut watchdog = Command::new("sh")
            .args(["-c", WATCHDOG, "lumogon-containerd"])
            .arg(&config)
            .arg(&dir)
            .arg(&socket)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start containerd");
        let started = Instant::now();
        loop {
            let up = Command::new("ctr")
                .arg("-a")
                .arg(&socket)
                .arg("version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if up {
                break;
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = watchdog.kill();
                let log = std::fs::read_to_string(dir.join("containerd.log")).unwrap_or_default();
                panic!(
                    "containerd did not answer on {} within {START_TIMEOUT:?}:\n{log}",
                    socket.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Containerd {
            dir,
            socket,
            _watchdog: Mutex::new(watchdog),
        }
    }

    /// `containerd://<socket>`, for `--host`.
    pub fn host(&self) -> String {
        format!("containerd://{}", self.socket.display())
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `ctr ARGS` against this containerd; its stdout. Panics with its
    /// stderr when it fails.
    pub fn ctr(&self, args: &[&str]) -> String {
        let out = Command::new("ctr")
            .arg("-a")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run ctr");
        assert!(
            out.status.success(),
            "ctr {args:?}: {}\ncontainerd's log: {}",
            String::from_utf8_lossy(&out.stderr),
            self.dir.join("containerd.log").display()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Imports the image of a Docker `fixture` into `namespace` (saved from
    /// Docker, as `docker save` does, and unpacked with the `native`
    /// snapshotter); returns its reference in containerd.
    pub fn import(&self, fixture: &Fixture, namespace: &str) -> String {
        let docker = fixtures::docker().expect("the Docker daemon");
        let image = fixture.image().to_owned();
        let tar: Vec<u8> = fixtures::block_on(async {
            docker
                .export_image(&image)
                .map_ok(|chunk| chunk.to_vec())
                .try_concat()
                .await
        })
        .expect("run the export")
        .expect("docker save the fixture image");
        let file = self.dir.join(format!("image-{}.tar", unique()));
        std::fs::write(&file, tar).expect("write the saved image");
        let path = file.to_string_lossy().into_owned();
        self.ctr(&[
            "-n",
            namespace,
            "images",
            "import",
            "--snapshotter",
            "native",
            &path,
        ]);
        let _ = std::fs::remove_file(&file);
        // `docker save` names a short reference as Docker Hub's.
        format!("docker.io/{image}")
    }

    /// Runs `/pause` from `image` in `namespace` as a container called
    /// `lumogon-test-<n>`, labelled, with the extra `ctr run` flags
    /// `flags`. Removed when dropped.
    pub fn run(&self, image: &str, namespace: &str, spec: &CtrSpec) -> CtrContainer<'_> {
        let id = format!("{}{}", fixtures::NAME_PREFIX, unique());
        let mut args: Vec<String> = [
            "-n",
            namespace,
            "run",
            "-d",
            "--null-io",
            "--snapshotter",
            "native",
        ]
        .map(str::to_owned)
        .to_vec();
        for (key, value) in &spec.labels {
            args.push("--label".to_owned());
            args.push(format!("{key}={value}"));
        }
        args.extend(spec.flags.iter().cloned());
        args.extend([image.to_owned(), id.clone(), PAUSE_PATH.to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.ctr(&args);
        CtrContainer {
            containerd: self,
            namespace: namespace.to_owned(),
            id,
        }
    }

    /// Creates a container without starting it: it has no task.
    pub fn create(&self, image: &str, namespace: &str) -> CtrContainer<'_> {
        let id = format!("{}{}", fixtures::NAME_PREFIX, unique());
        self.ctr(&[
            "-n",
            namespace,
            "containers",
            "create",
            "--snapshotter",
            "native",
            image,
            &id,
            PAUSE_PATH,
        ]);
        CtrContainer {
            containerd: self,
            namespace: namespace.to_owned(),
            id,
        }
    }
}

/// A process-unique number for names.
fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Labels and `ctr run` flags for a container.
#[derive(Debug, Clone, Default)]
pub struct CtrSpec {
    pub labels: BTreeMap<String, String>,
    pub flags: Vec<String>,
}

impl CtrSpec {
    pub fn new() -> CtrSpec {
        CtrSpec::default()
    }

    /// The kubelet's three labels.
    pub fn pod(self, namespace: &str, pod: &str, container: &str) -> CtrSpec {
        self.label(POD_NAMESPACE, namespace)
            .label(POD_NAME, pod)
            .label(CONTAINER_NAME, container)
    }

    pub fn label(mut self, key: &str, value: &str) -> CtrSpec {
        self.labels.insert(key.to_owned(), value.to_owned());
        self
    }

    /// A `ctr run` flag (`--read-only`, `--memory-limit=…`).
    pub fn flag(mut self, flag: &str) -> CtrSpec {
        self.flags.push(flag.to_owned());
        self
    }
}

/// A container of the tests' containerd; removed, task and all, on drop.
pub struct CtrContainer<'a> {
    containerd: &'a Containerd,
    pub namespace: String,
    pub id: String,
}

impl Drop for CtrContainer<'_> {
    fn drop(&mut self) {
        for args in [
            ["tasks", "rm", "-f"].as_slice(),
            ["containers", "rm"].as_slice(),
        ] {
            let _ = Command::new("ctr")
                .arg("-a")
                .arg(&self.containerd.socket)
                .args(["-n", &self.namespace])
                .args(args)
                .arg(&self.id)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}
