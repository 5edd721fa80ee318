//! The background worker: one thread, fed by the outbox, that finds the
//! client id, builds the HTTP client and sends (or, in a dry run, prints).
//! It also keeps the application's habitat: what never reached the
//! collector goes to the spool, the first request carries what earlier runs
//! spooled, and an endpoint that timed out is left alone for a while
//! (`backoff.rs`). Nothing here runs on the caller's thread except
//! [`Worker::spawn`] and [`Worker::queue`]; [`Worker::give_up`] runs at exit.

use std::cell::Cell;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Once};
use std::thread;
use std::time::{Duration, Instant};

use crate::backoff::{Outcome, Plan};
use crate::client_id;
use crate::config::{Backend, ClientIdSource, Settings};
use crate::flush::Pending;
use crate::ga4;
use crate::ga4_rules::StreamKind;
use crate::hit::{Encoded, Entry, Hit, Request, now_ms};
use crate::outbox::{self, Outbox};
use crate::runtime::{MAX_HITS_PER_PROCESS, STATS};
use crate::spool::{Destination, Spooled};
use crate::state;
use crate::store::Store;
use crate::transport::{Failure, Transport};
use crate::v1;

/// Every thread the library starts has a name beginning with this, which
/// is how the panic hook knows a panic is ours to keep quiet.
const THREAD_PREFIX: &str = "lumogon-track";

/// How long the application's client-id source may take.
const CLIENT_ID_BUDGET: Duration = Duration::from_millis(200);

/// How long the worker waits for the spool's lock (another run is reading
/// or rewriting it).
const WORKER_LOCK_WAIT: Duration = Duration::from_millis(50);
/// How long the exit does; the flush budget leaves it this much.
pub(crate) const EXIT_LOCK_WAIT: Duration = Duration::from_millis(5);

/// The caller's handle on the worker thread.
#[derive(Debug)]
pub(crate) struct Worker {
    queue: SyncSender<Hit>,
    outbox: Arc<Outbox>,
    pub(crate) pending: Arc<Pending>,
    /// Where the exit keeps what the worker could not send.
    habitat: Option<Habitat>,
    /// `{APP}_ANALYTICS_DEBUG`, in validate mode: the exit says what went
    /// unchecked.
    validating: Option<String>,
}

/// The application's directory and the endpoint the hits are meant for:
/// where unsent hits are spooled and backoff is kept. `None` in a dry run
/// or validate mode, which send nothing for real and so keep nothing (a
/// hit spooled there would be sent for real by a later run).
#[derive(Clone, Debug)]
struct Habitat {
    store: Store,
    to: Destination,
}

impl Habitat {
    fn of(settings: &Settings) -> Option<Habitat> {
        let dir = settings.config_dir.clone()?;
        (!settings.dry_run && !settings.validate).then(|| Habitat {
            store: Store { dir },
            to: destination(settings),
        })
    }

    /// Keeps `entries` for a later run (stamped with `session`, GA4's, if
    /// they have none); with `timed_out`, also records that the endpoint
    /// timed out, under the same lock. Nothing once `disable()` was called:
    /// it wins over every hit not yet sent, in this run and later ones.
    fn spool(
        &self,
        entries: Vec<Entry>,
        session: Option<&str>,
        timed_out: bool,
        wait: Duration,
        why: &str,
    ) {
        if !state::may_send() {
            for entry in &entries {
                STATS.dropped.inc();
                log::debug!("analytics: dropped {entry}: analytics was disabled");
            }
            return;
        }
        let timed_out = timed_out.then_some(self.to.endpoint.as_str());
        if entries.is_empty() && timed_out.is_none() {
            return;
        }
        let count = entries.len();
        let spooled = entries
            .into_iter()
            .map(|mut entry| {
                entry.late = true;
                if entry.session.is_none() {
                    entry.session = session.map(str::to_owned);
                }
                log::debug!("analytics: spooled {} for a later run: {why}", entry.hit);
                Spooled {
                    entry,
                    to: self.to.clone(),
                }
            })
            .collect();
        match self.store.spool(spooled, timed_out, now_ms(), wait) {
            Ok(()) => (0..count).for_each(|_| STATS.spooled.inc()),
            Err(e) => {
                (0..count).for_each(|_| STATS.failed.inc());
                log::debug!("analytics: dropped {count} hit(s): could not spool them: {e}");
            }
        }
    }
}

