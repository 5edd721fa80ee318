//! The detached sender: what the exit spooled is delivered at once by a
//! process of its own, so that no command waits for the network. It is the
//! application's own executable, started again with
//! `{APP}_ANALYTICS_SENDER` in its environment; the application's `main` hands it to [`serve`] first thing
//! ([`crate::detached_sender`]), before any code of its own runs, and the
//! process ends there.
//!
//! One sender at a time per app directory (its lock); the others end at
//! once, and the one that sends looks at the spool again after letting the
//! lock go, so that nothing spooled meanwhile waits for a later run. A
//! sender starts no request after [`SENDER_LIFETIME`], each bounded by the
//! request timeout (and, before its first, at most the client-id source's
//! wait and the app directory's lock); it reads no stdin, writes to no
//! terminal or pipe, runs in `/` in a process group of its own (a Ctrl-C
//! meant for the terminal's next command is not for it), goes into no
//! backoff window but the one its run probes, and sends nothing once
//! `analytics disable` was run: that is checked before each request and
//! again the moment each connection is made, and nothing it took from the
//! spool goes back after it.

use std::mem::ManuallyDrop;
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

/// Beside the marker (`{APP}_ANALYTICS_SENDER`, set to the app directory
/// whose spool the sender delivers), this one is set when the run that
/// started it was the one probing an endpoint in backoff: the sender then
/// tries it in the run's stead.
fn probe_variable(marker: &str) -> String {
    format!("{marker}_PROBE")
}

/// Whether this executable's `main` serves senders: only then does the exit
/// start one (an executable that does not would run its own code instead).
static WIRED: AtomicBool = AtomicBool::new(false);

/// Whether [`serve`] was called in this process, which is then not a
/// sender.
pub(crate) fn wired() -> bool {
    WIRED.load(Ordering::Relaxed)
}

/// In a sender for this application: delivers and ends the process.
/// Anywhere else: notes that this executable serves senders, and returns.
/// Builds the application's configuration (no I/O) to know its names.
pub(crate) fn serve(config: impl FnOnce() -> crate::Config) {
    let given = config().0;
    if let Some(marker) = given.var(&given.names.sender) {
        // Only a sender started for this application's directory (a marker
        // inherited from elsewhere is not this process's business).
        if given
            .dir()
            .is_some_and(|dir| dir.dir.as_os_str() == marker.as_str())
        {
            let probe = given.var(&probe_variable(&given.names.sender)).is_some();
            deliver(given, probe);
            std::process::exit(0);
        }
    }
    WIRED.store(true, Ordering::Relaxed);
}

/// Starts a sender for `dir`'s spool. Not waited for: a thread of ours reaps
/// it should this process outlive it.
pub(crate) fn start(dir: &AppDir, marker: &str, probe: bool) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut command = Command::new(exe);
    if probe {
        command.env(probe_variable(marker), "1");
    }
    command
        .env(marker, &dir.dir)
        .current_dir("/")
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
/// for this run's destination and each request is answered. Returns
/// without dropping the HTTP client, whose runtime could wait on a name
/// lookup: the process ends right after.
fn deliver(mut given: Given, probe: bool) {
    let Ok(resolved) = given.resolve() else {
        return;
    };
    let Some(dir) = resolved.dir.clone() else {
        return;
    };
    // Only while analytics is on (a person may have run `analytics
    // disable` since), and never into a backoff window it does not probe.
    if resolved.mode != Mode::Send || given.decide(Some(&dir), None, false).is_some() {
        return;
    }
    let keeper = Keeper::of(&resolved, || true);
    if !probe && keeper.as_ref().is_some_and(Keeper::in_backoff) {
        return;
    }
    let to = resolved.destination();
    let disabled = {
        let dir = dir.clone();
        move || dir.load().choice == Some(false)
    };
    let deadline = Instant::now() + SENDER_LIFETIME;
    let more = || Instant::now() < deadline && !disabled() && dir.holds_for(&to);
    // One sender at a time: the others end before they build anything.
    let Some(mut lock) = dir.sender_lock() else {
        return;
    };
    let (outbox, _queue) = Outbox::new(1);
    let outbox = Arc::new(outbox.wanted({
        let disabled = disabled.clone();
        move || !disabled()
    }));
    // The sender acts for the run that started it, and finds the client id
    // if that run had no time to: the source is asked here, off every
    // command's path.
    let source = given.client_id.take();
    let run = ManuallyDrop::new(Run::start(
        resolved,
        source,
        keeper,
        (Plan::Send, SENDER_LOCK_WAIT),
        &outbox,
    ));
    loop {
        while more() {
            if run.deliver_spooled(&outbox) != Some(Outcome::Answered) {
                // Failed, timed out (the backoff knows), or nothing left.
                return;
            }
        }
        drop(lock);
        // A run that spooled while this sender held the lock found it held
        // and left its hits to this sender: look once more.
        if !more() {
            return;
        }
        match dir.sender_lock() {
            Some(again) => lock = again,
            None => return,
        }
    }
}
