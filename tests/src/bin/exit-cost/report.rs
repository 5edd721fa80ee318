//! The benchmark's results as Markdown tables, for a terminal and for
//! BENCHMARKS.md alike.

use std::path::Path;
use std::time::Duration;

use crate::measure::{COMMANDS, Results};
use crate::stats::{added_ms, ms};
use crate::targets::{self, Scenario};

/// The times of every scenario, one table a command.
pub fn times(results: &Results, flush_budget: Duration) {
    println!(
        "# Exit cost: {} runs per scenario and command\n",
        results.runs
    );
    println!(
        "Flush budget {} ms. Wall time of the whole process, from spawn to exit.\n",
        flush_budget.as_millis()
    );
    for (c, command) in COMMANDS.iter().enumerate() {
        println!("## `lumogon {command}`\n");
        println!(
            "| scenario | median ms | min ms | max ms | median ÷ disabled | median added ms |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        let reference = results.reference(c);
        for (i, scenario) in results.scenarios.iter().enumerate() {
            let s = results.summary(i, c);
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
}

/// The hits each collector received and each scenario's target, checked.
/// Returns how many (scenario, command) pairs missed their target.
pub fn hits_and_targets(
    results: &Results,
    received: impl Fn(Scenario) -> usize,
    flush_budget: Duration,
) -> usize {
    println!("## Hits and targets\n");
    let header: Vec<String> = COMMANDS.iter().map(|c| format!("met ({c})")).collect();
    println!(
        "| scenario | hits received / sent | target | {} |",
        header.join(" | ")
    );
    println!("|---|---:|---|{}", "---|".repeat(COMMANDS.len()));
    let mut missed = 0;
    for (i, &scenario) in results.scenarios.iter().enumerate() {
        let received = received(scenario);
        let mut target = if scenario.sends() {
            "none"
        } else {
            "(reference)"
        }
        .to_owned();
        let mut verdicts = Vec::new();
        for c in 0..COMMANDS.len() {
            let measured = results.measured(i, c, received);
            match targets::check(scenario, &measured, flush_budget) {
                Some(verdict) => {
                    target = verdict.target;
                    missed += usize::from(!verdict.met);
                    verdicts.push(if verdict.met { "yes" } else { "**no**" });
                }
                None => verdicts.push("—"),
            }
        }
        println!(
            "| {} | {received} / {} | {target} | {} |",
            scenario.name(),
            results.sent[i],
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
    missed
}

/// The series of runs sharing one directory, and the outage, against the
/// disabled `lumogon version`'s median (`reference`).
pub fn series(
    series: &[crate::series::Series],
    outage: &crate::series::Outage,
    reference: crate::stats::Summary,
    flush_budget: Duration,
) {
    println!("## Series: one directory, like one person's runs (`lumogon version`)\n");
    println!(
        "One first run, then {} more. Added ms against the disabled run's median ({} ms).\n",
        crate::series::LATER_RUNS,
        ms(reference.median)
    );
    println!(
        "| setting | first run added ms | later runs, median added ms | slowest later added ms | hits received / sent | target | met |"
    );
    println!("|---|---:|---:|---:|---:|---|---|");
    for s in series {
        let first = added_ms(s.first, reference.median);
        let later = added_ms(s.later.median, reference.median);
        // Where the collector is unreachable nothing can be received.
        let delivered = s.received == s.sent;
        let verdict = targets::check_series(s.setting, first, later, delivered, flush_budget);
        println!(
            "| {} | {first:+.2} | {later:+.2} | {:+.2} | {} / {} | {} | {} |",
            s.setting.name(),
            added_ms(s.later.max, reference.median),
            s.received,
            s.sent,
            verdict.target,
            if verdict.met { "yes" } else { "**no**" }
        );
    }
    println!();
    println!(
        "Outage: {} runs while nothing listens, then the collector returns on the same port and \
         one more run: {} of {} hits delivered; each late hit's `qt` within its true age: {}.\n",
        crate::series::OUTAGE_RUNS,
        outage.delivered,
        outage.sent,
        if outage.qt_correct() { "yes" } else { "**no**" }
    );
    println!("| late hit | qt ms | least true age ms | most true age ms |");
    println!("|---:|---:|---:|---:|");
    for (i, (qt, lo, hi)) in outage.ages.iter().enumerate() {
        println!("| {} | {qt} | {lo} | {hi} |", i + 1);
    }
    println!();
}

/// Where the chart went.
pub fn chart_written(path: &Path) {
    let shown = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    println!("Chart: {}\n", shown.display());
}

/// One row of the footprint table: a measure without and with analytics.
pub struct FootprintRow {
    pub what: &'static str,
    pub without: f64,
    pub with: f64,
    /// Decimals to print.
    pub precision: usize,
}

/// The build footprint.
pub fn footprint(rows: &[FootprintRow]) {
    println!("## Build footprint\n");
    println!("| | without analytics | with analytics | difference |");
    println!("|---|---:|---:|---:|");
    for row in rows {
        let p = row.precision;
        println!(
            "| {} | {:.p$} | {:.p$} | {:+.p$} |",
            row.what,
            row.without,
            row.with,
            row.with - row.without
        );
    }
    println!();
}

/// The machine the numbers come from.
pub fn machine(facts: &[(&str, String)]) {
    println!("## Machine\n");
    for (what, value) in facts {
        println!("- {what}: {value}");
    }
}

/// The series at a distance and the check after `disable`. Returns how
/// many targets were missed.
pub fn distance(
    series: &[crate::distance::Series],
    disable: &crate::distance::AfterDisable,
    window: Duration,
) -> usize {
    let runs = series.first().map_or(0, |s| s.runs);
    println!("## At a distance: HTTPS collectors a round trip away (`lumogon version`)\n");
    println!(
        "Per place: a fresh configuration directory (notice seen, client id kept by one \
         unrecorded run), then {runs} runs, each after a `--disable-analytics` run; \
         the round trip is a delay proxy on 127.0.0.1. Added: the median against the \
         disabled runs' median. Hits are counted for {} s after the series' end; sent \
         counts the unrecorded run; unattributable: duplicates, a `qt` past its true age \
         or a late hit without one.\n",
        window.as_secs()
    );
    println!(
        "| place | ms, median (min–max) | disabled ms, median | added | first run added | \
         hits arrived / sent | ≥ 99% arrived, after the series' end | late (with qt) | \
         unattributable | target | met |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
    let mut missed = 0;
    for s in series {
        let added = added_ms(s.times.median, s.reference.median);
        let mut verdicts = vec![targets::check_distance_time(s.place, added)];
        let (hits, by, late, unattributable) = match &s.account {
            Some(a) => {
                verdicts.push(targets::check_distance_hits(a, window));
                let by = match a.ninety_nine_after_end {
                    Some(d) if d.is_zero() => "by the end".to_owned(),
                    Some(d) => format!("+{} ms", d.as_millis()),
                    None => format!("not within {} s", window.as_secs()),
                };
                (
                    format!("{} / {}", a.arrived, a.sent),
                    by,
                    a.late.to_string(),
                    a.unattributable.to_string(),
                )
            }
            None => (
                "— (unreachable)".to_owned(),
                "—".to_owned(),
                "—".to_owned(),
                "—".to_owned(),
            ),
        };
        missed += verdicts.iter().filter(|v| !v.met).count();
        println!(
            "| {} | {} ({}–{}) | {} | {added:+.2} | {:+.2} | {hits} | {by} | {late} | {unattributable} | {} | {} |",
            s.place.name(),
            ms(s.times.median),
            ms(s.times.min),
            ms(s.times.max),
            ms(s.reference.median),
            added_ms(s.first, s.reference.median),
            verdicts
                .iter()
                .map(|v| v.target.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            verdicts
                .iter()
                .map(|v| if v.met { "yes" } else { "**no**" })
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    println!();
    let shown = if disable.in_flight {
        "a connection was held at the gate when `disable` ran"
    } else {
        "**no connection was under way when `disable` ran: nothing shown**"
    };
    println!(
        "After `lumogon analytics disable`: {shown}; after the gate opened, {} hit(s) arrived \
         within {} s ({} connection(s) reached the collector). Target: nothing arrives. Met: {}.\n",
        disable.arrived,
        window.as_secs(),
        disable.connections,
        if disable.met() { "yes" } else { "**no**" }
    );
    missed += usize::from(!disable.met());
    println!(
        "{}\n",
        if missed == 0 {
            "Every target at a distance met.".to_owned()
        } else {
            format!("{missed} target(s) at a distance missed.")
        }
    );
    missed
}
