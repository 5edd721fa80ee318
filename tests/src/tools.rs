//! Debian tools the tests use as oracles (rpm, rpmbuild). A fresh machine of
//! this project's kind may lack them: as root with apt, the tests install
//! them, so that `cargo test` alone works on a new clone; otherwise they
//! fail saying what to install.

use std::process::{Command, Stdio};
use std::sync::Mutex;

static INSTALLING: Mutex<()> = Mutex::new(());

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure `tool` is on PATH, installing Debian's `package` if need be.
pub fn require(tool: &str, package: &str) {
    let _one_at_a_time = INSTALLING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if on_path(tool) {
        return;
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if is_root && on_path("apt-get") {
        let quiet = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let _ = quiet(&["update", "-qq"]);
        let _ = quiet(&["install", "-y", "-qq", package]);
    }
    assert!(
        on_path(tool),
        "these tests need `{tool}`: install Debian's {package} package (apt-get install {package})"
    );
}
