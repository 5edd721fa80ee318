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
//! that drift in the machine's speed spreads over all of them). It prints,
//! per scenario, the median, fastest and slowest run, the median's ratio to
//! the run with analytics disabled, the hits the collector received, and
//! whether the scenario's target was met; it writes a chart of the times,
//! and the build footprint. `--clean-builds` also times two clean release
//! builds (several minutes).

mod chart;
mod footprint;
mod machine;
mod stats;
mod targets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;

use lumogon_tests::lumogon::{FLUSH_BUDGET, Lumogon, cargo_build_as, workspace};
use lumogon_tests::networks::{Kind, Network};

use crate::stats::{Summary, added_ms, ms};
use crate::targets::{Measured, Scenario};

/// Times whole `lumogon` runs with analytics off, on, and against
/// collectors that fail in every way a network can.
#[derive(Debug, Parser)]
struct Args {
    /// Runs per scenario and command.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Also time a clean release build with and without analytics (takes
    /// several minutes).
    #[arg(long)]
    clean_builds: bool,
    /// Where to write the chart (SVG).
    #[arg(long, default_value_os_t = workspace().join("benchmarks").join("exit-cost.svg"))]
    chart: PathBuf,
}

/// The commands timed: neither needs a Docker daemon.
const COMMANDS: &[&str] = &["version", "capabilities"];

/// The two release builds under test, copied out of the target directory
/// (both builds write the same `lumogon` path there).
struct Binaries {
    with: PathBuf,
    without: PathBuf,
    _dir: tempfile::TempDir,
}

impl Binaries {
    fn build() -> Binaries {
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
        let without = build(false, "without-analytics");
        let with = build(true, "with-analytics");
        Binaries {
            with,
            without,
            _dir: dir,
        }
    }
}

fn main() {
    let args = Args::parse();
    let binaries = Binaries::build();
    let networks: Vec<Network> = Kind::BENCHMARKED
        .iter()
        .map(|&k| Network::start(k))
        .collect();
    let mut scenarios = vec![Scenario::NoAnalyticsBuild, Scenario::Disabled];
    scenarios.extend(networks.iter().map(|n| Scenario::Network(n.kind())));

    let run = |scenario: Scenario, command: &str| -> Duration {
        let (binary, mut argv) = match scenario {
            Scenario::NoAnalyticsBuild => (&binaries.without, vec![command]),
            Scenario::Disabled => (&binaries.with, vec![command, "--disable-analytics"]),
            Scenario::Network(_) => (&binaries.with, vec![command]),
        };
        let mut lumogon = Lumogon::of(binary, &argv);
        if let Scenario::Network(kind) = scenario {
            let network = networks.iter().find(|n| n.kind() == kind);
            lumogon = network.expect("started").apply(lumogon);
        }
        let out = lumogon.run();
        argv.insert(0, "lumogon");
        assert_eq!(
            out.code,
            Some(0),
            "{}: `{}` failed: {}",
            scenario.name(),
            argv.join(" "),
            out.stderr
        );
        out.elapsed
    };

    // One round unrecorded: page cache, first TLS handshake, lazy statics.
    let mut sent: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, &scenario) in scenarios.iter().enumerate() {
        for command in COMMANDS {
            run(scenario, command);
            *sent.entry(i).or_default() += usize::from(scenario.sends());
        }
    }
    let mut times: BTreeMap<(usize, usize), Vec<Duration>> = BTreeMap::new();
    for round in 1..=args.runs {
        eprint!("\rround {round} of {}", args.runs);
        for (i, &scenario) in scenarios.iter().enumerate() {
            for (c, command) in COMMANDS.iter().enumerate() {
                times
                    .entry((i, c))
                    .or_default()
                    .push(run(scenario, command));
                *sent.entry(i).or_default() += usize::from(scenario.sends());
            }
        }
    }
    eprintln!();

    let summary = |i: usize, c: usize| Summary::of(&times[&(i, c)]).expect("at least one run");
    let disabled = scenarios
        .iter()
        .position(|&s| s == Scenario::Disabled)
        .expect("the reference scenario");
    let received = |scenario: Scenario| match scenario {
        Scenario::Network(kind) => networks
            .iter()
            .find(|n| n.kind() == kind)
            .map_or(0, Network::hits_received),
        _ => 0,
    };

    println!("# Exit cost: {} runs per scenario and command\n", args.runs);
    println!(
        "Flush budget {} ms. Wall time of the whole process, from spawn to exit.\n",
        FLUSH_BUDGET.as_millis()
    );
    for (c, command) in COMMANDS.iter().enumerate() {
        println!("## `lumogon {command}`\n");
        println!(
            "| scenario | median ms | min ms | max ms | median ÷ disabled | median added ms |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        let reference = summary(disabled, c);
        for (i, scenario) in scenarios.iter().enumerate() {
            let s = summary(i, c);
            println!(
                "| {} | {} | {} | {} | {:.2} | {:+.2} |",
                scenario.name(),
                ms(s.median),
                ms(s.min),
                ms(s.max),
                s.median.as_secs_f64() / reference.median.as_secs_f64(),
                added_ms(s.median, reference.median)
            );
        }
        println!();
    }

    println!("## Hits and targets\n");
    let header: Vec<String> = COMMANDS.iter().map(|c| format!("met ({c})")).collect();
    println!(
        "| scenario | hits received / sent | target | {} |",
        header.join(" | ")
    );
    println!("|---|---:|---|{}", "---|".repeat(COMMANDS.len()));
    let mut missed = 0;
    for (i, &scenario) in scenarios.iter().enumerate() {
        let mut target = String::from("(reference)");
        let mut verdicts = Vec::new();
        for c in 0..COMMANDS.len() {
            let measured = Measured {
                summary: summary(i, c),
                reference: summary(disabled, c),
                hits_sent: sent[&i],
                hits_received: received(scenario),
            };
            match targets::check(scenario, &measured, FLUSH_BUDGET) {
                Some(verdict) => {
                    target = verdict.target;
                    missed += usize::from(!verdict.met);
                    verdicts.push(if verdict.met { "yes" } else { "**no**" });
                }
                None => verdicts.push("—"),
            }
        }
        if scenario.sends() && target == "(reference)" {
            target = "none".to_owned();
        }
        println!(
            "| {} | {} / {} | {target} | {} |",
            scenario.name(),
            received(scenario),
            sent[&i],
            verdicts.join(" | ")
        );
    }
    println!(
        "\n{}\n",
        if missed == 0 {
            "Every target met.".to_owned()
        } else {
            format!("{missed} target(s) missed.")
        }
    );

    write_chart(&args.chart, &scenarios, summary);
    footprint(&binaries, args.clean_builds);

    println!("## Machine\n");
    for (what, value) in machine::describe() {
        println!("- {what}: {value}");
    }
}

