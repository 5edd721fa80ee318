//! The application's directory: everything the library keeps between runs,
//! one module per file it keeps, each knowing its file's name and format.
//!
//! - `analytics.json`: the saved choice and the notice version (`choice.rs`);
//! - `client_id`: the client id, derived or random (`client_id.rs`);
//! - `session`: GA4's session id and the last activity (`session.rs`);
//! - `spool`: hits that never reached the collector (`spool.rs`);
//! - `backoff`: an endpoint that timed out, and until when runs leave it
//!   alone (`backoff.rs`);
//! - `sent.log`: what became of the last hits sent or spooled
//!   (`sent_log.rs`), for `{app} analytics log`;
//! - `.lock`: empty; locked while the spool, the backoff or the log is read
//!   and rewritten, so that concurrent runs neither lose nor double a hit.
//!
//! Every write goes through a temporary file and a rename, so that two
//! processes at once or a crash never leave half a file. A file that cannot
//! be read as expected reads as absent: a damaged file must not break a
//! command.

use std::fs::{self, File, TryLockError};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::limits::STORED_TEXT;

pub(crate) mod backoff;
pub(crate) mod choice;
pub(crate) mod client_id;
pub(crate) mod sent_log;
pub(crate) mod session;
pub(crate) mod spool;

/// Held locked while the spool or the backoff is rewritten.
const LOCK_FILE: &str = ".lock";
/// Held locked by the detached sender for as long as it sends, so that one
/// sender at a time delivers an app directory's spool.
const SENDER_LOCK_FILE: &str = ".sender";
/// Every file `disable` deletes: all the library keeps but the choice itself
/// (and the empty lock file, which another run may hold at that moment).
const DELETED_ON_DISABLE: &[&str] = &[
    client_id::FILE,
    session::FILE,
    spool::FILE,
    backoff::FILE,
    sent_log::FILE,
];

/// The string at `key` of a line of one of the library's JSON-lines files,
/// if it is one no longer than [`STORED_TEXT`]: a longer one was not
/// written by this library.
fn stored_text<'a>(
    object: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<&'a str> {
    object
        .get(key)
        .and_then(serde_json::Value::as_str)
        .filter(|s| s.len() <= STORED_TEXT)
}

/// The application's directory (which may not exist yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AppDir {
    pub(crate) dir: PathBuf,
}

