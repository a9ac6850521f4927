//! An SQS event source as Lambda runs one, for emulators that cannot (moto
//! would start Docker): receive up to the batch size, wait out the batching
//! window, invoke, delete what succeeded, and make the reported failures
//! visible again so SQS redelivers them and, after the queue's
//! `maxReceiveCount`, moves them to its dead-letter queue.

use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageSystemAttributeName,
};
use serde_json::Value;

/// How the source reads the queue (what the event source mapping says).
#[derive(Debug, Clone, PartialEq)]
pub struct SqsSourceConfig {
    /// The queue's URL.
    pub queue_url: String,
    /// The queue's ARN (the events' `eventSourceARN`).
    pub queue_arn: String,
    /// Most messages per invocation.
    pub batch_size: usize,
    /// How long to gather a batch.
    pub batching_window: Duration,
    /// Whether the function reports `batchItemFailures`.
    pub report_batch_item_failures: bool,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollOutcome {
    /// Messages handed to the function.
    pub delivered: usize,
    /// Messages deleted after success.
    pub deleted: usize,
    /// Messages made visible again for a retry.
    pub retried: usize,
    /// Whether the invocation itself failed.
    pub invocation_failed: bool,
}

/// Polls once: gathers a batch, invokes `invoke` with the SQS event, and
/// settles every message. `invoke` returns the function's JSON response, or
/// an error when the invocation failed as a whole.
pub async fn poll_once<F, Fut, E>(
    sqs: &aws_sdk_sqs::Client,
    config: &SqsSourceConfig,
    invoke: F,
) -> Result<PollOutcome, String>
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = Result<Value, E>>,
    E: std::fmt::Display,
{
    let messages = gather(sqs, config).await?;
    if messages.is_empty() {
        return Ok(PollOutcome::default());
    }
    let event =
        serde_json::to_value(sqs_event(&messages, &config.queue_arn)).unwrap_or(Value::Null);
    let mut outcome = PollOutcome {
        delivered: messages.len(),
        ..PollOutcome::default()
    };
    let failed: HashSet<String> = match invoke(event).await {
        Ok(response) if config.report_batch_item_failures => match batch_item_failures(&response) {
            Some(ids) => ids,
            // A malformed response fails the whole batch, as on AWS.
            None => messages
                .iter()
                .filter_map(|m| m.message_id().map(str::to_owned))
                .collect(),
        },
        Ok(_) => HashSet::new(),
        Err(e) => {
            eprintln!("invocation failed: {e}");
            outcome.invocation_failed = true;
            messages
                .iter()
                .filter_map(|m| m.message_id().map(str::to_owned))
                .collect()
        }
    };
    // Settled ten at a time, as Lambda does: the successes deleted, the
    // reported failures made visible again at once.
    let mut delete = Vec::new();
    let mut retry = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let Some(handle) = message.receipt_handle() else {
            continue;
        };
        if message.message_id().is_some_and(|id| failed.contains(id)) {
            retry.push(
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(format!("m{i}"))
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .build()
                    .map_err(|e| e.to_string())?,
            );
        } else {
            delete.push(
                DeleteMessageBatchRequestEntry::builder()
                    .id(format!("m{i}"))
                    .receipt_handle(handle)
                    .build()
                    .map_err(|e| e.to_string())?,
            );
        }
    }
    for chunk in delete.chunks(10) {
        let out = sqs
            .delete_message_batch()
            .queue_url(&config.queue_url)
            .set_entries(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| format!("{}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        if let Some(f) = out.failed().first() {
            return Err(format!(
                "deleting a message failed: {}",
                f.message().unwrap_or(f.code())
            ));
        }
        outcome.deleted += chunk.len();
    }
    for chunk in retry.chunks(10) {
        let out = sqs
            .change_message_visibility_batch()
            .queue_url(&config.queue_url)
            .set_entries(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| format!("{}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        if let Some(f) = out.failed().first() {
            return Err(format!(
                "returning a message failed: {}",
                f.message().unwrap_or(f.code())
            ));
        }
        outcome.retried += chunk.len();
    }
    Ok(outcome)
}

/// Receives until the batch is full, the window has passed, or the queue is empty.
async fn gather(
    sqs: &aws_sdk_sqs::Client,
    config: &SqsSourceConfig,
) -> Result<Vec<Message>, String> {
    let deadline = Instant::now() + config.batching_window;
    let mut messages: Vec<Message> = Vec::new();
    while messages.len() < config.batch_size.max(1) {
        let want = (config.batch_size.max(1) - messages.len()).min(10) as i32;
        let received = sqs
            .receive_message()
            .queue_url(&config.queue_url)
            .max_number_of_messages(want)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| format!("{}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let got = received.messages().len();
        messages.extend(received.messages().iter().cloned());
        if got == 0 && (messages.is_empty() || Instant::now() >= deadline) {
            break;
        }
        if got == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    Ok(messages)
}

/// The event Lambda hands an SQS-triggered function, as
/// `aws_lambda_events`' `SqsEvent` (the type the functions read).
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> aws_lambda_events::sqs::SqsEvent {
    use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
    let region = queue_arn.split(':').nth(3).unwrap_or("us-east-1");
    let records = messages
        .iter()
        .map(|m| {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id().map(str::to_owned);
            record.receipt_handle = m.receipt_handle().map(str::to_owned);
            record.body = m.body().map(str::to_owned);
            record.md5_of_body = m.md5_of_body().map(str::to_owned);
            record.md5_of_message_attributes = m.md5_of_message_attributes().map(str::to_owned);
            record.attributes = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            record.message_attributes = m
                .message_attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| {
                            let mut attribute = SqsMessageAttribute::default();
                            attribute.string_value = v.string_value().map(str::to_owned);
                            attribute.string_list_values = v.string_list_values().to_vec();
                            attribute.data_type = Some(v.data_type().to_owned());
                            (k.clone(), attribute)
                        })
                        .collect()
                })
                .unwrap_or_default();
            record.event_source = Some("aws:sqs".into());
            record.event_source_arn = Some(queue_arn.to_owned());
            record.aws_region = Some(region.to_owned());
            record
        })
        .collect();
    let mut event = SqsEvent::default();
    event.records = records;
    event
}

fn batch_item_failures(response: &Value) -> Option<HashSet<String>> {
    if response.is_null() {
        return Some(HashSet::new());
    }
    let failures = response.get("batchItemFailures")?;
    if failures.is_null() {
        return Some(HashSet::new());
    }
    failures
        .as_array()?
        .iter()
        .map(|f| {
            f.get("itemIdentifier")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failure_responses() {
        assert_eq!(batch_item_failures(&json!(null)), Some(HashSet::new()));
        assert_eq!(
            batch_item_failures(&json!({ "batchItemFailures": [] })),
            Some(HashSet::new())
        );
        assert_eq!(
            batch_item_failures(&json!({ "batchItemFailures": [{ "itemIdentifier": "a" }] })),
            Some(HashSet::from(["a".to_owned()]))
        );
        assert_eq!(
            batch_item_failures(&json!({ "batchItemFailures": [{ "id": "a" }] })),
            None
        );
        assert_eq!(batch_item_failures(&json!({ "unexpected": 1 })), None);
    }
}