fn write_chart(path: &Path, scenarios: &[Scenario], summary: impl Fn(usize, usize) -> Summary) {
    let panels: Vec<chart::Panel> = COMMANDS
        .iter()
        .enumerate()
        .map(|(c, command)| chart::Panel {
            title: format!("lumogon {command}"),
            bars: scenarios
                .iter()
                .enumerate()
                .map(|(i, s)| chart::Bar {
                    label: s.name().to_owned(),
                    summary: summary(i, c),
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
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(path, svg) {
        Ok(()) => println!(
            "Chart: {}\n",
            path.canonicalize()
                .unwrap_or_else(|_| path.to_owned())
                .display()
        ),
        Err(e) => eprintln!("could not write the chart to {}: {e}", path.display()),
    }
}

fn footprint(binaries: &Binaries, clean_builds: bool) {
    println!("## Build footprint\n");
    println!("| | without analytics | with analytics | difference |");
    println!("|---|---:|---:|---:|");
    let (without, with) = (
        footprint::size(&binaries.without),
        footprint::size(&binaries.with),
    );
    println!(
        "| release binary, bytes | {without} | {with} | {:+} |",
        with as i64 - without as i64
    );
    let (without, with) = (footprint::crates(false), footprint::crates(true));
    println!(
        "| crates compiled (normal and build dependencies, lumogon included) | {without} | {with} | {:+} |",
        with as i64 - without as i64
    );
    if clean_builds {
        eprintln!("timing a clean release build without analytics");
        let without = footprint::clean_build(false);
        eprintln!("timing a clean release build with analytics");
        let with = footprint::clean_build(true);
        println!(
            "| clean release build, s | {:.1} | {:.1} | {:+.1} |",
            without.as_secs_f64(),
            with.as_secs_f64(),
            with.as_secs_f64() - without.as_secs_f64()
        );
    }
    println!();
}
