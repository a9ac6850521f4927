//! The processor against a real moto server: aggregation, unique visitors,
//! pages versus assets, malformed messages, redelivery (also of a commit
//! whose reply was lost), items of the older format, and exact counts over
//! 1,000 messages.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeSerializationInterceptorContextRef,
};
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use support::{create_tables, number, Moto, Tables};
use visitor_functions::processor::salt::{read_salt, salt_key};
use visitor_functions::processor::{
    hashed_key, visit_digest, BatchOutcome, IpStorage, Processor, Settings, RECENT_IDS,
    RECENT_IDS_MAX,
};
use visitor_model::message::VisitMessage;
use visitor_model::tables::{paths, totals, visitors};

fn visit(id: &str, ip: &str, path: &str) -> VisitMessage {
    VisitMessage {
        v: 1,
        id: id.into(),
        ip: ip.into(),
        path: path.into(),
        served: true,
        method: "GET".into(),
        user_agent: visitor_model::fixtures::BROWSER_USER_AGENT.into(),
        referer: String::new(),
        time: "2026-11-22T05:00:00Z".into(),
    }
}

/// An SQS event: each body paired with its message ID.
fn batch(messages: &[(&str, String)]) -> SqsEvent {
    let records: Vec<_> = messages
        .iter()
        .map(|(id, body)| json!({ "messageId": id, "receiptHandle": "r", "body": body, "eventSource": "aws:sqs" }))
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn visits(list: &[VisitMessage]) -> SqsEvent {
    let owned: Vec<(String, String)> = list
        .iter()
        .map(|v| (format!("m-{}", v.id), v.to_json()))
        .collect();
    let refs: Vec<(&str, String)> = owned
        .iter()
        .map(|(id, b)| (id.as_str(), b.clone()))
        .collect();
    batch(&refs)
}

fn settings(tables: &Tables, storage: IpStorage) -> Settings {
    support::processor_settings(tables, storage)
}

async fn setup(moto: &Moto, storage: IpStorage) -> (Processor, aws_sdk_dynamodb::Client, Tables) {
    let db = moto.dynamodb().await;
    let tables = create_tables(&db, "p").await;
    let processor = Processor::new(db.clone(), settings(&tables, storage));
    (processor, db, tables)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_a_batch_into_totals_visitors_and_paths() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let event = visits(&[
        visit("a", "203.0.113.1", "/"),
        visit("b", "203.0.113.1", "/style.css"),
        visit("c", "203.0.113.2", "/index.html"),
        visit("d", "203.0.113.2", "/about"),
        visit("e", "203.0.113.2", "/config.json"),
    ]);
    let response = processor.handle(event).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(total(&db, &t, totals::VISITS).await, 3, "pages only");
    assert_eq!(total(&db, &t, totals::UNIQUE_VISITORS).await, 2);
    assert_eq!(total(&db, &t, totals::REQUESTS).await, 5);
    assert_eq!(
        number(&db, &t.paths, paths::PK, "/", paths::COUNT).await,
        2,
        "/ and /index.html are one page"
    );
    assert_eq!(
        number(&db, &t.paths, paths::PK, "/style.css", paths::COUNT).await,
        1,
        "assets still have path counts"
    );
    assert_eq!(
        number(
            &db,
            &t.visitors,
            visitors::PK,
            "203.0.113.2",
            visitors::COUNT
        )
        .await,
        3
    );
    let item = db
        .get_item()
        .table_name(&t.visitors)
        .key(visitors::PK, AttributeValue::S("203.0.113.1".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(item.contains_key(visitors::FIRST_SEEN) && item.contains_key(visitors::LAST_SEEN));
    assert!(item.contains_key(visitors::EXPIRES_AT));

    // The same visitor again is not a new unique visitor.
    processor
        .handle(visits(&[visit("f", "203.0.113.1", "/")]))
        .await;
    assert_eq!(total(&db, &t, totals::UNIQUE_VISITORS).await, 2);
    assert_eq!(total(&db, &t, totals::VISITS).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_is_reported_and_the_rest_counted() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let event = batch(&[
        ("good-1", visit("a", "198.51.100.1", "/").to_json()),
        ("bad", "{\"v\":1,\"ip\":".into()),
        (
            "wrong-version",
            json!({ "v": 9, "ip": "1.2.3.4", "path": "/", "time": "2026-11-22T05:00:00Z" })
                .to_string(),
        ),
        ("good-2", visit("b", "198.51.100.2", "/").to_json()),
    ]);
    let response = processor.handle(event).await;
    let failed: BTreeSet<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(
        failed,
        BTreeSet::from(["bad".to_owned(), "wrong-version".to_owned()])
    );
    assert_eq!(total(&db, &t, totals::VISITS).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivered_messages_are_counted_once() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let first = [
        visit("a", "192.0.2.1", "/"),
        visit("b", "192.0.2.2", "/"),
        visit("c", "192.0.2.1", "/cv"),
    ];
    processor.handle(visits(&first)).await;
    // The whole batch again, then a batch mixing one old visit with a new one,
    // then a batch holding the same visit twice.
    let outcome = processor.process(visits(&first)).await;
    assert_eq!(
        (outcome.counted, outcome.duplicates, outcome.failed.len()),
        (0, 3, 0)
    );
    let outcome = processor
        .process(visits(&[
            visit("b", "192.0.2.2", "/"),
            visit("d", "192.0.2.2", "/"),
        ]))
        .await;
    assert_eq!((outcome.counted, outcome.duplicates), (1, 1));
    let outcome = processor
        .process(visits(&[
            visit("e", "192.0.2.3", "/"),
            visit("e", "192.0.2.3", "/"),
        ]))
        .await;
    assert_eq!((outcome.counted, outcome.duplicates), (1, 1));
    assert_eq!(total(&db, &t, totals::VISITS).await, 5);
    assert_eq!(total(&db, &t, totals::UNIQUE_VISITORS).await, 3);
    assert_eq!(number(&db, &t.paths, paths::PK, "/", paths::COUNT).await, 4);
}

/// People's GETs of served pages are views; HEAD, crawlers, tools and paths
/// the site does not serve are counted apart, never as views or visitors,
/// and an unserved path is never stored. The top pages item holds the
/// pages' views, merged across batches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_people_viewing_served_pages_count_as_visits() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let with =
        |id: &str, ip: &str, path: &str, method: &str, ua: &str, served: bool| VisitMessage {
            method: method.into(),
            user_agent: ua.into(),
            served,
            ..visit(id, ip, path)
        };
    let browser = visitor_model::fixtures::BROWSER_USER_AGENT;
    let outcome = processor
        .process(visits(&[
            visit("v1", "203.0.113.1", "/"),
            visit("v2", "203.0.113.2", "/about"),
            with("h", "203.0.113.3", "/", "HEAD", browser, true),
            with(
                "g",
                "198.51.100.1",
                "/",
                "GET",
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                true,
            ),
            with("c", "198.51.100.2", "/", "GET", "curl/8.5.0", true),
            with("m", "203.0.113.4", "/wp-login.php", "GET", browser, false),
            with("m2", "203.0.113.4", "/<script>", "GET", browser, false),
        ]))
        .await;
    assert_eq!(outcome.counted, 7);
    assert_eq!(
        (
            outcome.page_views,
            outcome.bot_requests,
            outcome.other_requests
        ),
        (2, 2, 2)
    );
    assert_eq!(total(&db, &t, totals::VISITS).await, 2);
    assert_eq!(
        total(&db, &t, totals::UNIQUE_VISITORS).await,
        2,
        "HEAD, bots and misses are no visitors"
    );
    assert_eq!(
        total(&db, &t, totals::REQUESTS).await,
        3,
        "two views and the HEAD"
    );
    assert_eq!(total(&db, &t, totals::BOT_REQUESTS).await, 2);
    assert_eq!(total(&db, &t, totals::OTHER_REQUESTS).await, 2);
    assert_eq!(number(&db, &t.paths, paths::PK, "/", paths::VIEWS).await, 1);
    assert_eq!(
        number(&db, &t.paths, paths::PK, "/", paths::COUNT).await,
        2,
        "the view and the HEAD"
    );
    let stored: Vec<String> = db
        .scan()
        .table_name(&t.paths)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .filter_map(|i| i.get(paths::PK).and_then(|v| v.as_s().ok()).cloned())
        .collect();
    assert!(
        !stored
            .iter()
            .any(|p| p.contains("wp-login") || p.contains("script")),
        "{stored:?}"
    );

    // A second batch: the top pages item merges the new counts.
    processor
        .process(visits(&[
            visit("v3", "203.0.113.5", "/about"),
            visit("v4", "203.0.113.6", "/about"),
        ]))
        .await;
    let top = support::item(&db, &t.totals, totals::PK, totals::TOP_PAGES).await;
    assert!(!top.is_empty(), "no top pages item");
    let pages = visitor_functions::processor::top_pages_of(&top);
    assert_eq!(
        pages,
        [("/".to_owned(), 1), ("/about".to_owned(), 3)]
            .into_iter()
            .collect()
    );
}

/// A count of the one totals item.
async fn total(db: &aws_sdk_dynamodb::Client, t: &Tables, attr: &str) -> u64 {
    number(db, &t.totals, totals::PK, totals::SITE, attr).await
}

/// The visit digests a visitor item holds, oldest first (without the
/// commit tokens between them).
async fn remembered(db: &aws_sdk_dynamodb::Client, table: &str, ip: &str) -> Vec<String> {
    let item = support::item(db, table, visitors::PK, ip).await;
    item.get(visitors::RECENT)
        .and_then(|v| v.as_l().ok())
        .map(|l| {
            l.iter()
                .filter_map(|d| d.as_s().ok().cloned())
                .filter(|d| !d.starts_with(visitors::TOKEN_MARK))
                .collect()
        })
        .unwrap_or_default()
}

/// Handles `batches` all at once, as concurrent invocations would.
async fn concurrently(processor: &Processor, batches: &[&[VisitMessage]]) -> Vec<BatchOutcome> {
    futures::future::join_all(batches.iter().map(|b| processor.process(visits(b)))).await
}

/// Batches of one visitor handled at once (as concurrent invocations are)
/// each remember their visits, so every redelivery within the last
/// RECENT_IDS visits is caught; trimming keeps between RECENT_IDS and
/// RECENT_IDS_MAX digests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_of_one_visitor_catch_every_recent_redelivery() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let ip = "198.51.100.9";
    let all: Vec<VisitMessage> = (0..RECENT_IDS_MAX + 40)
        .map(|i| visit(&format!("visit-{i:04}"), ip, "/"))
        .collect();
    let batches: Vec<&[VisitMessage]> = all.chunks(8).collect();
    let (first, rest) = batches.split_at(RECENT_IDS / 8);
    let counted: usize = concurrently(&processor, first)
        .await
        .iter()
        .map(|o| o.counted)
        .sum();
    assert_eq!(counted, RECENT_IDS);
    assert_eq!(remembered(&db, &t.visitors, ip).await.len(), RECENT_IDS);
    // Every one of them again, at once: none counts.
    let again = concurrently(&processor, first).await;
    assert_eq!(again.iter().map(|o| o.counted).sum::<usize>(), 0);
    assert_eq!(
        again.iter().map(|o| o.duplicates).sum::<usize>(),
        RECENT_IDS
    );
    // Past RECENT_IDS_MAX the oldest are trimmed, never below RECENT_IDS.
    for batch in rest {
        assert_eq!(processor.process(visits(batch)).await.counted, batch.len());
        let held = remembered(&db, &t.visitors, ip).await.len();
        assert!((RECENT_IDS..=RECENT_IDS_MAX).contains(&held), "{held}");
    }
    // Trimming took the oldest: the list ends with the later visits in order.
    let held = remembered(&db, &t.visitors, ip).await;
    let later: Vec<String> = rest
        .iter()
        .flat_map(|b| b.iter())
        .map(|v| visit_digest(&v.id))
        .collect();
    assert_eq!(held[held.len() - later.len()..], later[..]);
    // The visits committed last (the first ones went in at once, in no
    // knowable order) are still remembered.
    let again = concurrently(&processor, rest).await;
    assert_eq!(again.iter().map(|o| o.counted).sum::<usize>(), 0);
    assert_eq!(
        number(&db, &t.visitors, visitors::PK, ip, visitors::COUNT).await,
        all.len() as u64
    );
    assert_eq!(total(&db, &t, totals::REQUESTS).await, all.len() as u64);
}

/// Turns the replies of the first visitor commit (an UpdateItem appending to
/// the remembered digests) into server errors after moto has applied it, as
/// replies lost on the network would look: the SDK retries. (The tests send
/// one visitor's batch, so nothing else runs between a commit's start and
/// its reply.)
#[derive(Debug, Default)]
struct LoseCommitReplies {
    /// Replies still to lose.
    to_lose: AtomicUsize,
    armed: AtomicBool,
    /// Replies lost so far.
    lost: Arc<AtomicUsize>,
}

impl Intercept for LoseCommitReplies {
    fn name(&self) -> &'static str {
        "LoseCommitReplies"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let is_commit = context
            .input()
            .downcast_ref::<UpdateItemInput>()
            .and_then(|i| i.update_expression())
            .is_some_and(|e| e.contains("list_append"));
        self.armed.store(is_commit, Ordering::SeqCst);
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let lose = self.armed.load(Ordering::SeqCst)
            && self
                .to_lose
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if lose {
            // A bare server error: whatever moto answered (status, body, error
            // type header) is gone.
            *context.response_mut().status_mut() = 500.try_into()?;
            *context.response_mut().body_mut() = "{}".into();
            context
                .response_mut()
                .headers_mut()
                .remove("x-amzn-errortype");
            self.lost.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// Attempts the processor's test client makes per request.
const ATTEMPTS: u32 = 2;

/// A batch of one visitor whose commit lands but loses `replies` replies:
/// the visits count once, everywhere, and a redelivery is a duplicate.
async fn a_commit_losing_replies_counts_once(replies: usize) {
    let moto = Moto::start();
    let (_, db, t) = setup(&moto, IpStorage::Raw).await;
    let interceptor = LoseCommitReplies {
        to_lose: AtomicUsize::new(replies),
        ..LoseCommitReplies::default()
    };
    let lost = Arc::clone(&interceptor.lost);
    let lossy = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&moto.config().await)
            .retry_config(RetryConfig::standard().with_max_attempts(ATTEMPTS))
            .interceptor(interceptor)
            .build(),
    );
    let processor = Processor::new(lossy, settings(&t, IpStorage::Raw));
    let outcome = processor
        .process(visits(&[
            visit("a", "192.0.2.7", "/"),
            visit("b", "192.0.2.7", "/style.css"),
        ]))
        .await;
    assert_eq!(lost.load(Ordering::SeqCst), replies, "replies lost");
    assert_eq!(
        (outcome.counted, outcome.duplicates, outcome.new_visitors),
        (2, 0, 1)
    );
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(
        number(&db, &t.visitors, visitors::PK, "192.0.2.7", visitors::COUNT).await,
        2,
        "the visits were added once"
    );
    assert_eq!(total(&db, &t, totals::REQUESTS).await, 2);
    assert_eq!(total(&db, &t, totals::UNIQUE_VISITORS).await, 1);
    assert_eq!(number(&db, &t.paths, paths::PK, "/", paths::COUNT).await, 1);
    let again = processor
        .process(visits(&[visit("a", "192.0.2.7", "/")]))
        .await;
    assert_eq!((again.counted, again.duplicates), (0, 1));
}

/// The commit lands, its reply is lost, and the SDK's retry fails the
/// condition on the commit's own digests: the commit token tells the
/// processor the visits were its own to count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_whose_reply_was_lost_still_counts_everywhere() {
    a_commit_losing_replies_counts_once(1).await;
}

/// The commit lands and every attempt's reply is lost, so the SDK gives up
/// with a server error: the token still tells the visits were committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_whose_every_reply_was_lost_still_counts_everywhere() {
    a_commit_losing_replies_counts_once(ATTEMPTS as usize).await;
}

/// Items written before digests hold whole visit IDs; the first update
/// drops them, and the item keeps only digests from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_visit_ids_of_the_older_format_are_dropped_on_the_next_commit() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let ip = "192.0.2.8";
    let legacy: Vec<AttributeValue> = (0..64)
        .map(|i| {
            AttributeValue::S(format!(
                "{i:02}-EXAMPLE2QWI3Jz4Hbv7zYkNhh3Hf0Tbf1rvBrl2jUcnOxBFR"
            ))
        })
        .collect();
    db.put_item()
        .table_name(&t.visitors)
        .item(visitors::PK, AttributeValue::S(ip.into()))
        .item(visitors::COUNT, AttributeValue::N("64".into()))
        .item(visitors::PAGE_VIEWS, AttributeValue::N("12".into()))
        .item(visitors::RECENT, AttributeValue::L(legacy))
        .send()
        .await
        .unwrap();
    let outcome = processor.process(visits(&[visit("new", ip, "/")])).await;
    assert_eq!((outcome.counted, outcome.new_visitors), (1, 0));
    assert_eq!(
        remembered(&db, &t.visitors, ip).await,
        [visit_digest("new")]
    );
    assert_eq!(
        number(&db, &t.visitors, visitors::PK, ip, visitors::COUNT).await,
        65
    );
}

