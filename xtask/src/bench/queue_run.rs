//! The queue run: the workload through a real SQS queue with 5% of its
//! messages delivered twice, drained by pollers with Lambda's semantics into
//! the processor. Says whether the counts came out exact, and how many
//! requests per second went from the queue to the tables.
//!
//! Visits arrive as a stream, not as one dump: the sender keeps at most
//! [`BACKLOG`] messages unprocessed, as a processor that keeps up would see. It
//! also keeps moto fast: moto's ReceiveMessage walks the whole queue several
//! times for every message it returns, so a queue of 10,000 drains at ten
//! messages a second and one of a hundred at hundreds.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use emulator::sqs_source::{self, SqsSourceConfig};
use visitor_functions::processor::Processor;
use visitor_model::provision::TableNames;
use visitor_model::tables::{paths, totals, visitors};

use super::progress::Progress;
use super::workload::{Rng, Truth, Workload};
use crate::sdk_error::sdk_error;

/// Share of messages delivered twice.
pub const DUPLICATE_SHARE: f64 = 0.05;
/// How far back a redelivered message was first sent, at most: SQS delivers
/// a message again when its visibility timeout (180 s for this stack) runs
/// out, and at the workload's pace (five requests every three seconds) 300
/// messages arrive in that time.
pub const REDELIVERY_SPAN: usize = 300;
/// Most messages sent and not yet processed (waiting or in flight) at once.
pub const BACKLOG: usize = 100;
/// Pollers running at once (Lambda runs several batches in parallel).
const POLLERS: usize = 4;
/// The event source's batch size.
const BATCH_SIZE: usize = 10;
/// Empty polls in a row, after the last message was sent, that end a poller.
const EMPTY_POLLS_TO_STOP: u32 = 3;

/// What the queue run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Whether every table ended with the workload's true counts.
    pub exact: bool,
    /// The workload's requests per second, first send to last delete.
    pub requests_per_s: f64,
    /// How the messages were delivered, for the report.
    pub delivery: String,
}

/// The messages in send order: every request once, and after about
/// [`DUPLICATE_SHARE`] of them a copy of one of the [`REDELIVERY_SPAN`]
/// requests before (a redelivery).
pub fn deliveries(work: &Workload, seed: u64) -> Result<Vec<String>> {
    let bodies = work
        .messages
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()?;
    let mut rng = Rng::new(seed);
    let mut sent: Vec<String> = Vec::with_capacity(bodies.len() * 21 / 20);
    for (i, body) in bodies.iter().enumerate() {
        sent.push(body.clone());
        if rng.unit() < DUPLICATE_SHARE {
            let span = (i + 1).min(REDELIVERY_SPAN) as u64;
            let earlier = i - (rng.next_u64() % span) as usize;
            sent.push(bodies[earlier].clone());
        }
    }
    Ok(sent)
}

/// Runs the workload through a fresh queue into `processor`, which writes to
/// `names`, and compares the tables with the truth.
pub async fn run(
    sdk: &aws_config::SdkConfig,
    processor: &Processor,
    names: &TableNames,
    work: &Workload,
    seed: u64,
) -> Result<Outcome> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queue_url = sqs
        .create_queue()
        .queue_name("bench-exact")
        .send()
        .await
        .map_err(sdk_error)
        .context("creating the benchmark's queue")?
        .queue_url
        .context("the emulator returned no queue URL")?;
    let sent = deliveries(work, seed).context("serializing the workload's messages")?;
    let delivery = format!(
        "{} messages, {} of them a second time (each within {REDELIVERY_SPAN} messages of its first delivery), at most {BACKLOG} unprocessed, {POLLERS} pollers taking batches of {BATCH_SIZE}",
        sent.len(),
        sent.len() - work.messages.len()
    );
    crate::out::say!("queue to tables: {delivery}");
    let config = SqsSourceConfig {
        queue_url: queue_url.clone(),
        queue_arn: "arn:aws:sqs:us-east-1:123456789012:bench-exact".into(),
        batch_size: BATCH_SIZE,
        batching_window: Duration::ZERO,
        report_batch_item_failures: true,
    };
    let flow = Flow {
        sent: AtomicUsize::new(0),
        done_sending: AtomicBool::new(false),
        poller_failed: AtomicBool::new(false),
        settled: Progress::new("messages processed and deleted", sent.len()),
    };
    let started = Instant::now();
    let draining = async {
        let pollers = (0..POLLERS).map(|_| async {
            let result = poll_until_drained(&sqs, &config, processor, &flow).await;
            if result.is_err() {
                // The sender must not wait for a queue no one drains.
                flow.poller_failed.store(true, Ordering::SeqCst);
            }
            result
        });
        futures::future::join_all(pollers)
            .await
            .into_iter()
            .collect::<Result<()>>()
    };
    let (sending, draining) = flow
        .settled
        .track(async { futures::join!(send_paced(&sqs, &queue_url, &sent, &flow), draining) })
        .await;
    // A poller's failure is the cause; the sender only stopped because of it.
    draining?;
    sending?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Outcome {
        exact: counts_match(sdk, names, &work.truth).await?,
        requests_per_s: work.messages.len() as f64 / seconds,
        delivery,
    })
}

