//! What is recorded ([`Hit`]) and what is sent ([`Request`]), whatever the
//! backend; and Measurement Protocol v1 hits, encoded exactly as the
//! protocol wants them (GA4 is in `ga4.rs`). Pure logic: no I/O.

use std::fmt;

/// The protocol's byte limits on parameter values.
const MAX_SCREEN_NAME: usize = 2048; // cd
const MAX_APP_NAME: usize = 100; // an
const MAX_APP_VERSION: usize = 100; // av
const MAX_EVENT_CATEGORY: usize = 150; // ec
const MAX_EVENT_ACTION: usize = 500; // ea

/// A single hit's payload may not exceed this many bytes.
pub(crate) const MAX_HIT_BYTES: usize = 8192;
/// A `/batch` request holds at most this many hits ...
pub(crate) const MAX_BATCH_HITS: usize = 20;
/// ... and at most this many bytes.
pub(crate) const MAX_BATCH_BYTES: usize = 16 * 1024;

/// What happened, as the application recorded it.
///
/// The strings are `'static` on purpose: screen names come from the
/// `#[track_screen]` literal and event names from the application's code, so
/// nothing a user typed at run time can reach the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hit {
    Screenview {
        screen: &'static str,
    },
    Event {
        category: &'static str,
        action: &'static str,
    },
}

impl fmt::Display for Hit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hit::Screenview { screen } => write!(f, "screenview {screen:?}"),
            Hit::Event { category, action } => write!(f, "event {category:?}/{action:?}"),
        }
    }
}

/// One HTTP POST ready to go, whatever the backend: the worker sends it, or
/// prints it in a dry run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
    /// The hits the body carries, for the counters and the debug log.
    pub(crate) hits: Vec<Hit>,
}

/// Hits encoded for one backend.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Encoded {
    pub(crate) requests: Vec<Request>,
    /// Hits larger than the protocol accepts: dropped rather than sent to be
    /// dropped by the collector.
    pub(crate) too_large: Vec<Hit>,
}

