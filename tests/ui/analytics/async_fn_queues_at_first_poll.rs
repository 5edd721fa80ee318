//! With analytics on, an `async fn`'s hit is queued when its future is first
//! polled, not when it is created; an `#[async_trait]` method's likewise.

use async_trait::async_trait;
use lumogon_track::{Config, track_screen};

#[track_screen("async")]
async fn handler() -> u32 {
    1
}

#[async_trait]
trait Handler {
    async fn handle(&self) -> u32;
}

struct H;

#[async_trait]
impl Handler for H {
    #[track_screen("async trait")]
    async fn handle(&self) -> u32 {
        2
    }
}

fn main() {
    if lumogon_tests_opted_out() {
        return;
    }
    // Port 9 (discard) on loopback: nothing listens, every request is refused.
    // A directory where the first-run notice was shown: on from the start.
    let seen = lumogon_tests::notice_seen();
    let _guard = lumogon_track::init(lumogon_tests::hermetic(
        Config::universal_analytics("UA-1-1", "ui-test", "1.0").config_dir(seen.path()).endpoint("http://127.0.0.1:9/collect")),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();

    let future = handler();
    assert_eq!(lumogon_track::stats().queued, 0, "queued before the first poll");
    assert_eq!(rt.block_on(future), 1);
    assert_eq!(lumogon_track::stats().queued, 1);

    let future = H.handle();
    assert_eq!(lumogon_track::stats().queued, 1, "queued before the first poll");
    assert_eq!(rt.block_on(future), 2);
    assert_eq!(lumogon_track::stats().queued, 2);
}

fn lumogon_tests_opted_out() -> bool {
    ["DO_NOT_TRACK", "UI_TEST_DISABLE_ANALYTICS"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"))
}