/// The counters sender and pollers share.
#[derive(Debug)]
struct Flow {
    sent: AtomicUsize,
    done_sending: AtomicBool,
    poller_failed: AtomicBool,
    /// Messages deleted after the processor handled them; one that failed
    /// comes back and is counted when it finally succeeds.
    settled: Progress,
}

impl Flow {
    /// Messages sent and not yet settled: waiting, in flight, or failed and
    /// waiting for their retry.
    fn waiting(&self) -> usize {
        self.sent
            .load(Ordering::SeqCst)
            .saturating_sub(self.settled.done())
    }
}

/// Sends `bodies` ten at a time, never letting more than [`BACKLOG`] wait.
async fn send_paced(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    bodies: &[String],
    flow: &Flow,
) -> Result<()> {
    let result = async {
        for chunk in bodies.chunks(10) {
            while flow.waiting() + chunk.len() > BACKLOG {
                anyhow::ensure!(
                    !flow.poller_failed.load(Ordering::SeqCst),
                    "stopped sending: the queue is no longer drained"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(format!("e{i}"))
                        .message_body(body)
                        .build()
                        .map_err(anyhow::Error::from)
                })
                .collect::<Result<Vec<_>>>()?;
            let output = sqs
                .send_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(sdk_error)
                .context("sending to the benchmark's queue")?;
            anyhow::ensure!(
                output.failed().is_empty(),
                "the queue refused {} messages: {}",
                output.failed().len(),
                output
                    .failed()
                    .first()
                    .and_then(|f| f.message())
                    .unwrap_or("no reason given")
            );
            flow.sent.fetch_add(chunk.len(), Ordering::SeqCst);
        }
        Ok(())
    }
    .await;
    // Set on failure too, so the pollers stop and the error is reported.
    flow.done_sending.store(true, Ordering::SeqCst);
    result
}

