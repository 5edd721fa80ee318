//! The background worker: one thread, fed by a bounded queue, that finds the
//! client id, builds the HTTP client and sends (or, in a dry run, prints).
//! Nothing here runs on the caller's thread except [`Worker::spawn`] and
//! [`Worker::queue`].

use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Once};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::client_id;
use crate::config::{Backend, ClientIdSource, Settings};
use crate::flush::Pending;
use crate::ga4;
use crate::ga4_rules::StreamKind;
use crate::hit::{self, Encoded, Hit, Request};
use crate::runtime::{MAX_HITS_PER_PROCESS, STATS};
use crate::state;
use crate::store::Store;
use crate::transport::Transport;

/// Every thread the library starts has a name beginning with this, which
/// is how the panic hook knows a panic is ours to keep quiet.
const THREAD_PREFIX: &str = "lumogon-track";

/// How long the application's client-id source may take.
const CLIENT_ID_BUDGET: Duration = Duration::from_millis(200);

/// The caller's handle on the worker thread.
#[derive(Debug)]
pub(crate) struct Worker {
    queue: SyncSender<Hit>,
    pub(crate) pending: Arc<Pending>,
}

impl Worker {
    /// Starts the thread. `None` if the OS refuses a thread: then nothing is
    /// sent, and nothing else changes.
    pub(crate) fn spawn(settings: Settings) -> Option<Worker> {
        let (queue, hits) = mpsc::sync_channel(MAX_HITS_PER_PROCESS);
        let pending = Arc::new(Pending::default());
        let worker_pending = Arc::clone(&pending);
        quiet_panics();
        let spawned = thread::Builder::new()
            .name(THREAD_PREFIX.to_owned())
            .spawn(move || supervise(&worker_pending, || run(&hits, settings, &worker_pending)));
        match spawned {
            Ok(_) => Some(Worker { queue, pending }),
            Err(e) => {
                log::debug!("analytics: could not start the worker thread: {e}");
                None
            }
        }
    }

    /// Queues a hit without ever blocking: a full queue drops it.
    pub(crate) fn queue(&self, hit: Hit) {
        self.pending.add(1);
        match self.queue.try_send(hit) {
            Ok(()) => {
                STATS.queued.inc();
                log::debug!("analytics: queued {hit}");
            }
            Err(TrySendError::Full(hit) | TrySendError::Disconnected(hit)) => {
                self.pending.done(1);
                STATS.dropped.inc();
                log::debug!("analytics: dropped {hit}: the queue is full");
            }
        }
    }
}

/// Runs the worker's body; if it panics, nothing it had will ever finish,
/// so the flush must not wait for it (the hits are lost, silently, like
/// any other failure).
fn supervise(pending: &Pending, body: impl FnOnce()) {
    if panic::catch_unwind(AssertUnwindSafe(body)).is_err() {
        log::debug!("analytics: the worker panicked; the hits it held are dropped");
        pending.abandon();
    }
}

/// Keeps panics on the library's own threads (the worker, the client-id
/// source) off stderr: they are failures like any other, for the debug log
/// only. Every other thread's panic goes to the hook that was installed
/// before, unchanged. Installed once, and never while panicking (which
/// `set_hook` forbids).
fn quiet_panics() {
    static ONCE: Once = Once::new();
    if thread::panicking() {
        return;
    }
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let ours = thread::current()
                .name()
                .is_some_and(|name| name.starts_with(THREAD_PREFIX));
            if ours {
                log::debug!("analytics: {info}");
            } else {
                previous(info);
            }
        }));
    });
}

fn run(hits: &Receiver<Hit>, settings: Settings, pending: &Pending) {
    let Ok(first) = hits.recv() else { return };
    let session = Session::start(settings);
    let mut batch = vec![first];
    loop {
        // Whatever queued up while the session started or the last request
        // was in flight goes out together.
        batch.extend(hits.try_iter());
        if state::may_send() {
            session.send(&batch);
        } else {
            // `disable()` wins over every hit not yet sent.
            for hit in &batch {
                STATS.dropped.inc();
                log::debug!("analytics: dropped {hit}: analytics was disabled before it was sent");
            }
        }
        pending.done(batch.len());
        batch.clear();
        match hits.recv() {
            Ok(hit) => batch.push(hit),
            Err(_) => return,
        }
    }
}

/// Everything the first hit pays for once: the client id, the URLs and the
/// client.
struct Session {
    settings: Settings,
    client_id: String,
    /// `Err` when nothing can be sent (a URL that does not parse, a client
    /// that does not build): every hit fails with the message.
    route: Result<Route, String>,
}

/// How hits become requests, and where the requests go.
struct Route {
    encoder: Encoder,
    sink: Sink,
}

/// The backend, with its URLs worked out once.
enum Encoder {
    V1 {
        tracking_id: String,
        collect: String,
        batch: String,
    },
    Ga4 {
        /// The endpoint with `measurement_id` (or `firebase_app_id`) and
        /// `api_secret` added.
        url: String,
        session_id: String,
        stream: StreamKind,
    },
}

