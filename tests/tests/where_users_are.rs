//! Analytics where lumogon runs: the client id derived once from the Docker
//! daemon and then kept, hits spooled through an outage and delivered once
//! with their age, backoff from a collector behind a firewall that drops
//! packets, and concurrent runs sharing one spool. Every test runs the real
//! `lumogon` binary against real servers on 127.0.0.1 (and a proxy in front
//! of the real Docker daemon); nothing is timed.
#![cfg(feature = "analytics")]

use std::path::Path;
use std::time::SystemTime;

use lumogon_tests::collector::Collector;
use lumogon_tests::engine_proxy::EngineProxy;
use lumogon_tests::lumogon::{Lumogon, Output};
use lumogon_tests::servers::{Firewalled, refused_port};
use serde_json::Value;

fn spooled(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("spool"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a spool line is JSON"))
        .collect()
}

fn ok(out: Output) -> Output {
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    out
}

fn value<'a>(hit: &'a [(String, String)], key: &str) -> Option<&'a str> {
    hit.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

#[test]
fn the_client_id_is_derived_once_and_later_runs_ask_docker_nothing() {
    let engine = EngineProxy::start("HABITAT:TEST:DAEMON:ID", "lumogon.test", "habitat");
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["version"])
        .collector(&collector.url())
        .env("DOCKER_HOST", engine.docker_host());
    ok(lumogon.run());
    // The first run asks for the ID (after the API version bollard
    // negotiates), and so may the sender its exit started, when the run
    // ended before the answer came.
    let asked = engine.requests();
    let infos = asked.iter().filter(|r| r.ends_with("/info")).count();
    assert!((1..=2).contains(&infos), "{asked:?}");

    ok(lumogon.run());
    ok(lumogon.run());
    assert_eq!(engine.requests(), asked, "a later run asked Docker again");

    let derived = lumogon_tests::derived_client_id("lumogon", "HABITAT:TEST:DAEMON:ID");
    let hits = collector.hits();
    assert_eq!(hits.len(), 3);
    for hit in &hits {
        assert_eq!(value(hit, "cid"), Some(derived.as_str()), "{hit:?}");
    }
    assert_eq!(
        std::fs::read_to_string(lumogon.config_dir().join("client_id")).ok(),
        Some(format!("{derived} derived\n"))
    );
}

#[test]
fn without_a_daemon_the_random_id_is_kept_and_a_daemons_answer_replaces_it() {
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["version"]).collector(&collector.url());
    ok(lumogon.run());
    ok(lumogon.run());
    // A daemon appears: a run uses the kept id at once, and asks the daemon
    // in the background for the runs after it. This one lives long enough
    // for the answer (an upload to a report service that takes its time).
    let engine = EngineProxy::start("HABITAT:LATE:DAEMON", "lumogon.test", "habitat");
    let reports = Collector::slow(std::time::Duration::from_millis(700));
    ok(Lumogon::new(&["report", "--endpoint", &reports.url()])
        .collector(&collector.url())
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .env("DOCKER_HOST", engine.docker_host())
        .run());
    let mut later = lumogon.env("DOCKER_HOST", engine.docker_host());
    ok(later.run());
    let ids: Vec<_> = collector
        .hits()
        .iter()
        .filter(|hit| value(hit, "t") == Some("screenview"))
        .map(|hit| value(hit, "cid").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[0], ids[1], "the random id was not kept");
    assert_eq!(ids[0], ids[2], "a run waited for the daemon");
    let random = uuid::Uuid::try_parse(&ids[0]).expect("a UUID");
    assert_eq!(random.get_version_num(), 4);
    assert_eq!(
        ids[3],
        lumogon_tests::derived_client_id("lumogon", "HABITAT:LATE:DAEMON")
    );
}

/// Runs `lumogon ARGS` and returns when it started and ended, in ms since
/// the epoch.
fn timed_run(lumogon: &mut Lumogon) -> (u64, u64) {
    let start = now_ms();
    ok(lumogon.run());
    (start, now_ms())
}

