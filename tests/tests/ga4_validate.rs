//! Validate mode, `LUMOGON_ANALYTICS_DEBUG=validate`, with the real
//! `lumogon`: each request goes to GA4's validation server
//! (`/debug/mp/collect` beside the endpoint; here a local server that
//! answers in that server's documented format) instead of the collector,
//! and every message it answers, or "valid", is printed on stderr. Exit
//! code and stdout stay what they are without analytics. Universal
//! Analytics has no validation server: one line says so, nothing is sent.
//! Each case runs lumogon processes of its own.

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::lumogon::{Lumogon, Output};
use serde_json::Value;

const PREFIX: &str = "lumogon-track: validate (LUMOGON_ANALYTICS_DEBUG): ";

/// The example answer of Google's "Validate events" guide, and a second
/// message, so that every one of them is seen to be printed.
const TWO_MESSAGES: &str = r#"{
  "validationMessages": [
    {
      "fieldPath": "events",
      "description": "Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.",
      "validationCode": "NAME_INVALID"
    },
    {
      "fieldPath": "events.params.page_title",
      "description": "Value is too long.",
      "validationCode": "VALUE_OUT_OF_BOUNDS"
    }
  ]
}"#;
const NO_MESSAGES: &str = r#"{"validationMessages": []}"#;

/// `lumogon version` with analytics turned off: what validate mode must
/// leave as it is.
fn without_analytics() -> Output {
    Lumogon::new(&["version"])
        .env("LUMOGON_DISABLE_ANALYTICS", "1")
        .run()
}

fn run(server: &Collector, stream: (&str, &str)) -> Output {
    Lumogon::new(&["version"])
        .collector(&server.at("/mp/collect"))
        .env("LUMOGON_ANALYTICS_DEBUG", "validate")
        .env(stream.0, stream.1)
        .env("LUMOGON_GA4_API_SECRET", "not-so-secret")
        .run()
}

fn same_exit_and_stdout(out: &Output) {
    let plain = without_analytics();
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (plain.code, plain.stdout.as_str())
    );
}

