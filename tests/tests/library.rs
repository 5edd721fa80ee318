//! lumogon-track as another CLI adopts it: the `greeter` example (a program
//! of its own with its own app name and tracking id) against a real
//! collector, and `init`'s answers to a bad configuration.

use std::process::Command;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::examples::greeter;
use lumogon_track::Config;

fn run(collector: &Collector, args: &[&str]) -> std::process::Output {
    let home = lumogon_tests::notice_seen();
    Command::new(greeter())
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("GREETER_CONFIG_DIR", home.path())
        .env("GREETER_ANALYTICS_URL", collector.url())
        .output()
        .expect("run greeter")
}

#[test]
fn the_example_cli_sends_its_own_hits_and_nothing_lumogon() {
    let collector = Collector::start(200);
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

    let hits = collector.hits();
    if !ANALYTICS {
        assert!(hits.is_empty(), "{hits:?}");
        return;
    }
    let fields = |hit: &Vec<(String, String)>, key: &str| {
        hit.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(hits.len(), 3, "{hits:?}");
    for hit in &hits {
        assert_eq!(fields(hit, "tid"), "UA-99999999-1");
        assert_eq!(fields(hit, "an"), "greeter");
        assert_eq!(fields(hit, "av"), env!("CARGO_PKG_VERSION"));
    }
    let what: Vec<String> = hits
        .iter()
        .map(|h| format!("{}:{}{}", fields(h, "t"), fields(h, "cd"), fields(h, "ea")))
        .collect();
    assert_eq!(
        what,
        ["screenview:hello", "screenview:goodbye", "event:said"]
    );
    for request in collector.requests() {
        assert!(
            !request.raw().contains("Ada") && !request.raw().contains("lumogon"),
            "{}",
            request.raw()
        );
    }

    let out = run(&collector, &["--disable-analytics", "hello", "Grace"]);
    assert!(out.status.success());
    assert_eq!(collector.hits().len(), 3, "--disable-analytics sent a hit");
}

#[test]
fn a_bad_configuration_is_an_error_that_names_the_field() {
    let error = |config: Config| lumogon_track::init(config).err().map(|e| e.to_string());
    let cases = [
        (Config::new("G-ABC123", "tool", "1.0"), "tracking id"),
        (Config::new("UA-12-x", "tool", "1.0"), "tracking id"),
        (Config::new("UA-1-1", "", "1.0"), "app name"),
        (Config::new("UA-1-1", "tool", " "), "app version"),
        (
            Config::new("UA-1-1", "tool", "1.0").endpoint("ftp://example.org/collect"),
            "endpoint",
        ),
        (
            Config::new("UA-1-1", "tool", "1.0").endpoint("example.org/collect"),
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
        Config::new("UA-1-1", "tool", "1.0")
            .endpoint("http://127.0.0.1:9/collect")
            .config_dir(seen.path())
    };
    assert!(lumogon_track::init(config()).is_ok());
    let again = lumogon_track::init(config()).err().map(|e| e.to_string());
    if ANALYTICS {
        assert!(again.is_some_and(|m| m.contains("already")));
    }
}
