//! Unix time as a UTC calendar time, for the two places that print one:
//! PostHog's ISO 8601 timestamps and the sent log's lines. Pure, and no
//! date crate for it.

// The sent log prints no milliseconds: without analytics only it is here.
#![cfg_attr(not(feature = "analytics"), allow(dead_code))]

/// A moment, in UTC, to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Utc {
    pub(crate) year: u64,
    pub(crate) month: u64,
    pub(crate) day: u64,
    pub(crate) hour: u64,
    pub(crate) minute: u64,
    pub(crate) second: u64,
    pub(crate) milli: u64,
}

impl Utc {
    /// `ms` since the Unix epoch.
    pub(crate) fn from_ms(ms: u64) -> Utc {
        let (secs, milli) = (ms / 1000, ms % 1000);
        let (days, rest) = (secs / 86_400, secs % 86_400);
        let (year, month, day) = civil_from_days(days);
        Utc {
            year,
            month,
            day,
            hour: rest / 3600,
            minute: rest % 3600 / 60,
            second: rest % 60,
            milli,
        }
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days not before the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_civil_utc() {
        let at = |ms| {
            let t = Utc::from_ms(ms);
            [t.year, t.month, t.day, t.hour, t.minute, t.second, t.milli]
        };
        assert_eq!(at(0), [1970, 1, 1, 0, 0, 0, 0]);
        assert_eq!(at(951_782_400_000), [2000, 2, 29, 0, 0, 0, 0]);
        assert_eq!(at(1_796_398_861_999), [2026, 12, 4, 15, 41, 1, 999]);
        assert_eq!(at(4_102_444_799_000), [2099, 12, 31, 23, 59, 59, 0]);
    }
}
