//! The processor under random faults, against a real moto server: every
//! DynamoDB request of the three tables may be throttled, time out before
//! it reaches the server, or land and lose its reply (a dropped connection
//! or a bare server error), any number of times; messages are delivered in
//! any order, again after they were deleted, and two batches at once. Once
//! the faults stop and the queue drains, every count equals what was sent.
//!
//! The faults sit in the processor's HTTP client (a connector wrapping the
//! real one), so the SDK's own retries and the processor's see them as they
//! would see AWS's. Repairs go to a real SQS queue on the same moto server;
//! the test plays SQS's part of delivering them (and the visits) again.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;
use support::{create_tables, number, Moto, Tables};
use visitor_functions::processor::{
    merge_top, top_pages_of, BatchOutcome, IpStorage, Processor, RepairQueue,
};
use visitor_model::fixtures::BROWSER_USER_AGENT;
use visitor_model::message::VisitMessage;
use visitor_model::tables::{paths, totals, visitors};

/// What one request suffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Answered with DynamoDB's throttling error; never reaches moto.
    Throttle,
    /// Times out before reaching moto.
    TimeoutBefore,
    /// Reaches moto (and lands), then the connection drops.
    LostReply,
    /// Reaches moto (and lands), then a bare 500 replaces the reply.
    ServerError,
}

const FAULTS: [Fault; 4] = [
    Fault::Throttle,
    Fault::TimeoutBefore,
    Fault::LostReply,
    Fault::ServerError,
];

/// The fault schedule: a seeded generator, a fault rate in percent, and a
/// switch (faults stop when the test lets the queue drain). A request may
/// also start a run of faults on its table, so some writes fail many times
/// in a row.
#[derive(Debug)]
struct Schedule {
    state: Mutex<ScheduleState>,
}

#[derive(Debug)]
struct ScheduleState {
    rng: u64,
    percent: u64,
    on: bool,
    /// Table name → faults still due in a row on it.
    runs: BTreeMap<String, u32>,
    /// Faults injected, by kind.
    injected: BTreeMap<String, usize>,
}

impl Schedule {
    fn new(seed: u64, percent: u64) -> Arc<Schedule> {
        Arc::new(Schedule {
            state: Mutex::new(ScheduleState {
                rng: seed | 1,
                percent,
                on: true,
                runs: BTreeMap::new(),
                injected: BTreeMap::new(),
            }),
        })
    }

    fn stop(&self) {
        self.state.lock().unwrap().on = false;
    }

    fn injected(&self) -> BTreeMap<String, usize> {
        self.state.lock().unwrap().injected.clone()
    }

    fn decide(&self, table: &str) -> Option<Fault> {
        let mut s = self.state.lock().unwrap();
        if !s.on {
            return None;
        }
        let roll = next(&mut s.rng);
        let fault = FAULTS[(roll % 4) as usize];
        let in_run = match s.runs.get_mut(table) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        };
        let hit = in_run || (roll >> 8) % 100 < s.percent;
        if !hit {
            return None;
        }
        // One fault in ten starts a run of 3 to 12 more on its table.
        if !in_run && (roll >> 20).is_multiple_of(10) {
            let run = 3 + ((roll >> 28) % 10) as u32;
            s.runs.insert(table.to_owned(), run);
        }
        *s.injected.entry(format!("{fault:?}")).or_default() += 1;
        Some(fault)
    }
}

/// SplitMix64.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The real HTTP client, with the schedule's faults in front of it.
#[derive(Debug, Clone)]
struct Faulty {
    inner: SharedHttpClient,
    schedule: Arc<Schedule>,
}

impl HttpClient for Faulty {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            inner: self.inner.http_connector(settings, components),
            schedule: Arc::clone(&self.schedule),
        })
    }
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    schedule: Arc<Schedule>,
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let table = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v["TableName"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let fault = self.schedule.decide(&table);
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            match fault {
                None => inner.call(request).await,
                Some(Fault::Throttle) => {
                    let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput (injected)"}"#;
                    let mut response =
                        HttpResponse::new(400.try_into().unwrap(), SdkBody::from(body));
                    response
                        .headers_mut()
                        .insert("content-type", "application/x-amz-json-1.0");
                    Ok(response)
                }
                Some(Fault::TimeoutBefore) => Err(ConnectorError::timeout(
                    "injected: timed out before sending".into(),
                )),
                Some(Fault::LostReply) => {
                    let _ = inner.call(request).await;
                    Err(ConnectorError::io(
                        "injected: connection reset after the request landed".into(),
                    ))
                }
                Some(Fault::ServerError) => {
                    let _ = inner.call(request).await;
                    Ok(HttpResponse::new(
                        500.try_into().unwrap(),
                        SdkBody::from("{}"),
                    ))
                }
            }
        })
    }
}

