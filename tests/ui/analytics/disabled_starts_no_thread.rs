//! Disabled at run time: tracked calls start no thread, queue nothing, and
//! write nothing.

use lumogon_track::{Config, track_screen};

#[track_screen("scan")]
fn handler() -> u32 {
    1
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn main() {
    let dir = std::env::temp_dir().join(format!("lumogon-ui-disabled-{}", std::process::id()));
    lumogon_track::disable();
    let _guard = lumogon_track::init(
        Config::universal_analytics("UA-1-1", "ui-test", "1.0")
            .endpoint("http://127.0.0.1:9/collect")
            .config_dir(&dir),
    )
    .unwrap();
    for _ in 0..100 {
        assert_eq!(handler(), 1);
    }
    assert_eq!(threads(), 1);
    assert_eq!(lumogon_track::stats(), lumogon_track::Stats::default());
    assert!(!dir.exists());
}
