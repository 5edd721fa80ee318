//! The exit-cost chart: one panel per command, one row per scenario, a bar
//! to the median and a line from the fastest to the slowest run, on a
//! logarithmic time axis (the scenarios span two orders of magnitude).
//! Plain SVG text, so that the chart needs no font or drawing library.

use std::fmt::Write;

use crate::stats::{Summary, millis as ms};

/// One row of a panel.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub summary: Summary,
}

/// One command's rows.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub bars: Vec<Bar>,
}

const WIDTH: f64 = 900.0;
const LEFT: f64 = 190.0;
const RIGHT: f64 = 110.0;
const ROW: f64 = 24.0;
const PANEL_HEAD: f64 = 34.0;
const AXIS: f64 = 30.0;
const TOP: f64 = 44.0;
const BOTTOM: f64 = 12.0;

/// A vertical line across every panel at a time worth comparing with.
#[derive(Clone, Debug)]
pub struct Marker {
    pub at: std::time::Duration,
    pub label: String,
}

/// The chart as an SVG document.
pub fn svg(title: &str, panels: &[Panel], marker: Option<&Marker>) -> String {
    let values = panels
        .iter()
        .flat_map(|p| &p.bars)
        .flat_map(|b| [ms(b.summary.min), ms(b.summary.max)]);
    let (lo, hi) = decades(values);
    let plot = WIDTH - LEFT - RIGHT;
    let x = |v: f64| LEFT + plot * (v.max(lo).log10() - lo.log10()) / (hi.log10() - lo.log10());

    let height = BOTTOM
        + TOP
        + panels
            .iter()
            .map(|p| PANEL_HEAD + ROW * p.bars.len() as f64 + AXIS)
            .sum::<f64>();
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{}" y="24" font-size="16" text-anchor="middle">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    let mut y = TOP;
    for panel in panels {
        let _ = writeln!(
            out,
            r#"<text x="{LEFT}" y="{}" font-weight="bold">{}</text>"#,
            y + 20.0,
            escape(&panel.title)
        );
        let rows_top = y + PANEL_HEAD;
        let rows_bottom = rows_top + ROW * panel.bars.len() as f64;
        for tick in ticks(lo, hi) {
            let tx = x(tick);
            let _ = writeln!(
                out,
                r##"<line x1="{tx:.1}" y1="{rows_top}" x2="{tx:.1}" y2="{rows_bottom}" stroke="#ddd"/><text x="{tx:.1}" y="{}" text-anchor="middle" fill="#555">{}</text>"##,
                rows_bottom + 16.0,
                tick_label(tick)
            );
        }
        for (i, bar) in panel.bars.iter().enumerate() {
            let top = rows_top + ROW * i as f64;
            let mid = top + ROW / 2.0;
            let s = bar.summary;
            let _ = writeln!(
                out,
                r##"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{LEFT}" y="{}" width="{:.1}" height="{}" fill="#4a7fb5"/><line x1="{:.1}" y1="{mid}" x2="{:.1}" y2="{mid}" stroke="#222" stroke-width="1.5"/><text x="{}" y="{}" fill="#222">{:.1} ms</text>"##,
                LEFT - 8.0,
                mid + 4.0,
                escape(&bar.label),
                top + 4.0,
                (x(ms(s.median)) - LEFT).max(1.0),
                ROW - 8.0,
                x(ms(s.min)),
                x(ms(s.max)),
                WIDTH - RIGHT + 8.0,
                mid + 4.0,
                ms(s.median)
            );
        }
        if let Some(marker) = marker {
            let mx = x(ms(marker.at));
            let _ = writeln!(
                out,
                r##"<line x1="{mx:.1}" y1="{}" x2="{mx:.1}" y2="{rows_bottom}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="{mx:.1}" y="{}" text-anchor="middle" fill="#c0392b">{}</text>"##,
                rows_top - 4.0,
                rows_top - 8.0,
                escape(&marker.label)
            );
        }
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#555">wall time, ms (log scale): bar = median, line = min to max</text>"##,
            LEFT + plot / 2.0,
            rows_bottom + AXIS
        );
        y = rows_bottom + AXIS;
    }
    out.push_str("</svg>\n");
    out
}

/// The powers of ten just below the smallest and just above the largest
/// value (1 ms and 10 ms for none).
fn decades(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values
        .filter(|v| *v > 0.0)
        .fold((f64::MAX, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if max == 0.0 {
        return (1.0, 10.0);
    }
    let lo = 10_f64.powf(min.log10().floor());
    let hi = 10_f64.powf(max.log10().ceil()).max(lo * 10.0);
    (lo, hi)
}

/// 1, 2 and 5 times each power of ten from `lo` to `hi`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = lo;
    while decade <= hi * 1.000_001 {
        for m in [1.0, 2.0, 5.0] {
            let t = decade * m;
            if t <= hi * 1.000_001 {
                ticks.push(t);
            }
        }
        decade *= 10.0;
    }
    ticks
}

fn tick_label(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn bar(label: &str, median: u64) -> Bar {
        Bar {
            label: label.to_owned(),
            summary: Summary {
                median: Duration::from_millis(median),
                min: Duration::from_millis(median - 1),
                max: Duration::from_millis(median + 1),
            },
        }
    }

    #[test]
    fn the_axis_spans_whole_decades() {
        assert_eq!(decades([3.0, 320.0].into_iter()), (1.0, 1000.0));
        assert_eq!(decades(std::iter::empty()), (1.0, 10.0));
        assert_eq!(ticks(1.0, 10.0), vec![1.0, 2.0, 5.0, 10.0]);
    }

    #[test]
    fn every_row_is_drawn_and_labels_are_escaped() {
        let svg = svg(
            "exit <cost>",
            &[Panel {
                title: "version".to_owned(),
                bars: vec![bar("a & b", 5), bar("slow", 310)],
            }],
            Some(&Marker {
                at: Duration::from_millis(300),
                label: "budget".to_owned(),
            }),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("exit &lt;cost&gt;") && svg.contains("a &amp; b"));
        assert_eq!(svg.matches("<rect x=").count(), 2);
        assert!(svg.contains("310.0 ms") && svg.contains(">budget</text>"));
    }

    #[test]
    fn longer_times_get_longer_bars() {
        let svg = svg(
            "t",
            &[Panel {
                title: "p".to_owned(),
                bars: vec![bar("fast", 5), bar("slow", 310)],
            }],
            None,
        );
        let widths: Vec<f64> = svg
            .split("<rect x=")
            .skip(1)
            .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(widths.len(), 2);
        assert!(widths[0] < widths[1], "{widths:?}");
    }
}
