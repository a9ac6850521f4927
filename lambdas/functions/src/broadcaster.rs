//! The totals table's stream: every change pushes the new counts to every
//! open WebSocket connection, a bounded number at a time. A connection that
//! is gone (`410`) is forgotten; any other failure is logged, never fatal.

use aws_lambda_events::dynamodb::Event;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_dynamodb::Client;
use futures::stream::{self, StreamExt};
use serde::Serialize;
use visitor_model::clients::{self, MissingEnv};
use visitor_model::env;
use visitor_model::tables::{connections, totals};

use crate::dynamo::{describe_sdk_error, get_str, s};

/// Posts in flight at once.
pub const CONCURRENCY: usize = 16;

/// The message a browser receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LiveCounts {
    /// Always `counts`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Page views.
    pub total: u64,
    /// Unique visitors.
    pub unique: u64,
}

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BroadcastReport {
    /// Connections that received the counts.
    pub sent: usize,
    /// Connections found gone and forgotten.
    pub gone: usize,
    /// Connections that failed otherwise.
    pub failed: usize,
}

/// The broadcaster: DynamoDB, the management API, the connections table.
#[derive(Debug, Clone)]
pub struct Broadcaster {
    db: Client,
    api: aws_sdk_apigatewaymanagement::Client,
    table: String,
}

impl Broadcaster {
    /// A broadcaster with explicit clients.
    pub fn new(db: Client, api: aws_sdk_apigatewaymanagement::Client, table: String) -> Self {
        Broadcaster { db, api, table }
    }

    /// A broadcaster configured from the environment; the management API's
    /// endpoint is `WEBSOCKET_ENDPOINT`.
    pub async fn from_env() -> Result<Self, MissingEnv> {
        let table = clients::required_env(env::CONNECTIONS_TABLE)?;
        let endpoint = clients::required_env(env::WEBSOCKET_ENDPOINT)?;
        let config = clients::sdk_config().await;
        Ok(Broadcaster::new(
            clients::dynamodb(&config),
            management_client(&config, &endpoint),
            table,
        ))
    }

    /// Handles one batch of stream records.
    pub async fn handle(&self, event: Event) -> BroadcastReport {
        let Some(counts) = latest_counts(&event) else {
            return BroadcastReport::default();
        };
        self.broadcast(&counts).await
    }

    /// Sends `counts` to every open connection.
    pub async fn broadcast(&self, counts: &LiveCounts) -> BroadcastReport {
        let ids = match self.connection_ids().await {
            Ok(ids) => ids,
            Err(error) => {
                tracing::error!(%error, "cannot list connections");
                return BroadcastReport::default();
            }
        };
        let payload = serde_json::to_vec(counts).unwrap_or_default();
        let outcomes: Vec<Outcome> = stream::iter(ids)
            .map(|id| {
                let payload = payload.clone();
                async move { self.post(&id, payload).await }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut report = BroadcastReport::default();
        for outcome in outcomes {
            match outcome {
                Outcome::Sent => report.sent += 1,
                Outcome::Gone => report.gone += 1,
                Outcome::Failed => report.failed += 1,
            }
        }
        tracing::info!(
            sent = report.sent,
            gone = report.gone,
            failed = report.failed,
            "broadcast"
        );
        report
    }

    async fn post(&self, id: &str, payload: Vec<u8>) -> Outcome {
        let result = self
            .api
            .post_to_connection()
            .connection_id(id)
            .data(Blob::new(payload))
            .send()
            .await;
        match result {
            Ok(_) => Outcome::Sent,
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 410) => {
                if let Err(e) = self
                    .db
                    .delete_item()
                    .table_name(&self.table)
                    .key(connections::PK, s(id))
                    .send()
                    .await
                {
                    tracing::warn!(connection = %id, error = %describe_sdk_error(&e), "could not forget a gone connection");
                }
                Outcome::Gone
            }
            Err(e) => {
                tracing::warn!(connection = %id, error = %describe_sdk_error(&e), "post failed");
                Outcome::Failed
            }
        }
    }

    async fn connection_ids(&self) -> Result<Vec<String>, String> {
        let mut ids = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .db
                .scan()
                .table_name(&self.table)
                .projection_expression("#id")
                .expression_attribute_names("#id", connections::PK)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| describe_sdk_error(&e))?;
            ids.extend(
                page.items
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|i| get_str(i, connections::PK).map(str::to_owned)),
            );
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(ids);
            }
        }
    }
}

enum Outcome {
    Sent,
    Gone,
    Failed,
}

/// A management API client for a WebSocket stage's `https://.../stage` endpoint.
pub fn management_client(
    config: &aws_config::SdkConfig,
    endpoint: &str,
) -> aws_sdk_apigatewaymanagement::Client {
    let builder =
        aws_sdk_apigatewaymanagement::config::Builder::from(config).endpoint_url(endpoint);
    let builder = clients::recorded(builder, |b, r| b.interceptor(r));
    aws_sdk_apigatewaymanagement::Client::from_conf(builder.build())
}

/// The counts in the batch's newest image of the totals item.
pub fn latest_counts(event: &Event) -> Option<LiveCounts> {
    event.records.iter().rev().find_map(|record| {
        let image = &record.change.new_image;
        let get = |key: &str| -> Option<u64> {
            match image.get(key) {
                Some(serde_dynamo::AttributeValue::N(v)) => v.parse().ok(),
                _ => None,
            }
        };
        let is_site = matches!(image.get(totals::PK), Some(serde_dynamo::AttributeValue::S(v)) if v == totals::SITE);
        is_site.then(|| LiveCounts {
            kind: "counts".into(),
            total: get(totals::VISITS).unwrap_or(0),
            unique: get(totals::UNIQUE_VISITORS).unwrap_or(0),
        })
    })
}