/// What a generated request is, and so what it must count as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    View,
    Asset,
    Head,
    Bot,
    Missing,
}

const PAGES: [&str; 3] = ["/", "/projects.html", "/cv.html"];
const ASSETS: [&str; 2] = ["/style.css", "/counter.js"];

/// One case: which requests, the fault rate, and how batches are formed.
#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    percent: u64,
    requests: usize,
}

fn cases() -> impl Strategy<Value = Case> {
    (any::<u64>(), 5u64..45, 12usize..40).prop_map(|(seed, percent, requests)| Case {
        seed,
        percent,
        requests,
    })
}

/// The requests of a case, each with its kind.
fn requests(case: &Case) -> Vec<(VisitMessage, Sent)> {
    let mut rng = case.seed ^ 0xA5A5;
    (0..case.requests)
        .map(|i| {
            let roll = next(&mut rng);
            let ip = format!("192.0.2.{}", 1 + roll % 5);
            let sent = match (roll >> 8) % 10 {
                0..=3 => Sent::View,
                4..=6 => Sent::Asset,
                7 => Sent::Head,
                8 => Sent::Bot,
                _ => Sent::Missing,
            };
            let path = match sent {
                Sent::View | Sent::Head | Sent::Bot => PAGES[((roll >> 16) % 3) as usize],
                Sent::Asset => ASSETS[((roll >> 16) % 2) as usize],
                Sent::Missing => "/wp-login.php",
            };
            let message = VisitMessage {
                v: 1,
                id: format!("req-{}-{i}", case.seed),
                ip,
                path: path.into(),
                served: sent != Sent::Missing,
                method: if sent == Sent::Head { "HEAD" } else { "GET" }.into(),
                user_agent: if sent == Sent::Bot {
                    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
                } else {
                    BROWSER_USER_AGENT
                }
                .into(),
                referer: String::new(),
                time: "2026-11-22T05:00:00Z".into(),
            };
            (message, sent)
        })
        .collect()
}

/// A message as SQS holds it.
#[derive(Debug, Clone)]
struct Queued {
    id: String,
    body: String,
}

