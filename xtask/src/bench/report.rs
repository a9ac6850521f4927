//! The benchmark's figures: the table printed, the JSON line, and
//! `bench/report.md` (under the target directory) with an SVG chart of write units per request.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// Every figure one run produced (`None`: not measured in this run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    /// Median build + render of the prod template, in process.
    pub synth_ms: f64,
    /// Median seconds of `cargo xtask synth --stage test` after a one-line
    /// edit to the stack crate (rebuild included), over 3 edits.
    pub edit_synth_s: f64,
    /// Write units per request, batch size 10.
    pub wru_per_request: f64,
    /// Write units per request, batch size 100.
    pub wru_per_request_b100: f64,
    /// Write units per request of the naive design.
    pub naive_wru_per_request: f64,
    /// Where write units come from.
    pub wru_source: String,
    /// Write units per request by batch size.
    pub wru_by_batch_size: BTreeMap<usize, f64>,
    /// Counts exact after 5% of messages were delivered twice.
    pub exact: bool,
    /// Median milliseconds of one processor invocation, by batch size.
    pub processor_ms_by_batch_size: BTreeMap<usize, f64>,
    /// The tables' billed bytes (items plus 100 bytes each) after the
    /// batch-10 run, per page view.
    pub stored_bytes_per_view: f64,
    /// Median milliseconds of one counts API request.
    pub counts_ms_per_request: f64,
    /// Requests per second from queue to tables.
    pub processor_requests_per_s: f64,
    /// How the queue run delivered the messages.
    pub queue_run: String,
    /// A redeploy with nothing changed.
    pub noop_deploy_s: f64,
    /// Deploy, suite and teardown of a test stack.
    pub test_stack_cycle_s: Option<f64>,
    /// The largest function zip (release build).
    pub max_zip_bytes: Option<u64>,
    /// Each function's zip (release build), by logical ID.
    pub zip_bytes: BTreeMap<String, u64>,
    /// Median start-up of a function binary.
    pub init_ms: f64,
    /// Median start-up of each function's binary, by logical ID.
    pub init_ms_by_function: BTreeMap<String, f64>,
    /// Which build `init_ms` measured.
    pub init_build: String,
    /// Read units per counts API request, with 100,000 path items.
    pub counts_read_units_per_request: f64,
    /// Read units per counts API request by path items in the table.
    pub counts_read_units_by_path_items: BTreeMap<usize, f64>,
    /// Requests in the workload.
    pub requests: usize,
    /// A reduced run (`--smoke`).
    pub smoke: bool,
}

/// One line of the table.
pub struct Row {
    /// Metric.
    pub name: &'static str,
    /// Its value, formatted.
    pub value: String,
    /// The target, if any.
    pub target: &'static str,
    /// Whether the target is met (None: no target or not measured).
    pub met: Option<bool>,
}

impl Row {
    fn verdict<'a>(&self, missed: &'a str) -> &'a str {
        match self.met {
            Some(true) => "ok",
            Some(false) => missed,
            None => "",
        }
    }
}

/// The smallest round step (1, 2, 2.5 or 5 times a power of ten) of at
/// least `raw`, for an axis a reader can take in at a glance.
fn tick_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.max(1e-9).log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// `v` with at most two decimals and no trailing zeros: 0.3, 1, 2.5.
fn tick_label(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The most a function's zip may weigh (issue 21: the SDK without its
/// legacy HTTP stack brought every zip under it). Lambda itself takes 50 MB
/// zipped for a direct upload
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>);
/// a smaller zip is a faster cold start.
pub const ZIP_LIMIT_BYTES: u64 = 4_000_000;

impl Metrics {
    /// Fails when a release zip was measured at or above [`ZIP_LIMIT_BYTES`].
    pub fn check_zip_limit(&self) -> anyhow::Result<()> {
        match self.max_zip_bytes {
            Some(bytes) if bytes >= ZIP_LIMIT_BYTES => anyhow::bail!(
                "the largest function zip is {bytes} bytes, at or over the {ZIP_LIMIT_BYTES}-byte target: {:?}",
                self.zip_bytes
            ),
            _ => Ok(()),
        }
    }

