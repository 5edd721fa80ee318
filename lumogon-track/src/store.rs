//! The application's directory: everything the library keeps between runs,
//! and the one place that knows the files' names and formats.
//!
//! - `analytics.json`: the saved choice (`{app} analytics enable|disable`)
//!   and the version of the first-run notice last shown;
//! - `client_id`: the client id, derived from the application's source or
//!   random (`client_id.rs`);
//! - `session`: GA4's session id and the time of the last activity;
//! - `spool`: hits that never reached the collector (`spool.rs`);
//! - `backoff`: an endpoint that timed out, and until when runs leave it
//!   alone (`backoff.rs`);
//! - `.lock`: empty; locked while the spool or the backoff is read and
//!   rewritten, so that concurrent runs neither lose nor double a hit.
//!
//! Every write goes through a temporary file and a rename, so that two
//! processes at once or a crash never leave half a file. A file that cannot
//! be read as expected reads as absent: a damaged file must not break a
//! command.

use std::fs::{self, File, TryLockError};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::backoff::{self, Outcome, Plan};
use crate::client_id::{self, Kept};
use crate::hit::Entry;
use crate::spool::{self, Destination, Spooled};

/// The saved choice and notice version.
pub(crate) const SETTINGS_FILE: &str = "analytics.json";
/// The random client id.
pub(crate) const CLIENT_ID_FILE: &str = "client_id";
/// GA4's session: `<session id> <last activity, ms since the epoch>`.
pub(crate) const SESSION_FILE: &str = "session";
/// Hits waiting for a later run.
pub(crate) const SPOOL_FILE: &str = "spool";
/// An endpoint's backoff.
pub(crate) const BACKOFF_FILE: &str = "backoff";
/// Held locked while the spool or the backoff is rewritten.
const LOCK_FILE: &str = ".lock";
/// Every file `disable` deletes: all the library keeps but the choice itself
/// (and the empty lock file, which another run may hold at that moment).
const DELETED_ON_DISABLE: &[&str] = &[CLIENT_ID_FILE, SESSION_FILE, SPOOL_FILE, BACKOFF_FILE];

/// GA's default: a session ends after 30 minutes without activity.
pub(crate) const SESSION_IDLE_MS: u128 = 30 * 60 * 1000;

/// What `analytics.json` holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Saved {
    /// `Some(false)` after `disable`, `Some(true)` after `enable`, `None`
    /// when the person never chose.
    pub(crate) choice: Option<bool>,
    /// The version of the notice last shown; 0 when never.
    pub(crate) notice_version: u32,
}

/// The application's directory (which may not exist yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Store {
    pub(crate) dir: PathBuf,
}

