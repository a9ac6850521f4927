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
use serde_json::{json, Value};

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

/// One stream record as Lambda passes it: `aws_lambda_events`' record, its
/// images converted by `serde_dynamo` from the Streams API's values, so
/// the shape is the one the functions' own event types read.
fn record_json(record: &aws_sdk_dynamodbstreams::types::Record, arn: &str) -> Value {
    use aws_lambda_events::dynamodb::{EventRecord, StreamRecord, StreamViewType};
    let image = |item: Option<&HashMap<String, AttributeValue>>| -> serde_dynamo::Item {
        item.map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), serde_dynamo::AttributeValue::from(v.clone())))
                .collect::<HashMap<_, _>>()
                .into()
        })
        .unwrap_or_default()
    };
    let mut change = StreamRecord::default();
    if let Some(c) = record.dynamodb() {
        change.keys = image(c.keys());
        change.new_image = image(c.new_image());
        change.old_image = image(c.old_image());
        change.sequence_number = c.sequence_number().map(str::to_owned);
        change.size_bytes = c.size_bytes().unwrap_or(0);
        change.stream_view_type = c
            .stream_view_type()
            .and_then(|v| serde_json::from_value::<StreamViewType>(json!(v.as_str())).ok());
        if let Some(at) = c.approximate_creation_date_time() {
            if let Some(time) = chrono::DateTime::from_timestamp(at.secs(), at.subsec_nanos()) {
                change.approximate_creation_date_time = time;
            }
        }
    }
    let mut out = EventRecord::default();
    out.event_id = record.event_id().unwrap_or_default().to_owned();
    out.event_name = record
        .event_name()
        .map_or("MODIFY", |n| n.as_str())
        .to_owned();
    out.event_version = Some(record.event_version().unwrap_or("1.1").to_owned());
    out.event_source = Some("aws:dynamodb".into());
    out.aws_region = record.aws_region().unwrap_or("us-east-1").to_owned();
    out.event_source_arn = Some(arn.to_owned());
    out.change = change;
    serde_json::to_value(out).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_has_the_shape_the_functions_read() {
        use aws_sdk_dynamodbstreams::types::{OperationType, Record, StreamRecord, StreamViewType};
        let change = StreamRecord::builder()
            .keys("pk", AttributeValue::S("totals".into()))
            .new_image("pk", AttributeValue::S("totals".into()))
            .new_image("views", AttributeValue::N("7".into()))
            .new_image("top", AttributeValue::L(vec![AttributeValue::Bool(true)]))
            .sequence_number("100")
            .size_bytes(42)
            .stream_view_type(StreamViewType::NewAndOldImages)
            .build();
        let record = Record::builder()
            .event_id("e1")
            .event_name(OperationType::Insert)
            .aws_region("us-east-1")
            .dynamodb(change)
            .build();
        let value = record_json(&record, "arn:aws:dynamodb:us-east-1:1:table/t/stream/s");
        assert_eq!(value["dynamodb"]["NewImage"]["views"], json!({ "N": "7" }));
        assert_eq!(
            value["dynamodb"]["NewImage"]["top"],
            json!({ "L": [{ "BOOL": true }] })
        );
        assert_eq!(value["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
        assert_eq!(
            value["eventSourceARN"],
            "arn:aws:dynamodb:us-east-1:1:table/t/stream/s"
        );
        let typed: aws_lambda_events::dynamodb::Event =
            serde_json::from_value(json!({ "Records": [value] })).unwrap();
        assert_eq!(typed.records[0].event_name, "INSERT");
        assert_eq!(typed.records[0].change.size_bytes, 42);
    }
}
