//! Running the `lumogon` binary the way a person would, in an environment
//! that holds nothing from the machine's (no opt-outs, no endpoint, no
//! config directory, no Docker daemon unless a test asks for one).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

/// The library's default flush budget, which lumogon keeps: what analytics
/// may add to an exit.
pub const FLUSH_BUDGET: Duration = lumogon_track::DEFAULT_FLUSH_BUDGET;

/// No run of lumogon in these tests may take longer; past it the process is
/// killed and the test fails, rather than hanging the suite.
const HANG: Duration = Duration::from_secs(30);

/// lumogon's settings file in its config directory, and what it holds once
/// the first-run notice has been shown.
pub const SETTINGS: &str = "analytics.json";
const SEEN_NOTICE: &str = r#"{"notice_version": 1}"#;

/// A `DOCKER_HOST` with nothing behind it: the client id falls back to the
/// UUID in the config directory at once.
pub const NO_DOCKER: &str = "unix:///nonexistent/lumogon-tests/docker.sock";

/// The workspace's root directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `cargo`, the one that runs these tests, in the workspace's root.
pub fn cargo() -> Command {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(workspace());
    cargo
}

/// The target directory and profile this test (or benchmark) binary was
/// built into, read from its own path (`<target>/<profile>/deps/<test>` or
/// `<target>/<profile>/<bin>`): builds started by the tests share it,
/// whatever `CARGO_TARGET_DIR` or `--target-dir` said.
pub fn target_and_profile() -> (PathBuf, String) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut profile_dir = exe.parent().expect("<target>/<profile>");
    if profile_dir.file_name().is_some_and(|d| d == "deps") {
        profile_dir = profile_dir.parent().expect("<target>/<profile>/deps");
    }
    let profile = profile_dir
        .file_name()
        .and_then(|p| p.to_str())
        .unwrap_or("debug")
        .to_owned();
    let target = profile_dir.parent().expect("<target>").to_path_buf();
    (target, profile)
}

/// Runs `cargo build ARGS` with this test build's profile and features
/// into the shared target directory (a no-op when it is up to date), and
/// returns `<target>/<profile>`.
pub fn cargo_build(args: &[&str]) -> PathBuf {
    let (_, profile) = target_and_profile();
    cargo_build_as(args, profile == "release", crate::ANALYTICS)
}

/// [`cargo_build`] in the release or dev profile, with or without the
/// default `analytics` feature, whatever this binary was built as. Returns
/// `<target>/<profile>`.
pub fn cargo_build_as(args: &[&str], release: bool, analytics: bool) -> PathBuf {
    let (target, _) = target_and_profile();
    let mut cargo = cargo();
    cargo
        .args(["build", "--quiet", "--target-dir"])
        .arg(&target)
        .args(args);
    if release {
        cargo.arg("--release");
    }
    if !analytics {
        cargo.arg("--no-default-features");
    }
    let status = cargo.status().expect("run cargo build");
    assert!(status.success(), "cargo build {args:?} failed");
    target.join(if release { "release" } else { "debug" })
}

/// `cargo tree -p lumogon -e EDGES --prefix none`, with or without the
/// default `analytics` feature: one package a line, repeated wherever it is
/// reached again.
pub fn dependency_tree(edges: &str, analytics: bool) -> String {
    let mut cargo = cargo();
    cargo.args(["tree", "-p", "lumogon", "-e", edges, "--prefix", "none"]);
    if !analytics {
        cargo.arg("--no-default-features");
    }
    let out = cargo.output().expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds `lumogon` with this test build's features and returns its path.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let path = cargo_build(&["-p", "lumogon"]).join("lumogon");
        let version = Command::new(&path)
            .arg("version")
            .env_clear()
            .output()
            .expect("run lumogon");
        let version = String::from_utf8_lossy(&version.stdout);
        let built_with = version.contains("Analytics: included");
        assert_eq!(
            built_with,
            crate::ANALYTICS,
            "{path:?} is not the build these tests are for:\n{version}"
        );
        path
    })
}

/// What one run of lumogon did.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// A lumogon command line about to run.
pub struct Lumogon {
    command: Command,
    /// Held for its lifetime: the run's HOME, removed on drop.
    _home: tempfile::TempDir,
    config: PathBuf,
    /// Whether [`Lumogon::run`] returns only once the detached sender the
    /// run's exit may start has ended, so that what the run sent is at the
    /// collector (or back in the spool) when it returns.
    wait_for_sender: bool,
}

