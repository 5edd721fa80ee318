//! Records the commit a binary was built from, for `lumogon version` and the
//! report's `client_version`. The build time is the commit's time, so two
//! builds of one commit print the same thing.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .env("TZ", "UTC")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn main() {
    let sha = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    let time = git(&[
        "log",
        "-1",
        "--date=format-local:%Y-%m-%d %H:%M:%S +0000 UTC",
        "--format=%cd",
    ])
    .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=LUMOGON_BUILD_SHA={sha}");
    println!("cargo:rustc-env=LUMOGON_BUILD_TIME={time}");
    // Rebuild when HEAD moves, not on every build.
    for path in ["HEAD", "refs/heads", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
