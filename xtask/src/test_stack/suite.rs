//! The integration suite a test stack must pass, written against the stack's
//! outputs only, so the same checks run on the emulator and on AWS: visits in
//! the edge recorder's message format are counted exactly (tables and counts
//! API), a malformed message ends in the dead-letter queue while its batch
//! neighbours count, and a WebSocket client receives the new count.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};
use serde_json::Value;
use visitor_model::message::{VisitMessage, VERSION};
use visitor_model::tables::{connections, paths, totals, visitors};
use visitor_stack::outputs;

use super::client::{get_json, LiveClient};
use crate::sdk_error::sdk_error;

/// Longest wait for visits to be counted.
const COUNT_LIMIT: Duration = Duration::from_secs(90);

/// What the checks work with.
pub struct Ctx {
    /// The endpoint's SDK configuration.
    pub sdk: aws_config::SdkConfig,
    /// The stack's outputs, served URLs in place.
    pub outputs: BTreeMap<String, String>,
    /// Unique to this run: paths and IPs carry it, so runs never mix.
    pub run: String,
    /// How the stack stores visitor IPs.
    pub ip_storage: visitor_stack::IpStorage,
    /// The deployed template (what the alarms are, where moto keeps none).
    pub template: Value,
}

/// A future a check returns.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// One named check.
#[derive(Clone, Copy)]
pub struct Check {
    /// What it proves.
    pub name: &'static str,
    /// The check.
    pub run: for<'a> fn(&'a Ctx) -> CheckFuture<'a>,
}

/// Every check, in the order they run (one at a time: they read shared totals).
pub fn all() -> Vec<Check> {
    vec![
        Check {
            name: "visits are counted exactly, once each, in the tables and the counts API",
            run: |ctx| Box::pin(visits_are_counted_exactly(ctx)),
        },
        Check {
            name: "a malformed message ends in the dead-letter queue; its batch neighbours count",
            run: |ctx| Box::pin(malformed_goes_to_dead_letters(ctx)),
        },
        Check {
            name: "a visit redelivered in a later batch counts once",
            run: |ctx| Box::pin(redelivery_counts_once(ctx)),
        },
        Check {
            name: "a connected WebSocket client receives the new count after a visit",
            run: |ctx| Box::pin(live_client_gets_new_count(ctx)),
        },
        Check {
            name: "a connection that is gone is forgotten by the next broadcast",
            run: |ctx| Box::pin(gone_connection_is_forgotten(ctx)),
        },
        Check {
            name: "a crawler's request is a bot request, not a view, and open pages still get whole counts",
            run: |ctx| Box::pin(crawler_is_no_view(ctx)),
        },
    ]
}

impl Ctx {
    fn output(&self, name: &str) -> Result<&str> {
        self.outputs
            .get(name)
            .map(String::as_str)
            .with_context(|| format!("the stack has no output {name}"))
    }

    fn db(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    /// A visit of this run: an address in 2001:db8::/32 (documentation) and
    /// a path under `/<run>/`.
    fn visit(&self, n: usize, visitor: u16, page: &str) -> VisitMessage {
        VisitMessage {
            v: VERSION,
            id: format!("{}-{n}", self.run),
            ip: format!("2001:db8:{}::{visitor:x}", &self.run[..4]),
            path: format!("/{}/{page}", self.run),
            served: true,
            method: "GET".into(),
            user_agent: visitor_model::fixtures::BROWSER_USER_AGENT.into(),
            referer: String::new(),
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }

    /// Sends bodies to the visit queue in one batch (as many as ten).
    async fn send(&self, bodies: &[String]) -> Result<()> {
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let entries = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                SendMessageBatchRequestEntry::builder()
                    .id(format!("m{i}"))
                    .message_body(body)
                    .build()
                    .map_err(anyhow::Error::from)
            })
            .collect::<Result<Vec<_>>>()?;
        let sent = sqs
            .send_message_batch()
            .queue_url(self.output(outputs::QUEUE_URL)?)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(sdk_error)
            .context("sending visits to the queue")?;
        ensure!(
            sent.failed().is_empty(),
            "the queue refused {} messages",
            sent.failed().len()
        );
        Ok(())
    }

