//! Without the feature: the same code compiles, and at run time nothing
//! starts, nothing is counted, nothing is written.

use lumogon_track::{Config, track_screen};

#[track_screen("scan")]
fn handler() -> u32 {
    1
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn main() {
    let dir = std::env::temp_dir().join(format!("lumogon-ui-off-{}", std::process::id()));
    let guard = lumogon_track::init(
        Config::universal_analytics("UA-1-1", "ui-test", "1.0")
            .endpoint("http://127.0.0.1:9/collect")
            .config_dir(&dir)
            .client_id(|| panic!("the client id source was called")),
    )
    .unwrap();
    for _ in 0..100 {
        assert_eq!(handler(), 1);
    }
    lumogon_track::event("UX", "upload");
    assert_eq!(threads(), 1);
    assert_eq!(lumogon_track::stats(), lumogon_track::Stats::default());
    assert_eq!(std::mem::size_of_val(&guard), 0);
    drop(guard);
    assert!(!dir.exists());
}
