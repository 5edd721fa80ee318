//! trybuild UI tests of `#[track_screen]`. trybuild passes this crate's
//! features to every case and has no per-case features, so cases whose
//! expectations depend on the mode live in their own folder behind a
//! `cfg(feature)` test; `pass/` and `fail/` hold in both modes.
//!
//! `analytics-fail/` holds what is an error only with analytics on: the
//! `outcome` option on a handler whose return type cannot be judged fails
//! at the trait bound the expansion adds, and compiled out the function is
//! left as written, so the same files must build and run there (they are
//! `pass` cases in that mode).
//!
//! The `.stderr` files of `fail/` and `analytics-fail/` hold the compiler's own words, which
//! change between releases; they are compared only under the compiler they
//! were written with, so that a compiler upgrade cannot turn CI red by
//! rewording a message. (A `rust-toolchain.toml` would pin it instead, but
//! would make every build download that toolchain, which an offline machine
//! cannot.) Under another compiler the cases still run in `pass/`, and the
//! test says what it skipped; to adopt a new compiler, rewrite the files
//! with `TRYBUILD=overwrite` and change [`STDERR_WRITTEN_WITH`].

use std::process::Command;

/// The start of `rustc --version` for the compiler that wrote `fail/*.stderr`.
const STDERR_WRITTEN_WITH: &str = "rustc 1.95.";

/// `rustc --version` of the compiler cargo uses here.
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Whether `.stderr` files can be compared under this compiler; if not,
/// says which folder is skipped.
fn stderr_comparable(folder: &str) -> bool {
    let version = rustc_version();
    let comparable = version.starts_with(STDERR_WRITTEN_WITH);
    if !comparable {
        eprintln!(
            "{folder} skipped: its .stderr files were written with {STDERR_WRITTEN_WITH}x, and \
             this is {version:?}; rewrite them with TRYBUILD=overwrite and update \
             STDERR_WRITTEN_WITH in tests/tests/ui.rs"
        );
    }
    comparable
}

#[test]
fn ui_in_both_modes() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    if stderr_comparable("ui/fail") {
        t.compile_fail("ui/fail/*.rs");
    }
}

#[cfg(feature = "analytics")]
#[test]
fn ui_with_analytics() {
    let t = trybuild::TestCases::new();
    t.pass("ui/analytics/*.rs");
    if stderr_comparable("ui/analytics-fail") {
        t.compile_fail("ui/analytics-fail/*.rs");
    }
}

#[cfg(not(feature = "analytics"))]
#[test]
fn ui_without_analytics() {
    let t = trybuild::TestCases::new();
    t.pass("ui/no-analytics/*.rs");
    // Compiled out, the `outcome` option costs nothing and checks nothing
    // about the return type: these build and run as written.
    t.pass("ui/analytics-fail/*.rs");
}

#[test]
fn the_pinned_compiler_is_named_the_way_rustc_names_itself() {
    // A typo here would skip the suite silently on every compiler.
    let version = rustc_version();
    assert!(version.starts_with("rustc "), "{version:?}");
    assert!(STDERR_WRITTEN_WITH.starts_with("rustc 1."));
}