impl Store {
    pub(crate) fn settings_file(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE)
    }

    pub(crate) fn client_id_file(&self) -> PathBuf {
        self.dir.join(CLIENT_ID_FILE)
    }

    fn spool_file(&self) -> PathBuf {
        self.dir.join(SPOOL_FILE)
    }

    fn backoff_file(&self) -> PathBuf {
        self.dir.join(BACKOFF_FILE)
    }

    /// The kept client id, if any.
    pub(crate) fn client_id(&self) -> Option<Kept> {
        client_id::parse(&fs::read_to_string(self.client_id_file()).ok()?)
    }

    /// Keeps `kept`; a random id never replaces a derived one (the source's
    /// thread may have kept one a moment before).
    pub(crate) fn keep_client_id(&self, kept: &Kept) {
        if !kept.derived && self.client_id().is_some_and(|k| k.derived) {
            return;
        }
        let path = self.client_id_file();
        if let Err(e) = write_atomically(&path, client_id::format(kept).as_bytes()) {
            log::debug!(
                "analytics: could not keep the client id in {}: {e}",
                path.display()
            );
        }
    }

    /// Runs `f` holding the directory's lock (created if need be), after
    /// waiting at most `wait` for it. Holders only read and rewrite a few
    /// KiB; a run that cannot have the lock in time (another process
    /// stopped while holding it) goes on without the spool or the backoff.
    fn locked<T>(&self, wait: Duration, f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        fs::create_dir_all(&self.dir)?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK_FILE))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "another process holds the lock",
                    ));
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
        // Unlocked when `file` is closed, after `f`.
        f()
    }

    /// The spool's entries. Only its first few times [`spool::MAX_BYTES`]
    /// are read: this library never writes more, and a file grown by
    /// something else must not cost a command its memory.
    fn read_spool(&self) -> Vec<Spooled> {
        let mut text = String::new();
        let read = File::open(self.spool_file()).and_then(|file| {
            file.take(4 * spool::MAX_BYTES as u64)
                .read_to_string(&mut text)
        });
        match read {
            Ok(_) => spool::parse(&text),
            Err(_) => Vec::new(),
        }
    }

    fn write_spool(&self, all: &[Spooled]) -> io::Result<()> {
        if all.is_empty() {
            return remove_if_present(&self.spool_file());
        }
        write_atomically(&self.spool_file(), spool::format(all).as_bytes())
    }

    /// Keeps `new` for a later run, within the spool's bounds, and, with
    /// `timed_out`, records that this endpoint timed out: both under one
    /// wait for the lock, which is all the exit can afford.
    pub(crate) fn spool(
        &self,
        new: Vec<Spooled>,
        timed_out: Option<&str>,
        now_ms: u64,
        wait: Duration,
    ) -> io::Result<()> {
        self.locked(wait, || {
            if !new.is_empty() {
                let all = spool::admit(self.read_spool(), new, now_ms);
                self.write_spool(&all)?;
            }
            match timed_out {
                Some(endpoint) => self.record_backoff(endpoint, Outcome::TimedOut, now_ms),
                None => Ok(()),
            }
        })
    }

    /// Takes up to `room` hits meant for `to` out of the spool and hands
    /// them to `hold` before they leave the file: once taken, no other run
    /// can send them, and if `hold` refuses them (the exit took over), they
    /// stay. With `peek` (a dry run), shows them and leaves them where they
    /// are.
    #[allow(clippy::too_many_arguments)] // one call site, each named there
    pub(crate) fn unspool(
        &self,
        to: &Destination,
        room: usize,
        max_age: Duration,
        now_ms: u64,
        peek: bool,
        wait: Duration,
        hold: impl FnOnce(&[Entry]) -> bool,
    ) -> Vec<Entry> {
        // The common case, nothing spooled, costs one failed open and no
        // lock file.
        if room == 0 || !self.spool_file().exists() {
            return Vec::new();
        }
        let claimed = self.locked(wait, || {
            let mut claim = spool::claim(self.read_spool(), to, room, max_age, now_ms);
            if !hold(&claim.taken) {
                claim.taken.clear();
            } else if !peek && (!claim.taken.is_empty() || claim.expired > 0) {
                self.write_spool(&claim.rest)?;
            }
            Ok(claim)
        });
        match claimed {
            Ok(claim) => {
                if claim.expired > 0 {
                    log::debug!(
                        "analytics: dropped {} spooled hit(s) older than the collector takes",
                        claim.expired
                    );
                }
                claim.taken
            }
            Err(e) => {
                log::debug!("analytics: could not read the spool: {e}");
                Vec::new()
            }
        }
    }

    /// The plan for `endpoint` now; a probe claims the next window at once.
    pub(crate) fn backoff_plan(&self, endpoint: &str, now_ms: u64, wait: Duration) -> Plan {
        // No file, no backoff: a healthy run takes no lock.
        if !self.backoff_file().exists() {
            return Plan::Send;
        }
        let planned = self.locked(wait, || {
            let record = self.read_backoff();
            let (plan, claimed) = backoff::plan(record.as_ref(), endpoint, now_ms);
            if let Some(claimed) = claimed {
                write_atomically(&self.backoff_file(), backoff::format(&claimed).as_bytes())?;
            }
            Ok(plan)
        });
        planned.unwrap_or_else(|e| {
            log::debug!("analytics: could not read the backoff: {e}");
            Plan::Send
        })
    }

    /// Records how an attempt to reach `endpoint` ended.
    pub(crate) fn backoff_after(
        &self,
        endpoint: &str,
        outcome: Outcome,
        now_ms: u64,
        wait: Duration,
    ) {
        if outcome != Outcome::TimedOut && !self.backoff_file().exists() {
            return;
        }
        let written = self.locked(wait, || self.record_backoff(endpoint, outcome, now_ms));
        if let Err(e) = written {
            log::debug!("analytics: could not record the backoff: {e}");
        }
    }

    /// Under the lock: the backoff after `outcome`.
    fn record_backoff(&self, endpoint: &str, outcome: Outcome, now_ms: u64) -> io::Result<()> {
        let before = self.read_backoff();
        let after = backoff::after(before.clone(), endpoint, outcome, now_ms);
        match &after {
            _ if after == before => Ok(()),
            Some(record) => {
                write_atomically(&self.backoff_file(), backoff::format(record).as_bytes())
            }
            None => remove_if_present(&self.backoff_file()),
        }
    }

    /// How many hits the spool holds (for `status`; no lock: a glance).
    pub(crate) fn spooled(&self) -> usize {
        self.read_spool().len()
    }

    /// The endpoint in backoff at `now_ms` and the time left, if any (for
    /// `status`).
    pub(crate) fn backoff_left(&self, now_ms: u64) -> Option<(String, Duration)> {
        let record = self.read_backoff()?;
        let left = record.until_ms.checked_sub(now_ms).filter(|&ms| ms > 0)?;
        Some((record.endpoint, Duration::from_millis(left)))
    }

    fn read_backoff(&self) -> Option<backoff::Record> {
        backoff::parse(&fs::read_to_string(self.backoff_file()).ok()?)
    }

    pub(crate) fn load(&self) -> Saved {
        fs::read(self.settings_file())
            .ok()
            .and_then(|bytes| parse_saved(&bytes))
            .unwrap_or_default()
    }

    pub(crate) fn save(&self, saved: Saved) -> io::Result<()> {
        let mut json = serde_json::Map::new();
        if let Some(choice) = saved.choice {
            json.insert("analytics".into(), choice.into());
        }
        json.insert("notice_version".into(), saved.notice_version.into());
        let text = serde_json::to_vec_pretty(&json).map_err(io::Error::other)?;
        write_atomically(&self.settings_file(), &text)
    }

    /// Deletes every file but the settings; returns the ones it deleted.
    pub(crate) fn delete_data(&self) -> io::Result<Vec<PathBuf>> {
        let mut deleted = Vec::new();
        for name in DELETED_ON_DISABLE {
            let path = self.dir.join(name);
            match fs::remove_file(&path) {
                Ok(()) => deleted.push(path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("{} could not be deleted: {e}", path.display()),
                    ));
                }
            }
        }
        Ok(deleted)
    }

    /// GA4's session id for activity at `now` (ms since the epoch): the
    /// stored one if its last activity is under 30 minutes old, else `now`.
    /// The last activity becomes `now`. A session that cannot be stored is
    /// still used for this process.
    pub(crate) fn session(&self, now: u128) -> String {
        let path = self.dir.join(SESSION_FILE);
        let stored = fs::read_to_string(&path).ok();
        let id = continue_session(stored.as_deref(), now);
        if let Err(e) = write_atomically(&path, format!("{id} {now}\n").as_bytes()) {
            log::debug!(
                "analytics: could not keep the session in {}: {e}",
                path.display()
            );
        }
        id
    }
}