#[test]
fn every_validation_message_is_printed_and_nothing_is_collected() {
    let server = Collector::answering(200, TWO_MESSAGES);
    let out = run(&server, ("LUMOGON_GA4_MEASUREMENT_ID", "G-LUMOGON123"));
    same_exit_and_stdout(&out);
    let requests = server.requests();
    if !ANALYTICS {
        assert_eq!(out.stderr, "");
        assert!(requests.is_empty(), "{requests:?}");
        return;
    }
    assert_eq!(requests.len(), 1, "{requests:?}");
    // Only to the validation server, never to the collector.
    assert_eq!(
        requests[0].path,
        "/debug/mp/collect?measurement_id=G-LUMOGON123&api_secret=not-so-secret"
    );
    let body: Value = serde_json::from_str(&requests[0].body).expect("JSON");
    assert_eq!(body["events"][0]["name"], "page_view");
    assert!(
        out.stderr.contains(&format!(
            "{PREFIX}POST {}\n{}\n",
            server.at("/debug/mp/collect?measurement_id=G-LUMOGON123&api_secret=not-so-secret"),
            requests[0].body
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with(&format!(
            "{PREFIX}NAME_INVALID at events: Event at index: [0] has invalid name \
             [_badEventName]. Names must start with an alphabetic character.\n\
             {PREFIX}VALUE_OUT_OF_BOUNDS at events.params.page_title: Value is too long.\n"
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("valid\n"), "{}", out.stderr);
}

#[test]
fn an_app_stream_that_passes_is_valid() {
    let server = Collector::answering(200, NO_MESSAGES);
    let out = run(
        &server,
        (
            "LUMOGON_GA4_FIREBASE_APP_ID",
            "1:1234567890:android:321abc456def7890",
        ),
    );
    same_exit_and_stdout(&out);
    let requests = server.requests();
    if !ANALYTICS {
        assert_eq!(out.stderr, "");
        assert!(requests.is_empty(), "{requests:?}");
        return;
    }
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].path,
        "/debug/mp/collect?firebase_app_id=1%3A1234567890%3Aandroid%3A321abc456def7890\
         &api_secret=not-so-secret"
    );
    let body: Value = serde_json::from_str(&requests[0].body).expect("JSON");
    let id = body["app_instance_id"].as_str().unwrap_or_default();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id:?}"
    );
    assert_eq!(body["events"][0]["name"], "screen_view");
    assert_eq!(body["events"][0]["params"]["screen_name"], "version");
    assert!(
        out.stderr.ends_with(&format!("{PREFIX}valid\n")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_server_that_does_not_answer_as_documented_is_said_so() {
    let server = Collector::answering(500, "{}");
    let out = run(&server, ("LUMOGON_GA4_MEASUREMENT_ID", "G-LUMOGON123"));
    same_exit_and_stdout(&out);
    if !ANALYTICS {
        assert_eq!(out.stderr, "");
        return;
    }
    assert!(
        out.stderr.ends_with(&format!(
            "{PREFIX}not validated: the validation server answered 500 Internal Server Error\n"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn universal_analytics_has_no_validation_server_and_sends_nothing() {
    let collector = Collector::start(200);
    let out = Lumogon::new(&["version"])
        .collector(&collector.url())
        .env("LUMOGON_ANALYTICS_DEBUG", "validate")
        .run();
    same_exit_and_stdout(&out);
    assert!(
        collector.requests().is_empty(),
        "{:?}",
        collector.requests()
    );
    let expected = if ANALYTICS {
        format!("{PREFIX}Universal Analytics has no validation server any more; nothing is sent\n")
    } else {
        String::new()
    };
    assert_eq!(out.stderr, expected);
}

/// The `greeter` example, in validate mode against `server`, for a GA4
/// stream: (its stderr, what the server received).
fn greeter(server: &Collector, stream: (&str, &str), args: &[&str]) -> (String, Vec<Value>) {
    let home = lumogon_tests::notice_seen();
    let out = std::process::Command::new(lumogon_tests::examples::greeter())
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("GREETER_CONFIG_DIR", home.path())
        .env("GREETER_ANALYTICS_URL", server.at("/mp/collect"))
        .env("GREETER_ANALYTICS_DEBUG", "validate")
        .env(stream.0, stream.1)
        .env("GREETER_GA4_API_SECRET", "s")
        .output()
        .expect("run greeter");
    assert!(out.status.success(), "{out:?}");
    let bodies = server
        .requests()
        .iter()
        .map(|r| serde_json::from_str(&r.body).expect("JSON"))
        .collect();
    (String::from_utf8_lossy(&out.stderr).into_owned(), bodies)
}

#[test]
fn the_greeters_requests_are_validated_for_both_streams() {
    for (stream, screenview) in [
        (("GREETER_GA4_MEASUREMENT_ID", "G-GREETER1"), "page_view"),
        (
            ("GREETER_GA4_FIREBASE_APP_ID", "1:99:ios:abc123"),
            "screen_view",
        ),
    ] {
        let server = Collector::answering(200, NO_MESSAGES);
        let (stderr, bodies) = greeter(&server, stream, &["goodbye", "Ada"]);
        if !ANALYTICS {
            assert_eq!(stderr, "");
            assert!(bodies.is_empty());
            continue;
        }
        let names: Vec<String> = bodies
            .iter()
            .flat_map(|b| b["events"].as_array().cloned().unwrap_or_default())
            .map(|e| e["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        // The outcome event is named after its category.
        assert_eq!(names, [screenview, "farewell", "command"], "{stderr}");
        let verdicts = stderr
            .lines()
            .filter(|l| l == &"lumogon-track: validate (GREETER_ANALYTICS_DEBUG): valid")
            .count();
        assert_eq!(verdicts, bodies.len(), "{stderr}");
        assert!(!stderr.contains("Ada"), "{stderr}");
    }
}
