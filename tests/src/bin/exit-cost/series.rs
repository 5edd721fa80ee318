//! Runs that share one configuration directory, as one person's runs on one
//! machine do: the first run of a series against the later ones (the id is
//! derived once, a firewall costs one timeout), and an outage followed by
//! the collector's return (every hit delivered once, with its age).

use std::path::Path;
use std::time::{Duration, SystemTime};

use lumogon_tests::collector::Collector;
use lumogon_tests::engine_proxy::EngineProxy;
use lumogon_tests::lumogon::Lumogon;
use lumogon_tests::servers::{BlackHole, Firewalled, refused_port};

use crate::stats::Summary;

/// Runs in a series after the first.
pub const LATER_RUNS: usize = 15;
/// Runs while the collector is away.
pub const OUTAGE_RUNS: usize = 5;
/// How long the slow daemon takes to answer.
pub const SLOW_DAEMON: Duration = Duration::from_millis(150);

/// Where a series sends and which daemon it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// A healthy collector, the machine's Docker daemon.
    Healthy,
    /// A healthy collector, a daemon that answers after [`SLOW_DAEMON`].
    SlowDaemon,
    /// A healthy collector, a daemon that accepts and never answers.
    HungDaemon,
    /// A collector behind a firewall that drops packets, the machine's
    /// daemon.
    Firewalled,
}

impl Setting {
    pub const ALL: &[Setting] = &[
        Setting::Healthy,
        Setting::SlowDaemon,
        Setting::HungDaemon,
        Setting::Firewalled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Setting::Healthy => "healthy collector, real daemon",
            Setting::SlowDaemon => "healthy collector, daemon answering after 150 ms",
            Setting::HungDaemon => "healthy collector, daemon that never answers",
            Setting::Firewalled => "firewalled collector (drops packets), real daemon",
        }
    }
}

/// One series' times and what its collector received.
#[derive(Debug)]
pub struct Series {
    pub setting: Setting,
    pub first: Duration,
    pub later: Summary,
    pub sent: usize,
    pub received: usize,
}

/// `lumogon version` once, then [`LATER_RUNS`] times, in one fresh
/// configuration directory.
pub fn run(binary: &Path, setting: Setting) -> Series {
    let collector = Collector::start(200);
    let firewall = (setting == Setting::Firewalled).then(Firewalled::start);
    let slow = (setting == Setting::SlowDaemon)
        .then(|| EngineProxy::slow("EXIT:COST:SLOW", "exit-cost", "none", SLOW_DAEMON));
    let hung = (setting == Setting::HungDaemon).then(BlackHole::unix);
    let url = firewall
        .as_ref()
        .map_or_else(|| collector.url(), Firewalled::collect_url);
    let docker = match (&slow, &hung) {
        (Some(slow), _) => slow.docker_host(),
        (_, Some(hung)) => hung.docker_host(),
        _ => crate::REAL_DOCKER.to_owned(),
    };
    let mut lumogon = Lumogon::of(binary, &["version"])
        .collector(&url)
        .env("DOCKER_HOST", docker);
    let mut times = Vec::with_capacity(LATER_RUNS + 1);
    for _ in 0..=LATER_RUNS {
        let out = lumogon.run();
        assert_eq!(out.code, Some(0), "{}: {}", setting.name(), out.stderr);
        times.push(out.elapsed);
    }
    Series {
        setting,
        first: times[0],
        later: Summary::of(&times[1..]).expect("later runs"),
        sent: LATER_RUNS + 1,
        received: collector.hits().len(),
    }
}

/// The outage: what was delivered, and each late hit's `qt` against the
/// age it should have had.
#[derive(Debug)]
pub struct Outage {
    pub sent: usize,
    pub delivered: usize,
    /// Per hit of the outage: its `qt`, and the least and most it may be
    /// (from its run's start and end to the recovery run's start and end),
    /// in ms.
    pub ages: Vec<(u64, u64, u64)>,
}

impl Outage {
    pub fn qt_correct(&self) -> bool {
        self.ages.len() == OUTAGE_RUNS && self.ages.iter().all(|&(qt, lo, hi)| lo <= qt && qt <= hi)
    }
}

/// [`OUTAGE_RUNS`] runs while nothing listens, then the collector comes
/// back on the same port and one more run.
pub fn outage(binary: &Path) -> Outage {
    let port = refused_port();
    let mut lumogon = Lumogon::of(binary, &["version"])
        .collector(&format!("http://127.0.0.1:{port}/collect"))
        .env("DOCKER_HOST", crate::REAL_DOCKER);
    let mut runs = Vec::new();
    for _ in 0..OUTAGE_RUNS {
        let start = now_ms();
        assert_eq!(lumogon.run().code, Some(0));
        runs.push((start, now_ms()));
    }
    let collector = Collector::start_on(port, 200);
    let start = now_ms();
    assert_eq!(lumogon.run().code, Some(0));
    let end = now_ms();
    let hits = collector.hits();
    let ages = hits
        .iter()
        .filter_map(|hit| {
            hit.iter()
                .find(|(k, _)| k == "qt")
                .and_then(|(_, v)| v.parse::<u64>().ok())
        })
        .zip(runs)
        .map(|(qt, (run_start, run_end))| (qt, start.saturating_sub(run_end), end - run_start))
        .collect();
    Outage {
        sent: OUTAGE_RUNS + 1,
        delivered: hits.len(),
        ages,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}
