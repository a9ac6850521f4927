//! The dated price table: list prices of one region, each with its unit
//! and the page it comes from.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::CostError;

/// A price table as the TOML file holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// The region the prices are for (`us-east-1`).
    pub region: String,
    /// The currency (`USD`).
    pub currency: String,
    /// When the table was compiled (`2026-12-01`).
    pub compiled: String,
    /// What the table leaves out (free tiers, tiers beyond the first, ...).
    #[serde(default)]
    pub note: String,
    /// Prices by key (`lambda.requests`).
    pub prices: BTreeMap<String, Price>,
}

/// One list price.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// The service as a bill names it (`Lambda`).
    pub service: String,
    /// What is charged (`requests`).
    pub item: String,
    /// The unit quantities are given in (`requests`, `GB-seconds`).
    pub unit: String,
    /// The price of `per` units.
    pub usd: f64,
    /// How many units `usd` buys (1,000,000 requests; 1 GB-month).
    #[serde(default = "one")]
    pub per: f64,
    /// The pricing page it comes from.
    pub source: String,
}

fn one() -> f64 {
    1.0
}

impl PriceTable {
    /// Reads and checks the table at `path`.
    pub fn load(path: &Path) -> Result<Self, CostError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CostError::Read {
            path: name.clone(),
            source,
        })?;
        Self::from_toml(&text, &name)
    }

    /// Parses and checks a table; `path` names it in errors.
    pub fn from_toml(text: &str, path: &str) -> Result<Self, CostError> {
        let table: PriceTable = toml::from_str(text).map_err(|source| CostError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
        for (id, price) in &table.prices {
            let problem = if !(price.usd.is_finite() && price.usd >= 0.0) {
                Some(format!("usd is {}; prices are at least 0", price.usd))
            } else if !(price.per.is_finite() && price.per > 0.0) {
                Some(format!("per is {}; it must be above 0", price.per))
            } else if !price.source.starts_with("https://") {
                Some(format!(
                    "source is `{}`; give the https:// pricing page it comes from",
                    price.source
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(CostError::BadPrice {
                    path: path.to_owned(),
                    id: id.clone(),
                    problem,
                });
            }
        }
        Ok(table)
    }

    /// The price under `id`.
    pub fn price(&self, id: &str) -> Result<&Price, CostError> {
        self.prices.get(id).ok_or_else(|| CostError::UnknownPrice {
            id: id.to_owned(),
            known: self.prices.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"
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
"#;

    #[test]
    fn a_table_is_read_with_its_units() {
        let table = PriceTable::from_toml(TABLE, "prices.toml").unwrap();
        let price = table.price("lambda.requests").unwrap();
        assert_eq!((price.usd, price.per), (0.20, 1_000_000.0));
        let missing = table.price("sqs.requests").unwrap_err().to_string();
        assert!(missing.contains("no price `sqs.requests`"), "{missing}");
        assert!(missing.contains("lambda.requests"), "{missing}");
    }

    #[test]
    fn a_price_without_a_source_or_below_zero_is_refused() {
        let unsourced = TABLE.replace("https://aws.amazon.com/lambda/pricing/", "the web");
        let err = PriceTable::from_toml(&unsourced, "prices.toml").unwrap_err();
        assert!(
            err.to_string().contains("give the https:// pricing page"),
            "{err}"
        );
        let negative = TABLE.replace("0.20", "-1");
        let err = PriceTable::from_toml(&negative, "prices.toml").unwrap_err();
        assert!(err.to_string().contains("usd is -1"), "{err}");
        let unknown = format!("{TABLE}\nextra = 1\n");
        let err = PriceTable::from_toml(&unknown, "prices.toml").unwrap_err();
        assert!(err.to_string().contains("malformed"), "{err}");
    }
}
