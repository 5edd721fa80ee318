//! `lumogon analytics status|enable|disable|screens`, the first-run notice,
//! and the precedence of opt-outs, end to end against a real collector.

use std::collections::BTreeSet;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::lumogon::{Lumogon, SETTINGS};

/// `lumogon analytics status` in the same environment as a command run.
fn status(configure: impl Fn(Lumogon) -> Lumogon, config_from: &Lumogon) -> String {
    let mut lumogon = configure(Lumogon::new(&["analytics", "status"]))
        .env("LUMOGON_CONFIG_DIR", config_from.config_dir());
    let out = lumogon.run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    out.stdout
}

#[test]
fn each_opt_out_alone_sends_nothing_and_status_names_it() {
    type Setup = fn(Lumogon) -> Lumogon;
    let cases: [(&str, Setup, &str); 4] = [
        ("flag", |l| l, "off (--disable-analytics)"),
        (
            "LUMOGON_DISABLE_ANALYTICS",
            |l| l.env("LUMOGON_DISABLE_ANALYTICS", "1"),
            "off (LUMOGON_DISABLE_ANALYTICS is set)",
        ),
        (
            "DO_NOT_TRACK",
            |l| l.env("DO_NOT_TRACK", "true"),
            "off (DO_NOT_TRACK is set)",
        ),
        ("saved", |l| l, "off (the saved setting"),
    ];
    for (source, setup, expected) in cases {
        let collector = Collector::start(200);
        let mut args = vec!["version"];
        if source == "flag" {
            args.push("--disable-analytics");
        }
        let mut lumogon = setup(Lumogon::new(&args)).collector(&collector.url());
        if source == "saved" {
            let out = Lumogon::new(&["analytics", "disable"])
                .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
                .run();
            assert_eq!(out.code, Some(0), "{}", out.stderr);
        }
        let out = lumogon.run();
        assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{source}");
        assert!(
            collector.requests().is_empty(),
            "{source} sent {:?}",
            collector.requests()
        );

        let status_args: &[&str] = if source == "flag" {
            &["analytics", "status", "--disable-analytics"]
        } else {
            &["analytics", "status"]
        };
        let shown = setup(Lumogon::new(status_args))
            .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
            .run()
            .stdout;
        if ANALYTICS {
            assert!(
                shown.starts_with(&format!("analytics: {expected}")),
                "{source}: {shown}"
            );
        } else {
            assert!(
                shown.starts_with("analytics: off (this lumogon was built without"),
                "{shown}"
            );
        }
    }
}

#[test]
fn the_first_opt_out_in_precedence_order_is_the_one_named() {
    let base = Lumogon::new(&["version"]);
    let out = Lumogon::new(&["analytics", "disable"])
        .env("LUMOGON_CONFIG_DIR", base.config_dir())
        .run();
    assert_eq!(out.code, Some(0));
    let all = |l: Lumogon| {
        l.env("LUMOGON_DISABLE_ANALYTICS", "1")
            .env("DO_NOT_TRACK", "1")
    };
    let shown = status(all, &base);
    let expected = if ANALYTICS {
        "off (LUMOGON_DISABLE_ANALYTICS is set)"
    } else {
        "off (this lumogon was built without"
    };
    assert!(
        shown.starts_with(&format!("analytics: {expected}")),
        "{shown}"
    );
    let shown = status(|l| l.env("DO_NOT_TRACK", "1"), &base);
    let expected = if ANALYTICS {
        "off (DO_NOT_TRACK is set)"
    } else {
        "off (this lumogon was built without"
    };
    assert!(
        shown.starts_with(&format!("analytics: {expected}")),
        "{shown}"
    );
    let shown = status(|l| l, &base);
    let expected = if ANALYTICS {
        "off (the saved setting"
    } else {
        "off (this lumogon was built without"
    };
    assert!(
        shown.starts_with(&format!("analytics: {expected}")),
        "{shown}"
    );
}

