//! A DynamoDB stream event source as Lambda runs one: per shard, read from
//! the starting position in order, hand batches to the function, and on
//! failure retry the batch (halving it when asked to bisect) up to the retry
//! limit before skipping it, as an event source mapping does. With a
//! batching window, records wait until a batch is full or the window has
//! passed since the first of them arrived, as Lambda batches them
//! (`MaximumBatchingWindowInSeconds`,
//! <https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html#invocation-eventsourcemapping-batching>).

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodbstreams::types::{AttributeValue, ShardIteratorType};
use serde_json::{json, Map, Value};

/// How the source reads the stream (what the event source mapping says).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSourceConfig {
    /// The stream's ARN.
    pub stream_arn: String,
    /// Start with the newest record (`LATEST`) rather than the oldest.
    pub latest: bool,
    /// Most records per invocation.
    pub batch_size: usize,
    /// Retries of a failing batch before it is skipped.
    pub max_retry_attempts: u32,
    /// Split a failing batch in two and retry the halves.
    pub bisect_on_error: bool,
    /// How long records may wait for a batch to fill (zero: none).
    pub batching_window: Duration,
}

/// Reads a stream from where it left off.
pub struct StreamReader {
    client: aws_sdk_dynamodbstreams::Client,
    config: StreamSourceConfig,
    iterators: HashMap<String, Option<String>>,
    /// Per shard: records read but not yet handed over, and when the first
    /// of them was read.
    waiting: HashMap<String, (Vec<Value>, Instant)>,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamPoll {
    /// Records handed to the function and accepted.
    pub delivered: usize,
    /// Records skipped after the retries ran out.
    pub skipped: usize,
    /// Invocations made.
    pub invocations: usize,
}

fn err<E: std::error::Error>(e: E) -> String {
    format!("{}", aws_sdk_dynamodbstreams::error::DisplayErrorContext(e))
}

impl StreamReader {
    /// A reader positioned at the start the config names.
    pub async fn open(
        client: aws_sdk_dynamodbstreams::Client,
        config: StreamSourceConfig,
    ) -> Result<Self, String> {
        let mut reader = StreamReader {
            client,
            config,
            iterators: HashMap::new(),
            waiting: HashMap::new(),
        };
        reader.discover_shards().await?;
        Ok(reader)
    }

    async fn discover_shards(&mut self) -> Result<(), String> {
        let described = self
            .client
            .describe_stream()
            .stream_arn(&self.config.stream_arn)
            .send()
            .await
            .map_err(err)?;
        let shards = described
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default();
        for shard in shards {
            let Some(id) = shard.shard_id() else { continue };
            if self.iterators.contains_key(id) {
                continue;
            }
            let kind = if self.config.latest {
                ShardIteratorType::Latest
            } else {
                ShardIteratorType::TrimHorizon
            };
            let iterator = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.config.stream_arn)
                .shard_id(id)
                .shard_iterator_type(kind)
                .send()
                .await
                .map_err(err)?
                .shard_iterator;
            self.iterators.insert(id.to_owned(), iterator);
        }
        Ok(())
    }

    /// Reads what is new on every shard and invokes `invoke` batch by batch.
    pub async fn poll<F, Fut, E>(&mut self, mut invoke: F) -> Result<StreamPoll, String>
    where
        F: FnMut(Value) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: std::fmt::Display,
    {
        self.discover_shards().await?;
        let mut outcome = StreamPoll::default();
        let shard_ids: Vec<String> = self.iterators.keys().cloned().collect();
        for shard in shard_ids {
            let Some(Some(iterator)) = self.iterators.get(&shard).cloned() else {
                // A closed shard: what still waits for its window goes now.
                if let Some((records, _)) = self.waiting.remove(&shard) {
                    for batch in records.chunks(self.config.batch_size.max(1)) {
                        self.deliver(batch, &mut invoke, &mut outcome).await;
                    }
                }
                continue;
            };
            let page = self
                .client
                .get_records()
                .shard_iterator(iterator)
                .limit(1000)
                .send()
                .await
                .map_err(err)?;
            self.iterators
                .insert(shard.clone(), page.next_shard_iterator().map(str::to_owned));
            let fresh: Vec<Value> = page
                .records()
                .iter()
                .map(|r| record_json(r, &self.config.stream_arn))
                .collect();
            let (mut records, since) = self
                .waiting
                .remove(&shard)
                .unwrap_or_else(|| (Vec::new(), Instant::now()));
            records.extend(fresh);
            let size = self.config.batch_size.max(1);
            let full = records.len() / size * size;
            let window_passed = since.elapsed() >= self.config.batching_window;
            let ready = if window_passed { records.len() } else { full };
            let rest = records.split_off(ready);
            for batch in records.chunks(size) {
                self.deliver(batch, &mut invoke, &mut outcome).await;
            }
            if !rest.is_empty() {
                // The window runs from the first waiting record's arrival.
                let since = if ready == 0 { since } else { Instant::now() };
                self.waiting.insert(shard, (rest, since));
            }
        }
        Ok(outcome)
    }

