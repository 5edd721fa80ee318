//! lumogon-track as another CLI adopts it: the `greeter` example (a program
//! of its own with its own app name and tracking id) against a real
//! collector, and `init`'s answers to a bad configuration.

use std::process::Command;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::examples::greeter;
use lumogon_track::{Config, track_screen};
use serde_json::Value;

fn run(collector: &Collector, args: &[&str]) -> std::process::Output {
    let home = lumogon_tests::notice_seen();
    Command::new(greeter())
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("GREETER_CONFIG_DIR", home.path())
        .env("GREETER_ANALYTICS_URL", collector.at("/mp/collect"))
        .output()
        .inspect(|_| lumogon_tests::wait_for_senders(home.path()))
        .expect("run greeter")
}

/// Every GA4 event the collector received, in order, each as its name and
/// what tells it apart: a view's `page_title`, an event's `action` and, for
/// an outcome, the outcome and duration.
fn received(collector: &Collector) -> Vec<(String, Value)> {
    let mut events = Vec::new();
    for request in collector.requests() {
        assert!(
            request
                .path
                .contains("measurement_id=G-GREETER000&api_secret="),
            "{}",
            request.path
        );
        let body: Value = serde_json::from_str(&request.body).expect("a GA4 body");
        for event in body["events"].as_array().cloned().unwrap_or_default() {
            let name = event["name"].as_str().unwrap_or_default().to_owned();
            events.push((name, event["params"].clone()));
        }
    }
    events
}

fn describe(events: &[(String, Value)]) -> Vec<String> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    events
        .iter()
        .map(|(name, params)| match name.as_str() {
            "page_view" => format!("page_view {}", text(&params["page_title"])),
            "command" => format!(
                "command {} {} {}",
                text(&params["action"]),
                text(&params["outcome"]),
                text(&params["duration"])
            ),
            _ => format!(
                "{name} {} {}",
                text(&params["action"]),
                text(&params["style"])
            ),
        })
        .collect()
}

