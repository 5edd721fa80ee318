//! The PostHog backend as people meet it, through the real `lumogon` and
//! `greeter` binaries and a local server that checks every request against
//! PostHog's batch format ([`lumogon_tests::collector::posthog`]): the
//! variables that choose PostHog, a screenview and an event, several events
//! in one request, a late event with the time it was recorded, the dry run,
//! validate mode, and half a configuration refused. Every server is on
//! 127.0.0.1; the runners clear the environment.

use std::path::Path;
use std::process::Command;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::{Collector, posthog};
use lumogon_tests::examples::greeter;
use lumogon_tests::lumogon::Lumogon;
use lumogon_tests::servers::refused_port;
use serde_json::Value;

const KEY: &str = "phc_lumogonTest123";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// Every event the collector received, each request checked against
/// PostHog's format: one that breaks it fails the test.
fn events(collector: &Collector) -> Vec<Value> {
    collector
        .requests()
        .iter()
        .flat_map(|r| posthog::events(r).unwrap_or_else(|e| panic!("{e}\n{}", r.raw())))
        .collect()
}

fn prop<'a>(event: &'a Value, key: &str) -> &'a str {
    event["properties"][key].as_str().unwrap_or_default()
}

/// `lumogon ARGS` choosing PostHog at `host`.
fn lumogon(host: &str, args: &[&str]) -> Lumogon {
    Lumogon::new(args)
        .env("LUMOGON_POSTHOG_API_KEY", KEY)
        .env("LUMOGON_POSTHOG_HOST", host)
}

