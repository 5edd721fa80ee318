//! Helpers for the end-to-end tests: real servers on 127.0.0.1 and a way to
//! run the `lumogon` binary of the current feature mode in a clean
//! environment.

// Test fixtures hold threads and sockets; a Debug view of them helps nobody.
#![allow(missing_debug_implementations)]

pub mod bounded;
pub mod collector;
pub mod containerd;
pub mod delay_proxy;
pub mod docker_proxy;
pub mod engine_proxy;
pub mod examples;
pub mod fixtures;
pub mod installed;
pub mod lumogon;
pub mod networks;
pub mod podman;
pub mod servers;
pub mod sshd;
pub mod stall_proxy;
pub mod tls;
pub mod tls_engine;
pub mod tools;

/// Whether this test build has the `analytics` feature, and so which
/// `lumogon` it runs.
pub const ANALYTICS: bool = cfg!(feature = "analytics");

/// A config directory in which the first-run notice was shown, for a test
/// that `init`s lumogon-track in-process and must send from its first run.
pub fn notice_seen() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("analytics.json"),
        r#"{"notice_version": 1}"#,
    )
    .expect("settings");
    dir
}

/// `config` reading no variable of this machine's: for a test that
/// `init`s lumogon-track in-process and must decide the same wherever it
/// runs (`CI=true` in CI, `DO_NOT_TRACK` on a workstation). Give it its
/// directory and endpoint in code.
pub fn hermetic(config: lumogon_track::Config) -> lumogon_track::Config {
    config.environment(|_| None)
}

/// The client id lumogon-track derives for the application `app` from its
/// source's answer `seed`, computed here independently as the
/// documentation states it: uuid5(uuid5(URL namespace,
/// `"lumogon-track:" + app`), seed).
pub fn derived_client_id(app: &str, seed: &str) -> String {
    let namespace = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("lumogon-track:{app}").as_bytes(),
    );
    uuid::Uuid::new_v5(&namespace, seed.as_bytes()).to_string()
}

/// A GA4 web stream's `client_id` for the client id `uuid`, computed here
/// independently as lumogon-track documents it: two positive numbers joined
/// by a period, the UUID's first and next 32 bits (at least 1 each).
pub fn web_client_id(uuid: &str) -> String {
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    let number = |digits: &str| u32::from_str_radix(digits, 16).unwrap_or(0).max(1);
    format!("{}.{}", number(&hex[..8]), number(&hex[8..16]))
}

/// Whether a detached sender of lumogon-track delivers for the app
/// directory `dir` now: a process whose environment holds
/// `{APP}_ANALYTICS_SENDER=<dir>` (lumogon's, the greeter's, any app's).
pub fn sender_running(dir: &std::path::Path) -> bool {
    let marker = format!("_ANALYTICS_SENDER={}", dir.display());
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .any(|e| {
            std::fs::read(e.path().join("environ")).is_ok_and(|env| {
                env.split(|b| *b == 0)
                    .any(|v| v.ends_with(marker.as_bytes()))
            })
        })
}

/// Waits until no detached sender delivers for the app directory `dir`
/// ([`sender_running`]), at most 20 s: what a run's exit left is then at the
/// collector, or back in the spool. A run's sender is started before the
/// run exits, so once the run has ended it is either found here or done.
/// Not a measure of time: a bound so that a sender that never ends fails
/// the test instead of hanging it.
pub fn wait_for_senders(dir: &std::path::Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sender_running(dir) {
        assert!(
            std::time::Instant::now() < deadline,
            "a sender for {} still runs after 20 s",
            dir.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