#[test]
fn an_outage_loses_nothing_and_each_hit_arrives_once_with_its_age() {
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}/collect");
    let mut version = Lumogon::new(&["version"]).collector(&url);
    let dir = version.config_dir();
    let mut capabilities = Lumogon::new(&["capabilities"])
        .collector(&url)
        .env("LUMOGON_CONFIG_DIR", &dir);
    let runs = [
        timed_run(&mut version),
        timed_run(&mut capabilities),
        timed_run(&mut version),
    ];
    let kept = spooled(&dir);
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(kept[1]["screen"], "capabilities");
    assert_eq!(kept[1]["to"], url.as_str());

    // The collector is back, where it was.
    let collector = Collector::start_on(port, 200);
    let (recovery, _) = timed_run(&mut version);
    let recovered = now_ms();
    let requests = collector.requests();
    assert_eq!(requests.len(), 1, "the spool rides with the first request");
    assert!(requests[0].path.ends_with("/batch"), "{}", requests[0].path);
    let hits = collector.hits();
    // This run's own hit goes first when the run sends it itself, last
    // when its exit spooled it for the sender (the spool is in time order).
    let own_first = value(&hits[0], "qt").is_none();
    let (own, late) = if own_first {
        (&hits[0], &hits[1..])
    } else {
        (&hits[3], &hits[..3])
    };
    let screens: Vec<_> = late.iter().map(|h| value(h, "cd").unwrap_or("")).collect();
    assert_eq!(screens, ["version", "capabilities", "version"]);
    assert_eq!(value(own, "cd"), Some("version"));
    if let Some(qt) = value(own, "qt") {
        let qt: u64 = qt.parse().expect("qt");
        assert!(
            qt <= recovered - recovery,
            "qt={qt} for the recovery run itself"
        );
    }
    for (hit, (start, end)) in late.iter().zip(runs) {
        let qt: u64 = value(hit, "qt").and_then(|q| q.parse().ok()).expect("qt");
        // Recorded during its run, sent during the recovery run.
        assert!(
            qt >= recovery.saturating_sub(end) && qt <= recovered - start,
            "qt={qt} for a run from {start} to {end}, sent from {recovery} to {recovered}"
        );
    }
    assert!(spooled(&dir).is_empty(), "{:?}", spooled(&dir));
    assert!(!dir.join("spool").exists());

    // Nothing is sent twice.
    ok(version.run());
    assert_eq!(collector.hits().len(), 5);
}

#[test]
fn ga4_events_sent_late_keep_their_time_and_session() {
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}/mp/collect");
    let mut lumogon = Lumogon::new(&["version"])
        .collector(&url)
        .env("LUMOGON_GA4_MEASUREMENT_ID", "G-HABITAT1")
        .env("LUMOGON_GA4_API_SECRET", "secret");
    let (start, end) = timed_run(&mut lumogon);
    let kept = spooled(&lumogon.config_dir());
    assert_eq!(kept.len(), 1, "{kept:?}");
    let session = kept[0]["session"].as_str().expect("a session").to_owned();

    let collector = Collector::start_on(port, 204);
    ok(lumogon.run());
    let requests = collector.requests();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_str(&requests[0].body).expect("JSON");
    let events = body["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 2, "{body}");
    // The first run's event is the one stamped within that run (the second
    // run's own may be sent late too, by the sender its exit started).
    let in_first_run = |e: &&Value| {
        e["timestamp_micros"]
            .as_u64()
            .is_some_and(|m| m >= start * 1000 && m <= end * 1000)
    };
    let first = events.iter().find(in_first_run).unwrap_or_else(|| {
        panic!("no event with a timestamp_micros within {start}..{end} ms: {body}")
    });
    assert_eq!(first["params"]["session_id"], session.as_str());
}

#[test]
fn concurrent_runs_neither_lose_nor_double_a_spooled_hit() {
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}/collect");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    // Their debug logs, to show what became of each hit on a failure.
    let run_together = |count: usize| -> String {
        let mut runs: Vec<Lumogon> = (0..count)
            .map(|_| {
                Lumogon::new(&["-d", "version"])
                    .collector(&url)
                    .env("LUMOGON_CONFIG_DIR", &config)
            })
            .collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = runs
                .iter_mut()
                .map(|run| scope.spawn(move || ok(run.run()).stderr))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        })
    };
    // One seeded directory for all of them.
    let _seed = Lumogon::new(&["version"]).config_dir_at(&config);
    let logs = run_together(6);
    assert_eq!(
        spooled(&config).len(),
        6,
        "a concurrent run lost a hit:\n{logs}"
    );

    let collector = Collector::start_on(port, 200);
    let logs = run_together(4);
    let hits = collector.hits();
    // At least the six spooled before are late; the four runs' own are
    // late too when their exit left them to a sender.
    let late = hits.iter().filter(|h| value(h, "qt").is_some()).count();
    assert_eq!(hits.len(), 10, "{hits:?}\n{logs}");
    assert!(late >= 6, "{hits:?}\n{logs}");
    assert!(spooled(&config).is_empty());
}