enum Sink {
    Http(Transport),
    /// `{APP}_ANALYTICS_DEBUG`: requests go to stderr, nothing is sent.
    DryRun {
        variable: String,
    },
    /// `{APP}_ANALYTICS_DEBUG=validate`: requests go to GA4's validation
    /// server (the endpoint already is its URL), and what it answers goes
    /// to stderr.
    Validate {
        transport: Transport,
        variable: String,
    },
    /// Validate mode with Universal Analytics, which has no validation
    /// server any more: nothing is sent (said once, when the route is made).
    NoValidator {
        variable: String,
    },
}

impl Session {
    fn start(mut settings: Settings) -> Session {
        let started = Instant::now();
        // The source may be slow (a Docker daemon that never answers): ask it
        // on its own thread while the HTTP client is built, and stop waiting
        // after CLIENT_ID_BUDGET.
        let answer = settings.client_id.take().map(ask_client_id);
        let route = Route::new(&settings, || {
            let store = settings.config_dir.clone().map(|dir| Store { dir });
            session_id(store.as_ref())
        });
        let from_source = answer.and_then(|answer| {
            let left = CLIENT_ID_BUDGET.saturating_sub(started.elapsed());
            match answer.recv_timeout(left) {
                Ok(id) => id.filter(|id| !id.trim().is_empty()),
                Err(_) => {
                    log::debug!(
                        "analytics: the client id source did not answer within {CLIENT_ID_BUDGET:?}"
                    );
                    None
                }
            }
        });
        let store = settings.config_dir.clone().map(|dir| Store { dir });
        let client_id = from_source.unwrap_or_else(|| {
            client_id::stored_or_new(store.as_ref().map(Store::client_id_file).as_deref())
        });
        if let Err(e) = &route {
            log::debug!("analytics: nothing will be sent: {e}");
        }
        Session {
            settings,
            client_id,
            route,
        }
    }

    /// One code path for every backend and sink: hits become requests, and
    /// each request is sent or printed.
    fn send(&self, hits: &[Hit]) {
        let route = match &self.route {
            Ok(route) => route,
            Err(e) => {
                for hit in hits {
                    STATS.failed.inc();
                    log::debug!("analytics: dropped {hit}: {e}");
                }
                return;
            }
        };
        let Encoded {
            requests,
            too_large,
        } = self.encode(&route.encoder, hits);
        for hit in too_large {
            STATS.dropped.inc();
            log::debug!("analytics: dropped {hit}: the protocol does not accept it");
        }
        for request in requests {
            route.sink.deliver(request);
        }
    }

    fn encode(&self, encoder: &Encoder, hits: &[Hit]) -> Encoded {
        match encoder {
            Encoder::V1 {
                tracking_id,
                collect,
                batch,
            } => {
                let common = hit::Common {
                    tracking_id,
                    client_id: &self.client_id,
                    app_name: &self.settings.app_name,
                    app_version: &self.settings.app_version,
                };
                hit::requests(&common, collect, batch, hits)
            }
            Encoder::Ga4 {
                url,
                session_id,
                stream,
            } => {
                let common = ga4::Common {
                    stream: *stream,
                    client_id: &self.client_id,
                    session_id,
                    app_name: &self.settings.app_name,
                    app_version: &self.settings.app_version,
                };
                ga4::requests(&common, url, hits)
            }
        }
    }
}

impl Route {
    fn new(settings: &Settings, new_session: impl FnOnce() -> String) -> Result<Route, String> {
        let encoder = match &settings.backend {
            Backend::V1 { tracking_id } => {
                let (collect, batch) = hit::urls(&settings.endpoint)?;
                Encoder::V1 {
                    tracking_id: tracking_id.clone(),
                    collect,
                    batch,
                }
            }
            Backend::Ga4 {
                stream,
                stream_id,
                api_secret,
            } => Encoder::Ga4 {
                url: ga4::url(&settings.endpoint, *stream, stream_id, api_secret)?,
                session_id: new_session(),
                stream: *stream,
            },
        };
        // A dry run builds no client at all: it shows what would be sent
        // without a socket, or the milliseconds a client costs.
        let sink = if settings.dry_run {
            Sink::DryRun {
                variable: settings.names.debug.clone(),
            }
        } else if settings.validate {
            let variable = settings.names.debug.clone();
            match encoder {
                Encoder::V1 { .. } => {
                    print(&no_validator_text(&variable));
                    Sink::NoValidator { variable }
                }
                Encoder::Ga4 { .. } => Sink::Validate {
                    transport: Transport::new(settings.ca_file.as_deref())?,
                    variable,
                },
            }
        } else {
            Sink::Http(Transport::new(settings.ca_file.as_deref())?)
        };
        Ok(Route { encoder, sink })
    }
}

