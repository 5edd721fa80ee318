//! Measurement Protocol v1 (Universal Analytics) hits, encoded exactly as
//! the protocol wants them. Pure logic: no I/O.

use super::{Encoded, Request};
use crate::hit::{Entry, Hit};
use crate::limits::cut_to_bytes;
use crate::limits::v1::{
    APP_NAME, APP_VERSION, BATCH_BYTES, BATCH_HITS, EVENT_ACTION, EVENT_CATEGORY, EVENT_LABEL,
    HIT_BYTES, SCREEN_NAME,
};
use crate::params::{Param, Value};

/// Where hits go unless told otherwise.
pub(crate) const DEFAULT_ENDPOINT: &str = "https://www.google-analytics.com/collect";

/// A v1 body, one hit or a `/batch` of them.
pub(crate) const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The `/collect` URL and the `/batch` URL beside it (the last path segment
/// replaced), from the configured endpoint.
pub(crate) fn urls(endpoint: &str) -> Result<(String, String), String> {
    let collect = super::parse_endpoint(endpoint)?;
    let batch = collect
        .join("batch")
        .map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
    Ok((collect.into(), batch.into()))
}

/// The v1 requests for `hits`: a lone hit is posted to `collect`, several go
/// to `batch`, as many requests as the batch limits need.
pub(crate) fn requests(common: &Common<'_>, collect: &str, batch: &str, hits: &[Entry]) -> Encoded {
    let mut encoded = Encoded::default();
    let mut payloads = Vec::with_capacity(hits.len());
    for entry in hits {
        match encode(common, entry) {
            Some(payload) => payloads.push((entry, payload)),
            None => encoded.refused.push(entry.clone()),
        }
    }
    let mut rest = payloads.as_slice();
    for size in batch_sizes(payloads.iter().map(|(_, p)| p.len())) {
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        let body = chunk
            .iter()
            .map(|(_, p)| p.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        encoded.requests.push(Request {
            url: if size > 1 { batch } else { collect }.to_owned(),
            content_type: CONTENT_TYPE,
            body,
            hits: chunk.iter().map(|(entry, _)| (*entry).clone()).collect(),
        });
    }
    encoded
}

/// The fields every hit of one process shares.
#[derive(Debug)]
pub(crate) struct Common<'a> {
    pub(crate) tracking_id: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) app_name: &'a str,
    pub(crate) app_version: &'a str,
    /// When the requests are built, for the age of late hits.
    pub(crate) now_ms: u64,
}

/// Encodes one hit as a form-encoded payload, in the order the Lumogon
/// document gives: `v, tid, cid, t, an, av, cd | ec, ea, [el, ev], aip`, and `qt` (its
/// age in ms) last for a hit sent late from the spool.
///
/// Returns `None` when the payload would exceed [`HIT_BYTES`]; the
/// collector would drop it anyway.
pub(crate) fn encode(common: &Common<'_>, entry: &Entry) -> Option<String> {
    let mut out = Payload::default();
    out.pair("v", "1");
    out.pair("tid", common.tracking_id);
    out.pair("cid", common.client_id);
    match &entry.hit {
        Hit::Screenview { screen } => {
            out.pair("t", "screenview");
            out.app(common);
            out.pair("cd", cut_to_bytes(screen, SCREEN_NAME));
        }
        Hit::Event {
            category,
            action,
            params,
        } => {
            out.pair("t", "event");
            out.app(common);
            out.pair("ec", cut_to_bytes(category, EVENT_CATEGORY));
            out.pair("ea", cut_to_bytes(action, EVENT_ACTION));
            if let Some(label) = label(params) {
                out.pair("el", cut_to_bytes(&label, EVENT_LABEL));
            }
            if let Some(value) = value(params) {
                out.pair("ev", &value.to_string());
            }
        }
    }
    // Anonymize IP: Google drops the last octet before storing anything.
    out.pair("aip", "1");
    if let Some(age) = entry.age_ms(common.now_ms) {
        out.pair("qt", &age.to_string());
    }
    (out.0.len() <= HIT_BYTES).then_some(out.0)
}

/// An event's label (`el`): its parameters as `key=value`, joined by `;`.
/// v1 has one free-text field per event, and this keeps every parameter
/// readable in it.
fn label(params: &[Param]) -> Option<String> {
    let pairs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    (!pairs.is_empty()).then(|| pairs.join(";"))
}

/// An event's value (`ev`): the protocol takes one whole number, not
/// negative, so the first parameter that is one.
fn value(params: &[Param]) -> Option<i64> {
    params.iter().find_map(|(_, v)| match v {
        Value::Int(n) if *n >= 0 => Some(*n),
        _ => None,
    })
}

#[derive(Default)]
struct Payload(String);

impl Payload {
    fn pair(&mut self, key: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(key);
        self.0.push('=');
        self.0
            .extend(form_urlencoded::byte_serialize(value.as_bytes()));
    }