/// Polls as Lambda's event source does until the sender is done and the
/// queue stays empty.
async fn poll_until_drained(
    sqs: &aws_sdk_sqs::Client,
    config: &SqsSourceConfig,
    processor: &Processor,
    flow: &Flow,
) -> Result<()> {
    let mut empty = 0;
    while empty < EMPTY_POLLS_TO_STOP && !flow.poller_failed.load(Ordering::SeqCst) {
        let sending = !flow.done_sending.load(Ordering::SeqCst);
        let outcome = sqs_source::poll_once(sqs, config, |event| async move {
            let event: SqsEvent = serde_json::from_value(event).map_err(|e| e.to_string())?;
            serde_json::to_value(processor.handle(event).await).map_err(|e| e.to_string())
        })
        .await
        .map_err(anyhow::Error::msg)
        .context("polling the benchmark's queue")?;
        flow.settled.add(outcome.deleted);
        if outcome.delivered > 0 || sending {
            empty = 0;
        } else {
            empty += 1;
        }
        if outcome.delivered == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

/// Whether every table holds exactly the workload's counts; prints what differs.
pub async fn counts_match(
    sdk: &aws_config::SdkConfig,
    names: &TableNames,
    truth: &Truth,
) -> Result<bool> {
    let db = aws_sdk_dynamodb::Client::new(sdk);
    let path_counts = scan_counts(&db, &names.paths, paths::PK, paths::COUNT).await?;
    let visitor_counts = scan_counts(&db, &names.visitors, visitors::PK, visitors::COUNT).await?;
    let total = db
        .get_item()
        .table_name(&names.totals)
        .key(totals::PK, AttributeValue::S(totals::SITE.into()))
        .consistent_read(true)
        .send()
        .await
        .map_err(sdk_error)
        .context("reading the totals")?;
    let number = |name: &str| total.item().and_then(|i| i.get(name)).map_or(0, count);
    let mut problems = Vec::new();
    for (what, found, expected) in [
        ("page views", number(totals::VISITS), truth.page_views),
        (
            "requests",
            number(totals::REQUESTS),
            truth.paths.values().sum(),
        ),
        (
            "unique visitors",
            number(totals::UNIQUE_VISITORS),
            truth.unique_visitors,
        ),
    ] {
        if found != expected {
            problems.push(format!("{what} {found} (expected {expected})"));
        }
    }
    for (what, found, expected) in [
        ("path", &path_counts, &truth.paths),
        ("visitor", &visitor_counts, &truth.visitors),
    ] {
        if let Some(difference) = first_difference(found, expected) {
            problems.push(format!("per-{what} counts differ: {difference}"));
        }
    }
    for p in &problems {
        eprintln!("    not exact: {p}");
    }
    Ok(problems.is_empty())
}

/// Every item of `table` as its `key` attribute and its `value` count.
async fn scan_counts(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &str,
    value: &str,
) -> Result<BTreeMap<String, u64>> {
    let mut found = BTreeMap::new();
    let mut pages = db.scan().table_name(table).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(sdk_error)
            .with_context(|| format!("scanning {table}"))?;
        for item in page.items() {
            let k = item
                .get(key)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            found.insert(k, item.get(value).map_or(0, count));
        }
    }
    Ok(found)
}

fn count(value: &AttributeValue) -> u64 {
    value
        .as_n()
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_default()
}

/// The first key whose count differs, as `key: found (expected)`.
fn first_difference(
    found: &BTreeMap<String, u64>,
    expected: &BTreeMap<String, u64>,
) -> Option<String> {
    expected
        .keys()
        .chain(found.keys())
        .find(|k| found.get(*k) != expected.get(*k))
        .map(|k| {
            format!(
                "{k}: {} (expected {})",
                found.get(k).copied().unwrap_or(0),
                expected.get(k).copied().unwrap_or(0)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::workload::{generate, Shape};

    #[test]
    fn about_one_message_in_twenty_is_delivered_twice() {
        let work = generate(Shape::FULL, 3);
        let sent = deliveries(&work, 4).expect("serializable");
        let extra = sent.len() - work.messages.len();
        assert!((400..600).contains(&extra), "{extra} duplicates");
        // Each body's first position: every message is there, and a
        // redelivery follows its first delivery within REDELIVERY_SPAN
        // requests (plus the redeliveries sent in between).
        let mut first: std::collections::HashMap<&String, usize> = Default::default();
        for (position, body) in sent.iter().enumerate() {
            let at = *first.entry(body).or_insert(position);
            assert!(position - at <= REDELIVERY_SPAN + extra, "{position} {at}");
        }
        assert_eq!(first.len(), work.messages.len());
        assert_eq!(sent, deliveries(&work, 4).expect("serializable"));
    }

    #[test]
    fn the_first_differing_count_is_named() {
        let expected: BTreeMap<String, u64> = [("/".into(), 3), ("/a".into(), 1)].into();
        let mut found = expected.clone();
        assert_eq!(first_difference(&found, &expected), None);
        found.insert("/a".into(), 2);
        assert_eq!(
            first_difference(&found, &expected).as_deref(),
            Some("/a: 2 (expected 1)")
        );
        found.remove("/a");
        found.insert("/b".into(), 1);
        assert_eq!(
            first_difference(&found, &expected).as_deref(),
            Some("/a: 0 (expected 1)")
        );
    }
}
