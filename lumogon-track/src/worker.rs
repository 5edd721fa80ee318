//! The background worker: one thread, fed by a bounded queue, that finds the
//! client id, builds the HTTP client and sends. Nothing here runs on the
//! caller's thread except [`Worker::spawn`] and [`Worker::queue`].

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

use crate::client_id;
use crate::config::{ClientIdSource, Settings};
use crate::flush::Pending;
use crate::hit::{self, Common, Hit};
use crate::runtime::{MAX_HITS_PER_PROCESS, STATS};
use crate::transport::Transport;

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
        let spawned = thread::Builder::new()
            .name("lumogon-track".to_owned())
            .spawn(move || run(&hits, settings, &worker_pending));
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

fn run(hits: &Receiver<Hit>, settings: Settings, pending: &Pending) {
    let Ok(first) = hits.recv() else { return };
    let session = Session::start(settings);
    let mut batch = vec![first];
    loop {
        // Whatever queued up while the session started or the last request
        // was in flight goes out together.
        batch.extend(hits.try_iter());
        session.send(&batch);
        pending.done(batch.len());
        batch.clear();
        match hits.recv() {
            Ok(hit) => batch.push(hit),
            Err(_) => return,
        }
    }
}

/// Everything the first hit pays for once: the client id and the client.
struct Session {
    settings: Settings,
    client_id: String,
    transport: Result<Transport, String>,
}

impl Session {
    fn start(mut settings: Settings) -> Session {
        let started = Instant::now();
        // The source may be slow (a Docker daemon that never answers): ask it
        // on its own thread while the HTTP client is built, and stop waiting
        // after CLIENT_ID_BUDGET.
        let answer = settings.client_id.take().map(ask_client_id);
        let transport = Transport::new(&settings.endpoint);
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
        let client_id = from_source
            .unwrap_or_else(|| client_id::stored_or_new(settings.client_id_file.as_deref()));
        if let Err(e) = &transport {
            log::debug!("analytics: nothing will be sent: {e}");
        }
        Session {
            settings,
            client_id,
            transport,
        }
    }

    fn send(&self, hits: &[Hit]) {
        let common = Common {
            tracking_id: &self.settings.tracking_id,
            client_id: &self.client_id,
            app_name: &self.settings.app_name,
            app_version: &self.settings.app_version,
        };
        let mut encoded = Vec::with_capacity(hits.len());
        for hit in hits {
            match hit::encode(&common, hit) {
                Some(payload) => encoded.push((*hit, payload)),
                None => {
                    STATS.dropped.inc();
                    log::debug!(
                        "analytics: dropped {hit}: larger than {} bytes",
                        hit::MAX_HIT_BYTES
                    );
                }
            }
        }
        let mut rest = encoded.as_slice();
        for size in hit::batch_sizes(encoded.iter().map(|(_, p)| p.len())) {
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            self.post(chunk);
        }
    }

    fn post(&self, chunk: &[(Hit, String)]) {
        let outcome = match &self.transport {
            Ok(transport) => {
                let body = chunk
                    .iter()
                    .map(|(_, p)| p.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                transport.post(chunk.len(), body)
            }
            Err(e) => Err(e.clone()),
        };
        for (hit, _) in chunk {
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

/// Runs the application's source on a thread of its own; the answer arrives
/// on the returned channel, if it ever does.
fn ask_client_id(source: ClientIdSource) -> Receiver<Option<String>> {
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name("lumogon-track-client-id".to_owned())
        .spawn(move || {
            let _ = tx.send(source());
        });
    if let Err(e) = spawned {
        log::debug!("analytics: could not ask for the client id: {e}");
    }
    rx
}
