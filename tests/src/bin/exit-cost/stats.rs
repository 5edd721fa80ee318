//! Summaries of repeated wall-time measurements.

use std::time::Duration;

/// Median, fastest and slowest of a set of runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Summary {
    /// `None` for no runs. The median of an even count is the mean of the two
    /// middle runs.
    pub fn of(runs: &[Duration]) -> Option<Summary> {
        let mut sorted = runs.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

/// Milliseconds, fractional.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Milliseconds with two decimals, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", millis(d))
}

/// `a - b` in milliseconds, signed: a scenario can be faster than its
/// reference by noise.
pub fn added_ms(a: Duration, b: Duration) -> f64 {
    millis(a) - millis(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn odd_and_even_counts() {
        let s = Summary::of(&ms(&[9, 1, 5])).expect("runs");
        assert_eq!(
            (s.median, s.min, s.max),
            (
                Duration::from_millis(5),
                Duration::from_millis(1),
                Duration::from_millis(9)
            )
        );
        let s = Summary::of(&ms(&[4, 1, 2, 3])).expect("runs");
        assert_eq!(s.median, Duration::from_micros(2500));
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn added_time_is_signed() {
        assert!((added_ms(Duration::from_millis(3), Duration::from_millis(5)) + 2.0).abs() < 1e-9);
    }
}
