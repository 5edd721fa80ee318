//! Every time and size limit the library keeps, in one place: the ones it
//! sets itself (how long the exit may wait, how much the spool may hold) and
//! the ones each protocol sets (how long a value, how many hits a request).
//! Pure: constants, and the two ways a value is cut to a limit.

// Without analytics only the flush budget is public API; the rest is
// compiled but leaves nothing in a binary.
#![cfg_attr(not(feature = "analytics"), allow(dead_code))]

use std::time::Duration;

/// How long the exit may wait for hits still queued or in flight.
pub const DEFAULT_FLUSH_BUDGET: Duration = Duration::from_millis(300);

/// At most this many hits leave one process; later ones are counted and
/// dropped, so a tracked function in a hot loop costs next to nothing.
pub(crate) const MAX_HITS_PER_PROCESS: usize = 20;

/// An event carries at most this many parameters of the application's
/// (GA4 takes 25 in all, and needs some of its own).
pub(crate) const MAX_EVENT_PARAMS: usize = 10;

/// A request's connection (TCP and TLS) ...
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// ... and the whole request, answer included.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
/// The most of an answer's body that is read: GA4's validation server
/// answers a few hundred bytes, and a server that streams megabytes must
/// not hold the worker or its memory.
pub(crate) const MAX_ANSWER_BYTES: u64 = 8 * 1024;

/// The detached sender starts no request after this long, and each is
/// bounded by [`REQUEST_TIMEOUT`] too.
pub(crate) const SENDER_LIFETIME: Duration = REQUEST_TIMEOUT;

/// How long the first run waits for the application's client-id source.
pub(crate) const CLIENT_ID_BUDGET: Duration = Duration::from_millis(200);

/// How long the worker waits for the app directory's lock (another run is
/// reading or rewriting the spool or the backoff).
pub(crate) const WORKER_LOCK_WAIT: Duration = Duration::from_millis(50);
/// How long the detached sender does: it is on no one's path, and a hit it
/// took from the spool and could not send must go back.
pub(crate) const SENDER_LOCK_WAIT: Duration = Duration::from_secs(1);
/// How long the exit does: only ever spent when runs and senders of the same
/// app directory end together (each holds the lock for a read and a rename
/// of a few KiB), and less than losing a hit.
pub(crate) const EXIT_LOCK_WAIT: Duration = Duration::from_millis(20);
/// How long the exit waits for the worker to move hits it is receiving
/// from the queue (a thread waking up; microseconds).
pub(crate) const EXIT_CLOSE_WAIT: Duration = Duration::from_millis(5);
/// What the exit keeps of the flush budget for what follows a wait: taking
/// over from the worker, the spool and the backoff (two lock waits, and a
/// read and a rename of a few KiB each, well under a millisecond), so that
/// the whole exit stays within the budget.
pub(crate) const EXIT_RESERVE: Duration = Duration::from_millis(50);
/// How late past its expected answer (a round trip after it was written) a
/// request on the wire at exit must be to count as unanswered, not slow.
pub(crate) const SILENT_MARGIN: Duration = Duration::from_millis(100);

/// GA's default: a session ends after 30 minutes without activity.
pub(crate) const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// The spool keeps at most this many hits ...
pub(crate) const SPOOL_HITS: usize = 100;
/// ... in at most this many bytes; the oldest go first ...
pub(crate) const SPOOL_BYTES: usize = 16 * 1024;
/// ... for at most as long as any backend takes a late hit.
pub(crate) const SPOOL_AGE: Duration = ga4::MAX_TIMESTAMP_AGE;
/// How far ahead of a process's clock reading a hit stamped by another
/// process may be and still be kept.
pub(crate) const CLOCK_SLACK: Duration = Duration::from_secs(60);
/// The sent log keeps at most this many hits ...
pub(crate) const LOG_ENTRIES: usize = 300;
/// ... in at most this many bytes; the oldest go first.
pub(crate) const LOG_BYTES: usize = 64 * 1024;
/// A string longer than this in a file of the app directory was not written
/// by this library.
pub(crate) const STORED_TEXT: usize = 2048;

