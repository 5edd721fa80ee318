//! `lumogon analytics log`: what was sent or spooled, end to end with the
//! real binary against real servers on 127.0.0.1.

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::lumogon::Lumogon;
use lumogon_tests::servers::refused_port;

/// `lumogon analytics log` for the config directory `of` uses.
fn log(of: &Lumogon) -> String {
    let out = Lumogon::new(&["analytics", "log"])
        .env("LUMOGON_CONFIG_DIR", of.config_dir())
        .run();
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    out.stdout
}

/// The log's lines, each as (outcome, hit, to), without the time.
fn lines(log: &str) -> Vec<(String, String)> {
    log.lines()
        .map(|line| {
            // `YYYY-MM-DD HH:MM:SS UTC  <outcome> <hit>  to <url>`
            let rest = line.get(25..).unwrap_or_default();
            let (what, to) = rest.rsplit_once("  to ").unwrap_or((rest, ""));
            (what.split_whitespace().collect::<Vec<_>>().join(" "), to.to_owned())
        })
        .collect()
}

const NOTHING: &str = "nothing was sent or kept for a later run since the log began";

#[test]
fn sent_spooled_and_late_hits_are_logged_and_disable_deletes_the_log() {
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["version"]).collector(&collector.url());
    let out = lumogon.run();
    assert_eq!(out.code, Some(0));
    if !ANALYTICS {
        assert!(log(&lumogon).starts_with("this lumogon was built without"));
        return;
    }
    let url = collector.url();
    assert_eq!(
        lines(&log(&lumogon)),
        [("sent screenview \"version\"".to_owned(), url.clone())]
    );
    let time = log(&lumogon);
    assert!(
        time.get(..4).is_some_and(|y| y.parse::<u32>().is_ok_and(|y| y >= 2024))
            && time.get(19..25) == Some(" UTC  "),
        "{time}"
    );

    // Nothing listens: the hit is spooled, then a later run delivers it.
    let refused = format!("http://127.0.0.1:{}/collect", refused_port());
    let out = Lumogon::new(&["capabilities"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .collector(&refused)
        .run();
    assert_eq!(out.code, Some(0));
    let out = Lumogon::new(&["version"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .env("LUMOGON_ANALYTICS_URL", &refused)
        .run();
    assert_eq!(out.code, Some(0));
    let logged = lines(&log(&lumogon));
    assert_eq!(
        logged[1..],
        [
            ("spooled screenview \"capabilities\"".to_owned(), refused.clone()),
            ("spooled screenview \"version\"".to_owned(), refused.clone()),
        ],
        "{logged:?}"
    );

    // A 400 is logged as rejected, with its status.
    let rejecting = Collector::start(400);
    let out = Lumogon::new(&["version"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .collector(&rejecting.url())
        .run();
    assert_eq!(out.code, Some(0));
    let logged = lines(&log(&lumogon));
    assert_eq!(
        logged.last(),
        Some(&("rejected (400) screenview \"version\"".to_owned(), rejecting.url())),
        "{logged:?}"
    );

    let out = Lumogon::new(&["analytics", "disable"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .run();
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("sent.log"), "{}", out.stdout);
    assert!(log(&lumogon).starts_with(NOTHING));
}

#[test]
fn the_spool_delivered_later_is_logged_as_sent_late() {
    if !ANALYTICS {
        return;
    }
    let refused = format!("http://127.0.0.1:{}/collect", refused_port());
    let mut lumogon = Lumogon::new(&["capabilities"]).collector(&refused);
    assert_eq!(lumogon.run().code, Some(0));
    let collector = Collector::start(200);
    let out = Lumogon::new(&["version"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .collector(&collector.url())
        .run();
    assert_eq!(out.code, Some(0));
    let logged = lines(&log(&lumogon));
    let url = collector.url();
    assert!(
        logged.contains(&("sent screenview \"capabilities\" (late)".to_owned(), url.clone())),
        "{logged:?}"
    );
    assert!(
        logged.contains(&("sent screenview \"version\"".to_owned(), url)),
        "{logged:?}"
    );
}

#[test]
fn nothing_is_logged_when_nothing_is_sent() {
    let collector = Collector::start(200);
    type Setup = fn(Lumogon) -> Lumogon;
    let cases: [(&str, Setup); 3] = [
        ("dry run", |l| l.env("LUMOGON_ANALYTICS_DEBUG", "1")),
        ("DO_NOT_TRACK", |l| l.env("DO_NOT_TRACK", "1")),
        ("first run", Lumogon::first_run),
    ];
    for (case, setup) in cases {
        let mut lumogon = setup(Lumogon::new(&["version"]).collector(&collector.url()));
        assert_eq!(lumogon.run().code, Some(0), "{case}");
        let shown = log(&lumogon);
        if ANALYTICS {
            assert!(shown.starts_with(NOTHING), "{case}: {shown}");
        }
        assert!(!lumogon.config_dir().join("sent.log").exists(), "{case}");
    }
    assert!(collector.requests().is_empty());
}