/// Hashed storage: the processor makes today's salt itself (in the visitors
/// table), keys the visitor by the hash, deletes salts whose day ended, and
/// hashes a visit of a day whose salt is gone with today's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_storage_keeps_no_raw_ip_and_salts_rotate_daily() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::DailySalt).await;
    let today = chrono::Utc::now().date_naive();
    let old = today - chrono::Duration::days(2);
    db.put_item()
        .table_name(&t.visitors)
        .item(visitors::PK, AttributeValue::S(salt_key(old)))
        .item(visitors::SALT, AttributeValue::S("an-old-salt".into()))
        .send()
        .await
        .unwrap();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut fresh = visit("a", "203.0.113.50", "/");
    fresh.time = now;
    let mut late = visit("b", "203.0.113.50", "/style.css");
    late.time = format!("{old}T23:59:00Z");
    let outcome = processor.process(visits(&[fresh, late])).await;
    assert_eq!((outcome.counted, outcome.new_visitors), (2, 1));
    let salt = read_salt(&db, &t.visitors, today)
        .await
        .unwrap()
        .expect("today's salt was made");
    assert!(salt.len() >= 32);
    assert_eq!(
        read_salt(&db, &t.visitors, old).await.unwrap(),
        None,
        "the old salt went"
    );
    let scan = db.scan().table_name(&t.visitors).send().await.unwrap();
    let keys: Vec<String> = scan
        .items
        .unwrap()
        .iter()
        .map(|i| i[visitors::PK].as_s().unwrap().clone())
        .collect();
    let visitors_kept: Vec<&String> = keys.iter().filter(|k| !k.starts_with('~')).collect();
    // Both visits, today's and the one whose day's salt is gone, went to
    // the one item hashed with today's salt.
    assert_eq!(visitors_kept, [&hashed_key(&salt, "203.0.113.50")]);
    assert!(!keys.iter().any(|k| k.contains("203.0.113.50")));
    assert_eq!(
        number(
            &db,
            &t.visitors,
            visitors::PK,
            visitors_kept[0],
            visitors::COUNT
        )
        .await,
        2
    );
}