/// `greeter ARGS` with only `env` set and a config directory where the
/// notice was seen; its stdout and stderr.
fn greeter_run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (String, String) {
    let out = Command::new(greeter())
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("GREETER_CONFIG_DIR", dir)
        .envs(env.iter().copied())
        .output()
        .expect("run greeter");
    lumogon_tests::wait_for_senders(dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

#[test]
fn lumogon_sends_its_screenview_to_the_posthog_host_the_variables_name() {
    let collector = Collector::start(200);
    let before = now_ms();
    let out = lumogon(&collector.at(""), &["version"]).run();
    let after = now_ms();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let events = events(&collector);
    if !ANALYTICS {
        assert!(events.is_empty(), "{events:?}");
        return;
    }
    let [event] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(collector.requests()[0].path, "/batch/");
    assert!(collector.requests()[0].body.contains(KEY));
    assert_eq!(event["event"], "$screen");
    assert_eq!(prop(event, "$screen_name"), "version");
    assert_eq!(prop(event, "app_name"), "lumogon");
    assert_eq!(prop(event, "app_version"), env!("CARGO_PKG_VERSION"));
    // Sent by the run itself, it has no timestamp (PostHog stamps its
    // arrival); left to the detached sender at exit, it is a late event and
    // has the time it was recorded.
    if let Some(at) = event.get("timestamp") {
        let at = at.as_str().and_then(posthog::iso8601_ms);
        assert!(at.is_some_and(|at| before <= at && at <= after), "{event}");
    }
}

#[test]
fn greeters_screen_and_event_are_posthog_events() {
    let collector = Collector::start(200);
    let dir = lumogon_tests::notice_seen();
    let host = collector.at("/");
    let env = [
        ("GREETER_POSTHOG_API_KEY", KEY),
        ("GREETER_POSTHOG_HOST", host.as_str()),
    ];
    greeter_run(dir.path(), &env, &["goodbye", "Ada"]);
    let events = events(&collector);
    if !ANALYTICS {
        assert!(events.is_empty(), "{events:?}");
        return;
    }
    let names: Vec<_> = events.iter().map(|e| e["event"].as_str()).collect();
    assert_eq!(
        names,
        [Some("$screen"), Some("farewell"), Some("command")],
        "{events:?}"
    );
    assert_eq!(prop(&events[0], "$screen_name"), "goodbye");
    assert_eq!(prop(&events[1], "action"), "said");
    // Its parameter, and the outcome's, are properties.
    assert_eq!(prop(&events[1], "style"), "plain");
    assert_eq!(prop(&events[2], "outcome"), "ok");
    // The platform context greeter chose.
    assert_eq!(prop(&events[0], "os"), std::env::consts::OS);
    assert_eq!(events[0]["distinct_id"], events[1]["distinct_id"]);
    for event in &events {
        assert_eq!(prop(event, "app_name"), "greeter");
    }
    for request in collector.requests() {
        assert!(!request.raw().contains("Ada"), "{}", request.raw());
    }
    // What `analytics screens` says about it.
    let (stdout, _) = greeter_run(dir.path(), &env, &["analytics", "screens"]);
    assert!(
        stdout.starts_with("screen hello\nscreen goodbye\nevent  farewell said")
            && stdout.contains("\n(each is sent to PostHog as an event"),
        "{stdout}"
    );
    assert!(stdout.contains("`$ip: null`"), "{stdout}");
}

#[test]
fn a_late_event_rides_with_the_next_run_and_keeps_its_time() {
    let port = refused_port();
    let host = format!("http://127.0.0.1:{port}");
    let mut first = lumogon(&host, &["version"]);
    let dir = first.config_dir();
    let before = now_ms();
    assert_eq!(first.run().code, Some(0));
    let after = now_ms();

    // The server is back, where it was; a later run with the same choice.
    let collector = Collector::start_on(port, 200);
    let out = lumogon(&host, &["capabilities"])
        .env("LUMOGON_CONFIG_DIR", &dir)
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let events = events(&collector);
    if !ANALYTICS {
        assert!(events.is_empty(), "{events:?}");
        return;
    }
    assert_eq!(
        collector.requests().len(),
        1,
        "the spool rides with the run's request"
    );
    assert_eq!(events.len(), 2, "{events:?}");
    let late: Vec<_> = events
        .iter()
        .filter(|e| prop(e, "$screen_name") == "version")
        .collect();
    let [late] = late[..] else {
        panic!("{events:?}")
    };
    let at = late["timestamp"]
        .as_str()
        .and_then(posthog::iso8601_ms)
        .unwrap_or_else(|| panic!("no timestamp: {late}"));
    // Recorded during the first run (to the millisecond the format keeps).
    assert!(before <= at && at <= after, "{before} <= {at} <= {after}");
    assert!(
        events
            .iter()
            .any(|e| prop(e, "$screen_name") == "capabilities"),
        "{events:?}"
    );
}

#[test]
fn a_dry_run_prints_the_posthog_request_and_validate_mode_sends_nothing() {
    let collector = Collector::start(200);
    let dir = lumogon_tests::notice_seen();
    let host = collector.at("");
    let posthog_env = [
        ("GREETER_POSTHOG_API_KEY", KEY),
        ("GREETER_POSTHOG_HOST", host.as_str()),
    ];
    let with = |debug| {
        let mut env = posthog_env.to_vec();
        env.push(("GREETER_ANALYTICS_DEBUG", debug));
        env
    };
    let (_, stderr) = greeter_run(dir.path(), &with("1"), &["hello", "Ada"]);
    let (_, validate) = greeter_run(dir.path(), &with("validate"), &["hello", "Ada"]);
    assert!(
        collector.requests().is_empty(),
        "{:?}",
        collector.requests()
    );
    if !ANALYTICS {
        assert_eq!((stderr.as_str(), validate.as_str()), ("", ""));
        return;
    }
    let header = format!(
        "lumogon-track: dry run (GREETER_ANALYTICS_DEBUG): POST {}/batch/\n",
        collector.at("")
    );
    assert!(stderr.starts_with(&header), "{stderr}");
    // The view and the outcome event: one request, or two if the event
    // came after the first was printed.
    let mut events = Vec::new();
    for body in stderr.split(&header).filter(|b| !b.is_empty()) {
        events.extend(posthog::check_body(body.trim_end()).unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(events.len(), 2, "{stderr}");
    assert_eq!(prop(&events[0], "$screen_name"), "hello");
    assert_eq!(events[1]["event"], "command");
    assert!(!stderr.contains("Ada"), "{stderr}");
    assert_eq!(
        validate,
        "lumogon-track: validate (GREETER_ANALYTICS_DEBUG): PostHog has no validation server; \
         nothing is sent\n"
    );
}

#[test]
fn analytics_status_names_the_backend_and_refuses_half_a_choice() {
    let status = |env: &[(&str, &str)]| {
        let mut lumogon = Lumogon::new(&["analytics", "status"]);
        for (key, value) in env {
            lumogon = lumogon.env(key, value);
        }
        let out = lumogon.run();
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        out.stdout
    };
    let on = status(&[("LUMOGON_POSTHOG_API_KEY", KEY)]);
    let host_only = status(&[("LUMOGON_POSTHOG_HOST", "https://eu.i.posthog.com")]);
    let both = status(&[
        ("LUMOGON_POSTHOG_API_KEY", KEY),
        ("LUMOGON_GA4_MEASUREMENT_ID", "G-LUMOGON123"),
        ("LUMOGON_GA4_API_SECRET", "s"),
    ]);
    let personal = status(&[("LUMOGON_POSTHOG_API_KEY", "phx_personalSecret")]);
    if !ANALYTICS {
        for out in [on, host_only, both, personal] {
            assert!(!out.contains("PostHog"), "{out}");
        }
        return;
    }
    assert!(on.starts_with("analytics: on\n"), "{on}");
    assert!(
        on.contains("sends to:  PostHog, https://us.i.posthog.com/batch/\n"),
        "{on}"
    );
    assert!(on.contains("variable:  LUMOGON_POSTHOG_HOST ("), "{on}");
    assert!(
        host_only.starts_with(
            "analytics: off (the configuration is invalid: LUMOGON_POSTHOG_HOST is set \
             without LUMOGON_POSTHOG_API_KEY"
        ),
        "{host_only}"
    );
    assert!(!host_only.contains("sends to:"), "{host_only}");
    assert!(
        both.starts_with(
            "analytics: off (the configuration is invalid: LUMOGON_POSTHOG_API_KEY and \
             LUMOGON_GA4_MEASUREMENT_ID are both set"
        ),
        "{both}"
    );
    assert!(
        personal.contains("personal API key") && !personal.contains("personalSecret"),
        "{personal}"
    );
}
