//! `cargo xtask cost`: what the prod stage costs a month at a number of
//! visits, priced from the dated table in `cost/` times the units the
//! benchmark measured (`cost/measured.json`), the template's figures and
//! the stated assumptions; set against the naive design.

mod model;
mod template;
pub mod units;

use std::path::Path;

use anyhow::{ensure, Context, Result};
use cost_estimate::{estimate, Estimate, PriceTable};
use serde_json::json;
use visitor_stack::{StackConfig, Stage};

use crate::stack_config::{ConfigArgs, Load as _};
use crate::workspace;
pub use model::{Assumptions, Design};

/// The price table, from the workspace root.
pub const PRICES: &str = "cost/prices-us-east-1.toml";

/// Options of `cargo xtask cost`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each line item says where its quantity comes from: measured (cargo xtask bench, in
cost/measured.json), template (the prod template or site/), or assumed (with the flags below to
change it). Prices: cost/prices-us-east-1.toml, first-tier list prices of a stated date with the
page each comes from; free tiers are not applied.

Examples:
  cargo xtask cost
  cargo xtask cost --visits-per-month 1000000 --reading-minutes 3
  cargo xtask cost --json | jq .total_usd
  cargo xtask bench --cost-units    # measure the units afresh (about 35 minutes on two cores, moto-bound)"
)]
pub struct Args {
    /// Page views a month.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub visits_per_month: u64,
    /// Minutes a page stays open with its live counter connected.
    #[arg(long, default_value_t = Assumptions::default().reading_minutes, value_name = "MIN")]
    pub reading_minutes: f64,
    /// Milliseconds of one edge recorder run (its send to the queue in us-east-1).
    #[arg(long, default_value_t = Assumptions::default().edge_ms, value_name = "MS")]
    pub edge_ms: f64,
    /// Print one JSON object instead of the tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Both designs priced.
pub struct Priced {
    /// This stack.
    pub ours: Estimate,
    /// The naive design.
    pub naive: Estimate,
    /// When the units were measured.
    pub measured: String,
}

/// Prices the prod stage of `config` at `visits` page views a month.
pub fn price(
    root: &Path,
    config: &StackConfig,
    visits: u64,
    assume: Assumptions,
) -> Result<Priced> {
    ensure!(
        assume.reading_minutes.is_finite() && assume.reading_minutes >= 0.0,
        "--reading-minutes is {}; give 0 or more",
        assume.reading_minutes
    );
    ensure!(
        assume.edge_ms.is_finite() && assume.edge_ms >= 1.0,
        "--edge-ms is {}; give 1 or more (Lambda bills at least 1 ms)",
        assume.edge_ms
    );
    let prices = PriceTable::load(&root.join(PRICES))?;
    let units = units::CostUnits::load(root)?;
    let rendered = visitor_stack::build(Stage::Prod, config)?.render()?;
    let facts = template::Facts::read(rendered.json()).context("reading the prod template")?;
    let site = root.join("site");
    let site_bytes = visitor_stack::site_files::object_keys(&site)
        .with_context(|| format!("listing {}", site.display()))?
        .iter()
        .map(|key| std::fs::metadata(site.join(key)).map(|m| m.len()))
        .sum::<std::io::Result<u64>>()
        .with_context(|| format!("reading the files of {}", site.display()))?;
    let inputs = model::Inputs {
        facts: &facts,
        units: &units,
        assume,
        site_bytes,
    };
    let of = |design| -> Result<Estimate> {
        Ok(estimate(
            &prices,
            &model::usage(visits as f64, design, &inputs)?,
        )?)
    };
    Ok(Priced {
        ours: of(Design::Ours)?,
        naive: of(Design::Naive)?,
        measured: units.measured.clone(),
    })
}

/// The services table and the naive design's total, as the README quotes them.
pub fn summary(visits: u64, priced: &Priced) -> String {
    let ratio = if priced.ours.total.0 > 0 {
        priced.naive.total.0 as f64 / priced.ours.total.0 as f64
    } else {
        0.0
    };
    format!(
        "{} visits a month, prod stage:\n{}naive design: {} ({ratio:.2}x)\n",
        cost_estimate::group(visits as i64),
        priced.ours,
        priced.naive.total
    )
}

pub fn run(args: &Args) -> Result<()> {
    let config = args.config.load()?;
    let assume = Assumptions {
        reading_minutes: args.reading_minutes,
        edge_ms: args.edge_ms,
        ..Assumptions::default()
    };
    let priced = price(&workspace::root()?, &config, args.visits_per_month, assume)?;
    let ours = &priced.ours;
    if args.json {
        let items: Vec<_> = ours
            .items
            .iter()
            .map(|i| {
                json!({"service": i.service, "item": i.item, "quantity": i.quantity,
                       "unit": i.unit, "usd": i.cost.usd(), "basis": i.basis.to_string()})
            })
            .collect();
        let services: Vec<_> = ours
            .services
            .iter()
            .map(|s| json!({"service": s.service, "usd": s.cost.usd()}))
            .collect();
        let out = json!({
            "visits_per_month": args.visits_per_month, "region": ours.region,
            "prices_compiled": ours.compiled, "units_measured": priced.measured,
            "services": services, "items": items, "total_usd": ours.total.usd(),
            "naive_total_usd": priced.naive.total.usd(),
        });
        println!("{out}");
        return Ok(());
    }
    crate::out::say!(
        "{} list prices of {} ({}); units measured {}",
        ours.region,
        ours.compiled,
        ours.note,
        priced.measured
    );
    print!("{}", summary(args.visits_per_month, &priced));
    println!("\nline items of this design (the naive one processes every recorded request on its own, three writes each):");
    print!("{}", ours.items_table());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priced(visits: u64) -> Priced {
        let root =
            std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
        price(
            &root,
            &StackConfig::default(),
            visits,
            Assumptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn the_rows_add_up_to_the_total_and_the_naive_design_costs_more() {
        for visits in [10_000, 1_000_000] {
            let p = priced(visits);
            let sum: i64 = p.ours.services.iter().map(|s| s.cost.0).sum();
            assert_eq!(sum, p.ours.total.0);
            let items: i64 = p.ours.items.iter().map(|i| i.cost.0).sum();
            assert_eq!(items, p.ours.total.0);
            assert!(
                p.naive.total > p.ours.total,
                "{visits}: {} vs {}",
                p.naive.total,
                p.ours.total
            );
            for service in [
                "CloudFront",
                "Lambda@Edge",
                "SQS",
                "Lambda",
                "DynamoDB",
                "API Gateway",
                "CloudWatch",
            ] {
                assert!(
                    p.ours.services.iter().any(|s| s.service == service),
                    "{service} missing"
                );
            }
        }
    }

    #[test]
    fn more_visits_cost_more_but_fixed_costs_stay() {
        let (small, large) = (priced(10_000), priced(1_000_000));
        assert!(large.ours.total.0 > 10 * small.ours.total.0 / 2);
        let watch = |p: &Priced| {
            p.ours
                .items
                .iter()
                .find(|i| i.item == "dashboards")
                .map(|i| i.cost)
        };
        assert_eq!(watch(&small), watch(&large));
    }

    #[test]
    fn a_broken_assumption_is_refused() {
        let root =
            std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
        let bad = Assumptions {
            edge_ms: 0.0,
            ..Assumptions::default()
        };
        let err = price(&root, &StackConfig::default(), 10, bad)
            .err()
            .unwrap();
        assert!(err.to_string().contains("--edge-ms is 0"), "{err}");
    }
}