/// No storage: no item names an address, redeliveries are still caught
/// (by digest buckets), and no unique visitors are counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_storage_keeps_counts_only() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::None).await;
    let batch = [
        visit("a", "203.0.113.51", "/"),
        visit("b", "203.0.113.51", "/style.css"),
        visit("c", "203.0.113.52", "/"),
    ];
    assert_eq!(processor.process(visits(&batch)).await.counted, 3);
    let again = processor.process(visits(&batch)).await;
    assert_eq!((again.counted, again.duplicates), (0, 3));
    assert_eq!(total(&db, &t, totals::VISITS).await, 2);
    assert_eq!(total(&db, &t, totals::REQUESTS).await, 3);
    assert_eq!(total(&db, &t, totals::UNIQUE_VISITORS).await, 0);
    let scan = db.scan().table_name(&t.visitors).send().await.unwrap();
    for item in scan.items.unwrap() {
        let key = item[visitors::PK].as_s().unwrap();
        assert!(key.starts_with(visitors::BUCKET_PREFIX), "{key}");
        assert!(!format!("{item:?}").contains("203.0.113"), "{item:?}");
    }
}

/// 1,000 messages over 40 IPs and 25 paths, in batches of 10, with every
/// tenth batch delivered twice: the tables hold exactly the true counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_give_exact_counts() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let mut all = Vec::new();
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for i in 0..1000 {
        let ip = format!("10.0.{}.{}", next() % 4, next() % 10);
        let path = match next() % 5 {
            0 => "/style.css".to_owned(),
            _ => format!("/page{}", next() % 24),
        };
        all.push(visit(&format!("v{i}"), &ip, &path));
    }
    for (n, chunk) in all.chunks(10).enumerate() {
        let response = processor.handle(visits(chunk)).await;
        assert!(response.batch_item_failures.is_empty());
        if n % 10 == 0 {
            processor.handle(visits(chunk)).await;
        }
    }
    let pages: Vec<&VisitMessage> = all.iter().filter(|v| v.path != "/style.css").collect();
    let ips: BTreeSet<&str> = all.iter().map(|v| v.ip.as_str()).collect();
    let mut per_path: BTreeMap<&str, u64> = BTreeMap::new();
    for v in &all {
        *per_path.entry(v.path.as_str()).or_default() += 1;
    }
    assert_eq!(total(&db, &t, totals::VISITS).await, pages.len() as u64);
    assert_eq!(
        total(&db, &t, totals::UNIQUE_VISITORS).await,
        ips.len() as u64
    );
    for (path, count) in per_path {
        assert_eq!(
            number(&db, &t.paths, paths::PK, path, paths::COUNT).await,
            count,
            "{path}"
        );
    }
    for ip in ips {
        let expected = all.iter().filter(|v| v.ip == ip).count() as u64;
        assert_eq!(
            number(&db, &t.visitors, visitors::PK, ip, visitors::COUNT).await,
            expected,
            "{ip}"
        );
    }
}

