//! A Measurement Protocol collector on 127.0.0.1 that records every request
//! (line, headers, body) before answering, so that once a `lumogon` process
//! has exited, every hit it delivered is here. It speaks plain HTTP or
//! HTTPS, and answers at once, late or never.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::tls::TestCa;

/// One request as the collector received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When the request had been read whole (before any answer): when its
    /// hits arrived.
    pub received_at: Instant,
}

impl Recorded {
    /// The request's hits: one per body line, each as its key-value pairs in
    /// order.
    pub fn hits(&self) -> Vec<Vec<(String, String)>> {
        self.body.lines().map(parse_hit).collect()
    }

    /// Everything that went over the wire for this request, as text.
    pub fn raw(&self) -> String {
        let mut raw = format!("{} {}\n", self.method, self.path);
        for (k, v) in &self.headers {
            raw.push_str(&format!("{k}: {v}\n"));
        }
        raw.push('\n');
        raw.push_str(&self.body);
        raw
    }
}

/// Form-decodes one hit payload.
pub fn parse_hit(payload: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(payload.as_bytes())
        .into_owned()
        .collect()
}

/// When and how the collector answers a request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// With this status and no body, after this long.
    After(Duration, u16),
    /// At once, with this status and this JSON body (GA4's validation
    /// server answers so).
    Json(u16, &'static str),
    /// Never: the connection stays open, silent, until the client closes it.
    Never,
    /// 200 with a 10 MiB body.
    HugeBody,
    /// None: the connection is dropped after the request's first bytes,
    /// before the request is whole (so nothing is recorded).
    Reset,
}

/// The body [`Answer::HugeBody`] streams.
const HUGE_BODY: usize = 10 * 1024 * 1024;

/// A request body larger than this is not a hit: the collector refuses to
/// allocate it.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A running collector; stopped on drop.
pub struct Collector {
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    port: u16,
    scheme: &'static str,
}

impl Collector {
    /// An HTTP collector that answers every request with `status`.
    pub fn start(status: u16) -> Collector {
        Self::serve(Answer::After(Duration::ZERO, status), None)
    }

    /// [`Collector::start`] on `port` of 127.0.0.1: a collector that comes
    /// back where runs found nothing listening ([`crate::servers::refused_port`]).
    pub fn start_on(port: u16, status: u16) -> Collector {
        Self::serve_on(port, Answer::After(Duration::ZERO, status), None)
    }

    /// An HTTPS collector with a certificate from `ca`, answering `status`.
    pub fn https(status: u16, ca: &TestCa) -> Collector {
        Self::serve(Answer::After(Duration::ZERO, status), Some(ca))
    }

    /// An HTTP server that answers every request at once with `status` and
    /// the JSON `body`: GA4's validation server (`/debug/mp/collect`)
    /// answers 200 and `{"validationMessages": [...]}`.
    pub fn answering(status: u16, body: &'static str) -> Collector {
        Self::serve(Answer::Json(status, body), None)
    }

    /// An HTTP collector that reads each request and answers 200 only after
    /// `delay`.
    pub fn slow(delay: Duration) -> Collector {
        Self::serve(Answer::After(delay, 200), None)
    }

    /// An HTTP collector that reads each request and never answers.
    pub fn silent() -> Collector {
        Self::serve(Answer::Never, None)
    }

    /// An HTTPS collector with a certificate from `ca` that completes the
    /// handshake, reads each request and never answers: a reached collector
    /// gone silent, as users meet it.
    pub fn https_silent(ca: &TestCa) -> Collector {
        Self::serve(Answer::Never, Some(ca))
    }

    /// An HTTP collector that answers 200 with a 10 MiB body.
    pub fn huge_body() -> Collector {
        Self::serve(Answer::HugeBody, None)
    }

    /// An HTTP collector that drops each connection mid-request.
    pub fn reset() -> Collector {
        Self::serve(Answer::Reset, None)
    }

    fn serve(answer: Answer, tls: Option<&TestCa>) -> Collector {
        Self::serve_on(0, answer, tls)
    }

