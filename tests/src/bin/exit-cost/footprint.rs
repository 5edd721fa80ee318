//! What analytics adds to a build: the release binary's size, the crates
//! compiled, and (on request) the time of a clean release build.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use lumogon_tests::lumogon::{cargo, dependency_tree};

fn features(analytics: bool) -> &'static [&'static str] {
    if analytics {
        &[]
    } else {
        &["--no-default-features"]
    }
}

/// The crates compiled for `lumogon` (itself included): every package
/// reached through normal and build dependencies.
pub fn crates(analytics: bool) -> usize {
    distinct_packages(&dependency_tree("normal,build", analytics))
}

/// Counts the distinct `name vX.Y.Z` packages in `cargo tree --prefix none`
/// output, whose lines repeat a package wherever it is reached again.
fn distinct_packages(tree: &str) -> usize {
    tree.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect::<BTreeSet<_>>()
        .len()
}

/// The size of the file at `path`, in bytes.
pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The wall time of `cargo build --release -p lumogon` into an empty target
/// directory, with the dependencies' sources already downloaded.
pub fn clean_build(analytics: bool) -> Duration {
    let target = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let status = cargo()
        .args(["build", "--release", "--locked", "--quiet", "-p", "lumogon"])
        .arg("--target-dir")
        .arg(target.path())
        .args(features(analytics))
        .status()
        .expect("run cargo build");
    let elapsed = started.elapsed();
    assert!(status.success(), "the clean build failed");
    elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_packages_count_once() {
        let tree = "lumogon v0.1.0 (/work/main/lumogon)\n\
                    serde v1.0.1\n\
                    serde_derive v1.0.1 (proc-macro)\n\
                    serde v1.0.1 (*)\n\
                    \n\
                    syn v2.0.0\n";
        assert_eq!(distinct_packages(tree), 4);
    }
}