#[test]
fn a_firewalled_collector_costs_one_timeout_then_runs_hold_back_until_a_probe() {
    let firewall = Firewalled::start();
    let url = firewall.collect_url();
    let mut lumogon = Lumogon::new(&["-d", "version"]).collector(&url);
    let dir = lumogon.config_dir();

    // The first run waits for nothing: it keeps the hit, and the sender its
    // exit started waits for the connection in its stead, and backs off.
    let first = ok(lumogon.run());
    assert!(
        first.stderr.contains(
            "spooled screenview \"version\" for a later run: the command ended before they left"
        ) && first.stderr.contains("analytics: a sender (process "),
        "{}",
        first.stderr
    );
    let backoff: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("backoff")).expect("a backoff was recorded"),
    )
    .expect("JSON");
    assert_eq!(backoff["endpoint"], url.as_str());
    assert_eq!(backoff["failures"], 1);
    let until = backoff["until"].as_u64().expect("until");
    let window = until.saturating_sub(now_ms());
    assert!(
        window > 14 * 60 * 1000 && window <= 15 * 60 * 1000,
        "{window}"
    );

    // Inside the window: no attempt and no sender, the hit goes straight
    // to the spool (by the worker, or by the exit if it came first).
    let second = ok(lumogon.run());
    assert!(
        second
            .stderr
            .contains("spooled screenview \"version\" for a later run: ")
            && !second.stderr.contains("a sender (process "),
        "{}",
        second.stderr
    );

    let status = ok(Lumogon::new(&["analytics", "status"])
        .env("LUMOGON_CONFIG_DIR", &dir)
        .run());
    assert!(
        status
            .stdout
            .contains("spool:     2 hit(s) that did not reach the collector, for a later run\n")
            && status.stdout.contains(&format!(
                "backoff:   {url} timed out; runs send it nothing for another 15 min\n"
            )),
        "{}",
        status.stdout
    );

    // The firewall opens; runs inside the window still hold back.
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/collect")
        .parse()
        .expect("port");
    drop(firewall);
    let collector = Collector::start_on(port, 200);
    ok(lumogon.run());
    assert_eq!(collector.connections(), 0, "a run inside the window tried");
    assert_eq!(spooled(&dir).len(), 3);

    // The window is over: one run probes, is answered, and the spool goes.
    let mut over = backoff.clone();
    over["until"] = Value::from(now_ms() - 1);
    std::fs::write(dir.join("backoff"), over.to_string()).expect("end the window");
    let probe = ok(lumogon.run());
    let hits = collector.hits();
    assert_eq!(hits.len(), 4, "{hits:?}\n{}", probe.stderr);
    assert!(hits.iter().filter(|h| value(h, "qt").is_some()).count() >= 3);
    assert!(!dir.join("backoff").exists(), "an answer ends the backoff");
    assert!(!dir.join("spool").exists());
}

#[test]
fn the_dry_run_shows_spooled_hits_and_disable_deletes_them() {
    let url = format!("http://127.0.0.1:{}/collect", refused_port());
    let mut lumogon = Lumogon::new(&["version"]).collector(&url);
    ok(lumogon.run());
    let dir = lumogon.config_dir();
    assert_eq!(spooled(&dir).len(), 1);

    let dry = ok(Lumogon::new(&["capabilities"])
        .collector(&url)
        .env("LUMOGON_CONFIG_DIR", &dir)
        .env("LUMOGON_ANALYTICS_DEBUG", "1")
        .run());
    let batch = format!(
        "POST http://127.0.0.1:{}",
        &url["http://127.0.0.1:".len()..]
    );
    assert!(
        dry.stderr.contains(&batch.replace("/collect", "/batch")),
        "{}",
        dry.stderr
    );
    assert!(
        dry.stderr.contains("&cd=capabilities&aip=1\n"),
        "{}",
        dry.stderr
    );
    assert!(
        dry.stderr.contains("&cd=version&aip=1&qt="),
        "{}",
        dry.stderr
    );
    assert_eq!(spooled(&dir).len(), 1, "a dry run took the spool");

    let disable = ok(Lumogon::new(&["analytics", "disable"])
        .env("LUMOGON_CONFIG_DIR", &dir)
        .run());
    let spool = dir.join("spool");
    assert!(
        disable
            .stdout
            .contains(&format!("deleted:   {}", spool.display())),
        "{}",
        disable.stdout
    );
    assert!(!spool.exists());
}

