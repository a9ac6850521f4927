//! DynamoDB read request units of the counts API, counted from the
//! requests issued (moto reports no read capacity). As AWS bills them
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html>):
//! a `GetItem` is one unit per started 4 KB of its item (an absent item
//! still costs the minimum), half that when eventually consistent; a `Scan`
//! or `Query` is charged on the total size of the items it reads, rounded
//! up to 4 KB. Sizes are the items' at the end of the run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::scan::ScanInput;
use aws_sdk_dynamodb::types::AttributeValue;

use super::writes::item_size;
use crate::sdk_error::sdk_error;

type Key = HashMap<String, AttributeValue>;

/// One read request.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// A `GetItem` of `key`.
    Get {
        /// The table.
        table: String,
        /// The key.
        key: Key,
        /// A strongly consistent read.
        consistent: bool,
    },
    /// A `Scan` or `Query`, charged as reading the whole table (an upper
    /// bound for a query; the counts API should make neither).
    Whole {
        /// The table.
        table: String,
        /// A strongly consistent read.
        consistent: bool,
    },
}

/// Records the read requests of every client it is installed in.
#[derive(Debug, Clone, Default)]
pub struct ReadLog {
    reads: Arc<Mutex<Vec<Read>>>,
}

impl ReadLog {
    /// A DynamoDB client for `sdk` that records its reads here.
    pub fn client(&self, sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(self.clone())
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// The reads so far, and a fresh start.
    pub fn take(&self) -> Vec<Read> {
        std::mem::take(&mut *self.reads.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn push(&self, read: Read) {
        self.reads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(read);
    }
}

impl Intercept for ReadLog {
    fn name(&self) -> &'static str {
        "ReadLog"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        if let Some(i) = input.downcast_ref::<GetItemInput>() {
            self.push(Read::Get {
                table: i.table_name().unwrap_or_default().to_owned(),
                key: i.key().cloned().unwrap_or_default(),
                consistent: i.consistent_read().unwrap_or(false),
            });
        } else if let Some(i) = input.downcast_ref::<ScanInput>() {
            self.push(Read::Whole {
                table: i.table_name().unwrap_or_default().to_owned(),
                consistent: i.consistent_read().unwrap_or(false),
            });
        } else if let Some(i) = input.downcast_ref::<QueryInput>() {
            self.push(Read::Whole {
                table: i.table_name().unwrap_or_default().to_owned(),
                consistent: i.consistent_read().unwrap_or(false),
            });
        }
        Ok(())
    }
}

/// Units of 4 KB, halved when eventually consistent.
fn units(bytes: u64, consistent: bool) -> f64 {
    let blocks = bytes.div_ceil(4096).max(1) as f64;
    if consistent {
        blocks
    } else {
        blocks / 2.0
    }
}

/// Read request units of `reads`, with the items' sizes read through `db`.
pub async fn read_units(db: &aws_sdk_dynamodb::Client, reads: &[Read]) -> Result<f64> {
    let mut total = 0.0;
    let mut table_sizes: HashMap<String, u64> = HashMap::new();
    for read in reads {
        total += match read {
            Read::Get {
                table,
                key,
                consistent,
            } => {
                let item = db
                    .get_item()
                    .table_name(table)
                    .set_key(Some(key.clone()))
                    .send()
                    .await
                    .map_err(sdk_error)
                    .with_context(|| format!("reading an item of {table}"))?
                    .item;
                units(item.as_ref().map_or(0, item_size), *consistent)
            }
            Read::Whole { table, consistent } => {
                if !table_sizes.contains_key(table) {
                    let mut size = 0;
                    let mut pages = db.scan().table_name(table).into_paginator().send();
                    while let Some(page) = pages.next().await {
                        let page = page
                            .map_err(sdk_error)
                            .with_context(|| format!("scanning {table}"))?;
                        size += page.items().iter().map(item_size).sum::<u64>();
                    }
                    table_sizes.insert(table.clone(), size);
                }
                units(table_sizes[table], *consistent)
            }
        };
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_dynamodb_rules() {
        assert_eq!(units(0, false), 0.5, "an absent item costs the minimum");
        assert_eq!(units(100, false), 0.5);
        assert_eq!(units(4096, true), 1.0);
        assert_eq!(units(4097, false), 1.0);
        assert_eq!(units(40_000, false), 5.0);
    }
}
