//! Validate mode's side of GA4 (`{APP}_ANALYTICS_DEBUG=validate`): where
//! Google's validation server is, and what its answer says. What validate
//! mode prints and when is `delivery/sinks.rs`'. Pure logic: no I/O.

use serde_json::Value;

/// Google's validation server for `endpoint`: the same URL with `/debug`
/// before `/mp/collect` (`https://www.google-analytics.com/debug/mp/collect`
/// for the default). An endpoint that is one already stays as it is; one
/// that does not end in `/mp/collect` has no validation server beside it.
pub(crate) fn endpoint(endpoint: &str) -> Result<String, String> {
    const COLLECT: &str = "/mp/collect";
    const DEBUG: &str = "/debug/mp/collect";
    let mut url =
        reqwest::Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
    let path = url.path().to_owned();
    if path.ends_with(DEBUG) {
        return Ok(url.into());
    }
    let Some(base) = path.strip_suffix(COLLECT) else {
        return Err(format!(
            "endpoint {endpoint:?} does not end in {COLLECT}, so it has no {DEBUG} beside it"
        ));
    };
    url.set_path(&format!("{base}{DEBUG}"));
    Ok(url.into())
}

/// One entry of the validation server's answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Message {
    pub(crate) validation_code: String,
    pub(crate) field_path: String,
    pub(crate) description: String,
}

/// The validation server's answer, `{"validationMessages": [{"fieldPath":
/// …, "description": …, "validationCode": …}, …]}`: its messages, none when
/// the request is valid.
pub(crate) fn messages(answer: &str) -> Result<Vec<Message>, String> {
    let json: Value = serde_json::from_str(answer)
        .map_err(|e| format!("the validation server's answer is not JSON ({e})"))?;
    let Some(list) = json.get("validationMessages") else {
        return Err("the validation server's answer has no validationMessages".to_owned());
    };
    let list = list
        .as_array()
        .ok_or("the validation server's validationMessages is not a list")?;
    let text = |m: &Value, key: &str| {
        m.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(list
        .iter()
        .map(|m| Message {
            validation_code: text(m, "validationCode"),
            field_path: text(m, "fieldPath"),
            description: text(m, "description"),
        })
        .collect())
}

/// What validate mode prints for one request's answer: "valid", or one line
/// per message. Every line starts with `prefix`.
pub(crate) fn report(prefix: &str, answer: Result<&str, String>) -> String {
    let messages = answer.and_then(messages);
    match messages {
        Ok(messages) if messages.is_empty() => format!("{prefix}valid\n"),
        Ok(messages) => messages
            .iter()
            .map(|m| {
                format!(
                    "{prefix}{} at {}: {}\n",
                    m.validation_code, m.field_path, m.description
                )
            })
            .collect(),
        Err(why) => format!("{prefix}not validated: {why}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_validation_server_is_beside_the_collector() {
        for (given, validation) in [
            (
                "https://www.google-analytics.com/mp/collect",
                "https://www.google-analytics.com/debug/mp/collect",
            ),
            (
                "https://region1.google-analytics.com/mp/collect",
                "https://region1.google-analytics.com/debug/mp/collect",
            ),
            (
                "http://127.0.0.1:9/ga/mp/collect?x=1",
                "http://127.0.0.1:9/ga/debug/mp/collect?x=1",
            ),
            (
                "http://127.0.0.1:9/debug/mp/collect",
                "http://127.0.0.1:9/debug/mp/collect",
            ),
        ] {
            assert_eq!(endpoint(given).as_deref(), Ok(validation), "{given}");
        }
        assert!(endpoint("http://127.0.0.1:9/collect").is_err());
        assert!(endpoint("not a url").is_err());
    }

    #[test]
    fn the_validation_servers_answer_is_read_as_documented() {
        // The example answer of Google's "Validate events" guide.
        let answer = r#"{
          "validationMessages": [
            {
              "fieldPath": "events",
              "description": "Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.",
              "validationCode": "NAME_INVALID"
            }
          ]
        }"#;
        assert_eq!(
            messages(answer),
            Ok(vec![Message {
                validation_code: "NAME_INVALID".into(),
                field_path: "events".into(),
                description: "Event at index: [0] has invalid name [_badEventName]. Names must \
                              start with an alphabetic character."
                    .into(),
            }])
        );
        assert_eq!(messages(r#"{"validationMessages": []}"#), Ok(vec![]));
        assert!(messages("").is_err());
        assert!(messages("{}").is_err());
        assert!(messages(r#"{"validationMessages": 3}"#).is_err());

        let p = "lumogon-track: validate (T): ";
        assert_eq!(
            report(p, Ok(r#"{"validationMessages":[]}"#)),
            "lumogon-track: validate (T): valid\n"
        );
        assert_eq!(
            report(
                p,
                Ok(
                    r#"{"validationMessages":[{"fieldPath":"a","description":"b","validationCode":"C"},{"fieldPath":"d","description":"e","validationCode":"F"}]}"#
                )
            ),
            "lumogon-track: validate (T): C at a: b\nlumogon-track: validate (T): F at d: e\n"
        );
        assert_eq!(
            report(p, Err("the validation server answered 500".into())),
            "lumogon-track: validate (T): not validated: the validation server answered 500\n"
        );
    }
}
