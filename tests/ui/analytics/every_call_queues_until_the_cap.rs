//! Every call queues one hit, including calls that leave by `?`, `return` or
//! a panic, until the per-process cap of 20; later calls are counted and
//! dropped.

use lumogon_track::{Config, track_screen};

#[track_screen("parse")]
fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    let n = s.parse()?;
    if n == 0 {
        return Ok(0);
    }
    Ok(n)
}

#[track_screen("panics")]
fn panics() {
    panic!("boom");
}

fn main() {
    if ["DO_NOT_TRACK", "UI_TEST_DISABLE_ANALYTICS"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"))
    {
        return;
    }
    parse("1").unwrap();
    assert_eq!(lumogon_track::stats().queued, 0, "a hit before init is not queued");

    // A directory where the first-run notice was shown: on from the start.
    let seen = lumogon_tests::notice_seen();
    let _guard = lumogon_track::init(lumogon_tests::hermetic(
        Config::universal_analytics("UA-1-1", "ui-test", "1.0").config_dir(seen.path()).endpoint("http://127.0.0.1:9/collect")),
    )
    .unwrap();
    assert!(parse("x").is_err());
    assert_eq!(parse("0"), Ok(0));
    std::panic::set_hook(Box::new(|_| {}));
    assert!(std::panic::catch_unwind(panics).is_err());
    assert_eq!(lumogon_track::stats().queued, 3);

    for _ in 0..100 {
        let _ = parse("7");
    }
    let stats = lumogon_track::stats();
    assert_eq!(stats.queued, 20);
    assert_eq!(stats.dropped, 83);
}
