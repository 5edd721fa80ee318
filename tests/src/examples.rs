//! lumogon-track's examples, built with this test build's features: another
//! CLI that adopts the library, run as a program of its own.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::lumogon::cargo_build;

/// Builds the `greeter` example with this test build's features into the
/// shared target directory, once, and returns its path.
pub fn greeter() -> &'static PathBuf {
    static GREETER: OnceLock<PathBuf> = OnceLock::new();
    GREETER.get_or_init(|| {
        cargo_build(&[
            "-p",
            "lumogon-track",
            "--features",
            "lumogon-track/clap",
            "--example",
            "greeter",
        ])
        .join("examples")
        .join("greeter")
    })
}