fn event(messages: &[Queued]) -> SqsEvent {
    let records: Vec<_> = messages
        .iter()
        .map(|m| json!({ "messageId": m.id, "receiptHandle": "r", "body": m.body, "eventSource": "aws:sqs" }))
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

struct World {
    moto: Moto,
    runtime: tokio::runtime::Runtime,
}

/// What all cases together went through (the property must have been
/// tested on hand-overs and repairs, not only on retries).
#[derive(Debug, Default)]
struct Seen {
    handed_over: AtomicUsize,
    repaired: AtomicUsize,
    lost_replies: AtomicUsize,
}

async fn run_case(moto: &Moto, case: Case, seen: &Seen) -> Result<(), TestCaseError> {
    let config = moto.config().await;
    let db = aws_sdk_dynamodb::Client::new(&config);
    let prefix = format!("f{:x}", case.seed & 0xFFFF_FFFF);
    let t: Tables = create_tables(&db, &prefix).await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = sqs
        .create_queue()
        .queue_name(format!("{prefix}-visits"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();

    let schedule = Schedule::new(case.seed, case.percent);
    let faulty = Faulty {
        inner: aws_smithy_http_client::Builder::new().build_http(),
        schedule: Arc::clone(&schedule),
    };
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .http_client(faulty)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(2)
                    .with_initial_backoff(Duration::from_millis(5)),
            )
            .build(),
    );
    let settings = support::processor_settings(&t, IpStorage::Raw);
    let queue = RepairQueue {
        sqs: sqs.clone(),
        url: url.clone(),
    };
    // Two execution environments.
    let processors = [
        Processor::new(client.clone(), settings.clone()).with_repair_queue(queue.clone()),
        Processor::new(client, settings).with_repair_queue(queue),
    ];

    let sent = requests(&case);
    let mut waiting: Vec<Queued> = sent
        .iter()
        .enumerate()
        .map(|(i, (m, _))| Queued {
            id: format!("m-{i}"),
            body: m.to_json(),
        })
        .collect();
    let mut delivered: Vec<Queued> = Vec::new();
    let mut rng = case.seed ^ 0x5A5A;
    let mut totals_seen = BatchOutcome::default();
    let mut round = 0;
    loop {
        round += 1;
        if round == 12 {
            schedule.stop();
        }
        prop_assert!(
            round < 80,
            "the queue did not drain: {} waiting",
            waiting.len()
        );
        // Repairs the processors sent join the queue.
        let received = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        for m in received.messages.unwrap_or_default() {
            waiting.push(Queued {
                id: m.message_id.unwrap_or_default(),
                body: m.body.unwrap_or_default(),
            });
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle.unwrap_or_default())
                .send()
                .await
                .unwrap();
        }
        if waiting.is_empty() {
            if round > 12 {
                break;
            }
            continue;
        }
        // Up to two batches of up to 10, in random order, sometimes with a
        // message delivered again after it was deleted.
        let mut batches: Vec<Vec<Queued>> = Vec::new();
        for _ in 0..1 + next(&mut rng) % 2 {
            let mut batch = Vec::new();
            let size = 1 + (next(&mut rng) % 10) as usize;
            while batch.len() < size && !waiting.is_empty() {
                let i = (next(&mut rng) % waiting.len() as u64) as usize;
                batch.push(waiting.swap_remove(i));
            }
            if !delivered.is_empty() && next(&mut rng).is_multiple_of(3) {
                let i = (next(&mut rng) % delivered.len() as u64) as usize;
                batch.push(delivered[i].clone());
            }
            if !batch.is_empty() {
                batches.push(batch);
            }
        }
        let runs = batches
            .iter()
            .enumerate()
            .map(|(i, b)| processors[i % 2].process(event(b)));
        let outcomes = futures::future::join_all(runs).await;
        for (batch, outcome) in batches.into_iter().zip(outcomes) {
            prop_assert_eq!(outcome.lost, 0, "a count was lost: {:?}", outcome);
            totals_seen.handed_over += outcome.handed_over;
            totals_seen.repaired += outcome.repaired;
            for m in batch {
                if outcome.failed.contains(&m.id) {
                    waiting.push(m);
                } else {
                    delivered.push(m);
                }
            }
        }
    }

    let injected = schedule.injected();
    seen.handed_over
        .fetch_add(totals_seen.handed_over, Ordering::SeqCst);
    seen.repaired
        .fetch_add(totals_seen.repaired, Ordering::SeqCst);
    seen.lost_replies.fetch_add(
        injected.get("LostReply").copied().unwrap_or(0)
            + injected.get("ServerError").copied().unwrap_or(0),
        Ordering::SeqCst,
    );

    // The counts, read without faults.
    let views = |path: &str| {
        sent.iter()
            .filter(|(m, s)| *s == Sent::View && m.path == path)
            .count() as u64
    };
    let person = |s: &Sent| matches!(s, Sent::View | Sent::Asset | Sent::Head);
    let total = |attr: &'static str| {
        let db = db.clone();
        let table = t.totals.clone();
        async move { number(&db, &table, totals::PK, totals::SITE, attr).await }
    };
    let unique: BTreeSet<&str> = sent
        .iter()
        .filter(|(_, s)| *s == Sent::View)
        .map(|(m, _)| m.ip.as_str())
        .collect();
    let context = format!(
        "{case:?}, faults {:?}, {totals_seen:?}",
        schedule.injected()
    );
    prop_assert_eq!(
        total(totals::VISITS).await,
        sent.iter().filter(|(_, s)| *s == Sent::View).count() as u64,
        "visits; {}",
        context
    );
    prop_assert_eq!(
        total(totals::REQUESTS).await,
        sent.iter().filter(|(_, s)| person(s)).count() as u64,
        "requests; {}",
        context
    );
    prop_assert_eq!(
        total(totals::BOT_REQUESTS).await,
        sent.iter().filter(|(_, s)| *s == Sent::Bot).count() as u64,
        "bot requests; {}",
        context
    );
    prop_assert_eq!(
        total(totals::OTHER_REQUESTS).await,
        sent.iter().filter(|(_, s)| *s == Sent::Missing).count() as u64,
        "other requests; {}",
        context
    );
    prop_assert_eq!(
        total(totals::UNIQUE_VISITORS).await,
        unique.len() as u64,
        "unique visitors; {}",
        context
    );
    let mut expected_top = BTreeMap::new();
    for path in PAGES.iter().chain(&ASSETS) {
        let requests = sent
            .iter()
            .filter(|(m, s)| person(s) && m.path == *path)
            .count() as u64;
        prop_assert_eq!(
            number(&db, &t.paths, paths::PK, path, paths::COUNT).await,
            requests,
            "requests of {}; {}",
            path,
            context
        );
        prop_assert_eq!(
            number(&db, &t.paths, paths::PK, path, paths::VIEWS).await,
            views(path),
            "views of {}; {}",
            path,
            context
        );
        if views(path) > 0 {
            expected_top.insert((*path).to_owned(), views(path));
        }
    }
    for ip in sent
        .iter()
        .map(|(m, _)| m.ip.as_str())
        .collect::<BTreeSet<_>>()
    {
        let mine = sent.iter().filter(|(m, _)| m.ip == ip);
        prop_assert_eq!(
            number(&db, &t.visitors, visitors::PK, ip, visitors::COUNT).await,
            mine.clone().count() as u64,
            "requests of {}; {}",
            ip,
            context
        );
        prop_assert_eq!(
            number(&db, &t.visitors, visitors::PK, ip, visitors::PAGE_VIEWS).await,
            mine.filter(|(_, s)| *s == Sent::View).count() as u64,
            "page views of {}; {}",
            ip,
            context
        );
    }
    let top = support::item(&db, &t.totals, totals::PK, totals::TOP_PAGES).await;
    prop_assert_eq!(
        top_pages_of(&top),
        merge_top(
            &BTreeMap::new(),
            &expected_top.into_iter().collect::<Vec<_>>(),
            totals::TOP_KEPT
        ),
        "top pages; {}",
        context
    );
    Ok(())
}

