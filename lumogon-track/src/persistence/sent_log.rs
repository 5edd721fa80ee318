//! `sent.log`: what became of the last hits this application sent or
//! spooled, so that a person can see after the fact what left their machine
//! (`{app} analytics log`), as Dart's and .NET's tools keep one. One JSON
//! object a line, oldest first, at most [`LOG_ENTRIES`] lines and
//! [`LOG_BYTES`] bytes: the oldest go first. Written only by a run that
//! sends (analytics on, not a dry run), deleted by `analytics disable`.
//!
//! A line holds when, where to (the endpoint, never a secret: GA4's API
//! secret is added to the URL only when a request is made), what (the hit
//! as the debug log names it: its screen, or its event and parameters) and
//! the outcome; never the client id.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::time::Duration;

use serde_json::{Map, Value};

use super::{AppDir, stored_text};
use crate::hit::Entry;
use crate::limits::{LOG_BYTES, LOG_ENTRIES};
use crate::sent::Sent;

/// The file's name.
pub(crate) const FILE: &str = "sent.log";

/// What became of a request's hits, as the log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Sent,
    Rejected(u16),
    Failed,
    /// Written, and the exit did not wait for the answer.
    HandedOver,
    Spooled,
}

impl Fate {
    fn name(self) -> String {
        match self {
            Fate::Sent => "sent".to_owned(),
            Fate::Rejected(status) => format!("rejected ({status})"),
            Fate::Failed => "failed".to_owned(),
            Fate::HandedOver => "handed over".to_owned(),
            Fate::Spooled => "spooled".to_owned(),
        }
    }
}

/// The lines for `entries`, which met `fate` at `at_ms`.
pub(crate) fn records(entries: &[Entry], to: &str, fate: Fate, at_ms: u64) -> Vec<Sent> {
    let to = shown(to);
    entries
        .iter()
        .map(|entry| Sent {
            at_ms,
            to: to.clone(),
            hit: entry.hit.to_string(),
            outcome: fate.name(),
            late: entry.late,
        })
        .collect()
}

/// The endpoint as the log shows it: without a user name, password or
/// query, where an `{APP}_ANALYTICS_URL` could carry a token.
fn shown(endpoint: &str) -> String {
    match reqwest::Url::parse(endpoint) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.into()
        }
        Err(_) => "(an endpoint that is not a URL)".to_owned(),
    }
}

fn line(logged: &Sent) -> String {
    let mut object = Map::new();
    object.insert("at".into(), logged.at_ms.into());
    object.insert("to".into(), logged.to.clone().into());
    object.insert("hit".into(), logged.hit.clone().into());
    object.insert("outcome".into(), logged.outcome.clone().into());
    if logged.late {
        object.insert("late".into(), true.into());
    }
    Value::Object(object).to_string()
}