    fn serve_on(port: u16, answer: Answer, tls: Option<&TestCa>) -> Collector {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the collector");
        let port = listener.local_addr().expect("an IP listener").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let tls = tls.map(TestCa::server_config);
        let thread = {
            let (requests, connections, stop) = (
                Arc::clone(&requests),
                Arc::clone(&connections),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let connection = Connection {
                        requests: Arc::clone(&requests),
                        stop: Arc::clone(&stop),
                        answer,
                    };
                    let tls = tls.clone();
                    // Detached: a connection held open by a slow or silent
                    // answer must not hold up the next one, or the drop.
                    std::thread::spawn(move || connection.run(stream, tls));
                }
            })
        };
        Collector {
            requests,
            connections,
            stop,
            thread: Some(thread),
            port,
            scheme,
        }
    }

    /// Its port on 127.0.0.1 (for a proxy in front of it).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `/collect` URL to give `LUMOGON_ANALYTICS_URL`.
    pub fn url(&self) -> String {
        self.at("/collect")
    }

    /// A URL on this server: `path` starts with `/`.
    pub fn at(&self, path: &str) -> String {
        format!("{}://127.0.0.1:{}{path}", self.scheme, self.port)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every hit so far, across requests.
    pub fn hits(&self) -> Vec<Vec<(String, String)>> {
        self.requests().iter().flat_map(Recorded::hits).collect()
    }

    /// Every hit so far with when it arrived, across requests.
    pub fn hits_with_arrival(&self) -> Vec<(Vec<(String, String)>, Instant)> {
        self.requests()
            .iter()
            .flat_map(|r| r.hits().into_iter().map(|hit| (hit, r.received_at)))
            .collect()
    }

    /// Waits until at least `n` hits have arrived, or `timeout` has passed;
    /// says whether they did. For a benchmark that must wait for late
    /// hits: tests order events instead of timing them.
    pub fn wait_for_hits(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.hits().len() >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Connections accepted so far, whether or not a request came whole
    /// (and, over HTTPS, whether or not the handshake succeeded).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One accepted connection: requests are read, recorded and answered in
/// turn until the client closes it.
struct Connection {
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    answer: Answer,
}

impl Connection {
    fn run(self, mut stream: TcpStream, tls: Option<Arc<rustls::ServerConfig>>) {
        // A client that goes quiet ends the thread instead of parking it.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        // TLS writes a handshake flight in several records: with Nagle's
        // algorithm on, the second waits for the client's delayed ACK
        // (40 ms on Linux), a cost real collectors do not have.
        let _ = stream.set_nodelay(true);
        if let Answer::Reset = self.answer {
            let mut first_bytes = [0_u8; 16];
            let _ = stream.read(&mut first_bytes);
            // SO_LINGER 0 is not in std; shutting down both ways mid-request
            // is the closest std offers: the client sees the connection
            // close before any answer.
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
        match tls {
            None => self.exchange(stream),
            Some(config) => {
                let Ok(session) = rustls::ServerConnection::new(config) else {
                    return;
                };
                self.exchange(rustls::StreamOwned::new(session, stream));
            }
        }
    }

    fn exchange(&self, stream: impl Read + Write) {
        let mut stream = BufReader::new(stream);
        while let Some(recorded) = read_request(&mut stream) {
            self.requests
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(recorded);
            let answered = match self.answer {
                Answer::After(delay, status) => {
                    self.sleep(delay);
                    let head = format!(
                        "HTTP/1.1 {status} {}\r\nContent-Length: 0\r\n\r\n",
                        reason(status)
                    );
                    let out = stream.get_mut();
                    out.write_all(head.as_bytes()).and_then(|()| out.flush())
                }
                Answer::Json(status, body) => {
                    let answer = format!(
                        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\n\r\n{body}",
                        reason(status),
                        body.len()
                    );
                    let out = stream.get_mut();
                    out.write_all(answer.as_bytes()).and_then(|()| out.flush())
                }
                Answer::HugeBody => write_huge_body(stream.get_mut()),
                Answer::Never => {
                    // Until the client goes: its exit closes the socket.
                    let _ = std::io::copy(&mut stream, &mut std::io::sink());
                    return;
                }
                // Handled in `run`, before any request is read.
                Answer::Reset => return,
            };
            if answered.is_err() {
                return;
            }
        }
    }

    /// Sleeps for `how_long`, or until the collector stops.
    fn sleep(&self, how_long: Duration) {
        let step = Duration::from_millis(20);
        let mut left = how_long;
        while !left.is_zero() && !self.stop.load(Ordering::SeqCst) {
            let nap = left.min(step);
            std::thread::sleep(nap);
            left -= nap;
        }
    }
}

fn write_huge_body(out: &mut impl Write) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Length: {HUGE_BODY}\r\nContent-Type: text/plain\r\n\r\n"
    )?;
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..HUGE_BODY / chunk.len() {
        out.write_all(&chunk)?;
    }
    out.flush()
}

/// Reads one HTTP/1.1 request; `None` when the connection ends first or
/// the request is not one.
fn read_request(stream: &mut impl BufRead) -> Option<Recorded> {
    let mut line = String::new();
    stream.read_line(&mut line).ok().filter(|&n| n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).ok().filter(|&n| n > 0)?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let chunked =
        header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(stream)?
    } else {
        let length: usize = header("content-length").map_or(Ok(0), str::parse).ok()?;
        read_exactly(stream, length)?
    };
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        received_at: Instant::now(),
    })
}

