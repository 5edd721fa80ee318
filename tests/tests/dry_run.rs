//! `GREETER_ANALYTICS_DEBUG`: the `greeter` example, pointed at a real
//! collector, prints each request it would send, exactly, on stderr and
//! sends nothing. In the build without analytics it prints nothing at all.

use std::process::{Command, Output};

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::examples::greeter;
use serde_json::{Value, json};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const HEADER: &str = "lumogon-track: dry run (GREETER_ANALYTICS_DEBUG): POST ";

fn run(collector: &Collector, env: &[(&str, &str)], args: &[&str]) -> (Output, String) {
    let home = lumogon_tests::notice_seen();
    let out = Command::new(greeter())
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("GREETER_CONFIG_DIR", home.path())
        .env("GREETER_ANALYTICS_URL", collector.at("/mp/collect"))
        .envs(env.iter().copied())
        .output()
        .expect("run greeter");
    // A run that sends for real leaves what it could not send to a sender.
    lumogon_tests::wait_for_senders(home.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

/// The printed requests: (URL, body lines).
fn printed(stderr: &str) -> Vec<(String, Vec<String>)> {
    let mut requests: Vec<(String, Vec<String>)> = Vec::new();
    for line in stderr.lines() {
        match (line.strip_prefix(HEADER), requests.last_mut()) {
            (Some(url), _) => requests.push((url.to_owned(), Vec::new())),
            (None, Some((_, body))) => body.push(line.to_owned()),
            (None, None) => panic!("stderr does not start with a request:\n{stderr}"),
        }
    }
    requests
}

/// The events of the printed requests, each request checked to go to the
/// collector's `/mp/collect` with greeter's stream; and the client ids.
fn events_of(collector: &Collector, stderr: &str) -> (Vec<Value>, Vec<Value>) {
    let url = format!(
        "{}?measurement_id=G-GREETER000&api_secret=greeter-example-secret",
        collector.at("/mp/collect")
    );
    let (mut events, mut clients) = (Vec::new(), Vec::new());
    for (to, body) in printed(stderr) {
        assert_eq!(to, url, "{stderr}");
        assert_eq!(body.len(), 1, "one JSON body a request: {stderr}");
        let body: Value = serde_json::from_str(&body[0]).expect("a JSON body");
        clients.push(body["client_id"].clone());
        events.extend(body["events"].as_array().cloned().unwrap_or_default());
    }
    (events, clients)
}

#[test]
fn a_dry_run_prints_the_exact_requests_and_sends_nothing() {
    let collector = Collector::start(204);
    let dry = [("GREETER_ANALYTICS_DEBUG", "1")];

    let (out, stderr) = run(&collector, &dry, &["hello", "Ada Lovelace"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello, Ada Lovelace!\n"
    );
    if !ANALYTICS {
        assert_eq!(stderr, "");
        let (_, stderr) = run(&collector, &dry, &["goodbye", "Ada"]);
        assert_eq!(stderr, "");
        assert!(collector.requests().is_empty());
        return;
    }
    // The view and the outcome event: in one request, or two if the event
    // came after the first was printed.
    let (events, clients) = events_of(&collector, &stderr);
    assert_eq!(events.len(), 2, "{stderr}");
    // A web stream's client id: two positive numbers joined by a period.
    let client = clients[0].as_str().unwrap_or_default().to_owned();
    assert!(
        client.split('.').count() == 2 && client.split('.').all(|n| n.parse::<u32>().is_ok()),
        "{client}"
    );
    let session = events[0]["params"]["session_id"].clone();
    assert!(
        session.as_str().is_some_and(|s| s.parse::<u64>().is_ok()),
        "{session}"
    );
    assert_eq!(
        events[0],
        json!({
            "name": "page_view",
            "params": {
                "app_name": "greeter",
                "app_version": VERSION,
                "arch": std::env::consts::ARCH,
                "engagement_time_msec": 1,
                "os": std::env::consts::OS,
                "page_location": "https://greeter.invalid/hello",
                "page_title": "hello",
                "session_id": session,
            }
        })
    );
    let outcome = &events[1]["params"];
    assert_eq!(events[1]["name"], "command");
    assert_eq!(
        [
            &outcome["action"],
            &outcome["outcome"],
            &outcome["duration"]
        ],
        ["hello", "ok", "<0.1s"],
        "{stderr}"
    );
    assert!(!stderr.contains("Ada"));

    let (_, stderr) = run(&collector, &dry, &["goodbye", "Ada"]);
    let (events, _) = events_of(&collector, &stderr);
    let what: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["name"],
                e["params"]["page_title"]
                    .as_str()
                    .or(e["params"]["action"].as_str())
                    .unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        what,
        [
            "\"page_view\":goodbye",
            "\"farewell\":said",
            "\"command\":goodbye"
        ],
        "{stderr}"
    );

    assert!(
        collector.requests().is_empty(),
        "a dry run sent {:?}",
        collector.requests()
    );

    // The opt-outs win over the dry run: nothing to send, nothing printed.
    let (_, stderr) = run(
        &collector,
        &[("GREETER_ANALYTICS_DEBUG", "1"), ("DO_NOT_TRACK", "1")],
        &["hello", "Ada"],
    );
    assert_eq!(stderr, "");

    // `0` turns the dry run off, as it does the opt-out variables: the hit
    // is sent, and nothing is printed.
    let (_, stderr) = run(
        &collector,
        &[("GREETER_ANALYTICS_DEBUG", "0")],
        &["hello", "Ada"],
    );
    assert_eq!(stderr, "");
    assert_eq!(collector.requests().len(), 1, "{:?}", collector.requests());
}