/// The property: whatever the faults and the order of deliveries, the
/// counts end equal to the requests sent. `PROPTEST_CASES` sets how many
/// schedules run (default 10).
#[test]
fn counts_are_exact_under_any_fault_schedule() {
    let world = World {
        moto: Moto::start(),
        runtime: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    };
    let count = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    // A fixed seed: the same schedules every run, so CI is reproducible
    // (PROPTEST_RNG_SEED picks others).
    let seed: u64 = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_201);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: count,
            failure_persistence: None,
            // Each case runs against moto for seconds; a failure shrinks a little.
            max_shrink_iters: 16,
            ..Config::default()
        },
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &bytes,
        ),
    );
    let seen = Seen::default();
    let result = runner.run(&cases(), |case| {
        world.runtime.block_on(run_case(&world.moto, case, &seen))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("{count} fault schedules: {seen:?}");
    assert!(
        seen.handed_over.load(Ordering::SeqCst) > 0
            && seen.repaired.load(Ordering::SeqCst) > 0
            && seen.lost_replies.load(Ordering::SeqCst) > 0,
        "the schedules never made the processor hand over, repair or lose a reply: {seen:?}"
    );
}

/// Schedules random runs found that miscounted, before two fixes: a visits
/// repair handed over again keeps its own writer and stamp (a second
/// delivery of a repair whose commit had landed, unable to read the
/// visitor item, handed it over under a new stamp, which then added its
/// visits again), and two repairs of the same visits with different
/// tokens in one batch are both tried (only the first was, and when the
/// other's commit was the one that landed, its visits were never added).
/// The schedules depend on timing too (two batches run at once), so a
/// case here may pass by chance without the fixes; the property runs them
/// among many more.
#[test]
fn schedules_that_once_double_counted() {
    let moto = Moto::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for case in [
        Case {
            seed: 7_064_823_887_744_839_702,
            percent: 40,
            requests: 32,
        },
        Case {
            seed: 3_146_488_237_777_252_100,
            percent: 39,
            requests: 29,
        },
        Case {
            seed: 7_502_628_112_433_055_675,
            percent: 42,
            requests: 35,
        },
    ] {
        if let Err(e) = runtime.block_on(run_case(&moto, case, &Seen::default())) {
            panic!("{e}");
        }
    }
}