/// `length` bytes, refusing more than [`MAX_BODY`].
fn read_exactly(stream: &mut impl BufRead, length: usize) -> Option<Vec<u8>> {
    if length > MAX_BODY {
        return None;
    }
    let mut body = Vec::with_capacity(length);
    stream.take(length as u64).read_to_end(&mut body).ok()?;
    (body.len() == length).then_some(body)
}

fn read_chunked(stream: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        stream.read_line(&mut size).ok()?;
        let size = size.trim().split(';').next()?;
        let size = usize::from_str_radix(size, 16).ok()?;
        if size == 0 {
            // Trailer fields, if any, up to the empty line.
            loop {
                let mut line = String::new();
                stream.read_line(&mut line).ok().filter(|&n| n > 0)?;
                if line.trim_end_matches(['\r', '\n']).is_empty() {
                    return Some(body);
                }
            }
        }
        if body.len().checked_add(size)? > MAX_BODY {
            return None;
        }
        body.extend(read_exactly(stream, size)?);
        let mut crlf = String::new();
        stream.read_line(&mut crlf).ok()?;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// PostHog's batch format, as its capture reference states it
/// (<https://posthog.com/docs/api/capture>), and what lumogon-track
/// promises every PostHog event holds: a request that breaks either is an
/// error, so that a test fails rather than accepting it.
pub mod posthog {
    use serde_json::{Map, Value};

    use super::Recorded;

    /// "the entire request body must be less than 20MB".
    pub const MAX_BODY_BYTES: usize = 20_000_000;

    /// The events of a PostHog batch request, each checked; or what is
    /// wrong with the request.
    pub fn events(request: &Recorded) -> Result<Vec<Value>, String> {
        if request.method != "POST" {
            return Err(format!("method {}, not POST", request.method));
        }
        if !request.path.ends_with("/batch/") {
            return Err(format!("path {:?}, not the /batch/ route", request.path));
        }
        let content_type = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str());
        if content_type != Some("application/json") {
            return Err(format!("content type {content_type:?}"));
        }
        check_body(&request.body)
    }

    /// The events of a batch body, each checked.
    pub fn check_body(body: &str) -> Result<Vec<Value>, String> {
        if body.len() >= MAX_BODY_BYTES {
            return Err(format!("a body of {} bytes", body.len()));
        }
        let body: Value =
            serde_json::from_str(body).map_err(|e| format!("not JSON ({e}): {body}"))?;
        let top = body.as_object().ok_or("the body is no object")?;
        for key in top.keys() {
            if !["api_key", "batch", "historical_migration"].contains(&key.as_str()) {
                return Err(format!("unknown top-level field {key:?}"));
            }
        }
        let api_key = top.get("api_key").and_then(Value::as_str).unwrap_or("");
        if !api_key.starts_with("phc_") || api_key.len() == 4 {
            return Err(format!("api_key {api_key:?} is no project API key"));
        }
        if top
            .get("historical_migration")
            .is_some_and(|h| !h.is_boolean())
        {
            return Err("historical_migration is no boolean".into());
        }
        let batch = top
            .get("batch")
            .and_then(Value::as_array)
            .ok_or("no batch array")?;
        if batch.is_empty() {
            return Err("an empty batch".into());
        }
        for event in batch {
            check_event(event).map_err(|e| format!("{e}: {event}"))?;
        }
        Ok(batch.clone())
    }

    fn check_event(event: &Value) -> Result<(), String> {
        let event = event.as_object().ok_or("an event that is no object")?;
        for key in event.keys() {
            if !["event", "distinct_id", "properties", "timestamp"].contains(&key.as_str()) {
                return Err(format!("unknown event field {key:?}"));
            }
        }
        let name = str_field(event, "event")?;
        if name.trim().is_empty() || name.chars().count() > 200 {
            return Err(format!("event name {name:?}"));
        }
        let distinct_id = str_field(event, "distinct_id")?;
        if distinct_id.trim().is_empty() || distinct_id.chars().count() > 400 {
            return Err(format!("distinct_id {distinct_id:?}"));
        }
        if let Some(timestamp) = event.get("timestamp") {
            let timestamp = timestamp.as_str().ok_or("a timestamp that is no string")?;
            iso8601_ms(timestamp).ok_or(format!("timestamp {timestamp:?} is no ISO 8601 time"))?;
        }
        let properties = event
            .get("properties")
            .and_then(Value::as_object)
            .ok_or("no properties object")?;
        let expect = |key: &str, want: &Value| match properties.get(key) {
            Some(got) if got == want => Ok(()),
            got => Err(format!("property {key} is {got:?}, not {want}")),
        };
        expect("$lib", &"lumogon-track".into())?;
        expect("$process_person_profile", &false.into())?;
        expect("$geoip_disable", &true.into())?;
        expect("$ip", &Value::Null)?;
        for key in ["$lib_version", "app_name", "app_version"] {
            str_field(properties, key)?;
        }
        match name {
            "$screen" => str_field(properties, "$screen_name").map(drop),
            _ if name.starts_with('$') => Err(format!("{name:?} is one of PostHog's own events")),
            _ => str_field(properties, "action").map(drop),
        }
    }

    fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
        object
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or(format!("no string {key:?}"))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z` in ms since the Unix epoch.
    pub fn iso8601_ms(text: &str) -> Option<u64> {
        let text = text.strip_suffix('Z')?;
        let (date, time) = text.split_once('T')?;
        let mut date = date.split('-').map(|p| p.parse::<u64>().ok());
        let (year, month, day) = (date.next()??, date.next()??, date.next()??);
        let (time, fraction) = time.split_once('.').unwrap_or((time, "0"));
        let mut time = time.split(':').map(|p| p.parse::<u64>().ok());
        let (hour, minute, second) = (time.next()??, time.next()??, time.next()??);
        if date.next().is_some() || time.next().is_some() {
            return None;
        }
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
            || fraction.is_empty()
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let millis: u64 = format!("{fraction:0<3}")[..3].parse().ok()?;
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y / 400;
        let yoe = y - era * 400;
        let m = if month > 2 { month - 3 } else { month + 9 };
        let doy = (153 * m + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = (era * 146_097 + doe).checked_sub(719_468)?;
        Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + millis)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn times_parse_as_posthog_reads_them() {
            assert_eq!(iso8601_ms("1970-01-01T00:00:00.000Z"), Some(0));
            assert_eq!(
                iso8601_ms("2023-11-14T22:15:23.456Z"),
                Some(1_700_000_123_456)
            );
            assert_eq!(iso8601_ms("2000-02-29T00:00:00Z"), Some(951_782_400_000));
            for bad in [
                "",
                "2023-11-14 22:15:23Z",
                "2023-13-01T00:00:00Z",
                "2023-11-14T22:15:23",
            ] {
                assert_eq!(iso8601_ms(bad), None, "{bad}");
            }
        }

        #[test]
        fn a_body_that_breaks_the_format_is_an_error() {
            let props = r#"{"$lib":"lumogon-track","$lib_version":"1","app_name":"a","app_version":"1","$process_person_profile":false,"$geoip_disable":true,"$ip":null,"$screen_name":"s"}"#;
            let good = format!(
                r#"{{"api_key":"phc_x","batch":[{{"event":"$screen","distinct_id":"d","properties":{props}}}]}}"#
            );
            assert!(check_body(&good).is_ok(), "{:?}", check_body(&good));
            for bad in [
                good.replace("phc_x", "x"),
                good.replace(r#""distinct_id":"d","#, ""),
                good.replace(r#""$geoip_disable":true"#, r#""$geoip_disable":false"#),
                good.replace(r#","$ip":null"#, ""),
                good.replace(r#""$screen""#, r#""$pageview""#),
                good.replace(
                    r#""event":"$screen","#,
                    r#""event":"$screen","timestamp":"yesterday","#,
                ),
                good.replace(r#""batch""#, r#""events""#),
            ] {
                assert!(check_body(&bad).is_err(), "{bad}");
            }
        }
    }
}