    fn app(&mut self, common: &Common<'_>) {
        self.pair("an", cut_to_bytes(common.app_name, APP_NAME));
        self.pair("av", cut_to_bytes(common.app_version, APP_VERSION));
    }
}

/// Splits encoded payloads into request bodies: a `/batch` body is one
/// payload a line, at most [`BATCH_HITS`] lines and [`BATCH_BYTES`].
/// Takes the payloads' lengths; returns the number of payloads in each body,
/// in order.
pub(crate) fn batch_sizes(lengths: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut sizes = Vec::new();
    let (mut count, mut bytes) = (0usize, 0usize);
    for len in lengths {
        let added = usize::from(count > 0) + len; // newline + payload
        if count > 0 && (count == BATCH_HITS || bytes + added > BATCH_BYTES) {
            sizes.push(count);
            (count, bytes) = (0, 0);
        }
        bytes += usize::from(count > 0) + len;
        count += 1;
    }
    if count > 0 {
        sizes.push(count);
    }
    sizes
}

/// `UA-<digits>-<digits>`.
pub(crate) fn is_tracking_id(id: &str) -> bool {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    id.strip_prefix("UA-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(account, property)| all_digits(account) && all_digits(property))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: Common<'static> = Common {
        tracking_id: "UA-54263865-7",
        client_id: "35009a79-1a05-49d7-b876-2b884d0f825b",
        app_name: "lumogon",
        app_version: "0.1.0",
        now_ms: 1_000_000,
    };

    const SCAN: Hit = Hit::Screenview { screen: "scan" };

    /// `encode` for a hit of this run.
    fn encode_hit(common: &Common<'_>, hit: &Hit) -> Option<String> {
        encode(common, &Entry::fresh(hit.clone(), 0))
    }

    fn fresh(hits: &[Hit]) -> Vec<Entry> {
        hits.iter()
            .map(|hit| Entry::fresh(hit.clone(), 0))
            .collect()
    }

    /// The requests for hits of this run, to `http://c/collect` or `/batch`.
    fn send(common: &Common<'_>, hits: &[Hit]) -> Encoded {
        requests(common, "http://c/collect", "http://c/batch", &fresh(hits))
    }

    #[test]
    fn hits_have_exactly_the_documented_fields_in_order_a_late_ones_age_last() {
        let check = |entry: Entry, fields: &str| {
            let head = "v=1&tid=UA-54263865-7&cid=35009a79-1a05-49d7-b876-2b884d0f825b";
            assert_eq!(encode(&COMMON, &entry), Some(format!("{head}{fields}")));
        };
        let describe = Hit::Screenview {
            screen: "capabilities describe",
        };
        let fields = "&t=screenview&an=lumogon&av=0.1.0&cd=capabilities+describe&aip=1";
        check(Entry::fresh(describe, 0), fields);
        let ux = Hit::event("UX", "upload");
        let fields = "&t=event&an=lumogon&av=0.1.0&ec=UX&ea=upload&aip=1";
        check(Entry::fresh(ux, 0), fields);
        let late = Entry {
            late: true,
            ..Entry::fresh(SCAN, 1_000_000 - 90_000)
        };
        let fields = "&t=screenview&an=lumogon&av=0.1.0&cd=scan&aip=1&qt=90000";
        check(late, fields);
    }

    #[test]
    fn values_are_percent_encoded() {
        let common = Common {
            client_id: "A:B/C&D=E",
            ..COMMON
        };
        let body = encode_hit(
            &common,
            &Hit::Screenview {
                screen: "é &=+%\n"
            },
        )
        .unwrap_or_default();
        assert!(body.contains("cid=A%3AB%2FC%26D%3DE&"), "{body}");
        assert!(body.contains("cd=%C3%A9+%26%3D%2B%25%0A&"), "{body}");
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(cut_to_bytes("abc", 3), "abc");
        assert_eq!(cut_to_bytes("abcd", 3), "abc");
        // "é" is two bytes: cutting at 1 byte must drop it, not split it.
        assert_eq!(cut_to_bytes("é", 1), "");
        assert_eq!(cut_to_bytes("aé", 2), "a");
        assert_eq!(cut_to_bytes("日本語", 7), "日本");
        assert_eq!(cut_to_bytes("", 0), "");
    }

    #[test]
    fn limits_apply_to_raw_bytes_and_whole_hits_stay_under_8_kib() {
        // 2048 raw bytes of "ü" encode to 6144 bytes ("%C3%BC" per 2 bytes):
        // still a valid hit.
        let long: &'static str = "ü".repeat(5000).leak();
        let common = Common {
            app_name: long,
            app_version: long,
            ..COMMON
        };
        let screen = encode_hit(&common, &Hit::Screenview { screen: long }).unwrap_or_default();
        assert!(
            screen.contains(&format!("&cd={}&", "%C3%BC".repeat(1024))),
            "{screen}"
        );
        assert!(screen.len() <= HIT_BYTES);
        // An application's client id has no protocol limit of its own, but the
        // hit does: over 8192 bytes it is refused rather than sent to be
        // dropped.
        let common = Common {
            client_id: "c".repeat(2000).leak(),
            ..common
        };
        assert_eq!(encode_hit(&common, &Hit::Screenview { screen: long }), None);
    }

    #[test]
    fn long_values_are_cut_to_the_protocol_limits() {
        let ascii: &'static str = "x".repeat(5000).leak();
        let common = Common {
            app_name: ascii,
            app_version: ascii,
            ..COMMON
        };
        let screen = encode_hit(&common, &Hit::Screenview { screen: ascii }).unwrap_or_default();
        assert!(screen.contains(&format!("&an={}&", "x".repeat(100))));
        assert!(screen.contains(&format!("&av={}&", "x".repeat(100))));
        assert!(screen.contains(&format!("&cd={}&", "x".repeat(2048))));
        let event = encode_hit(&common, &Hit::event(ascii, ascii)).unwrap_or_default();
        assert!(event.contains(&format!("&ec={}&", "x".repeat(150))));
        assert!(event.contains(&format!("&ea={}&", "x".repeat(500))));
    }

    #[test]
    fn tracking_ids() {
        for good in ["UA-54263865-7", "UA-1-1"] {
            assert!(is_tracking_id(good), "{good}");
        }
        for bad in [
            "", "UA-", "UA-1", "UA-1-", "UA--1", "ua-1-1", "G-ABC123", "UA-1-1-1", "UA-1a-1",
        ] {
            assert!(!is_tracking_id(bad), "{bad}");
        }
    }

    #[test]
    fn batch_url_sits_beside_collect() {
        assert_eq!(
            urls("http://127.0.0.1:9/prefix/collect"),
            Ok((
                "http://127.0.0.1:9/prefix/collect".to_owned(),
                "http://127.0.0.1:9/prefix/batch".to_owned()
            ))
        );
        assert!(urls("not a url").is_err());
    }

    #[test]
    fn one_hit_goes_to_collect_and_several_to_batch() {
        let one = send(&COMMON, &[SCAN]);
        assert_eq!(one.requests.len(), 1);
        assert_eq!(one.requests[0].url, "http://c/collect");
        assert_eq!(one.requests[0].content_type, CONTENT_TYPE);
        assert_eq!(
            Some(one.requests[0].body.clone()),
            encode_hit(&COMMON, &SCAN)
        );

        let many = send(&COMMON, &[SCAN; 21]);
        let shape = many.requests.iter();
        let shape = shape.map(|r| (r.url.as_str(), r.hits.len(), r.body.lines().count()));
        let expected = [("http://c/batch", 20, 20), ("http://c/collect", 1, 1)];
        assert_eq!(shape.collect::<Vec<_>>(), expected);
        assert!(many.refused.is_empty());
    }

    #[test]
    fn a_hit_refused_is_set_aside_and_the_rest_still_go() {
        // With a 7000-byte client id a short hit fits in 8192 bytes, and one
        // whose screen name encodes to 6144 bytes does not.
        let common = Common {
            client_id: "c".repeat(7000).leak(),
            ..COMMON
        };
        let big = Hit::Screenview {
            screen: "é".repeat(1024).leak(),
        };
        let encoded = send(&common, &[SCAN, big.clone(), SCAN]);
        assert_eq!(encoded.refused, fresh(&[big]));
        let sent: Vec<_> = encoded.requests.iter().map(|r| r.hits.clone()).collect();
        assert_eq!(sent, [fresh(&[SCAN, SCAN])]);
    }

    #[test]
    fn batches_hold_at_most_twenty_hits() {
        assert_eq!(batch_sizes([10; 45]), vec![20, 20, 5]);
        assert_eq!(batch_sizes([]), Vec::<usize>::new());
    }

    #[test]
    fn batches_hold_at_most_sixteen_kib() {
        // Two 8000-byte payloads and a newline fit; a third does not.
        assert_eq!(batch_sizes([8000; 3]), vec![2, 1]);
        // 16384 bytes exactly, newline included, still fits.
        assert_eq!(batch_sizes([8191, 8192]), vec![2]);
        assert_eq!(batch_sizes([8192, 8192]), vec![1, 1]);
    }

    #[test]
    fn parameters_are_the_label_and_the_first_whole_number_the_value() {
        use crate::params::Value;
        let common = COMMON;
        let with = |params: Vec<(&'static str, Value)>| {
            let hit = Hit::Event {
                category: "UX",
                action: "upload",
                params,
            };
            encode_hit(&common, &hit)
        };
        let payload = with(vec![
            ("format", Value::Str("json")),
            ("delta", Value::Int(-2)),
            ("containers", Value::Int(3)),
            ("ratio", Value::Float(0.5)),
        ])
        .expect("encoded");
        assert!(
            payload.ends_with(
                "&ec=UX&ea=upload&el=format%3Djson%3Bdelta%3D-2%3Bcontainers%3D3%3Bratio%3D0.5&ev=3&aip=1"
            ),
            "{payload}"
        );
    }
}
