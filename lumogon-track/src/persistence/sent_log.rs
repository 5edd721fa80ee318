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

use std::io;
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
    Spooled,
}

impl Fate {
    fn name(self) -> String {
        match self {
            Fate::Sent => "sent".to_owned(),
            Fate::Rejected(status) => format!("rejected ({status})"),
            Fate::Failed => "failed".to_owned(),
            Fate::Spooled => "spooled".to_owned(),
        }
    }
}

/// The lines for `entries`, which met `fate` at `at_ms`.
pub(crate) fn records(entries: &[Entry], to: &str, fate: Fate, at_ms: u64) -> Vec<Sent> {
    entries
        .iter()
        .map(|entry| Sent {
            at_ms,
            to: to.to_owned(),
            hit: entry.hit.to_string(),
            outcome: fate.name(),
            late: entry.late,
        })
        .collect()
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

/// The file's text after adding `new` to `kept`: the newest lines that fit
/// in [`LOG_ENTRIES`] and [`LOG_BYTES`].
pub(crate) fn admit(mut kept: Vec<Sent>, new: Vec<Sent>) -> String {
    kept.extend(new);
    let lines: Vec<String> = kept.iter().map(line).collect();
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
    /// The log's lines, oldest first. Only a bounded prefix of the file is
    /// read: one grown by something else must not cost a command its
    /// memory.
    pub(crate) fn sent_log(&self) -> Vec<Sent> {
        parse(&self.read_bounded(FILE, 2 * LOG_BYTES))
    }

    /// Adds `new` to the log, waiting at most `wait` for the directory's
    /// lock.
    pub(crate) fn log(&self, new: Vec<Sent>, wait: Duration) -> io::Result<()> {
        if new.is_empty() {
            return Ok(());
        }
        self.locked(wait, || {
            let text = admit(self.sent_log(), new);
            self.write(FILE, text.as_bytes())
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
        let text = admit(vec![logged(1)], vec![late.clone()]);
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
        let kept = parse(&admit(Vec::new(), many));
        assert_eq!(kept.len(), LOG_ENTRIES);
        assert_eq!(kept.last().map(|l| l.at_ms), Some(LOG_ENTRIES as u64 + 49));
        let mut big = logged(0);
        big.hit = "x".repeat(crate::limits::STORED_TEXT);
        let text = admit(Vec::new(), vec![big; 100]);
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
    }

    #[test]
    fn the_log_is_written_under_the_lock_and_read_back() {
        let dir = temp_dir("sent-log");
        assert!(dir.sent_log().is_empty());
        dir.log(vec![logged(1)], WAIT).expect("logged");
        dir.log(vec![logged(2)], WAIT).expect("logged");
        assert_eq!(dir.sent_log(), vec![logged(1), logged(2)]);
    }
}
