//! Unit tests of `resolve.rs`.

use super::*;
use crate::Config;
use crate::backends::v1;
use StreamKind::{App, Web};

const ENDPOINT_VAR: &str = "MYTOOL_ANALYTICS_URL";
const DRY_RUN_VAR: &str = "MYTOOL_ANALYTICS_DEBUG";
const WEB_ID: &str = "G-ABCDE12345";
const APP_ID: &str = "1:1234567890:android:321abc456def7890";

fn settings() -> Given {
    Config::universal_analytics("UA-54263865-7", "mytool", "0.1.0").0
}

fn ga4(measurement_id: &str, api_secret: &str) -> Given {
    Config::ga4(measurement_id, api_secret, "mytool", "0.1.0").0
}

/// `given` changed by `change`.
fn with(mut given: Given, change: impl FnOnce(&mut Given)) -> Given {
    change(&mut given);
    given
}

/// A GA4 backend of `stream` with the api secret `s3cret`.
fn stream(stream: StreamKind, id: &str) -> Backend {
    let (stream_id, api_secret) = (id.to_owned(), "s3cret".to_owned());
    Backend::Ga4 {
        stream,
        stream_id,
        api_secret,
    }
}

/// `given` resolved with only the variables `env` set.
fn resolve(mut given: Given, env: &[(&str, &str)]) -> Result<Resolved, String> {
    let env: Vec<_> = env
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    given.environment(move |key| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
    given.resolve().map_err(|e| e.to_string())
}

/// Why `given` does not resolve with `env`, or "" if it does.
fn err(given: Given, env: &[(&str, &str)]) -> String {
    resolve(given, env).err().unwrap_or_default()
}

#[test]
fn defaults() {
    let s = resolve(settings(), &[]);
    let s = s.as_ref().map(|s| (s.endpoint.as_str(), s.flush_budget));
    assert_eq!(s, Ok((v1::DEFAULT_ENDPOINT, Duration::from_millis(300))));
}

#[test]
fn errors_name_the_field() {
    let v1 = with(settings(), |s| {
        s.backend = Backend::V1 {
            tracking_id: "G-XYZ".into(),
        }
    });
    assert!(err(v1, &[]).starts_with("invalid tracking id \"G-XYZ\""));
    let app_name = with(settings(), |s| s.app_name = " ".into());
    assert!(err(app_name, &[]).starts_with("invalid app name"));
    let endpoint = with(settings(), |s| {
        s.endpoint = Some("ftp://example.org/collect".into())
    });
    assert!(err(endpoint, &[]).contains("(from Config::endpoint)"));
}

#[test]
fn ga4_settings_are_checked_by_ga4_rules() {
    let s = resolve(ga4(WEB_ID, "s3cret"), &[]).map(|s| (s.endpoint, s.backend));
    assert_eq!(s, Ok((ga4::DEFAULT_ENDPOINT.into(), stream(Web, WEB_ID))));
    // The v1 tracking id rule does not apply to GA4, nor the other way.
    assert!(err(ga4("UA-1-1", "s"), &[]).starts_with("invalid measurement id \"UA-1-1\""));
    assert!(err(ga4("G-ABC", " "), &[]).starts_with("invalid api secret"));
    let url = "www.google-analytics.com/mp/collect";
    let endpoint = with(ga4("G-ABC", "s"), |s| s.endpoint = Some(url.into()));
    assert!(err(endpoint, &[]).ends_with("ending in /mp/collect"));
    let version = with(ga4("G-ABC", "s"), |s| s.app_version = String::new());
    assert!(err(version, &[]).starts_with("invalid app version"));
}

#[test]
fn an_app_stream_is_checked_by_its_own_rules() {
    let app = |id: &str| Config::ga4_app(id, "s3cret", "mytool", "0.1.0").0;
    let s = resolve(app(APP_ID), &[]).map(|s| (s.endpoint, s.backend));
    assert_eq!(s, Ok((ga4::DEFAULT_ENDPOINT.into(), stream(App, APP_ID))));
    let e = err(app(WEB_ID), &[]);
    assert!(
        e.starts_with("invalid Firebase app id \"G-ABCDE12345\""),
        "{e}"
    );
    // And a web stream takes no Firebase app id.
    let e = err(ga4("1:1:ios:ab", "s"), &[]);
    assert!(e.starts_with("invalid measurement id"), "{e}");
    let debug = format!(
        "{:?}",
        Config::ga4_app("1:1:ios:ab", "hunter2", "tool", "1")
    );
    assert!(
        debug.contains("firebase_app_id: \"1:1:ios:ab\"") && !debug.contains("hunter2"),
        "{debug}"
    );
}

#[test]
fn validate_mode_asks_the_validation_server_beside_the_endpoint() {
    let run = |given, env: &[_]| resolve(given, env).map(|s| (s.mode, s.endpoint));
    let validate = |url| [(DRY_RUN_VAR, "validate"), (ENDPOINT_VAR, url)];
    let debug = "https://www.google-analytics.com/debug/mp/collect";
    let s = run(ga4("G-A", "s"), &[(DRY_RUN_VAR, " Validate ")]);
    assert_eq!(s, Ok((Mode::Validate, debug.to_owned())));
    let s = run(ga4("G-A", "s"), &validate("http://127.0.0.1:9/mp/collect"));
    assert_eq!(
        s.map(|s| s.1).as_deref(),
        Ok("http://127.0.0.1:9/debug/mp/collect")
    );
    // An endpoint with no /mp/collect has no validation server beside it.
    let e = err(ga4("G-A", "s"), &validate("http://127.0.0.1:9/elsewhere"));
    assert!(e.starts_with("validate mode: endpoint"), "{e}");
    // v1 keeps its endpoint: the worker says there is no server to ask.
    let s = run(settings(), &[(DRY_RUN_VAR, " Validate ")]);
    assert_eq!(s, Ok((Mode::Validate, v1::DEFAULT_ENDPOINT.to_owned())));
    // The dry run is untouched.
    let s = run(ga4("G-A", "s"), &[(DRY_RUN_VAR, "1")]);
    assert_eq!(s, Ok((Mode::DryRun, ga4::DEFAULT_ENDPOINT.to_owned())));
}

#[test]
fn the_secret_stays_out_of_debug_output() {
    let debug = format!("{:?}", Config::ga4("G-ABC", "hunter2", "tool", "1"));
    assert!(
        debug.contains("G-ABC") && !debug.contains("hunter2"),
        "{debug}"
    );
}

#[test]
fn the_dry_run_variable_follows_the_opt_out_rule() {
    let dry = |value| resolve(settings(), &[(DRY_RUN_VAR, value)]).map(|s| s.mode);
    for (value, on) in [
        ("1", true),
        ("yes", true),
        ("0", false),
        ("false", false),
        ("", false),
    ] {
        assert_eq!(dry(value).map(|m| m == Mode::DryRun), Ok(on), "{value:?}");
    }
    assert_eq!(resolve(settings(), &[]).map(|s| s.mode), Ok(Mode::Send));
}

#[test]
fn ssl_cert_file_names_the_roots_to_trust() {
    let ca = |env: &[_]| resolve(settings(), env).map(|s| s.ca_file);
    let pem = (CA_FILE_VAR, "/etc/ca.pem");
    assert_eq!(ca(&[pem]), Ok(Some(PathBuf::from("/etc/ca.pem"))));
    assert_eq!(ca(&[(CA_FILE_VAR, " ")]), Ok(None));
    assert_eq!(ca(&[]), Ok(None));
    // An http endpoint has no certificate to check.
    assert_eq!(
        ca(&[pem, (ENDPOINT_VAR, "http://127.0.0.1:9/collect")]),
        Ok(None)
    );
}

#[test]
fn the_environment_overrides_the_endpoint() {
    let local = [(ENDPOINT_VAR, "http://127.0.0.1:9/collect")];
    let s = resolve(settings(), &local).map(|s| s.endpoint);
    assert_eq!(s.as_deref(), Ok("http://127.0.0.1:9/collect"));
    let e = err(settings(), &[(ENDPOINT_VAR, "localhost:9")]);
    assert!(e.contains("from MYTOOL_ANALYTICS_URL"), "{e}");
    // Another application answers to its own variable only.
    let greeter = || Config::universal_analytics("UA-1-1", "greeter", "1").0;
    let s = resolve(greeter(), &[(ENDPOINT_VAR, "localhost:9")]).map(|s| s.endpoint);
    assert_eq!(s.as_deref(), Ok(v1::DEFAULT_ENDPOINT));
    let e = err(greeter(), &[("GREETER_ANALYTICS_URL", "localhost:9")]);
    assert!(e.contains("from GREETER_ANALYTICS_URL"), "{e}");
}

#[test]
fn an_application_can_declare_its_configuration_invalid() {
    let s = with(settings(), |s| {
        s.invalid = Some("TOOL_API_SECRET is not set".into())
    });
    assert_eq!(err(s, &[]), "TOOL_API_SECRET is not set");
}

#[test]
fn urls() {
    assert!(is_http_url("http://127.0.0.1:8080/collect"));
    assert!(is_http_url("https://www.google-analytics.com/collect"));
    assert!(!is_http_url("http:///collect"));
    assert!(!is_http_url("www.google-analytics.com/collect"));
    assert!(!is_http_url("http://a b/collect"));
}

const WEB: &str = "MYTOOL_GA4_MEASUREMENT_ID";
const APP: &str = "MYTOOL_GA4_FIREBASE_APP_ID";
const SECRET: &str = "MYTOOL_GA4_API_SECRET";

/// The backend `backend_from_env` picks with the variables `set`, each set
/// to a value of its kind, or why it refuses.
fn from_env(set: &[&str]) -> Result<Backend, String> {
    let value = |key| match key {
        WEB => WEB_ID,
        APP => APP_ID,
        _ => "s3cret",
    };
    let env: Vec<_> = set.iter().map(|&key| (key, value(key))).collect();
    let given = Config::universal_analytics("UA-1-1", "mytool", "1")
        .backend_from_env()
        .0;
    resolve(given, &env).map(|r| r.backend)
}

#[test]
fn the_environment_may_choose_a_ga4_stream_and_half_a_choice_is_refused() {
    let v1 = Backend::V1 {
        tracking_id: "UA-1-1".into(),
    };
    assert_eq!(from_env(&[]), Ok(v1));
    assert_eq!(from_env(&[WEB, SECRET]), Ok(stream(Web, WEB_ID)));
    assert_eq!(from_env(&[APP, SECRET]), Ok(stream(App, APP_ID)));
    let both = "MYTOOL_GA4_MEASUREMENT_ID and MYTOOL_GA4_FIREBASE_APP_ID are both set; set one: \
                the web stream's measurement id or the app stream's Firebase app id";
    let app = "MYTOOL_GA4_FIREBASE_APP_ID is set without MYTOOL_GA4_API_SECRET; set both for \
               GA4, or neither";
    let secret = "MYTOOL_GA4_API_SECRET is set without MYTOOL_GA4_MEASUREMENT_ID or \
                  MYTOOL_GA4_FIREBASE_APP_ID; set both for GA4, or neither";
    assert_eq!(from_env(&[WEB, APP, SECRET]), Err(both.to_owned()));
    assert_eq!(from_env(&[APP]), Err(app.to_owned()));
    assert_eq!(from_env(&[SECRET]), Err(secret.to_owned()));
    // Without the choice, the variables mean nothing.
    let given = Config::universal_analytics("UA-1-1", "mytool", "1").0;
    assert!(resolve(given, &[(SECRET, "x")]).is_ok());
}

const PH_KEY: &str = "MYTOOL_POSTHOG_API_KEY";
const PH_HOST: &str = "MYTOOL_POSTHOG_HOST";

/// The backend and endpoint `backend_from_env` picks from `env`, or why it
/// refuses.
fn posthog_from_env(env: &[(&str, &str)]) -> Result<(Backend, String), String> {
    let given = Config::universal_analytics("UA-1-1", "mytool", "1")
        .backend_from_env()
        .0;
    resolve(given, env).map(|r| (r.backend, r.endpoint))
}

fn posthog(key: &str) -> Backend {
    Backend::PostHog {
        api_key: key.into(),
    }
}

#[test]
fn the_environment_may_choose_posthog_at_the_us_cloud_or_a_host() {
    let us = posthog_from_env(&[(PH_KEY, "phc_abc")]);
    assert_eq!(
        us,
        Ok((posthog("phc_abc"), posthog::DEFAULT_ENDPOINT.into()))
    );
    assert_eq!(posthog::DEFAULT_ENDPOINT, "https://us.i.posthog.com/batch/");
    let eu = posthog_from_env(&[(PH_KEY, "phc_abc"), (PH_HOST, "https://eu.i.posthog.com")]);
    assert_eq!(
        eu.map(|e| e.1).as_deref(),
        Ok("https://eu.i.posthog.com/batch/")
    );
    let local = posthog_from_env(&[(PH_KEY, "phc_abc"), (PH_HOST, "http://127.0.0.1:9/")]);
    assert_eq!(
        local.map(|e| e.1).as_deref(),
        Ok("http://127.0.0.1:9/batch/")
    );
    // The endpoint variable still wins.
    let url = posthog_from_env(&[
        (PH_KEY, "phc_abc"),
        (PH_HOST, "https://eu.i.posthog.com"),
        (ENDPOINT_VAR, "http://127.0.0.1:9/batch/"),
    ]);
    assert_eq!(url.map(|e| e.1).as_deref(), Ok("http://127.0.0.1:9/batch/"));
    // A host that is no URL says where it came from.
    let e = posthog_from_env(&[(PH_KEY, "phc_abc"), (PH_HOST, "eu.i.posthog.com")])
        .err()
        .unwrap_or_default();
    assert!(
        e.contains("(from MYTOOL_POSTHOG_HOST)") && e.ends_with("ending in /batch/"),
        "{e}"
    );
}

#[test]
fn half_a_posthog_choice_or_two_backends_is_refused() {
    assert_eq!(
        posthog_from_env(&[(PH_HOST, "https://eu.i.posthog.com")]),
        Err(
            "MYTOOL_POSTHOG_HOST is set without MYTOOL_POSTHOG_API_KEY; set the project API \
             key for PostHog, or neither"
                .to_owned()
        )
    );
    assert_eq!(
        posthog_from_env(&[(PH_KEY, "phc_abc"), (WEB, WEB_ID), (SECRET, "s")]),
        Err(
            "MYTOOL_POSTHOG_API_KEY and MYTOOL_GA4_MEASUREMENT_ID are both set; set one \
             backend's variables: PostHog's or GA4's"
                .to_owned()
        )
    );
    let e = posthog_from_env(&[(PH_KEY, "phc_abc"), (SECRET, "s")])
        .err()
        .unwrap_or_default();
    assert!(e.contains("MYTOOL_GA4_API_SECRET are both set"), "{e}");
}

#[test]
fn a_posthog_key_is_checked_and_a_personal_key_never_repeated() {
    let e = posthog_from_env(&[(PH_KEY, "abc")])
        .err()
        .unwrap_or_default();
    assert_eq!(
        e,
        "invalid PostHog project API key \"abc\": expected one starting with \"phc_\" \
         (PostHog: Project settings, Project API key)"
    );
    let e = posthog_from_env(&[(PH_KEY, "phx_secret123")])
        .err()
        .unwrap_or_default();
    assert!(
        e.contains("personal API key") && !e.contains("secret123"),
        "{e}"
    );
}

#[test]
fn config_posthog_takes_a_batch_endpoint_and_validates_nothing() {
    let given = Config::posthog("phc_abc", "mytool", "1")
        .endpoint("https://eu.i.posthog.com/batch/")
        .0;
    let s = resolve(given, &[(DRY_RUN_VAR, "validate")]).map(|s| (s.backend, s.endpoint, s.mode));
    assert_eq!(
        s,
        Ok((
            posthog("phc_abc"),
            "https://eu.i.posthog.com/batch/".into(),
            Mode::Validate
        ))
    );
    assert_eq!(posthog("phc_abc").property(), "api_key=phc_abc");
    let debug = format!("{:?}", Config::posthog("phc_abc", "tool", "1"));
    assert!(debug.contains("posthog_api_key: \"phc_abc\""), "{debug}");
}

#[test]
fn an_endpoint_given_for_another_protocol_is_not_used_for_the_one_the_variables_chose() {
    let given = || {
        Config::universal_analytics("UA-1-1", "mytool", "1")
            .endpoint("https://collector.example/collect")
            .backend_from_env()
            .0
    };
    let endpoint = |env: &[(&str, &str)]| resolve(given(), env).map(|r| r.endpoint);
    assert_eq!(
        endpoint(&[(PH_KEY, "phc_abc")]).as_deref(),
        Ok(posthog::DEFAULT_ENDPOINT)
    );
    assert_eq!(
        endpoint(&[(WEB, WEB_ID), (SECRET, "s")]).as_deref(),
        Ok(ga4::DEFAULT_ENDPOINT)
    );
    assert_eq!(
        endpoint(&[]).as_deref(),
        Ok("https://collector.example/collect")
    );
    // The application's own PostHog endpoint stays for a key the variables
    // give.
    let eu = Config::posthog("phc_app", "mytool", "1")
        .endpoint("https://eu.i.posthog.com/batch/")
        .backend_from_env()
        .0;
    let s = resolve(eu, &[(PH_KEY, "phc_abc")]).map(|r| (r.backend, r.endpoint));
    assert_eq!(
        s,
        Ok((posthog("phc_abc"), "https://eu.i.posthog.com/batch/".into()))
    );
}
