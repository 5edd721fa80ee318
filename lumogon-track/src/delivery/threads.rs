//! The threads the library starts (the worker and the client-id source's),
//! and keeping their panics quiet: a panic there is a failure like any
//! other, for the debug log only, and never makes a flush wait.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::sync::mpsc::{self, Receiver};
use std::thread;

use super::pending::Pending;
use crate::config::ClientIdSource;
use crate::persistence::AppDir;
use crate::persistence::client_id;

/// Every thread the library starts has a name beginning with this, which
/// is how the panic hook knows a panic is ours to keep quiet.
const PREFIX: &str = "lumogon-track";

/// A builder for a thread of the library's, named `lumogon-track-<what>`.
pub(crate) fn named(what: &str) -> thread::Builder {
    thread::Builder::new().name(format!("{PREFIX}-{what}"))
}

/// Starts the worker thread running `body`. If it panics, nothing it had
/// will ever finish, so the flush must not wait for it (the hits are lost,
/// silently, like any other failure). `false` if the OS refuses a thread.
pub(crate) fn spawn_worker(
    pending: std::sync::Arc<Pending>,
    body: impl FnOnce() + Send + 'static,
) -> bool {
    quiet_panics();
    let spawned = thread::Builder::new()
        .name(PREFIX.to_owned())
        .spawn(move || supervise(&pending, body));
    spawned
        .inspect_err(|e| log::debug!("analytics: could not start the worker thread: {e}"))
        .is_ok()
}

fn supervise(pending: &Pending, body: impl FnOnce()) {
    if panic::catch_unwind(AssertUnwindSafe(body)).is_err() {
        log::debug!("analytics: the worker panicked; the hits it held are dropped");
        pending.abandon();
    }
}

/// Keeps panics on the library's own threads off stderr. Every other
/// thread's panic goes to the hook that was installed before, unchanged.
/// Installed once, and never while panicking (which `set_hook` forbids).
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
                .is_some_and(|name| name.starts_with(PREFIX));
            if ours {
                log::debug!("analytics: {info}");
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs the application's source on a thread of its own, which keeps the id
/// derived from its answer in `dir`; the id arrives on the returned
/// channel, if it ever does.
pub(crate) fn ask_client_id(
    source: ClientIdSource,
    app: String,
    dir: Option<AppDir>,
) -> Receiver<Option<String>> {
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = named("client-id").spawn(move || {
        // A panicking source is a source without an answer: the channel
        // closes, and the worker falls back at once instead of waiting.
        if let Ok(answer) = panic::catch_unwind(AssertUnwindSafe(source)) {
            let derived = client_id::from_answer(&app, answer);
            if let (Some(kept), Some(dir)) = (&derived, &dir) {
                dir.keep_client_id(kept);
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
    use std::time::Duration;

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