impl AppDir {
    /// The application's directory: the one it named itself, else
    /// `{APP}_CONFIG_DIR` (`variable`), else `$XDG_CONFIG_HOME/{app}`, else
    /// `~/.config/{app}`. Nothing is created.
    pub(crate) fn find(
        named: Option<&Path>,
        app: &str,
        variable: &str,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Option<AppDir> {
        if let Some(dir) = named {
            return Some(AppDir {
                dir: dir.to_owned(),
            });
        }
        let var = |key: &str| var(key).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dir = var(variable).or_else(|| {
            // The XDG spec says a relative XDG_CONFIG_HOME is invalid and
            // ignored.
            let base = var("XDG_CONFIG_HOME")
                .filter(|dir| dir.is_absolute())
                .or_else(|| var("HOME").map(|home| home.join(".config")))?;
            Some(base.join(app.trim()))
        })?;
        Some(AppDir { dir })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The file `name`'s text, at most `max` bytes of it (this library never
    /// writes more: a file grown by something else must not cost a command
    /// its memory); empty when it cannot be read.
    fn read_bounded(&self, name: &str, max: usize) -> String {
        let mut text = String::new();
        let read = File::open(self.file(name))
            .and_then(|file| file.take(max as u64).read_to_string(&mut text));
        if read.is_err() {
            text.clear();
        }
        text
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
            .open(self.file(LOCK_FILE))?;
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

    /// The sender's lock, if no other sender holds it: held until the file
    /// returned is dropped.
    pub(crate) fn sender_lock(&self) -> Option<File> {
        fs::create_dir_all(&self.dir).ok()?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.file(SENDER_LOCK_FILE))
            .ok()?;
        file.try_lock().ok()?;
        Some(file)
    }

    /// Deletes every file but the choice; returns the ones it deleted.
    pub(crate) fn delete_data(&self) -> io::Result<Vec<PathBuf>> {
        let mut deleted = Vec::new();
        for name in DELETED_ON_DISABLE {
            let path = self.file(name);
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

    /// Writes `bytes` to the file `name` through a temporary file and a
    /// rename, creating the directory.
    fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        // Unique to the process and the call: the client-id source's thread
        // and the worker may write the same file at once.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let tmp = self.file(&format!(".{name}.{}.{n}", std::process::id()));
        fs::write(&tmp, bytes)?;
        fs::rename(&tmp, self.file(name)).inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })
    }

    /// Writes `bytes` to the file `name` unless it exists: whether it was
    /// written. A link of a complete temporary file, so that the file is
    /// never seen half written and two writers never both win.
    fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<bool> {
        fs::create_dir_all(&self.dir)?;
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let tmp = self.file(&format!(".{name}.new.{}.{n}", std::process::id()));
        fs::write(&tmp, bytes)?;
        let linked = fs::hard_link(&tmp, self.file(name));
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            // A file system without hard links (FAT, some network mounts):
            // a plain check and write, which two writers at once may both
            // win, rather than no file at all.
            Err(_) if !self.file(name).exists() => self.write(name, bytes).map(|()| true),
            Err(_) => Ok(false),
        }
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        match fs::remove_file(self.file(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The file's text; `None` when it cannot be read.
    fn read(&self, name: &str) -> Option<String> {
        fs::read_to_string(self.file(name)).ok()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A directory of its own for one test, empty.
    pub(crate) fn temp_dir(name: &str) -> AppDir {
        let dir =
            std::env::temp_dir().join(format!("lumogon-track-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        AppDir { dir }
    }

    pub(crate) const WAIT: Duration = Duration::from_millis(50);

    #[test]
    fn delete_data_keeps_the_choice() {
        let store = temp_dir("delete");
        let _ = store.save(choice::Saved::default());
        let _ = store.write(client_id::FILE, b"id");
        let _ = store.session(1);
        let _ = store.spool(vec![spool::tests::spooled(1, "scan")], 1, WAIT);
        store.backoff_after("x", backoff::Outcome::TimedOut, 1, WAIT);
        let deleted = store.delete_data().unwrap_or_default();
        assert_eq!(deleted.len(), 4, "{deleted:?}");
        // Another run may hold it.
        assert!(store.file(LOCK_FILE).exists());
        assert!(store.file(choice::FILE).exists());
        assert!(!store.file(client_id::FILE).exists());
        assert_eq!(store.delete_data().map(|d| d.len()).ok(), Some(0));
        let _ = fs::remove_dir_all(&store.dir);
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn directory_precedence() {
        let find = |var: &dyn Fn(&str) -> Option<String>| {
            AppDir::find(None, "greeter", "GREETER_CONFIG_DIR", var).map(|d| d.dir)
        };
        let all = env(&[
            ("GREETER_CONFIG_DIR", "/c"),
            ("MYTOOL_CONFIG_DIR", "/l"),
            ("XDG_CONFIG_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(find(&all), Some(PathBuf::from("/c")));
        // Another tool's variable is not this one's.
        let other = env(&[("MYTOOL_CONFIG_DIR", "/l"), ("HOME", "/h")]);
        assert_eq!(find(&other), Some(PathBuf::from("/h/.config/greeter")));
        let xdg = env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(find(&xdg), Some(PathBuf::from("/x/greeter")));
        let relative_xdg = env(&[("XDG_CONFIG_HOME", "x"), ("HOME", "/h")]);
        assert_eq!(
            find(&relative_xdg),
            Some(PathBuf::from("/h/.config/greeter"))
        );
        assert_eq!(find(&env(&[])), None);
        // The application's own directory wins over all of them.
        let named = AppDir::find(Some(Path::new("/a")), "greeter", "GREETER_CONFIG_DIR", &all);
        assert_eq!(named.map(|d| d.dir), Some(PathBuf::from("/a")));
    }
}
