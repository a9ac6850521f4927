//! The indexer: each SQS message holds an S3 event notification (delivered
//! raw by the topic's subscription, or in SNS's envelope); each new object
//! becomes one item, and its hour's totals grow by it, in one transaction.
//! The upload's item is written only if it is not there yet, so a message
//! delivered twice (SQS delivers at least once) counts once.
//!
//! A message that cannot be read, or whose writes fail, is reported in
//! `batchItemFailures`: SQS delivers it again and, after the queue's
//! receive limit, moves it to the dead-letter queue, where an alarm fires.
//! Nothing already counted is lost or counted twice.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use serde::Deserialize;
use uploads_model::table;

use crate::key;

/// Why a message was not indexed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The body is neither an S3 event, S3's test event nor an SNS
    /// notification holding one.
    #[error("the message is not an S3 event notification: {0}")]
    NotAnS3Event(String),
    /// A record lacks what an index entry needs.
    #[error("an S3 record has no {0}")]
    Incomplete(&'static str),
    /// The object key is not URL-encoded UTF-8.
    #[error("the object key `{0}` is not URL-encoded UTF-8")]
    BadKey(String),
    /// DynamoDB refused the writes.
    #[error("writing the index: {0}")]
    Write(String),
}

/// What one message says.
#[derive(Debug, PartialEq)]
pub enum Notice {
    /// S3's test event, sent once when the notification is configured.
    Test,
    /// Uploads to index.
    Uploads(Vec<Upload>),
}

/// One new object.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// Its key, decoded.
    pub key: String,
    /// Its size in bytes.
    pub size: i64,
    /// When it was written (RFC 3339).
    pub written_at: String,
    /// What tells this event from another on the same key: S3's
    /// `sequencer` (which orders the events of one key), or, in a
    /// notification without one, the object's ETag and the event's time.
    pub event: String,
}

/// An S3 event notification: only the fields the index uses
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html>),
/// so one without the fields it does not use (moto leaves out
/// `userIdentity`, `requestParameters` and `sequencer`) is read as well.
#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "Records")]
    records: Vec<Record>,
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "eventName")]
    event_name: String,
    #[serde(rename = "eventTime")]
    event_time: String,
    s3: Entity,
}

#[derive(Deserialize)]
struct Entity {
    object: Object,
}

#[derive(Deserialize)]
struct Object {
    key: String,
    size: Option<i64>,
    #[serde(rename = "eTag")]
    e_tag: Option<String>,
    sequencer: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Message")]
    message: String,
}

#[derive(Deserialize)]
struct TestEvent {
    #[serde(rename = "Event")]
    event: String,
}

/// Reads a message body.
pub fn parse(body: &str) -> Result<Notice, IndexError> {
    if let Ok(envelope) = serde_json::from_str::<Envelope>(body) {
        if envelope.kind == "Notification" {
            return parse(&envelope.message);
        }
    }
    if let Ok(test) = serde_json::from_str::<TestEvent>(body) {
        if test.event == "s3:TestEvent" {
            return Ok(Notice::Test);
        }
    }
    let event: Notification =
        serde_json::from_str(body).map_err(|e| IndexError::NotAnS3Event(e.to_string()))?;
    let uploads = event
        .records
        .iter()
        .filter(|r| r.event_name.starts_with("ObjectCreated:"))
        .map(upload)
        .collect::<Result<_, _>>()?;
    Ok(Notice::Uploads(uploads))
}

fn upload(record: &Record) -> Result<Upload, IndexError> {
    let object = &record.s3.object;
    let event = match (&object.sequencer, &object.e_tag) {
        (Some(sequencer), _) => sequencer.clone(),
        (None, Some(etag)) => format!("{etag}@{}", record.event_time),
        (None, None) => return Err(IndexError::Incomplete("sequencer or eTag")),
    };
    Ok(Upload {
        key: key::decode(&object.key).ok_or_else(|| IndexError::BadKey(object.key.clone()))?,
        size: object.size.ok_or(IndexError::Incomplete("size"))?,
        written_at: record.event_time.clone(),
        event,
    })
}

