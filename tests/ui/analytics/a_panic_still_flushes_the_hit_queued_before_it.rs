//! A tracked handler that panics: the panic keeps its payload, and the hit
//! queued when the handler started still reaches the collector, because the
//! guard's flush runs while the panic unwinds.

use lumogon_tests::collector::Collector;
use lumogon_track::{Config, track_screen};

#[track_screen("explodes")]
fn explodes() {
    std::panic::panic_any(7_u32);
}

fn main() {
    if ["DO_NOT_TRACK", "UI_TEST_DISABLE_ANALYTICS", "UI_TEST_ANALYTICS_DEBUG"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"))
    {
        return;
    }
    let collector = Collector::start(200);
    let url = collector.url();
    std::panic::set_hook(Box::new(|_| {}));
    // Stands for `main`: the guard lives in the frame the panic unwinds.
    let payload = std::panic::catch_unwind(move || {
        // A directory where the first-run notice was shown: on from the start.
        let seen = lumogon_tests::notice_seen();
        let _guard = lumogon_track::init(lumogon_tests::hermetic(
            Config::universal_analytics("UA-1-1", "ui-test", "1.0").config_dir(seen.path())
                .endpoint(url)
                .client_id(|| Some("panic-test".to_owned())),
        ))
        .unwrap();
        explodes();
    })
    .unwrap_err();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&7));
    let hits = collector.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].contains(&("cd".to_owned(), "explodes".to_owned())));
}