#[test]
fn enable_and_disable_are_saved_and_disable_deletes_the_id() {
    let collector = Collector::start(200);
    let mut run = Lumogon::new(&["version"]).collector(&collector.url());
    let out = run.run();
    assert_eq!(out.code, Some(0));
    let id = run.config_dir().join("client_id");
    assert_eq!(
        id.exists(),
        ANALYTICS,
        "the first tracked run keeps an anonymous id"
    );

    let disable = Lumogon::new(&["analytics", "disable"])
        .env("LUMOGON_CONFIG_DIR", run.config_dir())
        .run();
    assert_eq!(disable.code, Some(0), "{}", disable.stderr);
    if ANALYTICS {
        assert!(
            disable.stdout.contains("disabled for good") && disable.stdout.contains(SETTINGS),
            "{}",
            disable.stdout
        );
        // Truthful about the id it deleted: lumogon's is derived from the
        // Docker daemon's, and would be derived again the same.
        assert!(
            disable
                .stdout
                .contains(&format!("deleted:   {}", id.display()))
                && disable
                    .stdout
                    .contains("derived from the Docker daemon's ID")
                && disable
                    .stdout
                    .contains("the same id would be derived again"),
            "{}",
            disable.stdout
        );
    } else {
        assert!(
            disable
                .stdout
                .contains("built without the `analytics` feature"),
            "{}",
            disable.stdout
        );
    }
    assert!(!id.exists(), "analytics disable kept the anonymous id");
    let before = collector.requests().len();
    assert_eq!(run.run().code, Some(0));
    assert_eq!(
        collector.requests().len(),
        before,
        "sent after analytics disable"
    );

    let enable = Lumogon::new(&["analytics", "enable"])
        .env("LUMOGON_CONFIG_DIR", run.config_dir())
        .run();
    assert_eq!(enable.code, Some(0), "{}", enable.stderr);
    assert_eq!(run.run().code, Some(0));
    assert_eq!(
        collector.requests().len(),
        before + usize::from(ANALYTICS),
        "enable did not turn it back on"
    );
    // `lumogon analytics …` itself never sent a thing.
    for request in collector.requests() {
        assert!(!request.body.contains("analytics"), "{}", request.body);
    }
}

#[test]
fn the_notice_appears_once_and_its_run_sends_nothing() {
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["capabilities"])
        .collector(&collector.url())
        .first_run();
    let reference = Lumogon::new(&["capabilities", "--disable-analytics"]).run();

    let first = lumogon.run();
    assert_eq!(
        (first.code, &first.stdout),
        (reference.code, &reference.stdout)
    );
    if !ANALYTICS {
        assert_eq!(first.stderr, "", "a build without analytics has no notice");
        assert!(collector.requests().is_empty());
        return;
    }
    assert!(
        first.stderr.contains("anonymous usage analytics"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("ANALYTICS.md") && first.stderr.contains("lumogon analytics disable")
    );
    assert!(
        first.stderr.lines().count() <= 4,
        "the notice is short: {}",
        first.stderr
    );
    assert!(
        collector.requests().is_empty(),
        "the notice's run sent a hit"
    );

    let second = lumogon.run();
    assert_eq!(second.stderr, "", "the notice came back");
    assert_eq!(collector.hits().len(), 1);
}

#[test]
fn an_unwritable_config_directory_means_nothing_is_sent_and_no_error() {
    let collector = Collector::start(200);
    let blocker = tempfile::NamedTempFile::new().expect("tempfile");
    // A file where the config directory should be: nothing can be written.
    let mut lumogon = Lumogon::new(&["version"])
        .collector(&collector.url())
        .env("LUMOGON_CONFIG_DIR", blocker.path().join("lumogon"));
    for _ in 0..2 {
        let out = lumogon.run();
        assert_eq!(out.code, Some(0));
        assert!(!out.stderr.contains("error"), "{}", out.stderr);
    }
    assert!(
        collector.requests().is_empty(),
        "sent without a recorded notice"
    );
}