/// The file's lines; one this library did not write is skipped.
pub(crate) fn parse(text: &str) -> Vec<Sent> {
    text.lines()
        .filter_map(|line| {
            let object: Map<String, Value> = serde_json::from_str(line).ok()?;
            let text = |key: &str| stored_text(&object, key).map(str::to_owned);
            Some(Sent {
                at_ms: object.get("at")?.as_u64()?,
                to: text("to")?,
                hit: text("hit")?,
                outcome: text("outcome")?,
                late: object.get("late").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

/// The newest of `all` that fit in [`LOG_ENTRIES`] and [`LOG_BYTES`], as
/// the file's text.
pub(crate) fn newest(all: &[Sent]) -> String {
    let lines: Vec<String> = all.iter().map(line).collect();
    let mut bytes = 0;
    let newest: Vec<&String> = lines
        .iter()
        .rev()
        .take(LOG_ENTRIES)
        .take_while(|line| {
            bytes += line.len() + 1;
            bytes <= LOG_BYTES
        })
        .collect();
    let mut text = String::with_capacity(bytes);
    for line in newest.into_iter().rev() {
        text.push_str(line);
        text.push('\n');
    }
    text
}

impl AppDir {
    /// The log's newest lines within its bounds, oldest first. Only a
    /// bounded part of the file is read: one grown by something else must
    /// not cost a command its memory.
    pub(crate) fn sent_log(&self) -> Vec<Sent> {
        parse(&newest(&parse(&self.read_tail(2 * LOG_BYTES))))
    }

    /// The last `max` bytes of the log at most, from the first whole line in
    /// them: the newest lines are at the end.
    fn read_tail(&self, max: usize) -> String {
        let Ok(mut file) = File::open(self.file(FILE)) else {
            return String::new();
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let start = len.saturating_sub(max as u64);
        let mut bytes = Vec::new();
        if file.seek(SeekFrom::Start(start)).is_err()
            || file.take(max as u64).read_to_end(&mut bytes).is_err()
        {
            return String::new();
        }
        let text = String::from_utf8_lossy(&bytes);
        match (start, text.find('\n')) {
            (0, _) => text.into_owned(),
            // Started inside a line: that line is not whole.
            (_, Some(end)) => text[end + 1..].to_owned(),
            (_, None) => String::new(),
        }
    }

    /// Adds `new` to the end of the log: one append, no lock and no read,
    /// since it may be on the exit's path (several processes' appends of a
    /// few lines each land whole, one after another).
    pub(crate) fn log(&self, new: &[Sent]) -> io::Result<()> {
        if new.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for sent in new {
            text.push_str(&line(sent));
            text.push('\n');
        }
        std::fs::create_dir_all(&self.dir)?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.file(FILE))?;
        file.write_all(text.as_bytes())
    }

    /// Cuts the log back to its bounds once appends have taken it past
    /// [`LOG_BYTES`]: a read and a rewrite under the lock, done where no
    /// one waits (a run's worker before its first request). A line another
    /// process appends meanwhile may be lost: it is a log.
    pub(crate) fn trim_log(&self, wait: Duration) -> io::Result<()> {
        let over = std::fs::metadata(self.file(FILE)).is_ok_and(|m| m.len() > LOG_BYTES as u64);
        if !over {
            return Ok(());
        }
        self.locked(wait, || {
            let all = parse(&self.read_tail(2 * LOG_BYTES));
            self.write(FILE, newest(&all).as_bytes())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{WAIT, temp_dir};
    use super::*;
    use crate::hit::Hit;

    fn logged(i: u64) -> Sent {
        Sent {
            at_ms: i,
            to: "https://collector.example/collect".into(),
            hit: format!("screenview \"s{i}\""),
            outcome: "sent".into(),
            late: false,
        }
    }

    #[test]
    fn lines_round_trip_and_what_this_library_did_not_write_is_skipped() {
        let mut late = logged(2);
        late.late = true;
        late.outcome = "rejected (400)".into();
        let text = newest(&[logged(1), late.clone()]);
        assert_eq!(
            text.lines().next(),
            Some(
                r#"{"at":1,"hit":"screenview \"s1\"","outcome":"sent","to":"https://collector.example/collect"}"#
            )
        );
        let damaged = format!("not json\n{{\"at\":1}}\n{text}{{\"at\":");
        assert_eq!(parse(&damaged), vec![logged(1), late]);
    }

    #[test]
    fn the_newest_lines_are_kept_within_both_bounds() {
        let many: Vec<Sent> = (0..LOG_ENTRIES as u64 + 50).map(logged).collect();
        let kept = parse(&newest(&many));
        assert_eq!(kept.len(), LOG_ENTRIES);
        assert_eq!(kept.last().map(|l| l.at_ms), Some(LOG_ENTRIES as u64 + 49));
        let mut big = logged(0);
        big.hit = "x".repeat(crate::limits::STORED_TEXT);
        let text = newest(&vec![big; 100]);
        assert!(text.len() <= LOG_BYTES, "{}", text.len());
        assert!(!text.is_empty());
    }

    #[test]
    fn records_name_the_hit_and_the_fate_and_never_the_client() {
        let mut late = Entry::fresh(Hit::event("UX", "upload"), 5);
        late.late = true;
        let records = records(
            &[Entry::fresh(Hit::Screenview { screen: "scan" }, 5), late],
            "https://x.example/mp/collect",
            Fate::Rejected(400),
            9,
        );
        assert_eq!(records[0].hit, "screenview \"scan\"");
        assert_eq!(records[1].hit, "event \"UX\"/\"upload\"");
        assert_eq!(records[1].outcome, "rejected (400)");
        assert!(records[1].late && !records[0].late);
        assert_eq!(records[0].at_ms, 9);
        let secret = super::records(
            &[Entry::fresh(Hit::Screenview { screen: "scan" }, 5)],
            "https://user:token@x.example/collect?key=secret#f",
            Fate::Sent,
            9,
        );
        assert_eq!(secret[0].to, "https://x.example/collect");
    }

    #[test]
    fn the_log_is_appended_read_back_within_its_bounds_and_trimmed() {
        let dir = temp_dir("sent-log");
        assert!(dir.sent_log().is_empty());
        dir.log(&[logged(1)]).expect("logged");
        dir.log(&[logged(2)]).expect("logged");
        assert_eq!(dir.sent_log(), vec![logged(1), logged(2)]);
        // Past both bounds, and past what is read: the newest are shown.
        let many: Vec<Sent> = (3..3 + LOG_ENTRIES as u64 * 2)
            .map(|i| Sent {
                hit: format!("event \"{}\"", "x".repeat(250)),
                ..logged(i)
            })
            .collect();
        dir.log(&many).expect("logged");
        // Shown within the bounds before any trim ...
        let shown = dir.sent_log();
        assert!(!shown.is_empty() && shown.len() <= LOG_ENTRIES);
        assert_eq!(shown.last(), many.last());
        // ... and the file cut back to them by one.
        let file = dir.dir.join(FILE);
        assert!(std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) > LOG_BYTES as u64);
        dir.trim_log(WAIT).expect("trimmed");
        let text = std::fs::read_to_string(&file).expect("the log");
        assert!(text.len() <= LOG_BYTES);
        assert_eq!(parse(&text), shown);
    }
}