impl Sink {
    fn deliver(&self, request: Request) {
        let Request {
            url,
            content_type,
            body,
            hits,
        } = request;
        let transport = match self {
            Sink::Http(transport) => transport,
            Sink::Validate {
                transport,
                variable,
            } => {
                let prefix = validate_prefix(variable);
                let mut text = format!("{prefix}POST {url}\n{body}\n");
                let answer = match transport.post_and_read(&url, content_type, body) {
                    Ok((status, answer)) if status.is_success() => Ok(answer),
                    Ok((status, _)) => Err(format!("the validation server answered {status}")),
                    Err(e) => Err(format!("could not reach the validation server: {e}")),
                };
                let answered = answer.is_ok();
                text.push_str(&ga4::validation_report(
                    &prefix,
                    answer.as_deref().map_err(Clone::clone),
                ));
                print(&text);
                for hit in &hits {
                    if answered {
                        STATS.printed.inc();
                        log::debug!("analytics: validated {hit} ({variable}=validate; not sent)");
                    } else {
                        STATS.failed.inc();
                        log::debug!("analytics: could not validate {hit}");
                    }
                }
                return;
            }
            Sink::NoValidator { variable } => {
                for hit in &hits {
                    STATS.dropped.inc();
                    log::debug!(
                        "analytics: dropped {hit}: {variable}=validate, and Universal Analytics \
                         has no validation server"
                    );
                }
                return;
            }
            Sink::DryRun { variable } => {
                print(&dry_run_text(variable, &url, &body));
                for hit in &hits {
                    STATS.printed.inc();
                    log::debug!("analytics: printed {hit} ({variable} is set; not sent)");
                }
                return;
            }
        };
        let outcome = transport.post(&url, content_type, body);
        for hit in &hits {
            match &outcome {
                Ok(status) if status.is_success() => {
                    STATS.sent.inc();
                    log::debug!("analytics: sent {hit} ({status})");
                }
                Ok(status) => {
                    STATS.failed.inc();
                    log::debug!("analytics: dropped {hit}: the collector answered {status}");
                }
                Err(e) => {
                    STATS.failed.inc();
                    log::debug!("analytics: dropped {hit}: {e}");
                }
            }
        }
    }
}

/// GA4's session id: the one kept in the application's directory while its
/// last activity is under 30 minutes old (GA's default), else the time the
/// first hit was handled, in milliseconds since the Unix epoch. Without a
/// directory, each run is a session of its own.
fn session_id(store: Option<&Store>) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    match store {
        Some(store) => store.session(now),
        None => now.to_string(),
    }
}

/// What a dry run prints for one request: the method and full URL on one
/// line, then the body exactly as it would be sent.
fn dry_run_text(variable: &str, url: &str, body: &str) -> String {
    format!("lumogon-track: dry run ({variable}): POST {url}\n{body}\n")
}

/// How every line of validate mode starts.
fn validate_prefix(variable: &str) -> String {
    format!("lumogon-track: validate ({variable}): ")
}

/// What validate mode says, once, for Universal Analytics.
fn no_validator_text(variable: &str) -> String {
    format!(
        "{}Universal Analytics has no validation server any more; nothing is sent\n",
        validate_prefix(variable)
    )
}

/// One write, so that a request is never split by another thread's output.
/// A closed stderr is no reason to fail.
fn print(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Runs the application's source on a thread of its own; the answer arrives
/// on the returned channel, if it ever does.
fn ask_client_id(source: ClientIdSource) -> Receiver<Option<String>> {
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name(format!("{THREAD_PREFIX}-client-id"))
        .spawn(move || {
            // A panicking source is a source without an answer: the channel
            // closes, and the worker falls back at once instead of waiting.
            if let Ok(id) = panic::catch_unwind(AssertUnwindSafe(source)) {
                let _ = tx.send(id);
            }
        });
    if let Err(e) = spawned {
        log::debug!("analytics: could not ask for the client id: {e}");
    }
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_run_shows_the_method_the_url_and_the_body() {
        assert_eq!(
            dry_run_text(
                "TOOL_ANALYTICS_DEBUG",
                "http://127.0.0.1:9/batch",
                "v=1&t=a\nv=1&t=b"
            ),
            "lumogon-track: dry run (TOOL_ANALYTICS_DEBUG): POST http://127.0.0.1:9/batch\n\
             v=1&t=a\nv=1&t=b\n"
        );
    }

    #[test]
    fn validate_mode_says_once_that_universal_analytics_has_no_validator() {
        assert_eq!(
            no_validator_text("TOOL_ANALYTICS_DEBUG"),
            "lumogon-track: validate (TOOL_ANALYTICS_DEBUG): Universal Analytics has no \
             validation server any more; nothing is sent\n"
        );
    }

    #[test]
    fn a_session_id_is_digits() {
        let id = session_id(None);
        assert!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
    }

    #[test]
    fn a_panicking_worker_never_makes_a_flush_wait() {
        let pending = Pending::default();
        pending.add(3);
        supervise(&pending, || panic!("boom"));
        // Before, `done` never ran and this waited the whole budget.
        assert_eq!(pending.wait(Duration::from_secs(3600)), 3);
    }

    #[test]
    fn a_panicking_client_id_source_is_no_answer() {
        let answer = ask_client_id(Box::new(|| panic!("no id")));
        // Closed at once: not a timeout, which would cost the budget.
        assert_eq!(
            answer.recv_timeout(Duration::from_secs(3600)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        );
    }
}