/// After a timeout, runs leave the endpoint alone for this long ...
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// ... doubling after each failed probe, up to this.
pub(crate) const LONGEST_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Measurement Protocol v1's limits.
pub(crate) mod v1 {
    use std::time::Duration;

    /// Byte limits on parameter values.
    pub(crate) const SCREEN_NAME: usize = 2048; // cd
    pub(crate) const APP_NAME: usize = 100; // an
    pub(crate) const APP_VERSION: usize = 100; // av
    pub(crate) const EVENT_CATEGORY: usize = 150; // ec
    pub(crate) const EVENT_ACTION: usize = 500; // ea
    pub(crate) const EVENT_LABEL: usize = 500; // el
    /// A single hit's payload may not exceed this many bytes.
    pub(crate) const HIT_BYTES: usize = 8192;
    /// A `/batch` request holds at most this many hits ...
    pub(crate) const BATCH_HITS: usize = 20;
    /// ... and at most this many bytes.
    pub(crate) const BATCH_BYTES: usize = 16 * 1024;
    /// The protocol drops a hit whose `qt` is over 4 hours.
    pub(crate) const MAX_QUEUE_TIME: Duration = Duration::from_secs(4 * 3600);
}

/// The GA4 Measurement Protocol's limits (its reference, "Limitations").
pub(crate) mod ga4 {
    use std::time::Duration;

    /// At most this many events in one request.
    pub(crate) const MAX_EVENTS: usize = 25;
    /// At most this many parameters on one event.
    pub(crate) const MAX_PARAMS: usize = 25;
    /// The longest event or parameter name, in characters.
    pub(crate) const MAX_NAME_CHARS: usize = 40;
    /// The longest parameter value of a standard (not 360) property, in
    /// characters.
    pub(crate) const MAX_VALUE_CHARS: usize = 100;
    /// How far back `timestamp_micros` may date an event.
    pub(crate) const MAX_TIMESTAMP_AGE: Duration = Duration::from_secs(72 * 60 * 60);
    /// A body must stay under 130 kB.
    pub(crate) const MAX_BODY_BYTES: usize = 130_000;
}

/// PostHog's capture API limits (its reference, "Capture and batch API
/// endpoints": <https://posthog.com/docs/api/capture>), and the rules its
/// ingestion applies that a sender can break.
pub(crate) mod posthog {
    /// "There is no limit on the number of events you can send in a batch,
    /// but the entire request body must be less than 20MB by default": the
    /// body is kept under 20 MB counted in decimal, the smaller reading.
    pub(crate) const MAX_BODY_BYTES: usize = 20_000_000;
    /// The batch endpoint documents no number of events; one request takes
    /// as many as the spool holds ([`super::SPOOL_HITS`], also the default
    /// batch of PostHog's own server SDKs, `flush_at` 100), so that a run
    /// sends what earlier runs left in one request.
    pub(crate) const BATCH_EVENTS: usize = super::SPOOL_HITS;
    /// PostHog's ingestion cuts an event name to 200 characters
    /// (`sanitizeEventName` in its plugin server): a longer name would be
    /// stored as another one, so it is refused instead.
    pub(crate) const MAX_EVENT_NAME_CHARS: usize = 200;
    /// PostHog's ingestion drops an event whose `distinct_id` is longer than
    /// this (its plugin server's `MAX_DISTINCT_ID_LENGTH`).
    pub(crate) const MAX_DISTINCT_ID_CHARS: usize = 400;
}

/// The longest prefix of `s` that fits in `max` bytes and ends on a
/// character boundary (v1 counts bytes).
pub(crate) fn cut_to_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The longest prefix of `s` with at most `max` characters (GA4 counts
/// characters).
pub(crate) fn cut_to_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_keeps_whole_characters() {
        assert_eq!(cut_to_bytes("héllo", 2), "h");
        assert_eq!(cut_to_bytes("héllo", 3), "hé");
        assert_eq!(cut_to_bytes("abc", 10), "abc");
        assert_eq!(cut_to_chars("héllo", 2), "hé");
        assert_eq!(cut_to_chars("abc", 10), "abc");
    }
}