/// A v1 body, one hit or a `/batch` of them.
pub(crate) const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The `/collect` URL and the `/batch` URL beside it (the last path segment
/// replaced), from the configured endpoint.
pub(crate) fn urls(endpoint: &str) -> Result<(String, String), String> {
    let collect =
        reqwest::Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
    let batch = collect
        .join("batch")
        .map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
    Ok((collect.into(), batch.into()))
}

/// The v1 requests for `hits`: a lone hit is posted to `collect`, several go
/// to `batch`, as many requests as the batch limits need.
pub(crate) fn requests(common: &Common<'_>, collect: &str, batch: &str, hits: &[Hit]) -> Encoded {
    let mut encoded = Encoded::default();
    let mut payloads = Vec::with_capacity(hits.len());
    for hit in hits {
        match encode(common, hit) {
            Some(payload) => payloads.push((*hit, payload)),
            None => encoded.too_large.push(*hit),
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
            hits: chunk.iter().map(|(hit, _)| *hit).collect(),
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
}

/// Encodes one hit as a form-encoded payload, in the order the Lumogon
/// document gives: `v, tid, cid, t, an, av, cd | ec, ea, aip`.
///
/// Returns `None` when the payload would exceed [`MAX_HIT_BYTES`]; the
/// collector would drop it anyway.
pub(crate) fn encode(common: &Common<'_>, hit: &Hit) -> Option<String> {
    let mut out = Payload::default();
    out.pair("v", "1");
    out.pair("tid", common.tracking_id);
    out.pair("cid", common.client_id);
    match hit {
        Hit::Screenview { screen } => {
            out.pair("t", "screenview");
            out.app(common);
            out.pair("cd", truncate(screen, MAX_SCREEN_NAME));
        }
        Hit::Event { category, action } => {
            out.pair("t", "event");
            out.app(common);
            out.pair("ec", truncate(category, MAX_EVENT_CATEGORY));
            out.pair("ea", truncate(action, MAX_EVENT_ACTION));
        }
    }
    // Anonymize IP: Google drops the last octet before storing anything.
    out.pair("aip", "1");
    (out.0.len() <= MAX_HIT_BYTES).then_some(out.0)
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
        self.pair("an", truncate(common.app_name, MAX_APP_NAME));
        self.pair("av", truncate(common.app_version, MAX_APP_VERSION));
    }
}

/// The longest prefix of `s` that fits in `max` bytes and ends on a
/// character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Splits encoded payloads into request bodies: a `/batch` body is one
/// payload a line, at most [`MAX_BATCH_HITS`] lines and [`MAX_BATCH_BYTES`].
/// Takes the payloads' lengths; returns the number of payloads in each body,
/// in order.
pub(crate) fn batch_sizes(lengths: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut sizes = Vec::new();
    let (mut count, mut bytes) = (0usize, 0usize);
    for len in lengths {
        let added = usize::from(count > 0) + len; // newline + payload
        if count > 0 && (count == MAX_BATCH_HITS || bytes + added > MAX_BATCH_BYTES) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: Common<'static> = Common {
        tracking_id: "UA-54263865-7",
        client_id: "35009a79-1a05-49d7-b876-2b884d0f825b",
        app_name: "lumogon",
        app_version: "0.1.0",
    };

    #[test]
    fn screenview_has_exactly_the_documented_fields_in_order() {
        let body = encode(
            &COMMON,
            &Hit::Screenview {
                screen: "capabilities describe",
            },
        );
        assert_eq!(
            body.as_deref(),
            Some(
                "v=1&tid=UA-54263865-7&cid=35009a79-1a05-49d7-b876-2b884d0f825b\
                 &t=screenview&an=lumogon&av=0.1.0&cd=capabilities+describe&aip=1"
            )
        );
    }

    #[test]
    fn event_has_exactly_the_documented_fields_in_order() {
        let body = encode(
            &COMMON,
            &Hit::Event {
                category: "UX",
                action: "upload",
            },
        );
        assert_eq!(
            body.as_deref(),
            Some(
                "v=1&tid=UA-54263865-7&cid=35009a79-1a05-49d7-b876-2b884d0f825b\
                 &t=event&an=lumogon&av=0.1.0&ec=UX&ea=upload&aip=1"
            )
        );
    }

    #[test]
    fn values_are_percent_encoded() {
        let common = Common {
            client_id: "A:B/C&D=E",
            ..COMMON
        };
        let body = encode(
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
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc");
        // "é" is two bytes: cutting at 1 byte must drop it, not split it.
        assert_eq!(truncate("é", 1), "");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("日本語", 7), "日本");
        assert_eq!(truncate("", 0), "");
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
        let screen = encode(&common, &Hit::Screenview { screen: long }).unwrap_or_default();
        assert!(
            screen.contains(&format!("&cd={}&", "%C3%BC".repeat(1024))),
            "{screen}"
        );
        assert!(screen.len() <= MAX_HIT_BYTES);
        // An application's client id has no protocol limit of its own, but the
        // hit does: over 8192 bytes it is refused rather than sent to be
        // dropped.
        let common = Common {
            client_id: "c".repeat(2000).leak(),
            ..common
        };
        assert_eq!(encode(&common, &Hit::Screenview { screen: long }), None);
    }

    #[test]
    fn long_values_are_cut_to_the_protocol_limits() {
        let ascii: &'static str = "x".repeat(5000).leak();
        let common = Common {
            app_name: ascii,
            app_version: ascii,
            ..COMMON
        };
        let screen = encode(&common, &Hit::Screenview { screen: ascii }).unwrap_or_default();
        assert!(screen.contains(&format!("&an={}&", "x".repeat(100))));
        assert!(screen.contains(&format!("&av={}&", "x".repeat(100))));
        assert!(screen.contains(&format!("&cd={}&", "x".repeat(2048))));
        let event = encode(
            &common,
            &Hit::Event {
                category: ascii,
                action: ascii,
            },
        )
        .unwrap_or_default();
        assert!(event.contains(&format!("&ec={}&", "x".repeat(150))));
        assert!(event.contains(&format!("&ea={}&", "x".repeat(500))));
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
        let screen = Hit::Screenview { screen: "scan" };
        let one = requests(&COMMON, "http://c/collect", "http://c/batch", &[screen]);
        assert_eq!(one.requests.len(), 1);
        assert_eq!(one.requests[0].url, "http://c/collect");
        assert_eq!(one.requests[0].content_type, CONTENT_TYPE);
        assert_eq!(Some(one.requests[0].body.clone()), encode(&COMMON, &screen));

        let hits = [screen; 21];
        let many = requests(&COMMON, "http://c/collect", "http://c/batch", &hits);
        let shape: Vec<_> = many
            .requests
            .iter()
            .map(|r| (r.url.as_str(), r.hits.len(), r.body.lines().count()))
            .collect();
        assert_eq!(
            shape,
            [("http://c/batch", 20, 20), ("http://c/collect", 1, 1)]
        );
        assert!(many.too_large.is_empty());
    }

    #[test]
    fn a_hit_too_large_is_set_aside_and_the_rest_still_go() {
        // With a 7000-byte client id a short hit fits in 8192 bytes, and one
        // whose screen name encodes to 6144 bytes does not.
        let common = Common {
            client_id: "c".repeat(7000).leak(),
            ..COMMON
        };
        let small = Hit::Screenview { screen: "scan" };
        let big = Hit::Screenview {
            screen: "é".repeat(1024).leak(),
        };
        let encoded = requests(
            &common,
            "http://c/collect",
            "http://c/batch",
            &[small, big, small],
        );
        assert_eq!(encoded.too_large, [big]);
        let sent: Vec<_> = encoded.requests.iter().map(|r| r.hits.clone()).collect();
        assert_eq!(sent, [vec![small, small]]);
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
}
