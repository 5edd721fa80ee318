//! Which hits of a series arrived, by when, and whether each can be the one
//! hit of a distinct run with an honest `qt`. Pure logic over arrival times
//! and run spans: `distance.rs` supplies them.
//!
//! Every run of a series sends the same hit (same screen, same client id),
//! so a hit names no run. What can be checked is that the hits can be
//! handed out to distinct runs, each to one that could have sent it:
//!
//! - a hit with `qt` (sent late) to a run that started at least `qt` before
//!   it arrived: `qt` never exceeds its true age from its run's start;
//! - a hit without `qt` to a run that started before it arrived and ended
//!   at most a one-way trip (and some slack) before: a run writes its own
//!   request before it exits, so a hit without `qt` that arrives later than
//!   that was sent late and left its age out.
//!
//! A hit that cannot be handed out (a duplicate, a `qt` past every true
//! age, a late hit without `qt`) is counted as unattributable.

use std::time::{Duration, Instant};

/// How much later than a one-way trip after its run's exit a hit without
/// `qt` may still arrive: the proxy's and the machine's scheduling.
pub const SLACK: Duration = Duration::from_millis(250);

/// `qt` is whole milliseconds, from clocks read in whole milliseconds.
const QT_ROUNDING: Duration = Duration::from_millis(1);

/// One hit as the collector received it.
#[derive(Clone, Copy, Debug)]
pub struct Arrival {
    /// Its `qt`, in ms, if it carried one.
    pub qt: Option<u64>,
    pub at: Instant,
}

/// When one run of the series ran (from just before its spawn to just
/// after its exit was seen).
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub start: Instant,
    pub end: Instant,
}

/// A series' hits, accounted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    /// Hits the series' runs sent: one a run.
    pub sent: usize,
    /// Hits the collector received, duplicates included.
    pub arrived: usize,
    /// Hits that carried `qt`.
    pub late: usize,
    /// Hits no distinct run can have sent with that `qt` (see the module
    /// documentation).
    pub unattributable: usize,
    /// How long after the series' end at least 99% of `sent` had arrived,
    /// counting only hits handed out to a run: zero if they had by its
    /// end, `None` if not by the time the collector was last read.
    pub ninety_nine_after_end: Option<Duration>,
}

impl Account {
    /// Each hit arrived once, every `qt` honest, and 99% of them within
    /// `window` of the series' end.
    pub fn met(&self, window: Duration) -> bool {
        self.unattributable == 0
            && self.arrived <= self.sent
            && self.ninety_nine_after_end.is_some_and(|d| d <= window)
    }
}

/// Accounts for `arrivals` against the runs `spans` (in the order they
/// ran, one after another), the series having ended at `end`; `one_way` is
/// the collector's one-way delay.
pub fn account(arrivals: &[Arrival], spans: &[Span], end: Instant, one_way: Duration) -> Account {
    // Each hit may go to the runs of one range of indices; handing out in
    // order of the ranges' ends, each to the earliest free run of its range,
    // finds a run for every hit whenever any assignment can.
    let mut ranges: Vec<(usize, usize, Instant)> = Vec::new();
    let mut unattributable = 0;
    for arrival in arrivals {
        match range(arrival, spans, one_way) {
            Some((lo, hi)) => ranges.push((lo, hi, arrival.at)),
            None => unattributable += 1,
        }
    }
    ranges.sort_by_key(|&(lo, hi, _)| (hi, lo));
    let mut taken = vec![false; spans.len()];
    let mut handed_out = Vec::new();
    for (lo, hi, at) in ranges {
        match (lo..=hi).find(|&i| !taken[i]) {
            Some(i) => {
                taken[i] = true;
                handed_out.push(at);
            }
            None => unattributable += 1,
        }
    }
    handed_out.sort_unstable();
    let need = (spans.len() * 99).div_ceil(100);
    let ninety_nine_after_end = match need {
        0 => Some(Duration::ZERO),
        n => handed_out
            .get(n - 1)
            .map(|&at| at.saturating_duration_since(end)),
    };
    Account {
        sent: spans.len(),
        arrived: arrivals.len(),
        late: arrivals.iter().filter(|a| a.qt.is_some()).count(),
        unattributable,
        ninety_nine_after_end,
    }
}

