//! The exit-cost benchmark: what analytics adds to the wall time of a whole
//! `lumogon` run, in every state a collector can be in.
//!
//! ```text
//! cargo run -p lumogon-tests --release --bin exit-cost
//! ```
//!
//! It builds the release `lumogon` with and without analytics, starts the
//! collectors of [`Kind::BENCHMARKED`] on 127.0.0.1, and runs `lumogon
//! version` and `lumogon capabilities` round-robin across the scenarios (so
//! that drift in the machine's speed spreads over all of them), with the
//! machine's real Docker daemon present, as lumogon's users have it, and one
//! configuration directory per scenario, as one person's runs share one. It
//! prints, per scenario, the median, fastest and slowest run, the median's
//! ratio to the run with analytics disabled, the hits the collector
//! received, and whether the scenario's target was met. Then series of runs
//! (`series.rs`): the first run against the later ones, with a slow or hung
//! daemon or a firewalled collector, and an outage followed by recovery.
//! Then collectors where users are (`distance.rs`): HTTPS 20, 100 and 300 ms
//! away, silent, refused, unresolvable, each a series whose hits are
//! followed for 10 s after it ends, and `analytics disable` against a send
//! under way. It writes a chart of the times, and the build footprint.
//! `--clean-builds` also times two clean release builds (several minutes);
//! `--distance-only` runs only the part at a distance (about a minute and a
//! half).

mod arrivals;
mod chart;
mod distance;
mod footprint;
mod machine;
mod measure;
mod report;
mod series;
mod stats;
mod targets;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;

use lumogon_tests::lumogon::{FLUSH_BUDGET, Lumogon, cargo_build_as, workspace};
use lumogon_tests::networks::{Kind, Network};

use crate::measure::{COMMANDS, Results};
use crate::report::FootprintRow;
use crate::targets::Scenario;

/// The machine's Docker daemon: where lumogon's users run it.
pub const REAL_DOCKER: &str = "unix:///var/run/docker.sock";

/// Times whole `lumogon` runs with analytics off, on, and against
/// collectors that fail in every way a network can.
#[derive(Debug, Parser)]
struct Args {
    /// Runs per scenario and command.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Runs per series at a distance (each after a disabled run; each
    /// series then waits 10 s for its hits).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    distance_runs: u32,
    /// Only the series at a distance (and only the build with analytics).
    #[arg(long)]
    distance_only: bool,
    /// Also time a clean release build with and without analytics (takes
    /// several minutes).
    #[arg(long)]
    clean_builds: bool,
    /// Where to write the chart (SVG).
    #[arg(long, default_value_os_t = workspace().join("benchmarks").join("exit-cost.svg"))]
    chart: PathBuf,
}

/// The two release builds under test, copied out of the target directory
/// (both builds write the same `lumogon` path there).
struct Binaries {
    with: PathBuf,
    /// Not built where no scenario needs it.
    without: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

impl Binaries {
    fn build(without: bool) -> Binaries {
        let dir = tempfile::tempdir().expect("tempdir");
        let build = |analytics: bool, name: &str| {
            eprintln!("building the release lumogon {name}");
            let built = cargo_build_as(&["-p", "lumogon", "--locked"], true, analytics);
            let copy = dir.path().join(format!("lumogon-{name}"));
            std::fs::copy(built.join("lumogon"), &copy).expect("copy the binary");
            let version = Lumogon::of(&copy, &["version"]).run().stdout;
            assert_eq!(
                version.contains("Analytics: included"),
                analytics,
                "{name}: {version}"
            );
            copy
        };
        let without = without.then(|| build(false, "without-analytics"));
        let with = build(true, "with-analytics");
        Binaries {
            with,
            without,
            _dir: dir,
        }
    }

    fn without(&self) -> &PathBuf {
        self.without
            .as_ref()
            .expect("the build without analytics, for the full benchmark")
    }

