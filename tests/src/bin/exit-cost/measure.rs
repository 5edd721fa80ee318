//! Running the scenarios round-robin and keeping every run's wall time.

use std::time::Duration;

use crate::stats::Summary;
use crate::targets::{Measured, Scenario};

/// The commands timed: neither needs a Docker daemon.
pub const COMMANDS: &[&str] = &["version", "capabilities"];

/// Every run's time, by scenario and command, and the hits each scenario
/// sent.
#[derive(Debug)]
pub struct Results {
    pub runs: u32,
    pub scenarios: Vec<Scenario>,
    /// `times[scenario][command]`, in [`COMMANDS`] order.
    times: Vec<Vec<Vec<Duration>>>,
    /// Hits sent per scenario: one a run where analytics is on, the
    /// unrecorded round included.
    pub sent: Vec<usize>,
}

impl Results {
    /// Runs `run(scenario, command)` once for every pair unrecorded (page
    /// cache, first TLS handshake, lazy statics), then `runs` rounds of
    /// every pair in turn, so that drift in the machine's speed spreads over
    /// all scenarios alike.
    pub fn measure(
        runs: u32,
        scenarios: Vec<Scenario>,
        run: impl Fn(Scenario, &str) -> Duration,
    ) -> Results {
        let mut results = Results {
            runs,
            times: vec![vec![Vec::new(); COMMANDS.len()]; scenarios.len()],
            sent: vec![0; scenarios.len()],
            scenarios,
        };
        for round in 0..=runs {
            if round > 0 {
                eprint!("\rround {round} of {runs}");
            }
            for (i, &scenario) in results.scenarios.iter().enumerate() {
                for (c, command) in COMMANDS.iter().enumerate() {
                    let elapsed = run(scenario, command);
                    results.sent[i] += usize::from(scenario.sends());
                    if round > 0 {
                        results.times[i][c].push(elapsed);
                    }
                }
            }
        }
        eprintln!();
        results
    }

    /// The summary of scenario `i` running command `c`.
    pub fn summary(&self, i: usize, c: usize) -> Summary {
        Summary::of(&self.times[i][c]).expect("at least one run")
    }

    /// The reference's summary for command `c`: analytics disabled at run
    /// time.
    pub fn reference(&self, c: usize) -> Summary {
        let disabled = self
            .scenarios
            .iter()
            .position(|&s| s == Scenario::Disabled)
            .expect("the reference scenario");
        self.summary(disabled, c)
    }

    /// What the targets are checked against, for scenario `i` and command
    /// `c`, given the hits its collector received.
    pub fn measured(&self, i: usize, c: usize, received: usize) -> Measured {
        Measured {
            summary: self.summary(i, c),
            reference: self.reference(c),
            hits_sent: self.sent[i],
            hits_received: received,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn rounds_after_the_first_are_recorded_and_every_send_counts() {
        let calls = Cell::new(0);
        let results = Results::measure(
            3,
            vec![
                Scenario::Disabled,
                Scenario::Network(lumogon_tests::networks::Kind::Http),
            ],
            |_, _| {
                calls.set(calls.get() + 1);
                Duration::from_millis(calls.get())
            },
        );
        // 4 rounds (one unrecorded) × 2 scenarios × 2 commands.
        assert_eq!(calls.get(), 16);
        assert_eq!(results.sent, vec![0, 8]);
        assert_eq!(results.times[0][0].len(), 3);
        // The first recorded run is the fifth call.
        assert_eq!(results.times[0][0][0], Duration::from_millis(5));
        assert_eq!(results.reference(0).min, Duration::from_millis(5));
    }
}
