//! The per-visit units `cargo xtask bench` measured, committed in
//! `cost/measured.json` for `cargo xtask cost` to price.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};

/// Where the measured units live, from the workspace root.
pub const FILE: &str = "cost/measured.json";

/// What the benchmark measured that a month's bill multiplies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostUnits {
    /// When (UTC) and on which commit and machine they were measured.
    pub measured: String,
    /// The commit measured.
    pub commit: String,
    /// The machine.
    pub machine: String,
    /// Recorded requests per page view in the workload (the page and its assets).
    pub requests_per_view: f64,
    /// The processor's write units per recorded request, by batch size.
    pub wru_per_request_by_batch_size: BTreeMap<usize, f64>,
    /// The naive design's write units per recorded request.
    pub naive_wru_per_request: f64,
    /// Median milliseconds of one processor invocation, by batch size
    /// (its DynamoDB calls to the emulator on loopback included).
    pub processor_ms_by_batch_size: BTreeMap<usize, f64>,
    /// Read units per counts API request.
    pub counts_read_units_per_request: f64,
    /// Median milliseconds of one counts API request.
    pub counts_ms_per_request: f64,
    /// The tables' billed bytes (items plus DynamoDB's 100 bytes each)
    /// after the workload, per page view.
    pub stored_bytes_per_view: f64,
}

impl CostUnits {
    /// The committed units under `root`.
    pub fn load(root: &Path) -> Result<CostUnits> {
        let path = root.join(FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {}; `cargo xtask bench --cost-units` measures it",
                path.display()
            )
        })?;
        let units: CostUnits = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is malformed; `cargo xtask bench --cost-units` writes it afresh",
                path.display()
            )
        })?;
        units
            .check()
            .with_context(|| format!("in {}", path.display()))?;
        Ok(units)
    }

    /// Writes the units under `root`, returning the file.
    pub fn save(&self, root: &Path) -> Result<PathBuf> {
        self.check()?;
        let path = root.join(FILE);
        let text = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    fn check(&self) -> Result<()> {
        ensure!(
            !self.wru_per_request_by_batch_size.is_empty()
                && !self.processor_ms_by_batch_size.is_empty(),
            "no figures by batch size"
        );
        let all = [
            self.requests_per_view,
            self.naive_wru_per_request,
            self.counts_read_units_per_request,
            self.counts_ms_per_request,
            self.stored_bytes_per_view,
        ]
        .into_iter()
        .chain(self.wru_per_request_by_batch_size.values().copied())
        .chain(self.processor_ms_by_batch_size.values().copied());
        for value in all {
            ensure!(
                value.is_finite() && value >= 0.0,
                "a figure is {value}; figures are at least 0"
            );
        }
        ensure!(
            self.requests_per_view >= 1.0,
            "requests_per_view is below 1"
        );
        Ok(())
    }
}

/// `by_size` at `x`: linear between the measured sizes, the nearest
/// measured value outside them.
pub fn at(by_size: &BTreeMap<usize, f64>, x: f64) -> f64 {
    let below = by_size.range(..=x.floor() as usize).next_back();
    let above = by_size.range(x.ceil() as usize..).next();
    match (below, above) {
        (Some((&a, &va)), Some((&b, &vb))) if b > a => {
            va + (vb - va) * (x - a as f64) / (b - a) as f64
        }
        (Some((_, &v)), _) | (None, Some((_, &v))) => v,
        (None, None) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_between_batch_sizes_are_interpolated() {
        let by: BTreeMap<usize, f64> = [(1, 3.0), (5, 2.0), (10, 1.0)].into_iter().collect();
        assert_eq!(at(&by, 1.0), 3.0);
        assert_eq!(at(&by, 3.0), 2.5);
        assert_eq!(at(&by, 7.5), 1.5);
        assert_eq!(at(&by, 0.5), 3.0);
        assert_eq!(at(&by, 40.0), 1.0);
    }

    #[test]
    fn the_committed_units_load() {
        let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
        let units = CostUnits::load(&root).unwrap();
        assert!(units.wru_per_request_by_batch_size.contains_key(&10));
    }
}