    /// Runs `lumogon COMMAND` as `scenario` says, with the real Docker
    /// daemon and the configuration directory `dir`; panics unless it
    /// exits 0.
    fn run(&self, scenario: Scenario, command: &str, networks: &[Network], dir: &Path) -> Duration {
        let (binary, args) = match scenario {
            Scenario::NoAnalyticsBuild => (self.without(), vec![command]),
            Scenario::Disabled => (&self.with, vec![command, "--disable-analytics"]),
            Scenario::Network(_) => (&self.with, vec![command]),
        };
        let mut lumogon = Lumogon::of(binary, &args)
            .env("DOCKER_HOST", REAL_DOCKER)
            .env("LUMOGON_CONFIG_DIR", dir);
        if let Scenario::Network(kind) = scenario {
            lumogon = network(networks, kind).apply(lumogon);
        }
        let out = lumogon.run();
        assert_eq!(
            out.code,
            Some(0),
            "{}: `lumogon {}` failed: {}",
            scenario.name(),
            args.join(" "),
            out.stderr
        );
        out.elapsed
    }
}

fn network(networks: &[Network], kind: Kind) -> &Network {
    networks
        .iter()
        .find(|n| n.kind() == kind)
        .expect("every benchmarked network is started")
}

fn main() {
    let args = Args::parse();
    let binaries = Binaries::build(!args.distance_only);
    if args.distance_only {
        at_a_distance(&binaries, args.distance_runs);
        report::machine(&machine::describe());
        return;
    }
    let networks: Vec<Network> = Kind::BENCHMARKED
        .iter()
        .map(|&k| Network::start(k))
        .collect();
    let mut scenarios = vec![Scenario::NoAnalyticsBuild, Scenario::Disabled];
    scenarios.extend(networks.iter().map(|n| Scenario::Network(n.kind())));
    // One configuration directory per scenario, kept across its runs (the
    // unrecorded first round derives the client id), holding the settings
    // of a person who has seen the notice.
    let dirs = tempfile::tempdir().expect("tempdir");
    let dir = |scenario: Scenario| dirs.path().join(scenario.name());
    for &scenario in &scenarios {
        let _ = Lumogon::of(&binaries.with, &["version"]).config_dir_at(&dir(scenario));
    }

    let results = Results::measure(args.runs, scenarios, |scenario, command| {
        binaries.run(scenario, command, &networks, &dir(scenario))
    });

    report::times(&results, FLUSH_BUDGET);
    let received = |scenario| match scenario {
        Scenario::Network(kind) => network(&networks, kind).hits_received(),
        Scenario::NoAnalyticsBuild | Scenario::Disabled => 0,
    };
    report::hits_and_targets(&results, received, FLUSH_BUDGET);
    eprintln!("series of runs sharing one directory");
    let disabled = results.reference(0);
    let series: Vec<_> = series::Setting::ALL
        .iter()
        .map(|&setting| series::run(&binaries.with, setting))
        .collect();
    let outage = series::outage(&binaries.with);
    report::series(&series, &outage, disabled, FLUSH_BUDGET);
    at_a_distance(&binaries, args.distance_runs);
    match write_chart(&args.chart, &results) {
        Ok(()) => report::chart_written(&args.chart),
        Err(e) => eprintln!("could not write the chart to {}: {e}", args.chart.display()),
    }
    report::footprint(&footprint(&binaries, args.clean_builds));
    report::machine(&machine::describe());
}

/// The series at a distance and the check after `disable`, reported.
fn at_a_distance(binaries: &Binaries, runs: u32) {
    let dirs = tempfile::tempdir().expect("tempdir");
    let series: Vec<_> = distance::Place::ALL
        .iter()
        .map(|&place| distance::series(&binaries.with, place, runs, dirs.path()))
        .collect();
    let disable = distance::after_disable(&binaries.with, dirs.path());
    report::distance(&series, &disable, distance::ARRIVAL_WINDOW);
}

fn write_chart(path: &Path, results: &Results) -> std::io::Result<()> {
    let panels: Vec<chart::Panel> = COMMANDS
        .iter()
        .enumerate()
        .map(|(c, command)| chart::Panel {
            title: format!("lumogon {command}"),
            bars: results
                .scenarios
                .iter()
                .enumerate()
                .map(|(i, s)| chart::Bar {
                    label: s.name().to_owned(),
                    summary: results.summary(i, c),
                })
                .collect(),
        })
        .collect();
    let budget = chart::Marker {
        at: FLUSH_BUDGET,
        label: format!("flush budget, {} ms", FLUSH_BUDGET.as_millis()),
    };
    let svg = chart::svg(
        "What analytics adds to a lumogon run's wall time",
        &panels,
        Some(&budget),
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, svg)
}

fn footprint(binaries: &Binaries, clean_builds: bool) -> Vec<FootprintRow> {
    let mut rows = vec![
        FootprintRow {
            what: "release binary, bytes",
            without: footprint::size(binaries.without()) as f64,
            with: footprint::size(&binaries.with) as f64,
            precision: 0,
        },
        FootprintRow {
            what: "crates compiled (normal and build dependencies, lumogon included)",
            without: footprint::crates(false) as f64,
            with: footprint::crates(true) as f64,
            precision: 0,
        },
    ];
    if clean_builds {
        eprintln!("timing a clean release build without analytics");
        let without = footprint::clean_build(false);
        eprintln!("timing a clean release build with analytics");
        let with = footprint::clean_build(true);
        rows.push(FootprintRow {
            what: "clean release build, s",
            without: without.as_secs_f64(),
            with: with.as_secs_f64(),
            precision: 1,
        });
    }
    rows
}
