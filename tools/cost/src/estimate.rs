//! Monthly quantities times prices, rounded so that what is printed adds up.

use std::fmt;

use crate::{CostError, PriceTable};

/// Why a quantity is what it is: a reader weighs a measured figure and an
/// assumption differently.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// Measured (by a benchmark): what, and where.
    Measured(String),
    /// Read from the template or the files it deploys.
    Template(String),
    /// Assumed: what, and why.
    Assumed(String),
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::Measured(why) => write!(f, "measured: {why}"),
            Basis::Template(why) => write!(f, "template: {why}"),
            Basis::Assumed(why) => write!(f, "assumed: {why}"),
        }
    }
}

/// One month's quantity of one priced item.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The price's key in the table.
    pub price: String,
    /// How many of the price's units a month uses.
    pub quantity: f64,
    /// Why.
    pub basis: Basis,
}

/// What a month uses, line by line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// The lines, in the order they are printed.
    pub lines: Vec<Line>,
}

impl Usage {
    /// Adds `quantity` of `price` for the reason `basis`.
    pub fn add(&mut self, price: &str, quantity: f64, basis: Basis) {
        self.lines.push(Line {
            price: price.to_owned(),
            quantity,
            basis,
        });
    }
}

/// An amount in hundredths of a cent, so that sums are exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

impl Money {
    /// `usd` rounded to a hundredth of a cent.
    pub fn from_usd(usd: f64) -> Money {
        Money((usd * 10_000.0).round() as i64)
    }

    /// The amount in dollars.
    pub fn usd(self) -> f64 {
        self.0 as f64 / 10_000.0
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("${}.{:04}", group(self.0 / 10_000), self.0 % 10_000);
        f.pad(&text)
    }
}