/// The queue's redrive policy moves a malformed message to the dead-letter
/// queue after maxReceiveCount receives, while its neighbours are counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_end_in_the_dead_letter_queue() {
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let sqs = aws_sdk_sqs::Client::new(&moto.config().await);
    let dlq = sqs
        .create_queue()
        .queue_name("dlq")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let queue = sqs
        .create_queue()
        .queue_name("visits")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2 }).to_string(),
        )
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    for body in [
        visit("a", "192.0.2.10", "/").to_json(),
        "garbage".to_owned(),
        visit("b", "192.0.2.11", "/").to_json(),
    ] {
        sqs.send_message()
            .queue_url(&queue)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    // The project's SQS event source does what Lambda's does: receive,
    // invoke, delete what succeeded, make the failures visible again.
    let source = emulator::sqs_source::SqsSourceConfig {
        queue_url: queue.clone(),
        queue_arn: "arn:aws:sqs:us-east-1:123456789012:visits".into(),
        batch_size: 10,
        batching_window: std::time::Duration::from_millis(100),
        report_batch_item_failures: true,
    };
    let mut retried = 0;
    for _ in 0..5 {
        let outcome = emulator::sqs_source::poll_once(&sqs, &source, |event| async {
            let event: SqsEvent = serde_json::from_value(event).map_err(|e| e.to_string())?;
            serde_json::to_value(processor.handle(event).await).map_err(|e| e.to_string())
        })
        .await
        .unwrap();
        retried += outcome.retried;
        if outcome.delivered == 0 {
            break;
        }
    }
    assert_eq!(retried, 2, "received twice (maxReceiveCount), failed twice");
    let dead = sqs
        .receive_message()
        .queue_url(&dlq)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body.as_deref(), Some("garbage"));
    assert_eq!(total(&db, &t, totals::VISITS).await, 2);
}

