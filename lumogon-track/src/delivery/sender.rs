//! The detached sender: what the exit spooled is delivered at once by a
//! process of its own, so that no command waits for the network. It is the
//! application's own executable, started again with [`MARKER`] in its
//! environment; the application's `main` hands it to [`serve`] first thing
//! ([`crate::detached_sender`]), before any code of its own runs, and the
//! process ends there.
//!
//! One sender at a time per app directory (its lock); the others end at
//! once, and the one that sends looks at the spool again after letting the
//! lock go, so that nothing spooled meanwhile waits for a later run. A
//! sender lives at most [`SENDER_LIFETIME`] plus one request's timeout,
//! reads no stdin, writes to no terminal, is in a process group of its own
//! (a Ctrl-C meant for the terminal's next command is not for it), and
//! sends nothing once `analytics disable` was run: that is checked before
//! each request and again the moment each connection is made.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::keeper::Keeper;
use super::outbox::Outbox;
use super::setup::Run;
use crate::config::{Given, Mode};
use crate::limits::{SENDER_LIFETIME, SENDER_LOCK_WAIT};
use crate::persistence::AppDir;
use crate::persistence::backoff::{Outcome, Plan};

/// Set in a sender's environment to the app directory whose spool it
/// delivers.
pub(crate) const MARKER: &str = "LUMOGON_TRACK_SENDER";

/// Whether this executable's `main` serves senders: only then does the exit
/// start one (an executable that does not would run its own code instead).
static WIRED: AtomicBool = AtomicBool::new(false);

/// Whether [`serve`] was called in this process, which is then not a
/// sender.
pub(crate) fn wired() -> bool {
    WIRED.load(Ordering::Relaxed)
}

/// In a sender: delivers and ends the process. Anywhere else: notes that
/// this executable serves senders, and returns.
pub(crate) fn serve(config: impl FnOnce() -> crate::Config) {
    let Some(marker) = std::env::var_os(MARKER) else {
        WIRED.store(true, Ordering::Relaxed);
        return;
    };
    deliver(config().0, &marker);
    std::process::exit(0);
}

/// Starts a sender for `dir`'s spool. Not waited for: a thread of ours reaps
/// it should this process outlive it.
pub(crate) fn start(dir: &AppDir) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut command = Command::new(exe);
    command
        .env(MARKER, &dir.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    match command.spawn() {
        Ok(mut child) => {
            log::debug!(
                "analytics: a sender (process {}) delivers the spooled hits",
                child.id()
            );
            let _ = super::threads::named("reaper").spawn(move || child.wait());
        }
        Err(e) => log::debug!("analytics: could not start a sender: {e}; the next run sends"),
    }
}

/// The sender's work: as long as its lifetime lasts, the spool holds hits
/// for this run's destination and each request is answered.
fn deliver(mut given: Given, marker: &std::ffi::OsStr) {
    let Ok(resolved) = given.resolve() else {
        return;
    };
    let Some(dir) = resolved.dir.clone() else {
        return;
    };
    // Only the directory it was started for, and only while analytics is
    // on there (a person may have run `analytics disable` since).
    if dir.dir.as_os_str() != marker || resolved.mode != Mode::Send {
        return;
    }
    if given.decide(Some(&dir), None, false).is_some() {
        return;
    }
    let disabled = {
        let dir = dir.clone();
        move || dir.load().choice == Some(false)
    };
    let (outbox, _queue) = Outbox::new(1);
    let outbox = Arc::new(outbox.wanted({
        let disabled = disabled.clone();
        move || !disabled()
    }));
    let to = resolved.destination();
    let keeper = Keeper::of(&resolved, || true);
    let deadline = Instant::now() + SENDER_LIFETIME;
    // The sender acts for the run that started it, which planned to send,
    // and finds the client id if that run had no time to: the source is
    // asked here, off every command's path.
    let source = given.client_id.take();
    let how = (Plan::Send, SENDER_LOCK_WAIT);
    let run = Run::start(resolved, source, keeper, how, &outbox);
    let more = || Instant::now() < deadline && !disabled() && dir.holds_for(&to);
    while more() {
        let Some(lock) = dir.sender_lock() else {
            return;
        };
        while more() {
            if run.deliver_spooled(&outbox) != Some(Outcome::Answered) {
                // Failed, timed out (the backoff knows), or nothing left.
                return;
            }
        }
        drop(lock);
    }
}