impl Worker {
    /// Starts the thread. `None` if the OS refuses a thread: then nothing is
    /// sent, and nothing else changes.
    pub(crate) fn spawn(settings: Settings) -> Option<Worker> {
        let (outbox, queue) = Outbox::new(MAX_HITS_PER_PROCESS);
        let outbox = Arc::new(outbox);
        let pending = Arc::new(Pending::default());
        let habitat = Habitat::of(&settings);
        let validating = settings.validate.then(|| settings.names.debug.clone());
        let (worker_outbox, worker_pending) = (Arc::clone(&outbox), Arc::clone(&pending));
        quiet_panics();
        let spawned = thread::Builder::new()
            .name(THREAD_PREFIX.to_owned())
            .spawn(move || {
                supervise(&worker_pending, || {
                    run(&worker_outbox, settings, &worker_pending);
                });
            });
        match spawned {
            Ok(_) => Some(Worker {
                queue,
                outbox,
                pending,
                habitat,
                validating,
            }),
            Err(e) => {
                log::debug!("analytics: could not start the worker thread: {e}");
                None
            }
        }
    }

    /// Queues a hit without ever waiting for the worker: a full queue drops
    /// it.
    pub(crate) fn queue(&self, hit: Hit) {
        self.pending.add(1);
        match outbox::push(&self.queue, hit) {
            Ok(()) => {
                STATS.queued.inc();
                log::debug!("analytics: queued {hit}");
            }
            Err(hit) => {
                self.pending.done(1);
                STATS.dropped.inc();
                log::debug!("analytics: dropped {hit}: the queue is full");
            }
        }
    }

