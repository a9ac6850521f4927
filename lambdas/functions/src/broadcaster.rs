//! The totals table's stream: every change pushes the new counts to every
//! open WebSocket connection, a bounded number at a time. A connection that
//! is gone (`410`) is forgotten; any other failure is logged, never fatal.
//!
//! The message carries everything a page shows (the totals and the views
//! of the top pages), so no page calls the counts API when it arrives: a
//! thousand open pages cost one broadcast, not a thousand reads. What the
//! batch's stream records do not hold (the totals item or the top pages
//! item unchanged in this batch) is read once per invocation, consistently.
//! Broadcasts are coalesced by the event source (a one-second batching
//! window on the totals table's stream): under steady traffic about one
//! invocation a second, more when batches of 10 fill sooner. Connections are read page by page and
//! posted to [`CONCURRENCY`] at a time, each post bounded by
//! [`POST_TIMEOUT`], so one slow connection cannot hold the rest.

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
/// Longest wait for one post to a connection (the management API answers in
/// milliseconds; a post that takes longer is given up and logged).
pub const POST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

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
    /// Views of the most viewed pages (at most
    /// [`visitor_model::tables::totals::TOP_KEPT`]), by normalized path.
    #[serde(default)]
    pub pages: std::collections::BTreeMap<String, u64>,
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
    totals_table: Option<String>,
}

impl Broadcaster {
    /// A broadcaster with explicit clients.
    pub fn new(db: Client, api: aws_sdk_apigatewaymanagement::Client, table: String) -> Self {
        Broadcaster {
            db,
            api,
            table,
            totals_table: None,
        }
    }

    /// Reads what a batch's records lack from `table` (the totals table).
    pub fn with_totals_table(mut self, table: String) -> Self {
        self.totals_table = Some(table);
        self
    }

    /// A broadcaster configured from the environment; the management API's
    /// endpoint is `WEBSOCKET_ENDPOINT`.
    pub async fn from_env() -> Result<Self, MissingEnv> {
        let table = clients::required_env(env::CONNECTIONS_TABLE)?;
        let totals = clients::required_env(env::TOTALS_TABLE)?;
        let endpoint = clients::required_env(env::WEBSOCKET_ENDPOINT)?;
        let config = clients::sdk_config().await;
        Ok(Broadcaster::new(
            clients::dynamodb(&config),
            management_client(&config, &endpoint),
            table,
        )
        .with_totals_table(totals))
    }

    /// Handles one batch of stream records.
    pub async fn handle(&self, event: Event) -> BroadcastReport {
        let (site, top) = latest_images(&event);
        if site.is_none() && top.is_none() {
            return BroadcastReport::default();
        }
        let site = match site {
            Some(image) => Some(image),
            None => self.read(totals::SITE).await,
        };
        // Without the totals the message would say 0: send nothing rather
        // than a wrong count (the next change sends the right one).
        if site.is_none() {
            tracing::warn!("no totals to broadcast");
            return BroadcastReport::default();
        }
        let top = match top {
            Some(image) => Some(image),
            None => self.read(totals::TOP_PAGES).await,
        };
        let counts = live_counts(site.as_ref(), top.as_ref());
        self.broadcast(&counts).await
    }