/// The handler, with its table.
#[derive(Debug, Clone)]
pub struct Indexer {
    db: aws_sdk_dynamodb::Client,
    table: String,
}

impl Indexer {
    /// An indexer writing to `table`.
    pub fn new(db: aws_sdk_dynamodb::Client, table: String) -> Self {
        Indexer { db, table }
    }

    /// Indexes a batch; the messages that failed are named for SQS to
    /// deliver again.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in event.records {
            let id = message.message_id.clone().unwrap_or_default();
            let outcome = match parse(message.body.as_deref().unwrap_or_default()) {
                Ok(Notice::Test) => Ok(0),
                Ok(Notice::Uploads(uploads)) => self.index_all(&uploads).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(new) => tracing::info!(message_id = %id, new, "indexed"),
                Err(e) => {
                    tracing::error!(message_id = %id, error = %e, "not indexed; SQS delivers it again");
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = id;
                    response.batch_item_failures.push(failure);
                }
            }
        }
        response
    }

    async fn index_all(&self, uploads: &[Upload]) -> Result<usize, IndexError> {
        let mut new = 0;
        for upload in uploads {
            if self.index(upload).await? {
                new += 1;
            }
        }
        Ok(new)
    }

    /// Writes one upload and adds it to its hour; `false` when it was
    /// already indexed.
    pub async fn index(&self, upload: &Upload) -> Result<bool, IndexError> {
        let hour =
            uploads_model::hour(&upload.written_at).ok_or(IndexError::Incomplete("event time"))?;
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let n = |v: i64| AttributeValue::N(v.to_string());
        let put = Put::builder()
            .table_name(&self.table)
            .item(table::PK, s(&table::upload_pk(&upload.key, &upload.event)))
            .item(table::KEY, s(&upload.key))
            .item(table::SIZE, n(upload.size))
            .item(table::WRITTEN_AT, s(&upload.written_at))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", table::PK)
            .build()
            .map_err(|e| IndexError::Write(e.to_string()))?;
        let add = Update::builder()
            .table_name(&self.table)
            .key(table::PK, s(&table::hour_pk(hour)))
            .update_expression("SET #hour = :hour ADD #uploads :one, #bytes :size")
            .expression_attribute_names("#hour", table::KEY)
            .expression_attribute_names("#uploads", table::UPLOADS)
            .expression_attribute_names("#bytes", table::BYTES)
            .expression_attribute_values(":hour", s(hour))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":size", n(upload.size))
            .build()
            .map_err(|e| IndexError::Write(e.to_string()))?;
        // Every upload of an hour adds to one item, so batches running at
        // once can cancel each other's transactions (`TransactionConflict`,
        // <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling>):
        // those are tried again here, with a growing pause, before the
        // message is handed back to SQS.
        let mut pause = std::time::Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            let result = self
                .db
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().put(put.clone()).build())
                .transact_items(TransactWriteItem::builder().update(add.clone()).build())
                .send()
                .await;
            let e = match result {
                Ok(_) => return Ok(true),
                Err(e) => e,
            };
            let codes: Vec<&str> = match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => c
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("None"))
                    .collect(),
                _ => Vec::new(),
            };
            // The put comes first: its condition failed, so this event is
            // already indexed.
            if codes.first() == Some(&"ConditionalCheckFailed") {
                return Ok(false);
            }
            if attempt < 5 && codes.contains(&"TransactionConflict") {
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
                continue;
            }
            return Err(IndexError::Write(
                aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_event_and_envelopes_are_read() {
        let test = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-01T17:00:00.000Z","Bucket":"b"}"#;
        assert_eq!(parse(test).unwrap(), Notice::Test);
        let wrapped = serde_json::json!({"Type": "Notification", "Message": test}).to_string();
        assert_eq!(parse(&wrapped).unwrap(), Notice::Test);
        let err = parse("{\"hello\": 1}").unwrap_err();
        assert!(err.to_string().contains("not an S3 event"), "{err}");
    }
}
