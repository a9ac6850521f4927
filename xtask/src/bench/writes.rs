//! DynamoDB write request units, counted from the requests issued. moto
//! answers `ConsumedCapacity` with a flat 1.0 per write whatever the item's
//! size, so the count comes from here instead: an SDK interceptor records
//! every write request (a transactional write counts double, as on AWS), and
//! each is charged one unit per started kilobyte of its item, using the
//! item's size at the end of the run. Items only grow, except a visitor's
//! list of recent visits, which is trimmed from 160 digests back to 128:
//! the same whole kilobytes either way, so the charge matches AWS's or is
//! above it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::sdk_error::sdk_error;
use anyhow::{Context, Result};
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::AttributeValue;

type Key = HashMap<String, AttributeValue>;

/// One write request: its table, its item's key, and how many times its
/// size is charged (2 in a transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// The table.
    pub table: String,
    /// The item's key, as text.
    pub key: String,
    /// 1, or 2 for a transactional write.
    pub factor: u64,
}

/// Records the write requests of every client it is installed in.
#[derive(Debug, Clone, Default)]
pub struct WriteLog {
    writes: Arc<Mutex<Vec<Write>>>,
}

impl WriteLog {
    /// A DynamoDB client for `sdk` that records its writes here.
    pub fn client(&self, sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(self.clone())
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// The writes so far, and a fresh start.
    pub fn take(&self) -> Vec<Write> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Write>> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record(&self, table: Option<&str>, key: Option<&Key>, factor: u64) {
        self.lock().push(Write {
            table: table.unwrap_or_default().to_owned(),
            key: key.map(key_text).unwrap_or_default(),
            factor,
        });
    }
}

impl Intercept for WriteLog {
    fn name(&self) -> &'static str {
        "WriteLog"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        if let Some(i) = input.downcast_ref::<UpdateItemInput>() {
            self.record(i.table_name(), i.key(), 1);
        } else if let Some(i) = input.downcast_ref::<PutItemInput>() {
            let key = i.item().cloned();
            self.record(i.table_name(), key.as_ref(), 1);
        } else if let Some(i) = input.downcast_ref::<DeleteItemInput>() {
            self.record(i.table_name(), i.key(), 1);
        } else if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
            for item in i.transact_items() {
                if let Some(u) = item.update() {
                    self.record(Some(u.table_name()), Some(u.key()), 2);
                } else if let Some(p) = item.put() {
                    self.record(Some(p.table_name()), Some(p.item()), 2);
                } else if let Some(d) = item.delete() {
                    self.record(Some(d.table_name()), Some(d.key()), 2);
                } else if let Some(c) = item.condition_check() {
                    self.record(Some(c.table_name()), Some(c.key()), 2);
                }
            }
        } else if let Some(i) = input.downcast_ref::<BatchWriteItemInput>() {
            for (table, requests) in i.request_items().into_iter().flatten() {
                for r in requests {
                    let key = r
                        .put_request()
                        .map(|p| p.item().clone())
                        .or_else(|| r.delete_request().map(|d| d.key().clone()));
                    self.record(Some(table), key.as_ref(), 1);
                }
            }
        }
        Ok(())
    }
}

/// An item's key as text; only the key attributes of `item` count, so the
/// whole item of a put, or a scanned item, gives the same text as its key.
fn key_text(key: &Key) -> String {
    let mut parts: Vec<String> = key
        .iter()
        .filter(|(name, _)| KEY_NAMES.contains(&name.as_str()))
        .map(|(name, value)| format!("{name}={}", scalar(value)))
        .collect();
    parts.sort();
    parts.join(",")
}

/// Partition key attribute names of the counter's tables (visitor-model).
const KEY_NAMES: [&str; 4] = [
    visitor_model::tables::totals::PK,
    visitor_model::tables::visitors::PK,
    visitor_model::tables::paths::PK,
    visitor_model::tables::connections::PK,
];

fn scalar(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// An item's size as DynamoDB bills it: attribute names plus values.
pub fn item_size(item: &Key) -> u64 {
    item.iter()
        .map(|(name, value)| name.len() as u64 + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> u64 {
    match value {
        AttributeValue::S(s) => s.len() as u64,
        AttributeValue::N(n) => {
            let digits = n.chars().filter(char::is_ascii_digit).count() as u64;
            digits.div_ceil(2) + 1
        }
        AttributeValue::B(b) => b.as_ref().len() as u64,
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(|s| s.len() as u64).sum(),
        AttributeValue::Ns(v) => v
            .iter()
            .map(|n| value_size(&AttributeValue::N(n.clone())))
            .sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len() as u64).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|e| 1 + value_size(e)).sum::<u64>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, e)| 1 + k.len() as u64 + value_size(e))
                .sum::<u64>()
        }
        _ => 1,
    }
}

/// What a run's writes cost and left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Write request units.
    pub units: u64,
    /// The written tables' billed bytes at the end: each item's size plus
    /// the 100 bytes of overhead DynamoDB bills per item
    /// (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html>).
    pub stored_bytes: u64,
}

/// Billed storage overhead per item.
const ITEM_OVERHEAD: u64 = 100;

/// Write request units of `writes`: each charged one unit per started KB
/// of its item's final size (an item that no longer exists: one unit);
/// and what the written tables hold at the end.
pub async fn write_units(db: &aws_sdk_dynamodb::Client, writes: &[Write]) -> Result<Written> {
    let mut sizes: BTreeMap<(String, String), u64> = BTreeMap::new();
    let tables: std::collections::BTreeSet<&str> =
        writes.iter().map(|w| w.table.as_str()).collect();
    for table in tables {
        let mut pages = db.scan().table_name(table).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page
                .map_err(sdk_error)
                .with_context(|| format!("scanning {table}"))?;
            for item in page.items() {
                sizes.insert((table.to_owned(), key_text(item)), item_size(item));
            }
        }
    }
    let units = writes
        .iter()
        .map(|w| {
            let size = sizes
                .get(&(w.table.clone(), w.key.clone()))
                .copied()
                .unwrap_or(1);
            w.factor * size.div_ceil(1024).max(1)
        })
        .sum();
    let stored_bytes = sizes.values().map(|size| size + ITEM_OVERHEAD).sum();
    Ok(Written {
        units,
        stored_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_dynamodb_rules() {
        let item: Key = [
            ("ip".to_owned(), AttributeValue::S("198.51.100.7".into())),
            ("count".to_owned(), AttributeValue::N("12345".into())),
            (
                "recent".to_owned(),
                AttributeValue::L(vec![AttributeValue::S("a".repeat(56)); 2]),
            ),
        ]
        .into_iter()
        .collect();
        // ip: 2 + 12; count: 5 + 4; recent: 6 + 3 + 2 * (1 + 56).
        assert_eq!(item_size(&item), 14 + 9 + 6 + 3 + 114);
        assert_eq!(key_text(&item), "ip=198.51.100.7");
    }
}