#[test]
fn validate_mode_keeps_nothing_for_a_later_run() {
    // What validate mode could not check must never be sent for real later,
    // whether the validation server refused the connection or dropped it.
    let firewall = Firewalled::start();
    let refused = format!("http://127.0.0.1:{}/mp/collect", refused_port());
    let firewalled = firewall.collect_url().replace("/collect", "/mp/collect");
    for (url, verdict) in [
        (
            refused,
            "not validated: could not reach the validation server",
        ),
        (
            firewalled,
            "not validated: the validation server did not answer within the flush budget",
        ),
    ] {
        let mut lumogon = Lumogon::new(&["version"])
            .collector(&url)
            .env("LUMOGON_GA4_MEASUREMENT_ID", "G-HABITAT1")
            .env("LUMOGON_GA4_API_SECRET", "secret")
            .env("LUMOGON_ANALYTICS_DEBUG", "validate");
        let out = ok(lumogon.run());
        let said = |what: &str| {
            out.stderr.contains(&format!(
                "lumogon-track: validate (LUMOGON_ANALYTICS_DEBUG): {what}"
            ))
        };
        assert!(said("POST ") && said(verdict), "{}", out.stderr);
        let files = lumogon.config_files();
        assert!(
            !files.iter().any(|f| f == "spool" || f == "backoff"),
            "{url}: {files:?}"
        );
    }
}

#[test]
fn a_hit_queued_behind_a_stuck_request_is_spooled_at_exit() {
    // The screenview's request hangs on a firewalled collector; the upload
    // event queues behind it while the report is uploaded (slowly); the
    // exit gives up on both and keeps both, neither having left.
    let firewall = Firewalled::start();
    let reports = Collector::slow(std::time::Duration::from_millis(300));
    // An engine with no container of ours: the report is quick and the
    // same whatever else runs on this machine.
    let engine = EngineProxy::start("HABITAT:QUEUED", "lumogon.test", "none");
    let mut lumogon = Lumogon::new(&["report", "--endpoint", &reports.url()])
        .collector(&firewall.collect_url())
        .env("DOCKER_HOST", engine.docker_host());
    ok(lumogon.run());
    let kept: Vec<String> = spooled(&lumogon.config_dir())
        .iter()
        .map(|s| {
            s["screen"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{}/{}", s["category"], s["action"]))
        })
        .collect();
    assert_eq!(kept, ["report", "\"UX\"/\"upload\""], "{kept:?}");
}

#[test]
fn ga4_hits_the_exit_spools_keep_their_runs_session() {
    let firewall = Firewalled::start();
    let url = firewall.collect_url().replace("/collect", "/mp/collect");
    let mut lumogon = Lumogon::new(&["version"])
        .collector(&url)
        .env("LUMOGON_GA4_MEASUREMENT_ID", "G-HABITAT1")
        .env("LUMOGON_GA4_API_SECRET", "secret");
    ok(lumogon.run());
    let dir = lumogon.config_dir();
    let session = std::fs::read_to_string(dir.join("session")).expect("a session");
    let kept = spooled(&dir);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        kept[0]["session"].as_str(),
        session.split_whitespace().next(),
        "{kept:?}"
    );
    assert_eq!(kept[0]["property"], "measurement_id=G-HABITAT1");
}

#[test]
fn a_spooled_hit_goes_only_to_the_property_it_was_recorded_for() {
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}/collect");
    let mut first = Lumogon::new(&["version"]).collector(&url);
    ok(first.run());
    assert_eq!(spooled(&first.config_dir()).len(), 1);
    // The same collector URL, another property: lumogon as a GA4 web
    // stream.
    let collector = Collector::start_on(port, 204);
    ok(Lumogon::new(&["version"])
        .collector(&url)
        .env("LUMOGON_CONFIG_DIR", first.config_dir())
        .env("LUMOGON_GA4_MEASUREMENT_ID", "G-OTHER1")
        .env("LUMOGON_GA4_API_SECRET", "secret")
        .run());
    let requests = collector.requests();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_str(&requests[0].body).expect("JSON");
    assert_eq!(body["events"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(spooled(&first.config_dir()).len(), 1, "the v1 hit stays");
}