    /// `--functions`: each function's zip and start-up, as a table.
    pub fn functions_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<20} {:>12} {:>10}",
            "function", "zip bytes", "start ms"
        );
        for (function, bytes) in &self.zip_bytes {
            let start = self
                .init_ms_by_function
                .get(function)
                .map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1}"));
            let _ = writeln!(out, "{function:<20} {bytes:>12} {start:>10}");
        }
        let largest = self.max_zip_bytes.unwrap_or(0);
        let _ = writeln!(
            out,
            "largest zip {largest} bytes (target < {ZIP_LIMIT_BYTES}); start-up {:.1} ms (median of all starts)",
            self.init_ms
        );
        out
    }

    /// `--functions --json`: what the table holds.
    pub fn functions_json(&self) -> serde_json::Value {
        serde_json::json!({
            "max_zip_bytes": self.max_zip_bytes,
            "zip_bytes": self.zip_bytes,
            "init_ms": self.init_ms,
            "init_ms_by_function": self.init_ms_by_function,
            "init_build": self.init_build,
        })
    }

    /// Whether the counts API's reads are the same however many path items
    /// there are, and at most 2 units.
    pub fn counts_reads_bounded(&self) -> bool {
        let values: Vec<f64> = self
            .counts_read_units_by_path_items
            .values()
            .copied()
            .collect();
        !values.is_empty()
            && values
                .iter()
                .all(|v| *v <= 2.0 && (*v - values[0]).abs() < 1e-9)
    }

    /// The table's rows, with each target checked.
    pub fn rows(&self) -> Vec<Row> {
        let ratio = |ours: f64| {
            if ours > 0.0 {
                self.naive_wru_per_request / ours
            } else {
                0.0
            }
        };
        let optional = |v: Option<String>| v.unwrap_or_else(|| "not measured (--smoke)".into());
        vec![
            Row {
                name: "synth_ms",
                value: format!("{:.1} ms", self.synth_ms),
                target: "",
                met: None,
            },
            Row {
                name: "edit_synth_s",
                value: format!("{:.2} s", self.edit_synth_s),
                target: "<= 1.0 s",
                met: Some(self.edit_synth_s <= 1.0),
            },
            Row {
                name: "wru_per_request",
                value: format!(
                    "{:.3} ({:.2}x below naive)",
                    self.wru_per_request,
                    ratio(self.wru_per_request)
                ),
                target: ">= 1.5x below naive",
                met: Some(ratio(self.wru_per_request) >= 1.5),
            },
            Row {
                name: "wru_per_request_b100",
                value: format!(
                    "{:.3} ({:.2}x below naive)",
                    self.wru_per_request_b100,
                    ratio(self.wru_per_request_b100)
                ),
                target: ">= 3x below naive",
                met: Some(ratio(self.wru_per_request_b100) >= 3.0),
            },
            Row {
                name: "naive_wru_per_request",
                value: format!("{:.3}", self.naive_wru_per_request),
                target: "",
                met: None,
            },
            Row {
                name: "exact",
                value: self.exact.to_string(),
                target: "true",
                met: Some(self.exact),
            },
            Row {
                name: "counts_read_units_per_request",
                value: self
                    .counts_read_units_by_path_items
                    .iter()
                    .map(|(items, units)| format!("{units:.2} ({items} paths)"))
                    .collect::<Vec<_>>()
                    .join(", "),
                target: "equal, <= 2",
                met: Some(self.counts_reads_bounded()),
            },
            Row {
                name: "processor_requests_per_s",
                value: format!("{:.0}", self.processor_requests_per_s),
                target: "",
                met: None,
            },
            Row {
                name: "noop_deploy_s",
                value: format!("{:.2} s", self.noop_deploy_s),
                target: "< 5 s",
                met: Some(self.noop_deploy_s < 5.0),
            },
            Row {
                name: "test_stack_cycle_s",
                value: optional(self.test_stack_cycle_s.map(|s| format!("{s:.1} s"))),
                target: "",
                met: None,
            },
            Row {
                name: "max_zip_bytes",
                value: optional(
                    self.max_zip_bytes
                        .map(|b| format!("{b} ({:.2} MB)", b as f64 / 1e6)),
                ),
                target: "< 4 MB",
                met: self.max_zip_bytes.map(|b| b < ZIP_LIMIT_BYTES),
            },
            Row {
                name: "init_ms",
                value: format!("{:.1} ms ({} build)", self.init_ms, self.init_build),
                target: "",
                met: None,
            },
        ]
    }

    /// The rows as a fixed-width table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{:<30} {:<36} {:<20}", "metric", "value", "target");
        for row in self.rows() {
            let verdict = row.verdict("MISSED");
            let _ = writeln!(
                out,
                "{:<30} {:<36} {:<20} {verdict}",
                row.name, row.value, row.target
            );
        }
        out
    }

    /// `report.md`: the table, the machine, the date, the chart.
    pub fn markdown(&self, machine: &str, date: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmark report\n");
        let _ = writeln!(out, "- Date: {date}");
        let _ = writeln!(out, "- Machine: {machine}");
        let _ = writeln!(
            out,
            "- Workload: {} requests{}; write units: {}",
            self.requests,
            if self.smoke { " (smoke run)" } else { "" },
            self.wru_source
        );
        let _ = writeln!(out, "- Queue run (exact, throughput): {}\n", self.queue_run);
        let _ = writeln!(out, "| metric | value | target | |\n|---|---|---|---|");
        for row in self.rows() {
            let verdict = row.verdict("**missed**");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {verdict} |",
                row.name, row.value, row.target
            );
        }
        let _ = writeln!(out, "\n## Write units per request by batch size\n");
        let _ = writeln!(out, "![write units per request](wru.svg)\n");
        let _ = writeln!(out, "| batch size | ours | naive |\n|---|---|---|");
        for (batch, wru) in &self.wru_by_batch_size {
            let _ = writeln!(
                out,
                "| {batch} | {wru:.3} | {:.3} |",
                self.naive_wru_per_request
            );
        }
        out
    }

    /// A bar chart of write units per request by batch size, with the naive
    /// design as a line.
    pub fn chart(&self) -> String {
        let (width, height, left, bottom, top) = (560.0, 320.0, 60.0, 40.0, 30.0);
        let highest = self
            .wru_by_batch_size
            .values()
            .copied()
            .fold(self.naive_wru_per_request, f64::max)
            .max(0.1);
        let step = tick_step(highest * 1.1 / 4.0);
        let ticks = (highest * 1.1 / step).ceil().max(1.0) as u32;
        let max = step * f64::from(ticks);
        let plot_h = height - bottom - top;
        let y = |v: f64| top + plot_h * (1.0 - v / max);
        let n = self.wru_by_batch_size.len().max(1) as f64;
        let slot = (width - left - 20.0) / n;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"##
        );
        let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="#fff"/>"##);
        let _ = writeln!(
            svg,
            r##"<text x="{left}" y="18" font-size="14">DynamoDB write units per request</text>"##
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#333"/>"##,
            height - bottom,
            width - 10.0,
            height - bottom
        );
        for i in 0..=ticks {
            let v = step * f64::from(i);
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                left - 6.0,
                y(v) + 4.0,
                tick_label(v)
            );
            if i > 0 {
                let _ = writeln!(
                    svg,
                    r##"<line x1="{left}" y1="{:.1}" x2="{}" y2="{:.1}" stroke="#ddd"/>"##,
                    y(v),
                    width - 10.0,
                    y(v)
                );
            }
        }
        for (i, (batch, wru)) in self.wru_by_batch_size.iter().enumerate() {
            let x = left + slot * i as f64 + slot * 0.2;
            let w = slot * 0.6;
            let _ = writeln!(
                svg,
                r##"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="#0b6bcb"/>"##,
                y(*wru),
                height - bottom - y(*wru)
            );
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{wru:.2}</text>"##,
                x + w / 2.0,
                y(*wru) - 4.0
            );
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">batch {batch}</text>"##,
                x + w / 2.0,
                height - bottom + 16.0
            );
        }
        let ny = y(self.naive_wru_per_request);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{ny:.1}" x2="{}" y2="{ny:.1}" stroke="#c0392b" stroke-dasharray="6 4"/>"##,
            width - 10.0
        );
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#c0392b">naive: {:.2}</text>"##,
            width - 12.0,
            ny - 6.0,
            self.naive_wru_per_request
        );
        svg.push_str("</svg>\n");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(tick_step(0.95), 1.0);
        assert_eq!(tick_step(0.86), 1.0);
        assert_eq!(tick_step(1.2), 2.0);
        assert_eq!(tick_step(2.1), 2.5);
        assert_eq!(tick_step(0.3), 0.5);
        assert_eq!(tick_step(7.0), 10.0);
        assert_eq!(tick_step(0.1), 0.1);
        assert_eq!(tick_label(0.1 * 3.0), "0.3");
        assert_eq!(tick_label(2.0), "2");
        assert_eq!(tick_label(2.5), "2.5");
    }

    #[test]
    fn the_chart_has_a_bar_per_batch_size_and_the_naive_line() {
        let m = Metrics {
            naive_wru_per_request: 3.0,
            wru_by_batch_size: [(1, 3.59), (10, 1.11), (100, 0.53)].into(),
            ..Metrics::default()
        };
        let svg = m.chart();
        assert_eq!(svg.matches("fill=\"#0b6bcb\"").count(), 3);
        assert!(svg.contains(">batch 100<") && svg.contains("naive: 3.00"));
        // 3.59 * 1.1 / 4 ≈ 0.99: steps of 1 up to 4.
        assert!(svg.contains(">4</text>") && !svg.contains(">5</text>"));
    }
}
