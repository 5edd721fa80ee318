//! A Measurement Protocol collector on 127.0.0.1 that records every request
//! (line, headers, body) before answering, so that once a `lumogon` process
//! has exited, every hit it delivered is here.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// One request as the collector received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
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

/// A running collector; stopped on drop.
pub struct Collector {
    server: Arc<tiny_http::Server>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    thread: Option<JoinHandle<()>>,
    port: u16,
}

impl Collector {
    /// A collector that answers every request with `status`.
    pub fn start(status: u16) -> Collector {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind the collector"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = Arc::clone(&server);
            let requests = Arc::clone(&requests);
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let recorded = Recorded {
                        method: request.method().to_string(),
                        path: request.url().to_owned(),
                        headers: request
                            .headers()
                            .iter()
                            .map(|h| (h.field.to_string(), h.value.to_string()))
                            .collect(),
                        body,
                    };
                    requests
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(recorded);
                    let _ = request.respond(tiny_http::Response::empty(status));
                }
            })
        };
        Collector {
            server,
            requests,
            thread: Some(thread),
            port,
        }
    }

    /// The `/collect` URL to give `LUMOGON_ANALYTICS_URL`.
    pub fn url(&self) -> String {
        self.at("/collect")
    }

    /// A URL on this server: `path` starts with `/`.
    pub fn at(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
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
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
