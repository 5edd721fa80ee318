//! A Podman of the tests' own: Debian's `podman` (installed by the tests
//! when missing), with its own root, run root and temporary directory
//! (`vfs` storage, which works on any filesystem; cgroupfs; events in a
//! file), serving its Docker-compatible API with `podman system service`
//! on a socket of its own. Images come from `podman import` of a root
//! filesystem tar; containers run without networking (`--network none`).
//!
//! One per test process ([`Podman::shared`]), stopped and removed by a
//! watchdog shell when the process ends, as the tests' containerd is.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::fixtures::{self, Entry, PAUSE_PATH};
use crate::tools;

/// How long the service may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the service until its stdin closes, then removes every container
/// and the directory. `$1` the directory, then podman's global options.
const WATCHDOG: &str = r#"
dir="$1"
shift
podman "$@" system service --time=0 "unix://$dir/podman.sock" >"$dir/service.log" 2>&1 &
pid=$!
cat >/dev/null
podman "$@" rm --all --force --time 0 >/dev/null 2>&1
kill "$pid"
wait "$pid"
rm -rf "$dir"
"#;

/// A running Podman service of this test process.
pub struct Podman {
    dir: PathBuf,
    /// Its stdin is the pipe whose end stops the service.
    _watchdog: Mutex<Child>,
}

impl Podman {
    /// This process's Podman, installed and started on first use.
    pub fn shared() -> &'static Podman {
        static SHARED: OnceLock<Podman> = OnceLock::new();
        SHARED.get_or_init(Podman::start)
    }

    fn start() -> Podman {
        tools::require("podman", "podman");
        let dir = tempfile::Builder::new()
            .prefix("lumogon-podman-")
            .tempdir()
            .expect("a directory for podman")
            .keep();
        let mut watchdog = Command::new("sh")
            .args(["-c", WATCHDOG, "lumogon-podman"])
            .arg(&dir)
            .args(global_options(&dir))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start podman system service");
        let socket = dir.join("podman.sock");
        let started = Instant::now();
        while !socket.exists() {
            if started.elapsed() > START_TIMEOUT {
                let _ = watchdog.kill();
                let log = std::fs::read_to_string(dir.join("service.log")).unwrap_or_default();
                panic!("podman system service did not listen within {START_TIMEOUT:?}:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Podman {
            dir,
            _watchdog: Mutex::new(watchdog),
        }
    }

    /// `unix://<socket>`, for `--host` or `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.join("podman.sock").display())
    }

    /// `podman ARGS` on this Podman's storage; its stdout, trimmed. Panics
    /// with its stderr when it fails.
    pub fn podman(&self, args: &[&str]) -> String {
        let out = Command::new("podman")
            .args(global_options(&self.dir))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run podman");
        assert!(
            out.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// `podman import` of a root filesystem holding `entries` and
    /// `/pause`; returns the image's reference.
    pub fn import(&self, kind: &str, entries: &[Entry]) -> String {
        let mut all = entries.to_vec();
        all.push(Entry::file(
            PAUSE_PATH,
            fixtures::pause_binary().expect("/pause"),
            0o755,
        ));
        let tar = fixtures::build_tar(&all).expect("the root filesystem's tar");
        let file = self.dir.join(format!("{kind}-{}.tar", unique()));
        std::fs::write(&file, tar).expect("write the tar");
        let image = format!("localhost/lumogon-test/{kind}:{}", unique());
        let path = file.to_string_lossy().into_owned();
        self.podman(&["import", "--quiet", &path, &image]);
        let _ = std::fs::remove_file(&file);
        image
    }

    /// Runs `/pause` from `image`, labelled `labels`, without networking;
    /// returns its ID. Removed when the process ends, or by the caller.
    pub fn run(&self, image: &str, labels: &[(&str, &str)]) -> String {
        let name = format!("{}{}", fixtures::NAME_PREFIX, unique());
        let mut args: Vec<String> = ["run", "--detach", "--network", "none", "--name", &name]
            .map(str::to_owned)
            .to_vec();
        // This machine's limits are below Podman's defaults, which runc
        // would fail to raise.
        for limit in ["nofile=1024:1024", "nproc=1024:1024"] {
            args.extend(["--ulimit".to_owned(), limit.to_owned()]);
        }
        for (key, value) in labels {
            args.extend(["--label".to_owned(), format!("{key}={value}")]);
        }
        args.extend([image.to_owned(), PAUSE_PATH.to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.podman(&args)
    }

    /// The pid of a running container's process.
    pub fn pid(&self, id: &str) -> u32 {
        let pid = self.podman(&["inspect", "--format", "{{.State.Pid}}", id]);
        pid.parse()
            .unwrap_or_else(|_| panic!("no pid for {id}: {pid:?}"))
    }
}

/// Podman's options for storage and runtime state of its own.
fn global_options(dir: &std::path::Path) -> Vec<String> {
    let at = |name: &str| dir.join(name).display().to_string();
    vec![
        format!("--root={}", at("root")),
        format!("--runroot={}", at("runroot")),
        format!("--tmpdir={}", at("tmp")),
        "--storage-driver=vfs".to_owned(),
        "--cgroup-manager=cgroupfs".to_owned(),
        "--events-backend=file".to_owned(),
    ]
}

fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
