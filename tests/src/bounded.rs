//! Running `lumogon scan` against hostile containers without letting a
//! regression hurt the machine: a hard kill past the deadline, a kill when
//! its memory passes a ceiling, and a size-limited tmpfs as its only
//! temporary directory. What it measures (peak memory, files left behind,
//! time) is what the hostile-container tests assert on.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A run is killed this long past its `--timeout`: a regression fails the
/// test instead of hanging the suite.
pub const HARD_KILL_AFTER: Duration = Duration::from_secs(30);

/// A run whose peak resident memory passes this is killed at once, whatever
/// the test's own limit: a bomb must not take the CI machine with it.
pub const KILL_ABOVE_KB: u64 = 1024 * 1024;

/// How often the child's `VmHWM` is read. It is a high-water mark, so a
/// spike between two reads is still seen by the next; only one in the last
/// interval before the exit can be missed.
const POLL: Duration = Duration::from_millis(5);

// ------------------------------------------------------------ scratch dir

/// A directory for temporary files: a tmpfs of a given size when this
/// process may mount one (root, as in CI), else a plain temporary
/// directory. Unmounted and removed on drop.
pub struct ScratchDir {
    dir: tempfile::TempDir,
    mounted: bool,
}

impl ScratchDir {
    /// A tmpfs of `size` (`mount -o size=`, e.g. `64m`), or a plain
    /// directory if mounting fails.
    pub fn tmpfs(size: &str) -> ScratchDir {
        let dir = tempfile::Builder::new()
            .prefix("lumogon-hostile-")
            .tempdir()
            .expect("a temporary directory");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size},mode=0700"))
            .arg("tmpfs")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ScratchDir { dir, mounted }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Whether this is a tmpfs with a size limit (else a plain directory).
    pub fn is_tmpfs(&self) -> bool {
        self.mounted
    }

    /// Every path below the directory, sorted: empty when nothing was left.
    pub fn contents(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut pending = vec![self.dir.path().to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    pending.push(path.clone());
                }
                found.push(path);
            }
        }
        found.sort();
        found
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount")
                .arg(self.dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

// -------------------------------------------------------------------- run

/// What one bounded run of lumogon did.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit code; `None` when killed.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// The highest `VmHWM` (kB) read from `/proc/<pid>/status` while it ran.
    pub peak_kb: u64,
    /// Why it was killed, if it was.
    pub killed: Option<String>,
    /// What it left in its `TMPDIR` (a tmpfs when one could be mounted).
    pub temp_files: Vec<PathBuf>,
    /// Whether `TMPDIR` was a size-limited tmpfs.
    pub tmpfs: bool,
    /// The command line, for messages.
    pub command: String,
}

impl Run {
    /// The report, parsed; panics with the run's output if it is not JSON.
    pub fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: the output is not a JSON report ({e}); exit {:?}, killed {:?}\n--- stderr\n{}\n--- stdout (first 2000 bytes)\n{}",
                self.command,
                self.code,
                self.killed,
                self.stderr,
                self.stdout.chars().take(2000).collect::<String>()
            )
        })
    }
}

/// `lumogon scan --timeout TIMEOUT CONTAINERS…` against `docker_host`, with
/// a clean environment (analytics opted out), `TMPDIR` and `SQLITE_TMPDIR`
/// on a 64 MiB tmpfs, killed [`HARD_KILL_AFTER`] past its timeout or when
/// its memory passes [`KILL_ABOVE_KB`].
pub fn scan(docker_host: &str, timeout_secs: u64, containers: &[&str]) -> Run {
    let tmp = ScratchDir::tmpfs("64m");
    let home = tempfile::tempdir().expect("a HOME for lumogon");
    let config = home.path().join("config");
    std::fs::create_dir_all(&config).expect("a config directory");
    std::fs::write(
        config.join(crate::lumogon::SETTINGS),
        r#"{"notice_version": 1}"#,
    )
    .expect("seed the settings");
    let timeout = timeout_secs.to_string();
    let mut args = vec!["scan", "--timeout", timeout.as_str()];
    args.extend_from_slice(containers);
    let mut command = Command::new(crate::lumogon::binary());
    command
        .args(&args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("LUMOGON_CONFIG_DIR", &config)
        .env("DOCKER_HOST", docker_host)
        .env("DO_NOT_TRACK", "1")
        .env("TMPDIR", tmp.path())
        .env("SQLITE_TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = format!("lumogon {}", args.join(" "));
    let started = Instant::now();
    let mut child = command.spawn().expect("start lumogon");
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    let deadline = Duration::from_secs(timeout_secs) + HARD_KILL_AFTER;
    let (code, peak_kb, killed) = watch(&mut child, deadline);
    let elapsed = started.elapsed();
    Run {
        code,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        elapsed,
        peak_kb,
        killed,
        temp_files: tmp.contents(),
        tmpfs: tmp.is_tmpfs(),
        command: shown,
    }
}

/// Waits for `child`, reading its peak memory, and kills it past `deadline`
/// or [`KILL_ABOVE_KB`]. Returns its exit code, peak memory and why it was
/// killed.
fn watch(child: &mut Child, deadline: Duration) -> (Option<i32>, u64, Option<String>) {
    let started = Instant::now();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let mut killed = None;
    loop {
        // Read before asking whether it exited: a zombie's status has no
        // memory lines left.
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(vm_hwm_kb)
        {
            peak_kb = peak_kb.max(hwm);
        }
        match child.try_wait() {
            Ok(Some(status)) => return (status.code(), peak_kb, killed),
            Ok(None) => {}
            Err(e) => panic!("wait for lumogon: {e}"),
        }
        if killed.is_none() {
            if peak_kb > KILL_ABOVE_KB {
                killed = Some(format!("its memory passed {KILL_ABOVE_KB} kB"));
            } else if started.elapsed() > deadline {
                killed = Some(format!("it still ran after {deadline:?}"));
            }
            if killed.is_some() {
                let _ = child.kill();
            }
        }
        std::thread::sleep(POLL);
    }
}

/// `VmHWM:   123456 kB` from a `/proc/<pid>/status`.
fn vm_hwm_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_kilobytes() {
        let status = "Name:\tlumogon\nVmPeak:\t  999 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(vm_hwm_kb(status), Some(12345));
        assert_eq!(vm_hwm_kb("Name:\tx\n"), None);
    }
}
