//! A real moto server for each test (the project's embedded emulator), and
//! the tables the stack creates, made the same way.

#![allow(dead_code)]

use aws_sdk_dynamodb::types::AttributeValue;
pub use visitor_model::provision::TableNames as Tables;

/// A running moto server with test helpers.
pub struct Moto {
    inner: emulator::Moto,
    pub endpoint: String,
}

impl Moto {
    /// Starts moto, or fails the test saying how to get it.
    pub fn start() -> Moto {
        let inner = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
        let endpoint = inner.endpoint().to_owned();
        Moto { inner, endpoint }
    }

    pub async fn config(&self) -> aws_config::SdkConfig {
        self.inner.sdk_config().await
    }

    pub async fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config().await)
    }
}

pub async fn create_tables(db: &aws_sdk_dynamodb::Client, prefix: &str) -> Tables {
    visitor_model::provision::create_tables(db, prefix)
        .await
        .expect("tables are created")
}

/// A number attribute of an item (0 when absent).
pub async fn number(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
    key: &str,
    attr: &str,
) -> u64 {
    match item(db, table, pk, key).await.get(attr) {
        Some(AttributeValue::N(n)) => n.parse().unwrap(),
        _ => 0,
    }
}

/// An item, read consistently (empty when there is none).
pub async fn item(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
    key: &str,
) -> std::collections::HashMap<String, AttributeValue> {
    db.get_item()
        .table_name(table)
        .key(pk, AttributeValue::S(key.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_default()
}

/// The processor's settings for `tables`, storing IPs as `storage`.
pub fn processor_settings(
    tables: &Tables,
    storage: visitor_functions::processor::IpStorage,
) -> visitor_functions::processor::Settings {
    visitor_functions::processor::Settings {
        totals_table: tables.totals.clone(),
        visitors_table: tables.visitors.clone(),
        paths_table: tables.paths.clone(),
        ip_storage: storage,
        ip_retention_days: 30,
    }
}