    /// At exit, when the flush budget ran out: takes over what the worker
    /// has not settled. What never left is spooled; what may have been
    /// written is given up (never sent twice); a wait for a connection that
    /// never came starts a backoff, so that the next runs do not wait for it
    /// too.
    pub(crate) fn give_up(&self) {
        let left = self.outbox.close();
        if left.maybe_sent > 0 {
            log::debug!(
                "analytics: gave up on {} hit(s) whose request may have reached the collector",
                left.maybe_sent
            );
        }
        if let Some(variable) = &self.validating {
            print(&format!(
                "{}not validated: the validation server did not answer within the flush budget\n",
                validate_prefix(variable)
            ));
        }
        let Some(habitat) = &self.habitat else {
            return;
        };
        habitat.spool(
            left.unsent,
            left.session.as_deref(),
            left.unreachable,
            EXIT_LOCK_WAIT,
            "the flush budget ran out",
        );
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

fn run(outbox: &Arc<Outbox>, settings: Settings, pending: &Pending) {
    let Some(mut batch) = outbox.take() else {
        return;
    };
    let session = Session::start(settings, outbox);
    loop {
        let count = batch.len();
        session.handle(batch, outbox);
        pending.done(count);
        match outbox.take() {
            Some(next) => batch = next,
            None => return,
        }
    }
}

/// Everything the first hit pays for once: the client id, the backoff
/// plan, the URLs and the client.
struct Session {
    settings: Settings,
    client_id: String,
    /// `Err` when nothing can be sent (a URL that does not parse, a client
    /// that does not build): every hit fails with the message.
    route: Result<Route, String>,
    habitat: Option<Habitat>,
    /// The spool rides along with the first request only, the one the exit
    /// waits for anyway.
    spool_taken: Cell<bool>,
    /// A request of this run timed out: the rest of the run spools rather
    /// than wait again.
    holding: Cell<bool>,
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
    /// The endpoint timed out recently (or in this run): hits go to the
    /// spool without a try, and no client is built.
    Hold,
}

/// How one request ended.
enum Delivery {
    Printed,
    Answered(reqwest::StatusCode),
    Failed(Failure),
    /// Validate mode, when nothing could be validated or there is no
    /// validation server: counted, never spooled (a later run would send
    /// for real what this one only meant to check), no backoff.
    Unvalidated {
        why: String,
        dropped: bool,
    },
}

impl Session {
    fn start(mut settings: Settings, outbox: &Arc<Outbox>) -> Session {
        let started = Instant::now();
        let habitat = Habitat::of(&settings);
        let store = settings.config_dir.clone().map(|dir| Store { dir });
        let plan = match &habitat {
            Some(h) => h
                .store
                .backoff_plan(&h.to.endpoint, now_ms(), WORKER_LOCK_WAIT),
            None => Plan::Send,
        };
        match plan {
            Plan::Send => {}
            Plan::Hold => log::debug!(
                "analytics: {} timed out recently: this run sends it nothing, and spools",
                settings.endpoint
            ),
            Plan::Probe => log::debug!(
                "analytics: {} timed out before: this run tries it again",
                settings.endpoint
            ),
        }
        // A derived id is kept: then the application's source (a Docker
        // daemon) is not asked at all. Otherwise it is asked on its own
        // thread, which keeps the id it derives from the answer; this run
        // waits for it (at most CLIENT_ID_BUDGET, while the HTTP client is
        // built) only when no id is kept at all.
        let kept = store.as_ref().and_then(Store::client_id);
        let answer = match settings.client_id.take() {
            Some(source) if client_id::ask_source(kept.as_ref()) => Some(ask_client_id(
                source,
                settings.app_name.clone(),
                store.clone(),
            )),
            _ => None,
        };
        let route = Route::new(&settings, plan, outbox, || session_id(store.as_ref()));
        if let Some(session) = route.as_ref().ok().and_then(|r| r.encoder.session_id()) {
            outbox.session(session);
        }
        let resolved = client_id::resolve(kept, || {
            let left = CLIENT_ID_BUDGET.saturating_sub(started.elapsed());
            answer?.recv_timeout(left).unwrap_or_else(|_| {
                log::debug!(
                    "analytics: the client id source did not answer within {CLIENT_ID_BUDGET:?}"
                );
                None
            })
        });
        if let (Some(keep), Some(store)) = (&resolved.keep, &store) {
            store.keep_client_id(keep);
        }
        if let Err(e) = &route {
            log::debug!("analytics: nothing will be sent: {e}");
        }
        Session {
            settings,
            client_id: resolved.id,
            route,
            habitat,
            spool_taken: Cell::new(false),
            holding: Cell::new(false),
        }
    }

    /// One code path for every backend and sink: hits become requests, and
    /// each request is sent, printed or spooled, then settled.
    fn handle(&self, batch: Vec<Entry>, outbox: &Outbox) {
        if !state::may_send() {
            // `disable()` wins over every hit not yet sent.
            if outbox.settle(&batch) {
                for entry in &batch {
                    STATS.dropped.inc();
                    log::debug!(
                        "analytics: dropped {entry}: analytics was disabled before it was sent"
                    );
                }
            }
            return;
        }
        let route = match &self.route {
            Ok(route) => route,
            Err(e) => {
                if outbox.settle(&batch) {
                    for entry in &batch {
                        STATS.failed.inc();
                        log::debug!("analytics: dropped {entry}: {e}");
                    }
                }
                return;
            }
        };
        let session = route.encoder.session_id();
        if matches!(route.sink, Sink::Hold) || self.holding.get() {
            if outbox.settle(&batch) {
                self.spool(batch, session, "the collector timed out recently");
            }
            return;
        }
        let mut entries = batch;
        // Empty if the exit took over meanwhile: then what was in the spool
        // stays there, and nothing more is posted (below).
        let late = self.unspool(route, entries.len(), outbox);
        entries.extend(late);
        let Encoded { requests, refused } = self.encode(&route.encoder, &entries);
        if outbox.settle(&refused) {
            for entry in refused {
                STATS.dropped.inc();
                log::debug!("analytics: dropped {entry}: the protocol does not accept it");
            }
        }
        for request in requests {
            if self.holding.get() {
                if outbox.settle(&request.hits) {
                    self.spool(request.hits, session, "the collector timed out in this run");
                }
                continue;
            }
            if matches!(route.sink, Sink::Http(_)) && !outbox.posting() {
                return;
            }
            let delivery = route.sink.deliver(&request);
            if !outbox.settle(&request.hits) {
                // The exit took over while the request was out: the hits
                // are its to spool or give up.
                return;
            }
            if self.settle(request.hits, delivery, session) == Some(Outcome::TimedOut) {
                self.holding.set(true);
            }
        }
    }

    /// What became of a request's hits: counted, spooled, and the backoff
    /// told.
    fn settle(
        &self,
        hits: Vec<Entry>,
        delivery: Delivery,
        session: Option<&str>,
    ) -> Option<Outcome> {
        let outcome = match &delivery {
            Delivery::Printed => {
                for entry in &hits {
                    STATS.printed.inc();
                    log::debug!(
                        "analytics: printed {entry} ({} is set; not sent)",
                        self.settings.names.debug
                    );
                }
                return None;
            }
            Delivery::Unvalidated { why, dropped } => {
                for entry in &hits {
                    if *dropped {
                        STATS.dropped.inc();
                    } else {
                        STATS.failed.inc();
                    }
                    log::debug!("analytics: dropped {entry}: {why}");
                }
                return None;
            }
            Delivery::Answered(status) => {
                for entry in &hits {
                    if status.is_success() {
                        STATS.sent.inc();
                        log::debug!("analytics: sent {entry} ({status})");
                    } else {
                        STATS.failed.inc();
                        log::debug!("analytics: dropped {entry}: the collector answered {status}");
                    }
                }
                Outcome::Answered
            }
            Delivery::Failed(failure) => {
                if failure.before_connecting {
                    let why = format!("the collector was not reached: {}", failure.message);
                    self.spool(hits, session, &why);
                } else {
                    // Written, perhaps: the collector may have it.
                    for entry in &hits {
                        STATS.failed.inc();
                        log::debug!("analytics: dropped {entry}: {}", failure.message);
                    }
                }
                if failure.timed_out {
                    Outcome::TimedOut
                } else {
                    Outcome::FailedFast
                }
            }
        };
        if let Some(habitat) = &self.habitat {
            habitat
                .store
                .backoff_after(&habitat.to.endpoint, outcome, now_ms(), WORKER_LOCK_WAIT);
        }
        Some(outcome)
    }

    fn spool(&self, entries: Vec<Entry>, session: Option<&str>, why: &str) {
        match &self.habitat {
            Some(habitat) => habitat.spool(entries, session, false, WORKER_LOCK_WAIT, why),
            None => {
                for entry in entries {
                    STATS.failed.inc();
                    log::debug!("analytics: dropped {entry}: {why}");
                }
            }
        }
    }

    /// What earlier runs spooled for this endpoint, as much as fits in the
    /// first request beside `fresh` hits of this run. A dry run shows it
    /// and leaves it in the spool; so does validate mode, whose requests
    /// are only checked.
    /// They are held by the outbox before they leave the file, so that the
    /// exit finds them in one place or the other.
    fn unspool(&self, route: &Route, fresh: usize, outbox: &Outbox) -> Vec<Entry> {
        if self.spool_taken.replace(true) {
            return Vec::new();
        }
        let Some(dir) = self.settings.config_dir.clone() else {
            return Vec::new();
        };
        let (room, max_age) = route.encoder.spool_room();
        Store { dir }.unspool(
            &destination(&self.settings),
            room.saturating_sub(fresh),
            max_age,
            now_ms(),
            self.settings.dry_run || self.settings.validate,
            WORKER_LOCK_WAIT,
            |late| outbox.hold(late),
        )
    }

    fn encode(&self, encoder: &Encoder, entries: &[Entry]) -> Encoded {
        match encoder {
            Encoder::V1 {
                tracking_id,
                collect,
                batch,
            } => {
                let common = v1::Common {
                    tracking_id,
                    client_id: &self.client_id,
                    app_name: &self.settings.app_name,
                    app_version: &self.settings.app_version,
                    now_ms: now_ms(),
                };
                v1::requests(&common, collect, batch, entries)
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
                ga4::requests(&common, url, entries)
            }
        }
    }
}

impl Encoder {
    fn session_id(&self) -> Option<&str> {
        match self {
            Encoder::V1 { .. } => None,
            Encoder::Ga4 { session_id, .. } => Some(session_id),
        }
    }

    /// How many hits one request takes, and the oldest hit the protocol
    /// accepts.
    fn spool_room(&self) -> (usize, Duration) {
        match self {
            Encoder::V1 { .. } => (v1::MAX_BATCH_HITS, v1::MAX_QUEUE_TIME),
            Encoder::Ga4 { .. } => (ga4::MAX_EVENTS, ga4::MAX_TIMESTAMP_AGE),
        }
    }
}

impl Route {
    fn new(
        settings: &Settings,
        plan: Plan,
        outbox: &Arc<Outbox>,
        new_session: impl FnOnce() -> String,
    ) -> Result<Route, String> {
        let encoder = match &settings.backend {
            Backend::V1 { tracking_id } => {
                let (collect, batch) = v1::urls(&settings.endpoint)?;
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
        // without a socket, or the milliseconds a client costs. Nor does a
        // run that holds back.
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
                // Validation requests are never spooled: the connection
                // needs no watching.
                Encoder::Ga4 { .. } => Sink::Validate {
                    transport: Transport::new(settings.ca_file.as_deref(), Arc::new(|| true))?,
                    variable,
                },
            }
        } else if plan == Plan::Hold {
            Sink::Hold
        } else {
            let outbox = Arc::clone(outbox);
            Sink::Http(Transport::new(
                settings.ca_file.as_deref(),
                Arc::new(move || outbox.connected()),
            )?)
        };
        Ok(Route { encoder, sink })
    }
}

impl Sink {
    fn deliver(&self, request: &Request) -> Delivery {
        match self {
            Sink::Http(transport) => {
                match transport.post(&request.url, request.content_type, request.body.clone()) {
                    Ok(status) => Delivery::Answered(status),
                    Err(failure) => Delivery::Failed(failure),
                }
            }
            Sink::Validate {
                transport,
                variable,
            } => {
                let prefix = validate_prefix(variable);
                // The request first: a validation server that never answers
                // must still show what was asked.
                print(&format!("{prefix}POST {}\n{}\n", request.url, request.body));
                let answer = match transport.post_and_read(
                    &request.url,
                    request.content_type,
                    request.body.clone(),
                ) {
                    Ok((status, answer)) if status.is_success() => Ok(answer),
                    Ok((status, _)) => Err(format!("the validation server answered {status}")),
                    Err(e) => Err(format!("could not reach the validation server: {e}")),
                };
                print(&ga4::validation_report(
                    &prefix,
                    answer.as_deref().map_err(Clone::clone),
                ));
                match answer {
                    Ok(_) => Delivery::Printed,
                    Err(why) => Delivery::Unvalidated {
                        why,
                        dropped: false,
                    },
                }
            }
            Sink::NoValidator { variable } => Delivery::Unvalidated {
                why: format!(
                    "{variable}=validate, and Universal Analytics has no validation server"
                ),
                dropped: true,
            },
            Sink::DryRun { variable } => {
                print(&dry_run_text(variable, &request.url, &request.body));
                Delivery::Printed
            }
            // Not reached: a run that holds spools before encoding. Were it
            // reached, nothing was sent and the backoff goes on, which is
            // what this says.
            Sink::Hold => Delivery::Failed(Failure {
                message: "the collector timed out recently".to_owned(),
                before_connecting: true,
                timed_out: true,
            }),
        }
    }
}

/// Where this run's hits go: the endpoint and the property.
fn destination(settings: &Settings) -> Destination {
    Destination {
        endpoint: settings.endpoint.clone(),
        property: settings.backend.property(),
    }
}

/// GA4's session id: the one kept in the application's directory while its
/// last activity is under 30 minutes old (GA's default), else the time the
/// first hit was handled, in milliseconds since the Unix epoch. Without a
/// directory, each run is a session of its own.
fn session_id(store: Option<&Store>) -> String {
    let now = u128::from(now_ms());
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

/// Runs the application's source on a thread of its own, which keeps the id
/// derived from its answer in `store`; the id arrives on the returned
/// channel, if it ever does.
fn ask_client_id(
    source: ClientIdSource,
    app: String,
    store: Option<Store>,
) -> Receiver<Option<String>> {
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name(format!("{THREAD_PREFIX}-client-id"))
        .spawn(move || {
            // A panicking source is a source without an answer: the channel
            // closes, and the worker falls back at once instead of waiting.
            if let Ok(answer) = panic::catch_unwind(AssertUnwindSafe(source)) {
                let derived = client_id::from_answer(&app, answer);
                if let (Some(kept), Some(store)) = (&derived, &store) {
                    store.keep_client_id(kept);
                }
                let _ = tx.send(derived.map(|kept| kept.id));
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
        let answer = ask_client_id(Box::new(|| panic!("no id")), "mytool".to_owned(), None);
        // Closed at once: not a timeout, which would cost the budget.
        assert_eq!(
            answer.recv_timeout(Duration::from_secs(3600)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        );
    }
}