impl Lumogon {
    /// `lumogon ARGS` with a clean environment: a fresh HOME and config
    /// directory, no Docker daemon, no analytics variables, and a person
    /// who has already seen the first-run notice (see [`Lumogon::first_run`]).
    pub fn new(args: &[&str]) -> Lumogon {
        Self::of(binary(), args)
    }

    /// [`Lumogon::new`] for the `lumogon` binary at `path` (another build).
    pub fn of(path: &Path, args: &[&str]) -> Lumogon {
        let home = tempfile::tempdir().expect("tempdir");
        let config = home.path().join("config");
        seed_config(&config);
        let mut command = Command::new(path);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("LUMOGON_CONFIG_DIR", &config)
            .env("DOCKER_HOST", NO_DOCKER)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Lumogon {
            command,
            _home: home,
            config,
            wait_for_sender: true,
        }
    }

    /// Uses a config directory at `dir` instead of one of its own, made
    /// afresh (emptied, and holding the settings [`Lumogon::new`] seeds):
    /// two runs given the same `dir` print the same paths.
    pub fn config_dir_at(mut self, dir: &Path) -> Lumogon {
        let _ = std::fs::remove_dir_all(dir);
        seed_config(dir);
        self.command.env("LUMOGON_CONFIG_DIR", dir);
        self.config = dir.to_path_buf();
        self
    }

    /// A first run: no settings saved, so no notice seen yet.
    pub fn first_run(self) -> Lumogon {
        let _ = std::fs::remove_file(self.config_dir().join(SETTINGS));
        self
    }

    /// The files in the config directory, sorted: a run that must write
    /// nothing leaves only the settings it was given.
    pub fn config_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.config_dir())
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Sets an environment variable (`LUMOGON_CONFIG_DIR` moves the config
    /// directory this run uses, and whose sender it waits for).
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Lumogon {
        if key == "LUMOGON_CONFIG_DIR" {
            self.config = PathBuf::from(value.as_ref());
        }
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable set by [`Lumogon::new`].
    pub fn env_remove(mut self, key: &str) -> Lumogon {
        self.command.env_remove(key);
        self
    }

    /// Runs in `dir` (where `lumogon report` saves a report it could not
    /// upload).
    pub fn current_dir(mut self, dir: &Path) -> Lumogon {
        self.command.current_dir(dir);
        self
    }

    /// Talks to the machine's Docker daemon instead of none.
    pub fn real_docker(self) -> Lumogon {
        self.env("DOCKER_HOST", "unix:///var/run/docker.sock")
    }

    /// Sends analytics to `url` (`LUMOGON_ANALYTICS_URL`).
    pub fn collector(self, url: &str) -> Lumogon {
        self.env("LUMOGON_ANALYTICS_URL", url)
    }

    /// Returns as soon as lumogon itself ended, leaving any detached sender
    /// it started to deliver on its own.
    pub fn leave_sender(mut self) -> Lumogon {
        self.wait_for_sender = false;
        self
    }

    /// The config directory this run uses.
    pub fn config_dir(&self) -> PathBuf {
        self.config.clone()
    }

    /// Runs to completion (or kills it after 30 s and fails the test), and
    /// unless told otherwise waits for the detached sender it started.
    pub fn run(&mut self) -> Output {
        let started = Instant::now();
        let mut child = self.command.spawn().expect("start lumogon");
        let pid = child.id();
        let stdout = reader(child.stdout.take());
        let stderr = reader(child.stderr.take());
        // A blocking wait, timed on the waiting thread itself: nothing polls
        // beside the process being timed (the exit-cost benchmark reads
        // `elapsed`), and the time is the exit's, not this thread's wake-up.
        let (done, exited) = mpsc::channel();
        std::thread::spawn(move || {
            let status = child.wait();
            let _ = done.send((status, started.elapsed()));
        });
        let Ok((status, elapsed)) = exited.recv_timeout(HANG) else {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("lumogon hung for {HANG:?}: {:?}", self.command);
        };
        let status = status.expect("wait for lumogon");
        if self.wait_for_sender {
            crate::wait_for_senders(&self.config);
        }
        Output {
            code: status.code(),
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
            elapsed,
        }
    }
}

/// A config directory at `dir` holding the settings of a person who has
/// seen the first-run notice.
fn seed_config(dir: &Path) {
    std::fs::create_dir_all(dir).expect("config dir");
    std::fs::write(dir.join(SETTINGS), SEEN_NOTICE).expect("settings");
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}