#[test]
fn the_example_cli_sends_its_own_hits_and_nothing_lumogon() {
    let collector = Collector::start(204);
    let out = run(&collector, &["hello", "Ada Lovelace"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello, Ada Lovelace!\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let out = run(&collector, &["goodbye", "Ada Lovelace"]);
    assert!(out.status.success());

    let events = received(&collector);
    if !ANALYTICS {
        assert!(events.is_empty(), "{events:?}");
        return;
    }
    // Each handler's outcome event (`command`) when it ends; the farewell
    // with its one parameter.
    assert_eq!(
        describe(&events),
        [
            "page_view hello",
            "command hello ok <0.1s",
            "page_view goodbye",
            "farewell said plain",
            "command goodbye ok <0.1s",
        ]
    );
    for (_, params) in &events {
        assert_eq!(params["app_name"], "greeter");
        assert_eq!(params["app_version"], env!("CARGO_PKG_VERSION"));
        // The platform context greeter chose: compile-time constants.
        assert_eq!(params["os"], std::env::consts::OS);
        assert_eq!(params["arch"], std::env::consts::ARCH);
        // Not in CI: not marked.
        assert_eq!(params.get("ci"), None);
    }
    for request in collector.requests() {
        assert!(
            !request.raw().contains("Ada") && !request.raw().contains("lumogon"),
            "{}",
            request.raw()
        );
    }

    let out = run(&collector, &["--disable-analytics", "hello", "Grace"]);
    assert!(out.status.success());
    assert_eq!(
        received(&collector).len(),
        5,
        "--disable-analytics sent a hit"
    );
}

#[test]
fn the_example_cli_reports_each_commands_outcome_and_never_its_error() {
    let collector = Collector::start(204);
    let refused = run(&collector, &["hello", ""]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(
        stderr,
        "greeter: the name to greet is empty; give one, e.g. `greeter hello Ada`\n"
    );
    assert_eq!(String::from_utf8_lossy(&refused.stdout), "");
    let greeted = run(&collector, &["hello", "Ada"]);
    assert!(
        greeted.status.success(),
        "{}",
        String::from_utf8_lossy(&greeted.stderr)
    );

    let events = received(&collector);
    if !ANALYTICS {
        assert!(events.is_empty(), "{events:?}");
        return;
    }
    assert_eq!(
        describe(&events),
        [
            "page_view hello",
            "command hello error <0.1s",
            "page_view hello",
            "command hello ok <0.1s",
        ]
    );
    for request in collector.requests() {
        assert!(!request.raw().contains("empty"), "{}", request.raw());
    }
}

#[test]
fn a_bad_configuration_is_an_error_that_names_the_field() {
    let error = |config: Config| lumogon_track::init(config).err().map(|e| e.to_string());
    let cases = [
        (
            Config::universal_analytics("G-ABC123", "tool", "1.0"),
            "tracking id",
        ),
        (
            Config::universal_analytics("UA-12-x", "tool", "1.0"),
            "tracking id",
        ),
        (Config::universal_analytics("UA-1-1", "", "1.0"), "app name"),
        (
            Config::universal_analytics("UA-1-1", "tool", " "),
            "app version",
        ),
        (
            Config::universal_analytics("UA-1-1", "tool", "1.0")
                .endpoint("ftp://example.org/collect"),
            "endpoint",
        ),
        (
            Config::universal_analytics("UA-1-1", "tool", "1.0").endpoint("example.org/collect"),
            "endpoint",
        ),
    ];
    for (config, field) in cases {
        let message = error(config);
        if ANALYTICS {
            let message = message.unwrap_or_else(|| panic!("no error for a bad {field}"));
            assert!(
                message.starts_with(&format!("invalid {field}")),
                "{message}"
            );
            assert!(!message.contains('\n'));
        } else {
            // Without analytics there is nothing to configure: init never fails.
            assert_eq!(message, None);
        }
    }
    // A good one is accepted once per process.
    let seen = lumogon_tests::notice_seen();
    let config = || {
        Config::universal_analytics("UA-1-1", "tool", "1.0")
            .endpoint("http://127.0.0.1:9/collect")
            .config_dir(seen.path())
    };
    assert!(lumogon_track::init(config()).is_ok());
    let again = lumogon_track::init(config()).err().map(|e| e.to_string());
    if ANALYTICS {
        assert!(again.is_some_and(|m| m.contains("already")));
    }
}

/// `greeter ARGS` with a fresh HOME of its own and nothing else set but
/// `env`: the directory is `$HOME/.config/greeter`, by its own name.
fn greeter_in(home: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (String, String) {
    let out = Command::new(greeter())
        .args(args)
        .env_clear()
        .env("HOME", home)
        .envs(env.iter().copied())
        .output()
        .expect("run greeter");
    lumogon_tests::wait_for_senders(&home.join(".config").join("greeter"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn greeter_behaves_as_lumogon_under_its_own_names_and_directory() {
    let collector = Collector::start(204);
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join(".config").join("greeter");
    let url = collector.at("/mp/collect");
    let to_collector = [("GREETER_ANALYTICS_URL", url.as_str())];
    let hello = ["hello", "Ada"];

    // The first run shows greeter's own notice and sends nothing.
    let (_, stderr) = greeter_in(home.path(), &to_collector, &hello);
    if !ANALYTICS {
        assert_eq!(stderr, "");
        let (stdout, _) = greeter_in(home.path(), &[], &["analytics", "status"]);
        assert!(
            stdout.starts_with("analytics: off (this build has no analytics"),
            "{stdout}"
        );
        assert!(collector.requests().is_empty());
        return;
    }
    assert!(
        stderr.starts_with("greeter counts which greetings are used")
            && stderr.contains("`greeter analytics disable`"),
        "{stderr}"
    );
    assert!(collector.requests().is_empty(), "the notice's run sent");
    assert!(dir.join("analytics.json").exists());

    // Then it sends, and keeps its id in its own directory.
    let (_, stderr) = greeter_in(home.path(), &to_collector, &hello);
    assert_eq!(stderr, "");
    // The view and the outcome event.
    assert_eq!(received(&collector).len(), 2);
    assert!(dir.join("client_id").exists());

    // lumogon's variables are lumogon's: they change nothing here.
    let lumogons = [
        ("GREETER_ANALYTICS_URL", url.as_str()),
        ("LUMOGON_DISABLE_ANALYTICS", "1"),
        ("LUMOGON_ANALYTICS_URL", "http://127.0.0.1:9/collect"),
        ("LUMOGON_CONFIG_DIR", "/nonexistent"),
    ];
    greeter_in(home.path(), &lumogons, &hello);
    assert_eq!(received(&collector).len(), 4);
    let (stdout, _) = greeter_in(home.path(), &lumogons, &["analytics", "status"]);
    assert!(stdout.starts_with("analytics: on\n"), "{stdout}");

    // Its own opt-out variable, named by status.
    let off = [
        ("GREETER_ANALYTICS_URL", url.as_str()),
        ("GREETER_DISABLE_ANALYTICS", "1"),
    ];
    greeter_in(home.path(), &off, &hello);
    assert_eq!(received(&collector).len(), 4);
    let (stdout, _) = greeter_in(home.path(), &off, &["analytics", "status"]);
    assert!(
        stdout.starts_with("analytics: off (GREETER_DISABLE_ANALYTICS is set)"),
        "{stdout}"
    );

    // `analytics disable`: saved, the id deleted, nothing sent after it.
    let (stdout, _) = greeter_in(home.path(), &[], &["analytics", "disable"]);
    assert!(
        stdout.starts_with("analytics disabled for good")
            && stdout.contains(&dir.join("client_id").display().to_string()),
        "{stdout}"
    );
    assert!(!dir.join("client_id").exists());
    greeter_in(home.path(), &to_collector, &hello);
    assert_eq!(received(&collector).len(), 4);
    let (stdout, _) = greeter_in(home.path(), &[], &["analytics", "status"]);
    assert!(
        stdout.starts_with("analytics: off (the saved setting (`greeter analytics enable`"),
        "{stdout}"
    );
    let (stdout, _) = greeter_in(home.path(), &[], &["analytics", "enable"]);
    assert!(stdout.starts_with("analytics enabled"), "{stdout}");
    greeter_in(home.path(), &to_collector, &hello);
    assert_eq!(received(&collector).len(), 6);

    let (stdout, _) = greeter_in(home.path(), &[], &["analytics", "screens"]);
    assert_eq!(
        stdout,
        "screen hello\nscreen goodbye\nevent  farewell said (with style)\n\
         event  command hello (with outcome, duration)\n\
         event  command goodbye (with outcome, duration)\n\
         every hit: an anonymous client id, the app's name and version, \
         the OS and architecture it was built for, the CI vendor, in CI\n"
    );
    for request in collector.requests() {
        assert!(!request.raw().contains("lumogon"), "{}", request.raw());
    }
}

#[test]
fn an_adopters_test_captures_what_its_commands_record() {
    #[track_screen("adopter command")]
    fn command() -> u32 {
        lumogon_track::event("adopter", "did");
        7
    }
    let (value, hits) = lumogon_track::testing::capture(command);
    assert_eq!(value, 7);
    if ANALYTICS {
        use lumogon_track::testing::Hit;
        assert_eq!(
            hits,
            [Hit::Screen("adopter command"), Hit::event("adopter", "did")]
        );
    } else {
        assert!(hits.is_empty());
    }
    // Nothing was counted, queued or left for the next capture.
    assert_eq!(lumogon_track::stats().queued, 0);
    assert!(lumogon_track::testing::capture(|| ()).1.is_empty());
}

#[test]
fn greeter_counts_ci_runs_without_a_notice_marked_and_under_one_id_per_vendor() {
    let collector = Collector::start(204);
    let url = collector.at("/mp/collect");
    let in_ci = [
        ("GREETER_ANALYTICS_URL", url.as_str()),
        ("CI", "true"),
        ("GITHUB_ACTIONS", "true"),
    ];
    // Two throwaway machines: each a fresh home directory, a first run.
    for _ in 0..2 {
        let home = tempfile::tempdir().expect("tempdir");
        let (_, stderr) = greeter_in(home.path(), &in_ci, &["hello", "Ada"]);
        assert_eq!(stderr, "", "a notice in a build log");
    }
    let events = received(&collector);
    if !ANALYTICS {
        assert!(events.is_empty());
        return;
    }
    assert_eq!(describe(&events).len(), 4, "{events:?}");
    for (_, params) in &events {
        assert_eq!(params["ci"], "github_actions");
    }
    let clients: std::collections::BTreeSet<String> = collector
        .requests()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).expect("a GA4 body");
            body["client_id"].to_string()
        })
        .collect();
    assert_eq!(clients.len(), 1, "{clients:?}");
}
