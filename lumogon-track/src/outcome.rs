//! What `#[track_screen(.., outcome)]` reports when a handler ends: how it
//! ended and, coarsely, how long it took. Pure: no clock, no I/O; the guard
//! that measures and records is `__private::Tracked`.
//!
//! Both are `&'static str` chosen here, never anything the handler
//! returned: an error's text cannot become a parameter.

// Without analytics the macro never emits the guard, so nothing reads this.
#![cfg_attr(not(feature = "analytics"), allow(dead_code))]

use std::time::Duration;

/// The event's category; its action is the screen name.
pub(crate) const CATEGORY: &str = "command";

/// How a tracked handler ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It returned, and what it returned was not a failure.
    Ok,
    /// It returned an `Err`, a failing `ExitCode` or `false`.
    Error,
    /// It unwound.
    Panic,
    /// Its future was dropped before it completed.
    Cancelled,
}

impl Outcome {
    /// The value of the event's `outcome` parameter.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// The value of the event's `duration` parameter: a bucket wide enough that
/// it tells how a command feels (instant, quick, slow, very slow) and not
/// when it ran or on which machine.
pub(crate) fn duration_bucket(elapsed: Duration) -> &'static str {
    const BUCKETS: [(Duration, &str); 4] = [
        (Duration::from_millis(100), "<0.1s"),
        (Duration::from_secs(1), "<1s"),
        (Duration::from_secs(10), "<10s"),
        (Duration::from_secs(60), "<1min"),
    ];
    BUCKETS
        .iter()
        .find(|(limit, _)| elapsed < *limit)
        .map_or(">=1min", |(_, bucket)| bucket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bucket_holds_up_to_but_not_including_its_limit() {
        let ms = Duration::from_millis;
        let cases = [
            (Duration::ZERO, "<0.1s"),
            (ms(99), "<0.1s"),
            (ms(100) - Duration::from_nanos(1), "<0.1s"),
            (ms(100), "<1s"),
            (ms(999), "<1s"),
            (ms(1000), "<10s"),
            (ms(9_999), "<10s"),
            (ms(10_000), "<1min"),
            (ms(59_999), "<1min"),
            (ms(60_000), ">=1min"),
            (Duration::MAX, ">=1min"),
        ];
        for (elapsed, bucket) in cases {
            assert_eq!(duration_bucket(elapsed), bucket, "{elapsed:?}");
        }
    }

    #[test]
    fn outcomes_are_lowercase_words() {
        let all = [
            Outcome::Ok,
            Outcome::Error,
            Outcome::Panic,
            Outcome::Cancelled,
        ];
        let words: Vec<&str> = all.iter().map(|o| o.as_str()).collect();
        assert_eq!(words, ["ok", "error", "panic", "cancelled"]);
    }
}