    async fn item(&self, table: &str, key: &str, value: &str) -> Result<Option<u64>> {
        let item = self
            .db()
            .get_item()
            .table_name(self.output(table)?)
            .key(key, AttributeValue::S(value.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)
            .with_context(|| format!("reading {value} from {table}"))?;
        Ok(item.item().map(|i| number(i, "count")))
    }

    /// The totals item, read consistently (empty when there is none yet).
    async fn totals_item(&self) -> Result<HashMap<String, AttributeValue>> {
        let item = self
            .db()
            .get_item()
            .table_name(self.output(outputs::TOTALS_TABLE)?)
            .key(totals::PK, AttributeValue::S(totals::SITE.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)
            .context("reading the totals")?;
        Ok(item.item.unwrap_or_default())
    }

    /// (page views, unique visitors) in the totals table.
    async fn totals(&self) -> Result<(u64, u64)> {
        let item = self.totals_item().await?;
        Ok((
            number(&item, totals::VISITS),
            number(&item, totals::UNIQUE_VISITORS),
        ))
    }

    /// Requests by crawlers and tools, from the totals item.
    async fn bot_requests(&self) -> Result<u64> {
        Ok(number(&self.totals_item().await?, totals::BOT_REQUESTS))
    }

    async fn path_count(&self, page: &str) -> Result<u64> {
        let path = format!("/{}/{page}", self.run);
        Ok(self
            .item(outputs::PATHS_TABLE, paths::PK, &path)
            .await?
            .unwrap_or(0))
    }

    /// A visitor's request count (`None` when the stack keeps no
    /// visitor items: `ip_storage = "none"`).
    async fn visitor_count(&self, ip: &str) -> Result<Option<u64>> {
        let key = match self.ip_storage {
            visitor_stack::IpStorage::Raw => ip.to_owned(),
            visitor_stack::IpStorage::None => return Ok(None),
            visitor_stack::IpStorage::Hashed => {
                let table = self.output(outputs::VISITORS_TABLE)?;
                let today = chrono::Utc::now().date_naive();
                let salt = visitor_functions::processor::salt::read_salt(&self.db(), table, today)
                    .await
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("reading today's salt from {table}"))?
                    .with_context(|| format!("the processor made no salt for today in {table}"))?;
                visitor_functions::processor::hashed_key(&salt, ip)
            }
        };
        Ok(Some(
            self.item(outputs::VISITORS_TABLE, visitors::PK, &key)
                .await?
                .unwrap_or(0),
        ))
    }

    /// Waits until the totals reach `visits` page views; fails if they pass it.
    async fn wait_for_total(&self, visits: u64, limit: Duration) -> Result<(u64, u64)> {
        let deadline = Instant::now() + limit;
        loop {
            let now = self.totals().await?;
            if now.0 > visits {
                bail!("counted {} page views, expected {visits}", now.0);
            }
            if now.0 == visits {
                return Ok(now);
            }
            if Instant::now() > deadline {
                bail!(
                    "after {}s the totals say {} page views, expected {visits}",
                    limit.as_secs(),
                    now.0
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

fn number(item: &std::collections::HashMap<String, AttributeValue>, key: &str) -> u64 {
    item.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn body(message: &VisitMessage) -> Result<String> {
    Ok(serde_json::to_string(message)?)
}

async fn visits_are_counted_exactly(ctx: &Ctx) -> Result<()> {
    let (visits, unique) = ctx.totals().await?;
    let sent = [
        ctx.visit(1, 1, "a"),
        ctx.visit(2, 1, "a"),
        ctx.visit(3, 2, "a"),
        ctx.visit(4, 2, "b"),
        ctx.visit(5, 3, "b"),
        ctx.visit(6, 3, "c/index.html"),
    ];
    let mut bodies = sent.iter().map(body).collect::<Result<Vec<_>>>()?;
    // The same visit delivered twice (SQS is at-least-once) counts once.
    bodies.push(body(&sent[0])?);
    ctx.send(&bodies).await?;

    let now = ctx.wait_for_total(visits + 6, COUNT_LIMIT).await?;
    // A late duplicate would show up now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = ctx.totals().await?;
    ensure!(
        settled == now,
        "the totals moved on to {settled:?} after reaching {now:?}"
    );
    ensure!(
        now.1 == unique + 3,
        "unique visitors went from {unique} to {}, expected +3",
        now.1
    );
    for (page, expected) in [("a", 3), ("b", 2), ("c/", 1)] {
        let count = ctx.path_count(page).await?;
        ensure!(
            count == expected,
            "/{}/{page} counted {count} times, expected {expected}",
            ctx.run
        );
    }
    for (visitor, expected) in [(1, 2), (2, 2), (3, 2)] {
        let ip = &sent[(visitor - 1) * 2].ip;
        let Some(count) = ctx.visitor_count(ip).await? else {
            break;
        };
        ensure!(
            count == expected,
            "visitor {ip} counted {count} times, expected {expected}"
        );
    }

    let api = ctx.output(outputs::API_URL)?.trim_end_matches('/');
    let url = format!("{api}/api/counts?path=/{}/a", ctx.run);
    let (status, response) = get_json(&url).await?;
    ensure!(status == 200, "GET {url} answered {status}: {response}");
    let field = |name: &str| response.get(name).and_then(Value::as_u64);
    ensure!(
        field("total") == Some(now.0) && field("unique") == Some(now.1),
        "GET {url} says {response}, the tables say {} views and {} visitors",
        now.0,
        now.1
    );
    ensure!(
        field("path_count") == Some(3),
        "GET {url} says {response}, expected path_count 3"
    );
    Ok(())
}

/// Every attribute of the queue at `url` (`what` names it in errors).
async fn queue_attributes(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    what: &str,
) -> Result<std::collections::HashMap<QueueAttributeName, String>> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .map_err(sdk_error)
        .with_context(|| format!("reading the attributes of {what}"))?;
    Ok(out.attributes().cloned().unwrap_or_default())
}

async fn malformed_goes_to_dead_letters(ctx: &Ctx) -> Result<()> {
    let sqs = aws_sdk_sqs::Client::new(&ctx.sdk);
    let queue = ctx.output(outputs::QUEUE_URL)?;
    let dead_letters = ctx.output(outputs::DEAD_LETTER_QUEUE_URL)?;
    // Redelivery takes a visibility timeout per receive on AWS.
    let attribute = {
        let attributes = queue_attributes(&sqs, queue, "the visit queue").await?;
        move |name: QueueAttributeName| attributes.get(&name).cloned().unwrap_or_default()
    };
    let visibility: u64 = attribute(QueueAttributeName::VisibilityTimeout)
        .parse()
        .unwrap_or(30);
    let redrive: Value =
        serde_json::from_str(&attribute(QueueAttributeName::RedrivePolicy)).unwrap_or(Value::Null);
    let receives = redrive["maxReceiveCount"]
        .as_u64()
        .or_else(|| redrive["maxReceiveCount"].as_str()?.parse().ok())
        .context(
            "the visit queue has no redrive policy, so nothing ever reaches a dead-letter queue",
        )?;
    let limit = Duration::from_secs(visibility * receives + 60);

    let (visits, _) = ctx.totals().await?;
    let malformed = format!("{{\"v\":1,\"broken\":\"{}\"", ctx.run);
    ctx.send(&[
        body(&ctx.visit(11, 9, "dlq"))?,
        malformed.clone(),
        body(&ctx.visit(12, 9, "dlq"))?,
    ])
    .await?;
    ctx.wait_for_total(visits + 2, COUNT_LIMIT).await?;
    let count = ctx.path_count("dlq").await?;
    ensure!(count == 2, "the two good neighbours counted {count} times");

    let deadline = Instant::now() + limit;
    // The dead-letter alarm: moto keeps no SQS metrics and no alarms from a
    // template, so the check reads the alarm from the deployed template and
    // the depth CloudWatch would report from the queue itself.
    let depth = loop {
        let depth: f64 = queue_attributes(&sqs, dead_letters, "the dead-letter queue")
            .await?
            .get(&QueueAttributeName::ApproximateNumberOfMessages)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        if depth > 0.0 {
            break depth;
        }
        if Instant::now() > deadline {
            bail!(
                "the malformed message did not reach {dead_letters} within {}s",
                limit.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let (alarm, threshold) = dead_letter_alarm(&ctx.template)?;
    ensure!(
        depth > threshold,
        "the dead-letter queue holds {depth} messages, not above the threshold {threshold} of {alarm}"
    );
    loop {
        let received = sqs
            .receive_message()
            .queue_url(dead_letters)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .map_err(sdk_error)
            .context("reading the dead-letter queue")?;
        for message in received.messages() {
            if message.body() == Some(malformed.as_str()) {
                if let Some(handle) = message.receipt_handle() {
                    sqs.delete_message()
                        .queue_url(dead_letters)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .ok();
                }
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!(
                "the malformed message did not reach {dead_letters} within {}s",
                limit.as_secs()
            );
        }
    }
}

/// The alarm on the dead-letter queue's depth in `template`, checked to be
/// wired as AWS needs it: SQS's `ApproximateNumberOfMessagesVisible` of the
/// queue the redrive policy names, its maximum above a threshold,
/// notifying a topic on ALARM and on OK. Its logical ID and threshold.
fn dead_letter_alarm(template: &Value) -> Result<(String, f64)> {
    let resources = template["Resources"]
        .as_object()
        .context("the template has no resources")?;
    let dead_letters = resources
        .values()
        .filter(|r| r["Type"] == "AWS::SQS::Queue")
        .find_map(|r| {
            r["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].as_str()
        })
        .context("no queue of the template has a dead-letter queue")?;
    let (id, alarm) = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .find(|(_, r)| {
            let p = &r["Properties"];
            p["Namespace"] == "AWS/SQS"
                && p["MetricName"] == "ApproximateNumberOfMessagesVisible"
                && p["Dimensions"].as_array().is_some_and(|d| {
                    d.iter().any(|d| {
                        d["Name"] == "QueueName"
                            && d["Value"]["Fn::GetAtt"]
                                == serde_json::json!([dead_letters, "QueueName"])
                    })
                })
        })
        .with_context(|| format!("no alarm watches the depth of {dead_letters}"))?;
    let p = &alarm["Properties"];
    ensure!(
        p["Statistic"] == "Maximum" && p["ComparisonOperator"] == "GreaterThanThreshold",
        "{id} must fire on the maximum above its threshold: {p}"
    );
    for actions in ["AlarmActions", "OKActions"] {
        ensure!(
            p[actions].as_array().is_some_and(|a| !a.is_empty()),
            "{id} notifies no one ({actions} is empty)"
        );
    }
    let threshold = p["Threshold"]
        .as_f64()
        .context("the alarm has no threshold")?;
    Ok((id.clone(), threshold))
}

async fn live_client_gets_new_count(ctx: &Ctx) -> Result<()> {
    let url = ctx.output(outputs::WEBSOCKET_URL)?;
    let mut client = LiveClient::connect(url).await?;
    let (visits, _) = ctx.totals().await?;
    ctx.send(&[body(&ctx.visit(21, 21, "live"))?]).await?;
    let message = client
        .wait_for(COUNT_LIMIT, |m| {
            m["type"] == "counts" && m["total"].as_u64().is_some_and(|t| t > visits)
        })
        .await
        .with_context(|| format!("waiting on {url} for a count above {visits}"))?;
    client.close().await;
    ensure!(
        message["total"].as_u64() == Some(visits + 1),
        "the live count is {}, expected {}",
        message["total"],
        visits + 1
    );
    Ok(())
}

/// A crawler's request changes only `bot_requests`; its batch holds no top
/// pages change, so the broadcaster reads the top pages item to send whole
/// counts (the page views included) to open pages.
async fn crawler_is_no_view(ctx: &Ctx) -> Result<()> {
    let url = ctx.output(outputs::WEBSOCKET_URL)?;
    let mut client = LiveClient::connect(url).await?;
    let (visits, unique) = ctx.totals().await?;
    let bots_before = ctx.bot_requests().await?;
    let crawler = VisitMessage {
        user_agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
            .into(),
        ..ctx.visit(51, 51, "crawled")
    };
    ctx.send(&[body(&crawler)?]).await?;
    let message = client
        .wait_for(COUNT_LIMIT, |m| m["type"] == "counts")
        .await
        .with_context(|| format!("waiting on {url} for the counts after a crawler's request"))?;
    client.close().await;
    ensure!(
        message["total"].as_u64() == Some(visits),
        "a crawler's request changed the live total: {message}"
    );
    ensure!(
        message["pages"].as_object().is_some_and(|p| !p.is_empty()),
        "the live message lacks the pages' views: {message}"
    );
    ensure!(
        ctx.totals().await? == (visits, unique),
        "a crawler's request counted as a view or a visitor"
    );
    ensure!(
        ctx.bot_requests().await? == bots_before + 1,
        "the crawler's request is not among the bot requests"
    );
    ensure!(
        ctx.path_count("crawled").await? == 0,
        "a crawler's request was stored under its path"
    );
    Ok(())
}

/// SQS may deliver a message again after its batch was processed: the
/// processor finds the visit among the visitor's remembered ones (its
/// conditional update fails, and it reads the item back) and counts nothing.
async fn redelivery_counts_once(ctx: &Ctx) -> Result<()> {
    let (visits, _) = ctx.totals().await?;
    let visit = ctx.visit(31, 31, "again");
    ctx.send(&[body(&visit)?]).await?;
    ctx.wait_for_total(visits + 1, COUNT_LIMIT).await?;
    ctx.send(&[body(&visit)?]).await?;
    // Wait for the redelivery to be processed: a fresh visit behind it.
    ctx.send(&[body(&ctx.visit(32, 32, "after"))?]).await?;
    ctx.wait_for_total(visits + 2, COUNT_LIMIT).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (settled, _) = ctx.totals().await?;
    ensure!(
        settled == visits + 2,
        "the redelivered visit counted again: {settled} page views, expected {}",
        visits + 2
    );
    let count = ctx.path_count("again").await?;
    ensure!(count == 1, "the redelivered page counted {count} times");
    Ok(())
}

/// A connection the browser dropped without a `$disconnect` (a closed lid)
/// stays in the table until a broadcast finds it gone (410) and deletes it.
async fn gone_connection_is_forgotten(ctx: &Ctx) -> Result<()> {
    let table = ctx.output(outputs::CONNECTIONS_TABLE)?;
    // The shape of an API Gateway connection ID (16 characters, base64);
    // no such connection exists.
    let id = format!("{}Gon=", &ctx.run[..12]);
    ctx.db()
        .put_item()
        .table_name(table)
        .item(connections::PK, AttributeValue::S(id.clone()))
        .send()
        .await
        .map_err(sdk_error)
        .context("recording a connection that is gone")?;
    let (visits, _) = ctx.totals().await?;
    ctx.send(&[body(&ctx.visit(41, 41, "gone"))?]).await?;
    ctx.wait_for_total(visits + 1, COUNT_LIMIT).await?;
    let deadline = Instant::now() + COUNT_LIMIT;
    loop {
        let item = ctx
            .db()
            .get_item()
            .table_name(table)
            .key(connections::PK, AttributeValue::S(id.clone()))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)
            .context("reading the gone connection")?;
        if item.item().is_none() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "connection {id} is still in {table} {}s after a broadcast should have found it gone",
                COUNT_LIMIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
