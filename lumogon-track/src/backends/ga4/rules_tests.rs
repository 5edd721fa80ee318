//! Unit tests of `rules.rs`.

use super::*;

use Broken::*;
use StreamKind::{App, Web};

/// Asserts that `result` broke a rule `rule` matches; the context, if
/// any, says which case failed.
macro_rules! broke {
    ($result:expr, $rule:pat) => {
        broke!($result, $rule, "")
    };
    ($result:expr, $rule:pat, $context:expr) => {{
        let result = $result;
        assert!(matches!(result, Err($rule)), "{result:?} {:?}", $context);
    }};
}

#[test]
fn event_names_are_letters_digits_and_underscores_starting_with_a_letter() {
    for good in ["ux", "report_upload", "a", "A1_b2", "café", &"x".repeat(40)] {
        assert_eq!(check_event_name(good, Web), Ok(()), "{good}");
        assert_eq!(check_event_name(good, App), Ok(()), "{good}");
    }
    for bad in ["", "_private", "3d", "a b", "a-b", "a.b", "x\n"] {
        broke!(check_event_name(bad, Web), NameCharacters { .. }, bad);
    }
    broke!(check_event_name("ünïcode-dash", Web), NameCharacters { .. });
    broke!(check_event_name(&"x".repeat(41), App), NameTooLong { .. });
}

#[test]
fn reserved_event_names_are_refused_from_both_streams() {
    for name in RESERVED_EVENT_NAMES {
        for kind in [Web, App] {
            let result = check_event_name(name, kind);
            broke!(
                result,
                ReservedName { .. } | ReservedPrefix { .. },
                (name, kind)
            );
        }
    }
    let name = "session_start".into();
    let refused = Err(ReservedName {
        what: "event",
        name,
    });
    assert_eq!(check_event_name("session_start", Web), refused);
}

#[test]
fn app_only_events_are_refused_from_web_streams_only() {
    for name in ["screen_view", "ad_impression", "in_app_purchase"] {
        assert_eq!(check_event_name(name, App), Ok(()), "{name}");
        let refused = Err(AppOnly { name: name.into() });
        assert_eq!(check_event_name(name, Web), refused);
    }
    // What a web stream's screenview becomes instead.
    assert_eq!(check_event_name("page_view", Web), Ok(()));
}

#[test]
fn reserved_prefixes_hold_for_events_and_parameters() {
    for prefix in ["firebase_", "google_", "ga_"] {
        let name = format!("{prefix}thing");
        broke!(check_event_name(&name, Web), ReservedPrefix { .. });
        broke!(check_param_name(&name), ReservedPrefix { .. });
    }
    // Only the prefix: a name that merely contains it is fine.
    assert_eq!(check_event_name("my_ga_thing", Web), Ok(()));
    broke!(check_param_name("gtag.x"), ReservedPrefix { .. });
    broke!(check_param_name("firebase_conversion"), ReservedName { .. });
}

#[test]
fn parameter_names_follow_the_naming_rule() {
    for good in REQUIRED_PARAMS.iter().chain(&["screen_name", "page_title"]) {
        assert_eq!(check_param_name(good), Ok(()), "{good}");
    }
    assert!(check_param_name("9lives").is_err());
    assert!(check_param_name(&"p".repeat(41)).is_err());
}

#[test]
fn values_are_at_most_a_hundred_characters() {
    assert_eq!(check_value("p", &"ü".repeat(100)), Ok(()));
    let refused = Err(ValueTooLong { param: "p".into() });
    assert_eq!(check_value("p", &"ü".repeat(101)), refused);
}

fn required() -> Vec<(&'static str, Option<&'static str>)> {
    vec![
        ("session_id", Some("1700000000000")),
        ("engagement_time_msec", None),
    ]
}

#[test]
fn every_event_carries_a_session_and_engagement_time() {
    assert_eq!(check_event("ux", required(), Web), Ok(()));
    let session = [("session_id", Some("1"))];
    let param = "engagement_time_msec";
    assert_eq!(check_event("ux", session, Web), Err(Missing { param }));
    let engagement = [("engagement_time_msec", None)];
    let param = "session_id";
    assert_eq!(check_event("ux", engagement, App), Err(Missing { param }));
}

#[test]
fn at_most_twenty_five_parameters_an_event_and_events_a_request() {
    let names: Vec<String> = (0..24).map(|i| format!("p{i}")).collect();
    let mut params = required();
    params.extend(names.iter().take(23).map(|n| (n.as_str(), Some("v"))));
    assert_eq!(params.len(), 25);
    assert_eq!(check_event("ux", params.clone(), Web), Ok(()));
    params.push((names[23].as_str(), Some("v")));
    let refused = Err(TooManyParams { count: 26 });
    assert_eq!(check_event("ux", params, Web), refused);
    assert_eq!(check_event_count(25), Ok(()));
    assert_eq!(check_event_count(26), Err(TooManyEvents { count: 26 }));
}

#[test]
fn an_event_breaks_no_rule_through_its_parameters() {
    let long = "v".repeat(101);
    for extra in [("_private", Some("v")), ("p", Some(long.as_str()))] {
        let params = [required(), vec![extra]].concat();
        assert!(check_event("ux", params, Web).is_err(), "{extra:?}");
    }
}

#[test]
fn client_ids_by_stream() {
    assert!(is_web_client_id("1234567890.1700000000"));
    assert!(is_web_client_id("1.1"));
    for bad in ["", "1", "1.", ".1", "0.5", "1.2.3", "a.1", "-1.2"] {
        assert!(!is_web_client_id(bad), "{bad}");
    }
    assert!(!is_web_client_id("35009a79-1a05"));
    assert!(is_app_instance_id("35009a791a0549d7b8762b884d0f825b"));
    let uuid = "35009a79-1a05-49d7-b876-2b884d0f825b";
    for bad in ["", uuid, &"g".repeat(32), &"a".repeat(31)] {
        assert!(!is_app_instance_id(bad), "{bad}");
    }
}

#[test]
fn the_names_of_the_two_streams() {
    assert_eq!(
        (Web.id_parameter(), Web.client_field()),
        ("measurement_id", "client_id")
    );
    assert_eq!(
        (App.id_parameter(), App.client_field()),
        ("firebase_app_id", "app_instance_id")
    );
}

#[test]
fn a_broken_rule_says_which() {
    let text = check_event_name("screen_view", Web).map_err(|e| e.to_string());
    assert_eq!(
        text,
        Err("event name \"screen_view\" is accepted from app streams only, and this is a web stream".into())
    );
}

#[test]
fn measurement_ids() {
    for good in ["G-ABCDE12345", "G-1", "G-abc9"] {
        assert!(is_measurement_id(good), "{good}");
    }
    for bad in [
        "", "G-", "G", "g-ABC", "UA-1-1", "G-AB-C", "G-AB C", "G-ÄB", " G-AB",
    ] {
        assert!(!is_measurement_id(bad), "{bad}");
    }
}

#[test]
fn firebase_app_ids() {
    for good in [
        "1:1234567890:android:321abc456def7890",
        "1:1:ios:ABCDEF0123",
        "2:99:web:0",
    ] {
        assert!(is_firebase_app_id(good), "{good}");
    }
    for bad in [
        "",
        "G-ABC123",
        "1:2:android",
        "1:2:android:",
        "1:2:android:xyz",
        "a:2:android:ab",
        "1::android:ab",
        "1:2::ab",
        "1:2:Android:ab",
        "1:2:android:ab:cd",
    ] {
        assert!(!is_firebase_app_id(bad), "{bad}");
    }
}