    /// Invokes with `batch`, retrying (and bisecting) as configured.
    async fn deliver<F, Fut, E>(&self, batch: &[Value], invoke: &mut F, outcome: &mut StreamPoll)
    where
        F: FnMut(Value) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: std::fmt::Display,
    {
        let mut pending: Vec<Vec<Value>> = vec![batch.to_vec()];
        while let Some(part) = pending.pop() {
            let mut attempts = 0;
            loop {
                outcome.invocations += 1;
                match invoke(json!({ "Records": part })).await {
                    Ok(_) => {
                        outcome.delivered += part.len();
                        break;
                    }
                    Err(e) if attempts < self.config.max_retry_attempts => {
                        attempts += 1;
                        eprintln!("stream batch failed (attempt {attempts}): {e}");
                        if self.config.bisect_on_error && part.len() > 1 {
                            let (a, b) = part.split_at(part.len() / 2);
                            pending.push(b.to_vec());
                            pending.push(a.to_vec());
                            break;
                        }
                    }
                    Err(e) => {
                        eprintln!("stream batch skipped after {attempts} retries: {e}");
                        outcome.skipped += part.len();
                        break;
                    }
                }
            }
        }
    }
}

/// One stream record as Lambda passes it.
fn record_json(record: &aws_sdk_dynamodbstreams::types::Record, arn: &str) -> Value {
    let change = record.dynamodb();
    let image = |item: Option<&HashMap<String, AttributeValue>>| -> Option<Value> {
        item.map(|m| {
            Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), attribute_json(v)))
                    .collect(),
            )
        })
    };
    let mut body = Map::new();
    if let Some(c) = change {
        if let Some(keys) = image(c.keys()) {
            body.insert("Keys".into(), keys);
        }
        if let Some(new) = image(c.new_image()) {
            body.insert("NewImage".into(), new);
        }
        if let Some(old) = image(c.old_image()) {
            body.insert("OldImage".into(), old);
        }
        body.insert(
            "SequenceNumber".into(),
            json!(c.sequence_number().unwrap_or_default()),
        );
        body.insert("SizeBytes".into(), json!(c.size_bytes().unwrap_or(0)));
        if let Some(view) = c.stream_view_type() {
            body.insert("StreamViewType".into(), json!(view.as_str()));
        }
    }
    json!({
        "eventID": record.event_id().unwrap_or_default(),
        "eventName": record.event_name().map(|n| n.as_str()).unwrap_or("MODIFY"),
        "eventVersion": record.event_version().unwrap_or("1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region().unwrap_or("us-east-1"),
        "dynamodb": Value::Object(body),
        "eventSourceARN": arn,
    })
}

/// An attribute value in DynamoDB's JSON form (`{"S": "..."}`).
pub fn attribute_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::L(items) => {
            json!({ "L": items.iter().map(attribute_json).collect::<Vec<_>>() })
        }
        AttributeValue::M(map) => {
            json!({ "M": map.iter().map(|(k, v)| (k.clone(), attribute_json(v))).collect::<Map<_, _>>() })
        }
        AttributeValue::B(b) => json!({ "B": base64(b.as_ref()) }),
        AttributeValue::Bs(v) => {
            json!({ "BS": v.iter().map(|b| base64(b.as_ref())).collect::<Vec<_>>() })
        }
        _ => Value::Null,
    }
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values() {
        assert_eq!(
            attribute_json(&AttributeValue::S("x".into())),
            json!({ "S": "x" })
        );
        assert_eq!(
            attribute_json(&AttributeValue::N("7".into())),
            json!({ "N": "7" })
        );
        assert_eq!(
            attribute_json(&AttributeValue::L(vec![AttributeValue::Bool(true)])),
            json!({ "L": [{ "BOOL": true }] })
        );
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
    }
}