/// A writer attribute as the processor names them: `w_`, the hour its
/// writer began (4 URL-safe base64 digits), 6 more characters.
fn writer_attribute(hour: u64) -> String {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let digits: String = (0..4)
        .map(|i| char::from(DIGITS[((hour >> (6 * (3 - i))) & 63) as usize]))
        .collect();
    format!("w_{digits}test01")
}

/// A repair redriven from the dead-letter queue after its writer's mark
/// may be gone is not applied (it could count twice): it is logged and
/// counted as lost, and deleted; a fresh one is applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repair_older_than_its_writers_mark_is_not_applied() {
    use visitor_model::repair::{Addition, AggregateItem, Repair, RepairMessage, VERSION};
    let moto = Moto::start();
    let (processor, db, t) = setup(&moto, IpStorage::Raw).await;
    let hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 3600;
    let repair = |writer: String| {
        RepairMessage {
            repair_v: VERSION,
            repair: Repair::Add(Addition {
                item: AggregateItem::Totals,
                add: BTreeMap::from([(totals::VISITS.to_owned(), 3)]),
                writer,
                stamp: "stamp001".into(),
            }),
        }
        .to_json()
    };
    let old = processor
        .process(batch(&[("old", repair(writer_attribute(hour - 30)))]))
        .await;
    assert_eq!(old.lost, 1, "{old:?}");
    assert!(old.failed.is_empty(), "not retried: {old:?}");
    assert_eq!(total(&db, &t, totals::VISITS).await, 0);
    let fresh = repair(writer_attribute(hour));
    for _ in 0..2 {
        let outcome = processor.process(batch(&[("fresh", fresh.clone())])).await;
        assert_eq!(outcome.lost, 0, "{outcome:?}");
        assert_eq!(outcome.repaired, 1, "{outcome:?}");
    }
    assert_eq!(total(&db, &t, totals::VISITS).await, 3, "applied once");
}