fn parse_saved(bytes: &[u8]) -> Option<Saved> {
    let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    Some(Saved {
        choice: json.get("analytics").and_then(serde_json::Value::as_bool),
        notice_version: json
            .get("notice_version")
            .and_then(serde_json::Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0),
    })
}

/// The session to continue, given the session file's text. Pure.
fn continue_session(stored: Option<&str>, now: u128) -> String {
    let mut fields = stored.unwrap_or_default().split_whitespace();
    let (id, last) = (fields.next(), fields.next());
    let id = id.filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    let last = last.and_then(|l| l.parse::<u128>().ok());
    match (id, last) {
        // A clock that went backwards also starts a new session: the gap is
        // unknown.
        (Some(id), Some(last)) if last <= now && now - last < SESSION_IDLE_MS => id.to_owned(),
        _ => now.to_string(),
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Writes through a temporary file and a rename, creating the directory.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    // Unique to the process and the call: the client-id source's thread and
    // the worker may write the same file at once.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{name}.{}.{n}", std::process::id()));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(name: &str) -> Store {
        let dir =
            std::env::temp_dir().join(format!("lumogon-track-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Store { dir }
    }

    #[test]
    fn settings_round_trip_and_damage_reads_as_nothing() {
        let store = temp_store("settings");
        assert_eq!(store.load(), Saved::default());
        let saved = Saved {
            choice: Some(false),
            notice_version: 1,
        };
        assert!(store.save(saved).is_ok());
        assert_eq!(store.load(), saved);
        let _ = fs::write(store.settings_file(), "{not json");
        assert_eq!(store.load(), Saved::default());
        // Written by lumogon before the library owned the file, or by a
        // newer version with more fields.
        let _ = fs::write(
            store.settings_file(),
            r#"{"notice_version": 3, "future": [1]}"#,
        );
        assert_eq!(store.load().notice_version, 3);
        let _ = fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn delete_data_keeps_the_choice() {
        let store = temp_store("delete");
        let _ = store.save(Saved::default());
        let _ = fs::write(store.client_id_file(), "id");
        let _ = store.session(1);
        let _ = store.spool(vec![spooled(1)], Some("x"), 1, WAIT);
        let deleted = store.delete_data().unwrap_or_default();
        assert_eq!(deleted.len(), 4, "{deleted:?}");
        // Another run may hold it.
        assert!(store.dir.join(LOCK_FILE).exists());
        assert!(store.settings_file().exists());
        assert!(!store.client_id_file().exists());
        assert_eq!(store.delete_data().map(|d| d.len()).ok(), Some(0));
        let _ = fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn a_session_continues_until_thirty_minutes_idle() {
        let now = 10_000_000_u128;
        assert_eq!(continue_session(None, now), now.to_string());
        let recent = format!("123 {}", now - SESSION_IDLE_MS + 1);
        assert_eq!(continue_session(Some(&recent), now), "123");
        let idle = format!("123 {}", now - SESSION_IDLE_MS);
        assert_eq!(continue_session(Some(&idle), now), now.to_string());
        let future = format!("123 {}", now + 1);
        assert_eq!(continue_session(Some(&future), now), now.to_string());
        assert_eq!(continue_session(Some("x 1"), now), now.to_string());
        assert_eq!(continue_session(Some("123"), now), now.to_string());
    }

    #[test]
    fn the_session_file_carries_the_last_activity() {
        let store = temp_store("session");
        let first = store.session(1_000);
        assert_eq!(first, "1000");
        assert_eq!(store.session(2_000), "1000");
        let later = 2_000 + SESSION_IDLE_MS;
        assert_eq!(store.session(later), later.to_string());
        let _ = fs::remove_dir_all(&store.dir);
    }

    fn spooled(at_ms: u64) -> Spooled {
        Spooled {
            entry: Entry {
                late: true,
                ..Entry::fresh(crate::hit::Hit::Screenview { screen: "scan" }, at_ms)
            },
            to: to(),
        }
    }

    fn to() -> Destination {
        Destination {
            endpoint: "http://127.0.0.1:9/collect".to_owned(),
            property: "UA-1-1".to_owned(),
        }
    }

    const WAIT: Duration = Duration::from_millis(50);
    const DAY: Duration = Duration::from_secs(24 * 3600);

    #[test]
    fn spooled_hits_are_taken_once_and_a_peek_leaves_them() {
        let store = temp_store("spool");
        let to = &to();
        let yes = |_: &[Entry]| true;
        assert!(store.unspool(to, 20, DAY, 10, false, WAIT, yes).is_empty());
        assert!(
            !store.dir.join(LOCK_FILE).exists(),
            "an empty spool takes no lock"
        );
        assert!(
            store
                .spool(vec![spooled(1), spooled(2)], None, 10, WAIT)
                .is_ok()
        );
        assert_eq!(store.unspool(to, 20, DAY, 10, true, WAIT, yes).len(), 2);
        // Refused by the outbox (the exit took over): they stay.
        assert!(
            store
                .unspool(to, 20, DAY, 10, false, WAIT, |_| false)
                .is_empty()
        );
        assert_eq!(store.unspool(to, 1, DAY, 10, false, WAIT, yes).len(), 1);
        assert_eq!(store.unspool(to, 20, DAY, 10, false, WAIT, yes).len(), 1);
        assert!(!store.spool_file().exists(), "an emptied spool is deleted");
        let _ = fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn a_lock_held_elsewhere_is_waited_for_and_then_given_up() {
        let store = temp_store("lock");
        let _ = fs::create_dir_all(&store.dir);
        let holder = File::create(store.dir.join(LOCK_FILE)).expect("lock file");
        holder.lock().expect("lock");
        let refused = store.spool(vec![spooled(1)], None, 10, Duration::from_millis(5));
        assert_eq!(
            refused.map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock)
        );
        drop(holder);
        // The spool and the backoff, under one lock.
        assert!(store.spool(vec![spooled(1)], Some("x"), 10, WAIT).is_ok());
        assert_eq!(store.backoff_plan("x", 11, WAIT), Plan::Hold);
        let _ = fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn a_backoff_is_planned_recorded_and_ended() {
        let store = temp_store("backoff");
        let to = "http://127.0.0.1:9/collect";
        assert_eq!(store.backoff_plan(to, 1_000, WAIT), Plan::Send);
        store.backoff_after(to, Outcome::FailedFast, 1_000, WAIT);
        assert!(
            !store.backoff_file().exists(),
            "a fast failure starts no backoff"
        );
        store.backoff_after(to, Outcome::TimedOut, 1_000, WAIT);
        assert_eq!(store.backoff_plan(to, 2_000, WAIT), Plan::Hold);
        let over = 1_000 + 15 * 60 * 1000;
        assert_eq!(store.backoff_plan(to, over, WAIT), Plan::Probe);
        assert_eq!(store.backoff_plan(to, over + 1, WAIT), Plan::Hold);
        store.backoff_after(to, Outcome::Answered, over + 2, WAIT);
        assert!(!store.backoff_file().exists());
        let _ = fs::remove_dir_all(&store.dir);
    }
}
