//! What hostile containers cost a scan: `lumogon scan` of every hostile case
//! of the test suite at once, beside a scan of as many clean Debian-like
//! containers, on the real Docker daemon, with the time and the peak memory
//! (VmHWM) of each run.
//!
//! `cargo run -p lumogon-tests --release --bin hostile-scan [-- --runs N]`
//!
//! Three sets, run round-robin so that the machine's drift touches each
//! alike: the hostile set through a proxy that stalls two containers'
//! archive streams (so it runs to its `--timeout`), the same containers but
//! the stalled two read directly, and the clean set. Every run is bounded
//! as in the tests (hard kill, memory ceiling, TMPDIR on a tmpfs).

use std::time::Duration;

use clap::Parser;
use lumogon_tests::bounded::{self, Run};
use lumogon_tests::fixtures::hostile::{self, HostileDb};
use lumogon_tests::fixtures::{Container, ContainerSpec, Fixture};
use lumogon_tests::stall_proxy::{Stall, StallProxy};

const DAEMON: &str = "unix:///var/run/docker.sock";

/// The `--timeout` of every run, as in the test that scans them together.
const TIMEOUT: u64 = 20;

/// Files added to the container whose `docker diff` is large.
const MANY_FILES: usize = 30_000;

#[derive(Debug, Parser)]
#[command(about = "Time and peak memory of a scan of hostile containers beside a clean one")]
struct Args {
    /// Runs of each set
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

fn main() {
    let args = Args::parse();
    eprintln!("building the fixtures (hostile databases, links, {MANY_FILES} files)…");
    let spec = ContainerSpec::new;
    let mut fixtures: Vec<Fixture> = Vec::new();
    let mut hostile: Vec<Container> = Vec::new();
    let mut start = |name: &str, entries: Vec<_>| {
        let fixture = Fixture::build(name, &entries).expect("a fixture image");
        hostile.push(fixture.start(&spec()).expect("a fixture container"));
        fixtures.push(fixture);
    };
    for db in HostileDb::ALL {
        start(&format!("rpm-{}", db.name()), db.image());
    }
    start("loops-files", hostile::file_loops());
    start("loops-parents", hostile::parent_loops());
    start("loops-cycles", hostile::cycles());
    start("symlinked-parent", hostile::symlinked_parent());

    let debian = Fixture::debian().expect("the Debian-like image");
    let many = debian.start(&spec()).expect("a container");
    let tar = hostile::many_files_tar(MANY_FILES).expect("a tar of many files");
    hostile::upload(&many.id, tar).expect("upload the files");
    hostile.push(many);
    let headers_only = debian.start(&spec()).expect("a container");
    let after_a_little = debian.start(&spec()).expect("a container");
    let proxy = StallProxy::start(vec![
        Stall::headers_only(&headers_only.id),
        Stall::after_a_little(&after_a_little.id, "/var/lib/dpkg/status"),
    ]);
    hostile.push(headers_only);
    hostile.push(after_a_little);
    let clean = debian
        .start_many(hostile.len(), &spec())
        .expect("clean containers");

    let names = |set: &[Container]| set.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let hostile_names = names(&hostile);
    let clean_names = names(&clean);
    let sets: [(&str, String, &[String]); 3] = [
        (
            "hostile, two streams stalled",
            proxy.docker_host(),
            &hostile_names,
        ),
        (
            "hostile, nothing stalled",
            DAEMON.to_owned(),
            &hostile_names,
        ),
        ("clean", DAEMON.to_owned(), &clean_names),
    ];
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); sets.len()];
    for round in 0..args.runs {
        for (i, (label, host, names)) in sets.iter().enumerate() {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let run = bounded::scan(host, TIMEOUT, &names);
            assert!(
                run.killed.is_none() && run.code == Some(0),
                "{label}: {} (exit {:?}, killed {:?})\n{}",
                run.command,
                run.code,
                run.killed,
                run.stderr
            );
            eprintln!(
                "round {round}: {label}: {:.2} s, peak {} kB",
                run.elapsed.as_secs_f64(),
                run.peak_kb
            );
            runs[i].push(run);
        }
    }

    println!(
        "{} containers a set, --timeout {TIMEOUT}, {} runs each, release build\n",
        hostile.len(),
        args.runs
    );
    println!(
        "| set | wall time, median (min–max) | peak memory (VmHWM), median (max) | temp files |"
    );
    println!("| --- | --- | --- | --- |");
    for ((label, _, _), runs) in sets.iter().zip(&runs) {
        let mut times: Vec<Duration> = runs.iter().map(|r| r.elapsed).collect();
        times.sort();
        let mut peaks: Vec<u64> = runs.iter().map(|r| r.peak_kb).collect();
        peaks.sort_unstable();
        let temp_files: usize = runs.iter().map(|r| r.temp_files.len()).sum();
        println!(
            "| {label} | {:.2} s ({:.2}–{:.2}) | {:.1} MB ({:.1}) | {temp_files} |",
            median(&times).as_secs_f64(),
            times.first().copied().unwrap_or_default().as_secs_f64(),
            times.last().copied().unwrap_or_default().as_secs_f64(),
            megabytes(median(&peaks)),
            megabytes(peaks.last().copied().unwrap_or_default()),
        );
    }
    drop(proxy);
    drop(clean);
    drop(fixtures);
}

fn median<T: Copy + Default>(sorted: &[T]) -> T {
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn megabytes(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}