#[test]
fn analytics_screens_lists_exactly_what_analytics_md_discloses() {
    let collector = Collector::start(200);
    let out = Lumogon::new(&["analytics", "screens"])
        .collector(&collector.url())
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let listed: BTreeSet<String> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("every hit: "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    // The last line says what every hit carries: for lumogon, nothing
    // beyond what ANALYTICS.md's table of fields lists. (A build without
    // analytics sends nothing, and lists only what it would not send.)
    assert_eq!(
        out.stdout
            .ends_with("every hit: an anonymous client id, the app's name and version\n"),
        ANALYTICS,
        "{}",
        out.stdout
    );

    let doc = std::fs::read_to_string(lumogon_tests::lumogon::workspace().join("ANALYTICS.md"))
        .expect("ANALYTICS.md");
    // The first column of the two tables headed `screen` and `event`.
    let mut disclosed = BTreeSet::new();
    let mut table = None;
    for line in doc.lines() {
        if !line.starts_with('|') {
            table = None;
            continue;
        }
        let first = line.split('|').nth(1).unwrap_or_default().trim();
        if first == "screen" || first.starts_with("event") {
            table = first.split_whitespace().next().map(str::to_owned);
            continue;
        }
        let ticked: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
        match (table.as_deref(), ticked.as_slice()) {
            (Some("screen"), [screen]) => disclosed.insert(format!("screen {screen}")),
            (Some("event"), [category, action]) => {
                disclosed.insert(format!("event {category} {action}"))
            }
            _ => continue,
        };
    }
    assert_eq!(listed, disclosed);
    assert!(
        listed.contains("screen scan") && listed.contains("event UX upload"),
        "{listed:?}"
    );
    assert!(collector.requests().is_empty());
}

#[test]
fn ga4_is_chosen_by_its_two_variables() {
    let collector = Collector::start(204);
    let endpoint = collector.at("/mp/collect");
    let out = Lumogon::new(&["capabilities", "describe", "dpkg"])
        .collector(&endpoint)
        .env("LUMOGON_GA4_MEASUREMENT_ID", "G-LUMOGON123")
        .env("LUMOGON_GA4_API_SECRET", "not-so-secret")
        .run();
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    let requests = collector.requests();
    if !ANALYTICS {
        assert!(requests.is_empty());
        return;
    }
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(
        request.path,
        "/mp/collect?measurement_id=G-LUMOGON123&api_secret=not-so-secret"
    );
    let body: serde_json::Value = serde_json::from_str(&request.body).expect("GA4 bodies are JSON");
    let event = &body["events"][0];
    // A web stream: the protocol takes no screen_view from one.
    assert_eq!(event["name"], "page_view");
    assert_eq!(event["params"]["page_title"], "capabilities describe");
    assert_eq!(
        event["params"]["page_location"],
        "https://lumogon.invalid/capabilities/describe"
    );
    assert_eq!(event["params"]["app_name"], "lumogon");
    // Two positive numbers joined by a period, as the reference has it.
    let client_id = body["client_id"].as_str().unwrap_or_default();
    let numbers: Vec<u64> = client_id
        .split('.')
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        numbers.len() == 2 && numbers.iter().all(|n| *n > 0),
        "{client_id:?}"
    );
    assert!(!request.raw().contains("dpkg"));

    // One of the two is not enough: nothing is sent rather than guessing.
    let out = Lumogon::new(&["version"])
        .collector(&endpoint)
        .env("LUMOGON_GA4_MEASUREMENT_ID", "G-LUMOGON123")
        .run();
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    assert_eq!(collector.requests().len(), 1);
}

