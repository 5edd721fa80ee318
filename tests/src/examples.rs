//! lumogon-track's examples, built with this test build's features: another
//! CLI that adopts the library, run as a program of its own.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::ANALYTICS;
use crate::lumogon::{target_and_profile, workspace};

/// Builds the `greeter` example with this test build's features into the
/// shared target directory, once, and returns its path.
pub fn greeter() -> &'static PathBuf {
    static GREETER: OnceLock<PathBuf> = OnceLock::new();
    GREETER.get_or_init(|| {
        let (target, profile) = target_and_profile();
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(workspace())
            .args([
                "build",
                "--quiet",
                "-p",
                "lumogon-track",
                "--example",
                "greeter",
                "--target-dir",
            ])
            .arg(&target);
        if profile == "release" {
            cargo.arg("--release");
        }
        if !ANALYTICS {
            cargo.arg("--no-default-features");
        }
        assert!(cargo.status().expect("cargo build").success());
        target.join(profile).join("examples").join("greeter")
    })
}
