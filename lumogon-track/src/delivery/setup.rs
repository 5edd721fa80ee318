//! What the first hit pays for, once a process: the backoff plan, the
//! client id, the URLs and the client. Everything after it is the send
//! loop's (`send_loop.rs`).

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::keeper::Keeper;
use super::outbox::Outbox;
use super::sinks::Sink;
use super::threads::ask_client_id;
use crate::backends::Encoder;
use crate::config::{ClientIdSource, Resolved};
use crate::hit::now_ms;
use crate::limits::CLIENT_ID_BUDGET;
use crate::persistence::AppDir;
use crate::persistence::backoff::{Outcome, Plan};
use crate::persistence::client_id;

/// A process's delivery, once set up.
pub(crate) struct Run {
    pub(super) resolved: Resolved,
    pub(super) client_id: String,
    /// `Err` when nothing can be sent (a URL that does not parse, a client
    /// that does not build): every hit fails with the message.
    pub(super) route: Result<Route, String>,
    pub(super) keeper: Option<Keeper>,
    /// The spool rides along with the first request only, the one the exit
    /// waits for anyway.
    pub(super) spool_taken: Cell<bool>,
    /// A request of this run timed out: the rest of the run spools rather
    /// than wait again.
    pub(super) holding: Cell<bool>,
    /// How the last request to the collector ended.
    pub(super) last: Cell<Option<Outcome>>,
    /// How long to wait for the app directory's lock: the worker's short
    /// wait, or the sender's longer one (it is on no one's path).
    pub(super) lock_wait: Duration,
}

/// How hits become requests, and where the requests go (`None`: nowhere
/// yet, the run holds back).
pub(crate) struct Route {
    pub(super) encoder: Encoder,
    pub(super) sink: Option<Sink>,
}

impl Run {
    /// Sets the run up for `plan`, what it does about the endpoint.
    pub(crate) fn start(
        resolved: Resolved,
        source: Option<ClientIdSource>,
        keeper: Option<Keeper>,
        (plan, lock_wait): (Plan, Duration),
        outbox: &Arc<Outbox>,
    ) -> Run {
        let started = Instant::now();
        outbox.planned(plan);
        match plan {
            Plan::Send => {}
            Plan::Hold => log::debug!(
                "analytics: {} timed out recently: this run sends it nothing, and spools",
                resolved.endpoint
            ),
            Plan::Probe => log::debug!(
                "analytics: {} timed out before: this run tries it again",
                resolved.endpoint
            ),
        }
        if let Some(keeper) = &keeper {
            keeper.trim_log(lock_wait);
        }
        let dir = resolved.dir.clone();
        // A derived id is kept: then the application's source (a Docker
        // daemon) is not asked at all. Otherwise it is asked on its own
        // thread, which keeps the id it derives from the answer; this run
        // waits for it (at most CLIENT_ID_BUDGET, while the HTTP client is
        // built) only when no id is kept at all.
        // In CI (sending only because the application counts CI runs) one
        // id per vendor: neither the kept id of a throwaway machine nor its
        // source is used.
        let ci_id = resolved
            .ci
            .map(|vendor| client_id::for_ci(&resolved.app_name, vendor));
        let kept = dir
            .as_ref()
            .filter(|_| ci_id.is_none())
            .and_then(AppDir::client_id);
        let answer = source
            .filter(|_| ci_id.is_none() && client_id::ask_source(kept.as_ref()))
            .map(|source| ask_client_id(source, resolved.app_name.clone(), dir.clone()));
        let route = route(&resolved, plan, outbox, dir.as_ref());
        if let Some(session) = route.as_ref().ok().and_then(|r| r.encoder.session_id()) {
            outbox.session(session);
        }
        let resolved_id = client_id::resolve(ci_id.or(kept), || {
            let left = CLIENT_ID_BUDGET.saturating_sub(started.elapsed());
            answer?.recv_timeout(left).unwrap_or_else(|_| {
                log::debug!(
                    "analytics: the client id source did not answer within {CLIENT_ID_BUDGET:?}"
                );
                None
            })
        });
        // A new random id is kept only if no other has been meanwhile (the
        // detached sender and the run it delivers for may both make one):
        // then the one kept is the one used, so that a client stays one id.
        let client_id = match (&resolved_id.keep, &dir) {
            (Some(keep), Some(dir)) => dir.keep_new_random(keep).unwrap_or(resolved_id.id),
            _ => resolved_id.id,
        };
        if let Err(e) = &route {
            log::debug!("analytics: nothing will be sent: {e}");
        }
        Run {
            holding: Cell::new(false),
            last: Cell::new(None),
            lock_wait,
            resolved,
            client_id,
            route,
            keeper,
            spool_taken: Cell::new(false),
        }
    }
}

fn route(
    resolved: &Resolved,
    plan: Plan,
    outbox: &Arc<Outbox>,
    dir: Option<&AppDir>,
) -> Result<Route, String> {
    let encoder = Encoder::new(&resolved.backend, &resolved.endpoint, || session_id(dir))?;
    let sink = Sink::new(resolved, &encoder, plan, outbox)?;
    Ok(Route { encoder, sink })
}

/// GA4's session id: the one kept in the application's directory while its
/// last activity is under 30 minutes old (GA's default), else the time the
/// first hit was handled, in milliseconds since the Unix epoch. Without a
/// directory, each run is a session of its own.
fn session_id(dir: Option<&AppDir>) -> String {
    let now = now_ms();
    match dir {
        Some(dir) => dir.session(now),
        None => now.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_id_is_digits() {
        let id = session_id(None);
        assert!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
    }
}
