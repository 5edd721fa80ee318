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
            (
                what.split_whitespace().collect::<Vec<_>>().join(" "),
                to.to_owned(),
            )
        })
        .collect()
}

const NOTHING: &str = "nothing was sent or kept for a later run since the log began";

/// What became of `hit` in `logged`, in order, with `(late)` dropped: a
/// run's own hit is either sent by the run, or spooled at its exit and
/// sent by the detached sender, depending on how far the request got.
fn fates(logged: &[(String, String)], hit: &str) -> Vec<String> {
    logged
        .iter()
        .filter_map(|(what, _)| {
            let what = what.strip_suffix(" (late)").unwrap_or(what);
            what.strip_suffix(hit).map(|fate| fate.trim().to_owned())
        })
        .collect()
}

#[test]
fn sent_and_rejected_hits_are_logged_and_disable_deletes_the_log() {
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["version"]).collector(&collector.url());
    let out = lumogon.run();
    assert_eq!(out.code, Some(0));
    if !ANALYTICS {
        assert!(log(&lumogon).starts_with("this lumogon was built without"));
        return;
    }
    let shown = log(&lumogon);
    let logged = lines(&shown);
    let version = fates(&logged, "screenview \"version\"");
    assert!(
        version == ["sent"] || version == ["spooled", "sent"],
        "{shown}"
    );
    assert!(
        logged.iter().all(|(_, to)| *to == collector.url()),
        "{shown}"
    );
    assert!(
        shown
            .get(..4)
            .is_some_and(|y| y.parse::<u32>().is_ok_and(|y| y >= 2024))
            && shown.get(19..25) == Some(" UTC  "),
        "{shown}"
    );

    // A 400 is logged as rejected, with its status.
    let rejecting = Collector::start(400);
    let out = Lumogon::new(&["capabilities"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .collector(&rejecting.url())
        .run();
    assert_eq!(out.code, Some(0));
    let shown = log(&lumogon);
    assert_eq!(
        fates(&lines(&shown), "screenview \"capabilities\"")
            .last()
            .map(String::as_str),
        Some("rejected (400)"),
        "{shown}"
    );

    let out = Lumogon::new(&["analytics", "disable"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .run();
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("sent.log"), "{}", out.stdout);
    assert!(log(&lumogon).starts_with(NOTHING));
}

#[test]
fn a_hit_that_found_nothing_listening_is_logged_spooled_then_sent_late() {
    if !ANALYTICS {
        return;
    }
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}/collect");
    let mut lumogon = Lumogon::new(&["capabilities"]).collector(&url);
    assert_eq!(lumogon.run().code, Some(0));
    let shown = log(&lumogon);
    let logged = lines(&shown);
    let hit = "screenview \"capabilities\"";
    // Spooled by the run (and again by its sender, refused too).
    assert!(!fates(&logged, hit).is_empty(), "{shown}");
    assert!(
        fates(&logged, hit).iter().all(|f| f == "spooled"),
        "{shown}"
    );

    // The collector is back where the run found nothing listening.
    let collector = Collector::start_on(port, 200);
    let out = Lumogon::new(&["version"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .collector(&url)
        .run();
    assert_eq!(out.code, Some(0));
    let shown = log(&lumogon);
    let logged = lines(&shown);
    assert_eq!(
        logged
            .iter()
            .filter(|(what, _)| *what == format!("sent {hit} (late)"))
            .count(),
        1,
        "{shown}"
    );
    assert_eq!(
        fates(&logged, "screenview \"version\"")
            .last()
            .map(String::as_str),
        Some("sent")
    );
    assert_eq!(collector.hits().len(), 2);
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
