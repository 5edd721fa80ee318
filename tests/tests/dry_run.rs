//! `GREETER_ANALYTICS_DEBUG`: the `greeter` example, pointed at a real
//! collector, prints each request it would send, exactly, on stderr and
//! sends nothing. In the build without analytics it prints nothing at all.

use std::process::{Command, Output};

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::{Collector, parse_hit};
use lumogon_tests::examples::greeter;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const HEADER: &str = "lumogon-track: dry run (GREETER_ANALYTICS_DEBUG): POST ";

fn run(collector: &Collector, env: &[(&str, &str)], args: &[&str]) -> (Output, String) {
    let home = lumogon_tests::notice_seen();
    let out = Command::new(greeter())
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("GREETER_CONFIG_DIR", home.path())
        .env("GREETER_ANALYTICS_URL", collector.url())
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

fn field(hit: &[(String, String)], key: &str) -> String {
    hit.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[test]
fn a_dry_run_prints_the_exact_requests_and_sends_nothing() {
    let collector = Collector::start(200);
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
    // Two hits, the screenview and the outcome event: one request to
    // /batch, or two to /collect if the event came after the first was
    // printed.
    let hits_of = |stderr: &str| {
        let mut hits = Vec::new();
        for (url, body) in printed(stderr) {
            let expected = if body.len() == 1 {
                collector.url()
            } else {
                collector.at("/batch")
            };
            assert_eq!(url, expected, "{stderr}");
            hits.extend(body);
        }
        hits
    };
    let hits = hits_of(&stderr);
    assert_eq!(hits.len(), 2, "{stderr}");
    // Each run has a config directory of its own, so a fresh random id.
    let cid = field(&parse_hit(&hits[0]), "cid");
    assert_eq!(cid.len(), 36, "{cid:?}");
    assert_eq!(
        hits[0],
        format!(
            "v=1&tid=UA-99999999-1&cid={cid}&t=screenview&an=greeter&av={VERSION}&cd=hello&aip=1"
        )
    );
    let event = parse_hit(&hits[1]);
    assert_eq!(
        ["t", "ec", "ea", "el"].map(|key| field(&event, key)),
        ["event", "command", "hello", "outcome=ok;duration=<0.1s"],
        "{stderr}"
    );
    assert!(!stderr.contains("Ada"));

    let (_, stderr) = run(&collector, &dry, &["goodbye", "Ada"]);
    let hits: Vec<_> = hits_of(&stderr)
        .iter()
        .map(|line| parse_hit(line))
        .collect();
    let what: Vec<String> = hits
        .iter()
        .map(|h| format!("{}:{}{}", field(h, "t"), field(h, "cd"), field(h, "ea")))
        .collect();
    assert_eq!(
        what,
        ["screenview:goodbye", "event:said", "event:goodbye"],
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
    assert_eq!(collector.hits().len(), 2, "{:?}", collector.requests());
}