/// The indices of the runs that can have sent `arrival`, if any.
fn range(arrival: &Arrival, spans: &[Span], one_way: Duration) -> Option<(usize, usize)> {
    let qt = Duration::from_millis(arrival.qt.unwrap_or(0));
    // Started no later than the hit was recorded: `qt` before it was sent,
    // which is no later than it arrived.
    let latest_start = arrival.at.checked_sub(qt)? + QT_ROUNDING;
    let hi = spans.iter().rposition(|s| s.start <= latest_start)?;
    let lo = match arrival.qt {
        Some(_) => 0,
        None => {
            let earliest_end = arrival.at.checked_sub(one_way + SLACK);
            spans
                .iter()
                .position(|s| earliest_end.is_none_or(|e| s.end >= e))?
        }
    };
    (lo <= hi).then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of 10 ms every 20 ms from `t0 + 1 s`, and a clock in ms.
    fn runs(t0: Instant, n: u64) -> Vec<Span> {
        (0..n)
            .map(|i| Span {
                start: t0 + ms(1000 + 20 * i),
                end: t0 + ms(1010 + 20 * i),
            })
            .collect()
    }

    fn ms(m: u64) -> Duration {
        Duration::from_millis(m)
    }

    fn hit(t0: Instant, at_ms: u64, qt: Option<u64>) -> Arrival {
        Arrival {
            qt,
            at: t0 + ms(at_ms),
        }
    }

    const ONE_WAY: Duration = Duration::from_millis(50);

    #[test]
    fn each_run_s_own_hit_is_accounted_for() {
        let t0 = Instant::now();
        let spans = runs(t0, 3);
        // Each arrives one-way after its run wrote it, without qt.
        let arrivals: Vec<_> = [1055, 1075, 1095]
            .iter()
            .map(|&at| hit(t0, at, None))
            .collect();
        let end = spans[2].end;
        let a = account(&arrivals, &spans, end, ONE_WAY);
        assert_eq!((a.sent, a.arrived, a.late, a.unattributable), (3, 3, 0, 0));
        assert_eq!(a.ninety_nine_after_end, Some(ms(1095 - 1050)));
        assert!(a.met(ms(10_000)));
    }

    #[test]
    fn late_hits_need_an_honest_qt() {
        let t0 = Instant::now();
        let spans = runs(t0, 2);
        let end = spans[1].end;
        // Both delivered 2 s later by a sender: ages from run starts are
        // 2000 ms (run 0 started at 1000) and 1980 ms.
        let honest = [hit(t0, 3000, Some(1995)), hit(t0, 3000, Some(1975))];
        assert_eq!(account(&honest, &spans, end, ONE_WAY).unattributable, 0);
        // Two hits both older than the second run: one cannot be its hit.
        let too_old = [hit(t0, 3000, Some(1995)), hit(t0, 3000, Some(1995))];
        assert_eq!(account(&too_old, &spans, end, ONE_WAY).unattributable, 1);
        // Older than any run.
        let impossible = [hit(t0, 3000, Some(2500))];
        assert_eq!(account(&impossible, &spans, end, ONE_WAY).unattributable, 1);
        // Sent late without qt.
        let undated = [hit(t0, 3000, None)];
        let a = account(&undated, &spans, end, ONE_WAY);
        assert_eq!((a.late, a.unattributable), (0, 1));
    }

    #[test]
    fn a_duplicate_is_unattributable_and_fails() {
        let t0 = Instant::now();
        let spans = runs(t0, 2);
        let end = spans[1].end;
        let arrivals = [
            hit(t0, 1055, None),
            hit(t0, 1075, None),
            hit(t0, 2000, Some(990)),
        ];
        let a = account(&arrivals, &spans, end, ONE_WAY);
        assert_eq!((a.arrived, a.unattributable), (3, 1));
        assert!(!a.met(ms(10_000)));
    }

    #[test]
    fn ninety_nine_percent_and_the_window() {
        let t0 = Instant::now();
        let spans = runs(t0, 100);
        let end = spans[99].end;
        // 99 of 100 arrive late, one never.
        let arrivals: Vec<_> = (0..99).map(|i| hit(t0, 5000 + i, Some(1000))).collect();
        let a = account(&arrivals, &spans, end, ONE_WAY);
        assert_eq!(a.unattributable, 0);
        assert_eq!(a.ninety_nine_after_end, Some(t0 + ms(5098) - end));
        assert!(a.met(ms(10_000)));
        assert!(!a.met(ms(1000)));
        // 98 of 100: not 99%.
        let a = account(&arrivals[..98], &spans, end, ONE_WAY);
        assert_eq!(a.ninety_nine_after_end, None);
        assert!(!a.met(ms(10_000)));
    }
}
