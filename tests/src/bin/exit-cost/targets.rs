//! The targets of issues 4 and 12 for each scenario, checked against one
//! run's numbers.

use std::time::Duration;

use lumogon_tests::networks::Kind;

use crate::stats::{Summary, added_ms, millis};

/// What a scenario is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// `lumogon` built with `--no-default-features`.
    NoAnalyticsBuild,
    /// The default build run with `--disable-analytics`: the reference.
    Disabled,
    /// The default build, analytics on, sending to a collector in this state.
    Network(Kind),
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::NoAnalyticsBuild => "built without analytics",
            Scenario::Disabled => "disabled at run time",
            Scenario::Network(kind) => kind.name(),
        }
    }

    /// Whether the runs send hits.
    pub fn sends(self) -> bool {
        matches!(self, Scenario::Network(_))
    }
}

/// One scenario's numbers for one command.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub summary: Summary,
    /// The disabled run's summary for the same command, from the same run.
    pub reference: Summary,
    pub hits_sent: usize,
    pub hits_received: usize,
}

/// A target and whether this run met it.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub target: String,
    pub met: bool,
}

/// The target of a series of runs (`series.rs`), checked: the first run
/// against the budget where it may have to wait, the later runs' median
/// against the disabled run's.
pub fn check_series(
    setting: crate::series::Setting,
    first_added_ms: f64,
    later_added_ms: f64,
    delivered: bool,
    flush_budget: Duration,
) -> Verdict {
    use crate::series::Setting;
    let limit = millis(flush_budget) + 20.0;
    let (target, met) = match setting {
        Setting::Healthy | Setting::SlowDaemon => (
            "all delivered; later runs add < 5 ms median".to_owned(),
            delivered && later_added_ms < 5.0,
        ),
        Setting::HungDaemon | Setting::Firewalled => (
            format!("first run adds ≤ {limit:.0} ms; later runs add < 5 ms median"),
            first_added_ms <= limit && later_added_ms < 5.0,
        ),
    };
    Verdict { target, met }
}

/// The time target of a series at a distance (issue 19): the exit waits
/// for nothing, so a collector's distance or silence adds < 5 ms, a fast
/// failure < 3 ms (median against the series' own disabled runs).
pub fn check_distance_time(place: crate::distance::Place, added_ms: f64) -> Verdict {
    use crate::distance::Place;
    let limit = match place {
        Place::Away(_) | Place::Silent => 5.0,
        Place::Refused | Place::Unresolvable => 3.0,
    };
    Verdict {
        target: format!("adds < {limit:.0} ms median"),
        met: added_ms < limit,
    }
}

/// The delivery target of a series at a distance, where a collector
/// listens: 99% of its hits within the window after the series, each once,
/// every `qt` inside its true age.
pub fn check_distance_hits(account: &crate::arrivals::Account, window: Duration) -> Verdict {
    Verdict {
        target: format!(
            "≥ 99% within {} s of the series' end, each once, qt correct",
            window.as_secs()
        ),
        met: account.met(window),
    }
}

/// The target for `scenario`, if it has one, checked against `m`.
pub fn check(scenario: Scenario, m: &Measured, flush_budget: Duration) -> Option<Verdict> {
    let added = added_ms(m.summary.median, m.reference.median);
    let delivered = m.hits_received == m.hits_sent;
    let Scenario::Network(kind) = scenario else {
        return None;
    };
    let (target, met) = match kind {
        Kind::Http => (
            "all hits delivered, adds < 5 ms median".to_owned(),
            delivered && added < 5.0,
        ),
        Kind::Https => ("all hits delivered".to_owned(), delivered),
        Kind::Refused | Kind::Unresolvable => ("adds < 3 ms median".to_owned(), added < 3.0),
        Kind::Silent | Kind::Slow => {
            // "Never hangs": the slowest run too, not only the median.
            let limit = millis(flush_budget) + 20.0;
            let slowest = added_ms(m.summary.max, m.reference.median);
            (
                format!("adds ≤ {limit:.0} ms (flush budget + 20 ms), median and slowest run"),
                added <= limit && slowest <= limit,
            )
        }
        // Its first run (the unrecorded round) pays the budget once; every
        // later one is inside the backoff window.
        Kind::Firewalled => ("adds < 5 ms median (backoff)".to_owned(), added < 5.0),
        Kind::HttpsUntrusted | Kind::Status500 | Kind::HugeBody | Kind::Reset => return None,
    };
    Some(Verdict { target, met })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(median_ms: u64, reference_ms: u64, sent: usize, received: usize) -> Measured {
        let s = |m| Summary {
            median: Duration::from_millis(m),
            min: Duration::from_millis(m),
            max: Duration::from_millis(m),
        };
        Measured {
            summary: s(median_ms),
            reference: s(reference_ms),
            hits_sent: sent,
            hits_received: received,
        }
    }

    const BUDGET: Duration = Duration::from_millis(300);

    fn met(scenario: Scenario, m: Measured) -> Option<bool> {
        check(scenario, &m, BUDGET).map(|v| v.met)
    }

    #[test]
    fn healthy_http_must_deliver_everything_quickly() {
        let http = Scenario::Network(Kind::Http);
        assert_eq!(met(http, measured(9, 5, 10, 10)), Some(true));
        assert_eq!(met(http, measured(9, 5, 10, 9)), Some(false));
        assert_eq!(met(http, measured(10, 5, 10, 10)), Some(false));
    }

    #[test]
    fn failures_must_cost_almost_nothing() {
        for kind in [Kind::Refused, Kind::Unresolvable] {
            assert_eq!(
                met(Scenario::Network(kind), measured(7, 5, 10, 0)),
                Some(true)
            );
            assert_eq!(
                met(Scenario::Network(kind), measured(8, 5, 10, 0)),
                Some(false)
            );
        }
    }

    #[test]
    fn a_silent_collector_costs_at_most_the_budget_and_a_little() {
        let silent = Scenario::Network(Kind::Silent);
        assert_eq!(met(silent, measured(325, 5, 10, 10)), Some(true));
        assert_eq!(met(silent, measured(326, 5, 10, 10)), Some(false));
        let mut one_slow_run = measured(310, 5, 10, 10);
        one_slow_run.summary.max = Duration::from_millis(400);
        assert_eq!(met(silent, one_slow_run), Some(false));
    }

    #[test]
    fn at_a_distance_the_exit_waits_for_nothing() {
        use crate::distance::Place;
        assert!(check_distance_time(Place::Away(300), 4.9).met);
        assert!(!check_distance_time(Place::Silent, 5.0).met);
        assert!(check_distance_time(Place::Refused, 2.9).met);
        assert!(!check_distance_time(Place::Unresolvable, 3.0).met);
    }

    #[test]
    fn references_have_no_target() {
        assert_eq!(met(Scenario::Disabled, measured(5, 5, 0, 0)), None);
        assert_eq!(met(Scenario::NoAnalyticsBuild, measured(5, 5, 0, 0)), None);
    }
}
