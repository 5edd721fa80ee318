//! An OpenSSH server on 127.0.0.1 that lets in one key made by the test,
//! and an `ssh` for lumogon to find on PATH that uses that key (or another)
//! and records every call. Nothing is read from or written to the person's
//! own `~/.ssh`: host key, client keys, `authorized_keys`, `known_hosts` and
//! both configurations live in temporary directories.
//!
//! The server runs as this user and logs in as this user; on the other side
//! `docker system dial-stdio` reaches the machine's daemon, so an
//! `ssh://USER@127.0.0.1:PORT` engine is the local daemon through ssh.

use std::ffi::OsString;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::servers::refused_port;

/// Debian's OpenSSH server.
const SSHD: &str = "/usr/sbin/sshd";
/// The real client the wrapper runs.
const SSH: &str = "/usr/bin/ssh";
/// How long sshd may take to listen.
const STARTUP: Duration = Duration::from_secs(10);
/// How many free ports to try.
const ATTEMPTS: usize = 3;

/// A running sshd; killed on drop.
pub struct Sshd {
    child: Child,
    port: u16,
    user: String,
    dir: tempfile::TempDir,
}

/// Which client key an [`SshClient`] offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The key in the server's `authorized_keys`.
    Authorized,
    /// A key the server has never seen.
    Stranger,
}

impl Sshd {
    /// Generates the keys, writes the configuration and starts sshd on a
    /// free port of 127.0.0.1, returning once it accepts connections.
    pub fn start() -> Sshd {
        // The free port is found before sshd binds it: another process may
        // take it in between, and then sshd exits at once. Try again.
        for _ in 1..ATTEMPTS {
            if let Some(sshd) = Self::try_start() {
                return sshd;
            }
        }
        Self::try_start().unwrap_or_else(|| panic!("sshd would not start ({ATTEMPTS} ports tried)"))
    }

    fn try_start() -> Option<Sshd> {
        crate::tools::require(SSHD, "openssh-server");
        crate::tools::require("ssh-keygen", "openssh-client");
        // The privilege separation directory Debian's package makes at boot.
        let _ = std::fs::create_dir_all("/run/sshd");
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("authorized"));
        keygen(&d.join("stranger"));
        std::fs::copy(d.join("authorized.pub"), d.join("authorized_keys"))
            .expect("authorized_keys");
        let user = whoami();
        let port = refused_port();
        let config = d.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\n\
                 ListenAddress 127.0.0.1\n\
                 HostKey {host_key}\n\
                 PidFile none\n\
                 AuthorizedKeysFile {authorized_keys}\n\
                 PermitRootLogin prohibit-password\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 UsePAM no\n\
                 StrictModes no\n\
                 AllowUsers {user}\n",
                host_key = d.join("host_key").display(),
                authorized_keys = d.join("authorized_keys").display(),
            ),
        )
        .expect("sshd_config");
        let child = Command::new(SSHD)
            .arg("-D")
            .arg("-f")
            .arg(&config)
            .arg("-E")
            .arg(d.join("sshd.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sshd");
        let mut sshd = Sshd {
            child,
            port,
            user,
            dir,
        };
        sshd.wait_until_listening().then_some(sshd)
    }

    /// Whether sshd accepts connections; false if it exited.
    fn wait_until_listening(&mut self) -> bool {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                eprintln!("sshd exited ({status}):\n{}", self.log());
                return false;
            }
            assert!(
                started.elapsed() < STARTUP,
                "sshd did not listen on {} within {STARTUP:?}:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// What sshd logged (`-E`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// `ssh://USER@127.0.0.1:PORT`: this machine's daemon, through sshd.
    pub fn docker_host(&self) -> String {
        format!("ssh://{}@127.0.0.1:{}", self.user, self.port)
    }

    /// The user sshd lets in.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// An `ssh` wrapper that offers `key`, and nothing else, to this server.
    pub fn client(&self, key: Key) -> SshClient {
        let name = match key {
            Key::Authorized => "authorized",
            Key::Stranger => "stranger",
        };
        SshClient::new(&self.dir.path().join(name))
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory holding an executable `ssh` that appends its arguments to a
/// calls file, then runs the real client with a configuration of its own.
pub struct SshClient {
    dir: tempfile::TempDir,
}

impl SshClient {
    fn new(identity: &Path) -> SshClient {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let bin = d.join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        let config = d.join("ssh_config");
        std::fs::write(
            &config,
            format!(
                "Host *\n\
                 \x20 IdentityFile {identity}\n\
                 \x20 IdentitiesOnly yes\n\
                 \x20 IdentityAgent none\n\
                 \x20 UserKnownHostsFile {known_hosts}\n\
                 \x20 GlobalKnownHostsFile /dev/null\n\
                 \x20 StrictHostKeyChecking no\n\
                 \x20 LogLevel ERROR\n",
                identity = identity.display(),
                known_hosts = d.join("known_hosts").display(),
            ),
        )
        .expect("ssh_config");
        let wrapper = bin.join("ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{calls}'\nexec {SSH} -F '{config}' \"$@\"\n",
                calls = d.join("calls").display(),
                config = config.display(),
            ),
        )
        .expect("the ssh wrapper");
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))
            .expect("chmod the ssh wrapper");
        SshClient { dir }
    }

    /// The directory holding the wrapper `ssh`.
    pub fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// A PATH with the wrapper first, then this process's PATH.
    pub fn path_env(&self) -> OsString {
        let mut dirs = vec![self.bin()];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(dirs).expect("a PATH")
    }

    /// The argument lines of every call of the wrapper so far.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "lumogon-tests", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen {path:?} failed");
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id -un");
    assert!(out.status.success(), "id -un failed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
