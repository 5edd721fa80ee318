//! `session`: GA4's session id and the time of the last activity,
//! `<session id> <last activity, ms since the epoch>`, so that runs close
//! together count as one session, as GA's own clients do.

use super::AppDir;
use crate::limits::{SESSION_IDLE, millis};

/// The file's name.
pub(crate) const FILE: &str = "session";

impl AppDir {
    /// GA4's session id for activity at `now` (ms since the epoch): the
    /// kept one if its last activity is under 30 minutes old, else `now`.
    /// The last activity becomes `now`. A session that cannot be kept is
    /// still used for this process.
    pub(crate) fn session(&self, now: u64) -> String {
        let id = continue_session(self.read(FILE).as_deref(), now);
        if let Err(e) = self.write(FILE, format!("{id} {now}\n").as_bytes()) {
            log::debug!(
                "analytics: could not keep the session in {}: {e}",
                self.dir.display()
            );
        }
        id
    }
}

/// The session to continue, given the file's text. Pure.
fn continue_session(stored: Option<&str>, now: u64) -> String {
    let mut fields = stored.unwrap_or_default().split_whitespace();
    let (id, last) = (fields.next(), fields.next());
    let id = id.filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    let last = last.and_then(|l| l.parse::<u64>().ok());
    match (id, last) {
        // A clock that went backwards also starts a new session: the gap is
        // unknown.
        (Some(id), Some(last)) if last <= now && now - last < millis(SESSION_IDLE) => id.to_owned(),
        _ => now.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_dir;
    use super::*;

    const IDLE: u64 = 30 * 60 * 1000;

    #[test]
    fn a_session_continues_until_thirty_minutes_idle() {
        let now = 10_000_000_u64;
        assert_eq!(continue_session(None, now), now.to_string());
        let recent = format!("123 {}", now - IDLE + 1);
        assert_eq!(continue_session(Some(&recent), now), "123");
        let idle = format!("123 {}", now - IDLE);
        assert_eq!(continue_session(Some(&idle), now), now.to_string());
        let future = format!("123 {}", now + 1);
        assert_eq!(continue_session(Some(&future), now), now.to_string());
        assert_eq!(continue_session(Some("x 1"), now), now.to_string());
        assert_eq!(continue_session(Some("123"), now), now.to_string());
    }

    #[test]
    fn the_session_file_carries_the_last_activity() {
        let store = temp_dir("session");
        let first = store.session(1_000);
        assert_eq!(first, "1000");
        assert_eq!(store.session(2_000), "1000");
        let later = 2_000 + IDLE;
        assert_eq!(store.session(later), later.to_string());
        let _ = std::fs::remove_dir_all(&store.dir);
    }
}