#[test]
fn the_debug_variable_prints_the_exact_request_and_sends_nothing() {
    let collector = Collector::start(200);
    let mut lumogon = Lumogon::new(&["version"])
        .collector(&collector.url())
        .env("LUMOGON_ANALYTICS_DEBUG", "1");
    let out = lumogon.run();
    assert_eq!(out.code, Some(0));
    assert!(
        collector.requests().is_empty(),
        "a dry run sent {:?}",
        collector.requests()
    );
    if !ANALYTICS {
        assert_eq!(out.stderr, "");
        return;
    }
    let cid = std::fs::read_to_string(lumogon.config_dir().join("client_id")).expect("client id");
    let body = format!(
        "v=1&tid=UA-54263865-7&cid={}&t=screenview&an=lumogon&av={}&cd=version&aip=1",
        cid.trim(),
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        out.stderr
            .contains(&format!("POST {}\n{body}\n", collector.url())),
        "{}",
        out.stderr
    );
}

#[test]
fn status_says_off_whenever_a_run_would_send_nothing() {
    let shown = |mut lumogon: Lumogon| {
        let out = lumogon.run();
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        out.stdout
    };
    let off = |stdout: &str, why: &str| {
        let expected = if ANALYTICS {
            format!("analytics: off ({why}")
        } else {
            "analytics: off (this lumogon was built without".to_owned()
        };
        assert!(stdout.starts_with(&expected), "{stdout}");
    };
    let status = || Lumogon::new(&["analytics", "status"]);
    // Seen, nothing set: on, and it says which variables it answers to.
    let on = shown(status());
    if ANALYTICS {
        assert!(on.starts_with("analytics: on\n"), "{on}");
        for var in [
            "LUMOGON_DISABLE_ANALYTICS",
            "LUMOGON_ANALYTICS_URL",
            "LUMOGON_CONFIG_DIR",
        ] {
            assert!(on.contains(var), "{on}");
        }
    }
    off(
        &shown(status().first_run()),
        "the first-run notice has not been shown yet",
    );
    off(
        &shown(status().env("LUMOGON_GA4_MEASUREMENT_ID", "G-LUMOGON123")),
        "the configuration is invalid: LUMOGON_GA4_MEASUREMENT_ID is set without \
         LUMOGON_GA4_API_SECRET",
    );
    off(
        &shown(status().env("LUMOGON_ANALYTICS_URL", "localhost:9")),
        "the configuration is invalid: invalid endpoint \"localhost:9\" (from LUMOGON_ANALYTICS_URL)",
    );
    // The status run itself shows no notice and writes nothing.
    let first = status().first_run();
    let out = Lumogon::new(&["analytics", "status"])
        .env("LUMOGON_CONFIG_DIR", first.config_dir())
        .run();
    assert_eq!(out.stderr, "");
    assert!(
        first.config_files().is_empty(),
        "{:?}",
        first.config_files()
    );
}

#[test]
fn a_ga4_session_lasts_across_runs_and_disable_deletes_it() {
    let collector = Collector::start(204);
    let mut lumogon = Lumogon::new(&["version"])
        .collector(&collector.at("/mp/collect"))
        .env("LUMOGON_GA4_MEASUREMENT_ID", "G-LUMOGON123")
        .env("LUMOGON_GA4_API_SECRET", "not-so-secret");
    for _ in 0..2 {
        assert_eq!(lumogon.run().code, Some(0));
    }
    let requests = collector.requests();
    if !ANALYTICS {
        assert!(requests.is_empty());
        return;
    }
    let sessions: Vec<String> = requests
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
            body["events"][0]["params"]["session_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    // Two runs minutes apart are one session, not one each.
    assert_eq!(sessions.len(), 2, "{requests:?}");
    assert!(
        !sessions[0].is_empty() && sessions[0] == sessions[1],
        "{sessions:?}"
    );
    let session = lumogon.config_dir().join("session");
    assert!(session.exists());

    let out = Lumogon::new(&["analytics", "disable"])
        .env("LUMOGON_CONFIG_DIR", lumogon.config_dir())
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(!session.exists(), "{}", out.stdout);
}