/// `1234567` as `1,234,567`.
pub fn group(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A quantity as a reader takes it in: whole above 100, three decimals below.
fn quantity_text(q: f64) -> String {
    if q >= 100.0 {
        group(q.round() as i64)
    } else {
        let text = format!("{q:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// One priced line of the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The service (`Lambda`).
    pub service: String,
    /// What is charged (`requests`).
    pub item: String,
    /// How many units a month uses.
    pub quantity: f64,
    /// The unit.
    pub unit: String,
    /// What they cost a month.
    pub cost: Money,
    /// Why the quantity is what it is.
    pub basis: Basis,
}

/// One service's share.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceTotal {
    /// The service.
    pub service: String,
    /// The sum of its items.
    pub cost: Money,
}

/// A month's estimate: items, one row per service, and the total.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The priced lines, in the usage's order.
    pub items: Vec<Item>,
    /// One row per service, in order of first appearance.
    pub services: Vec<ServiceTotal>,
    /// The sum of the rows.
    pub total: Money,
    /// The prices' region.
    pub region: String,
    /// When the price table was compiled.
    pub compiled: String,
    /// What the price table leaves out.
    pub note: String,
}

/// Prices `usage` with `table`.
pub fn estimate(table: &PriceTable, usage: &Usage) -> Result<Estimate, CostError> {
    let mut items = Vec::with_capacity(usage.lines.len());
    for line in &usage.lines {
        if !(line.quantity.is_finite() && line.quantity >= 0.0) {
            return Err(CostError::BadQuantity {
                id: line.price.clone(),
                quantity: line.quantity,
            });
        }
        let price = table.price(&line.price)?;
        items.push(Item {
            service: price.service.clone(),
            item: price.item.clone(),
            quantity: line.quantity,
            unit: price.unit.clone(),
            cost: Money::from_usd(line.quantity / price.per * price.usd),
            basis: line.basis.clone(),
        });
    }
    let mut services: Vec<ServiceTotal> = Vec::new();
    for item in &items {
        match services.iter_mut().find(|s| s.service == item.service) {
            Some(row) => row.cost.0 += item.cost.0,
            None => services.push(ServiceTotal {
                service: item.service.clone(),
                cost: item.cost,
            }),
        }
    }
    Ok(Estimate {
        total: services.iter().map(|s| s.cost).sum(),
        items,
        services,
        region: table.region.clone(),
        compiled: table.compiled.clone(),
        note: table.note.clone(),
    })
}

impl Estimate {
    /// The line items: service, item, quantity and unit, cost, basis.
    pub fn items_table(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .items
            .iter()
            .map(|i| {
                [
                    format!("{} {}", i.service, i.item),
                    format!("{} {}", quantity_text(i.quantity), i.unit),
                    i.cost.to_string(),
                    i.basis.to_string(),
                ]
            })
            .collect();
        let width = |k: usize| rows.iter().map(|r| r[k].len()).max().unwrap_or(0);
        let (w0, w1, w2) = (width(0), width(1), width(2));
        rows.iter()
            .map(|[a, b, c, d]| format!("{a:<w0$}  {b:>w1$}  {c:>w2$}  {d}\n"))
            .collect()
    }
}

impl fmt::Display for Estimate {
    /// One row per service and the total (list prices of the table's
    /// region and date).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total.to_string();
        let w0 = self
            .services
            .iter()
            .map(|s| s.service.len())
            .chain(["service".len()])
            .max()
            .unwrap_or(7);
        let w1 = self
            .services
            .iter()
            .map(|s| s.cost.to_string().len())
            .chain([total.len()])
            .max()
            .unwrap_or(0);
        writeln!(f, "{:<w0$}  {:>w1$}", "service", "monthly")?;
        for row in &self.services {
            writeln!(f, "{:<w0$}  {:>w1$}", row.service, row.cost.to_string())?;
        }
        writeln!(f, "{:<w0$}  {:>w1$}", "total", total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> PriceTable {
        PriceTable::from_toml(
            r#"
region = "us-east-1"
currency = "USD"
compiled = "2026-12-01"
[prices."lambda.requests"]
service = "Lambda"
item = "requests"
unit = "requests"
usd = 0.20
per = 1_000_000
source = "https://aws.amazon.com/lambda/pricing/"
[prices."lambda.duration"]
service = "Lambda"
item = "duration"
unit = "GB-seconds"
usd = 0.0000133334
source = "https://aws.amazon.com/lambda/pricing/"
[prices."sqs.requests"]
service = "SQS"
item = "requests"
unit = "requests"
usd = 0.40
per = 1_000_000
source = "https://aws.amazon.com/sqs/pricing/"
"#,
            "prices.toml",
        )
        .unwrap()
    }

    fn usage() -> Usage {
        let mut usage = Usage::default();
        usage.add("lambda.requests", 333_333.0, Basis::Measured("x".into()));
        usage.add("sqs.requests", 1_234_567.0, Basis::Assumed("y".into()));
        usage.add("lambda.duration", 777.77, Basis::Template("z".into()));
        usage
    }

    #[test]
    fn items_add_up_to_their_service_and_services_to_the_total() {
        let estimate = estimate(&table(), &usage()).unwrap();
        // 333,333 requests: $0.0666666 -> $0.0667; 777.77 GB-s: $0.01037 -> $0.0104.
        assert_eq!(estimate.items[0].cost, Money(667));
        assert_eq!(estimate.items[2].cost, Money(104));
        let services: Vec<(&str, Money)> = estimate
            .services
            .iter()
            .map(|s| (s.service.as_str(), s.cost))
            .collect();
        assert_eq!(services, [("Lambda", Money(771)), ("SQS", Money(4938))]);
        assert_eq!(estimate.total, Money(771 + 4938));
        // As printed, too.
        let text = estimate.to_string();
        assert!(text.contains("Lambda   $0.0771"), "{text}");
        assert!(text.contains("total    $0.5709"), "{text}");
        let items = estimate.items_table();
        assert!(items.contains("1,234,567 requests"), "{items}");
        assert!(items.contains("assumed: y"), "{items}");
    }

    #[test]
    fn a_negative_quantity_or_an_unknown_price_is_an_error() {
        let mut usage = usage();
        usage.add("lambda.requests", -1.0, Basis::Assumed("broken".into()));
        let err = estimate(&table(), &usage).unwrap_err().to_string();
        assert!(err.contains("quantity of `lambda.requests` is -1"), "{err}");
        let mut usage = Usage::default();
        usage.add("waf.requests", 1.0, Basis::Assumed("none".into()));
        let err = estimate(&table(), &usage).unwrap_err().to_string();
        assert!(err.contains("no price `waf.requests`"), "{err}");
    }

    #[test]
    fn money_prints_grouped_with_four_decimals() {
        assert_eq!(Money(123_456_789).to_string(), "$12,345.6789");
        assert_eq!(Money(5).to_string(), "$0.0005");
        assert_eq!(Money::from_usd(0.123_449).0, 1234);
    }
}