    /// An item of the totals table, as a stream image would hold it.
    async fn read(&self, key: &str) -> Option<Image> {
        let table = self.totals_table.as_deref()?;
        match self
            .db
            .get_item()
            .table_name(table)
            .key(totals::PK, s(key))
            // Consistent: an older copy than the last message carried would
            // show open pages a count going down.
            .consistent_read(true)
            .send()
            .await
        {
            Ok(out) => out.item.map(|item| {
                let image: std::collections::HashMap<String, serde_dynamo::AttributeValue> = item
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, to_stream_value(v)?)))
                    .collect();
                Image::from(image)
            }),
            Err(e) => {
                tracing::warn!(item = key, error = %describe_sdk_error(&e), "could not read; broadcasting without it");
                None
            }
        }
    }

    /// Sends `counts` to every open connection, one page of connections at
    /// a time.
    pub async fn broadcast(&self, counts: &LiveCounts) -> BroadcastReport {
        let payload = serde_json::to_vec(counts).unwrap_or_default();
        let mut report = BroadcastReport::default();
        let mut start = None;
        loop {
            let (ids, next) = match self.connection_page(start).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, "cannot list connections");
                    break;
                }
            };
            let outcomes: Vec<Outcome> = stream::iter(ids)
                .map(|id| {
                    let payload = payload.clone();
                    async move {
                        match tokio::time::timeout(POST_TIMEOUT, self.post(&id, payload)).await {
                            Ok(outcome) => outcome,
                            Err(_) => {
                                tracing::warn!(connection = %id, "post timed out");
                                Outcome::Failed
                            }
                        }
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            for outcome in outcomes {
                match outcome {
                    Outcome::Sent => report.sent += 1,
                    Outcome::Gone => report.gone += 1,
                    Outcome::Failed => report.failed += 1,
                }
            }
            start = next;
            if start.is_none() {
                break;
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

    /// One page of connection IDs and where the next begins.
    async fn connection_page(
        &self,
        start: Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
    ) -> Result<Page, String> {
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
        let ids = page
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|i| get_str(i, connections::PK).map(str::to_owned))
            .collect();
        Ok((ids, page.last_evaluated_key))
    }
}

/// Connection IDs and the key the next page starts after.
type Page = (
    Vec<String>,
    Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
);

/// A stream image: attribute name to value.
type Image = serde_dynamo::Item;

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

/// The batch's newest images of the totals item and of the top pages item.
pub fn latest_images(event: &Event) -> (Option<Image>, Option<Image>) {
    let mut site = None;
    let mut top = None;
    for record in event.records.iter().rev() {
        let image = &record.change.new_image;
        match image.get(totals::PK) {
            Some(serde_dynamo::AttributeValue::S(v)) if v == totals::SITE && site.is_none() => {
                site = Some(image.clone());
            }
            Some(serde_dynamo::AttributeValue::S(v)) if v == totals::TOP_PAGES && top.is_none() => {
                top = Some(image.clone());
            }
            _ => {}
        }
    }
    (site, top)
}

/// The message for the totals item `site` and the top pages item `top`
/// (either may be unknown: its counts are then zero or empty).
pub fn live_counts(site: Option<&Image>, top: Option<&Image>) -> LiveCounts {
    let number = |image: Option<&Image>, key: &str| -> u64 {
        match image.and_then(|i| i.get(key)) {
            Some(serde_dynamo::AttributeValue::N(v)) => v.parse().unwrap_or(0),
            _ => 0,
        }
    };
    let pages = match top.and_then(|i| i.get(totals::PAGES)) {
        Some(serde_dynamo::AttributeValue::M(map)) => map
            .iter()
            .filter_map(|(path, v)| match v {
                serde_dynamo::AttributeValue::N(n) => Some((path.clone(), n.parse().ok()?)),
                _ => None,
            })
            .collect(),
        _ => Default::default(),
    };
    LiveCounts {
        kind: "counts".into(),
        total: number(site, totals::VISITS),
        unique: number(site, totals::UNIQUE_VISITORS),
        pages,
    }
}

/// A DynamoDB value as the stream's records carry it.
fn to_stream_value(
    value: aws_sdk_dynamodb::types::AttributeValue,
) -> Option<serde_dynamo::AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    use serde_dynamo::AttributeValue as S;
    Some(match value {
        A::S(v) => S::S(v),
        A::N(v) => S::N(v),
        A::Bool(v) => S::Bool(v),
        A::M(map) => S::M(
            map.into_iter()
                .filter_map(|(k, v)| Some((k, to_stream_value(v)?)))
                .collect(),
        ),
        _ => return None,
    })
}
