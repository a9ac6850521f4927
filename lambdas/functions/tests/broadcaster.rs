//! The broadcaster against a real moto server (DynamoDB and the API Gateway
//! management API).

mod support;

use aws_lambda_events::dynamodb::Event;
use aws_sdk_dynamodb::types::AttributeValue;
use support::{create_tables, Moto};
use visitor_functions::broadcaster::{
    latest_images, live_counts, management_client, Broadcaster, LiveCounts,
};
use visitor_model::fixtures::{event, EventKind, EventOptions};
use visitor_model::tables::connections;

#[test]
fn the_newest_image_wins() {
    let options = EventOptions {
        batch_size: Some(3),
        total: Some(100),
        unique: Some(40),
        ..EventOptions::default()
    };
    let stream: Event = serde_json::from_value(event(EventKind::DynamodbStream, &options)).unwrap();
    let (site, top) = latest_images(&stream);
    assert!(top.is_none(), "the fixture holds the totals item only");
    assert_eq!(
        live_counts(site.as_ref(), top.as_ref()),
        LiveCounts {
            kind: "counts".into(),
            total: 100,
            unique: 40,
            pages: Default::default(),
        }
    );
    let empty: Event = serde_json::from_value(serde_json::json!({ "Records": [] })).unwrap();
    assert_eq!(latest_images(&empty), (None, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_to_every_open_connection() {
    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "b").await;
    open_connections(&db, &t.connections, &["c1", "c2", "c3"]).await;
    // moto serves the management API at its root (`/@connections/...`).
    let api = management_client(&config, &moto.endpoint);
    let broadcaster = Broadcaster::new(db, api, t.connections.clone());
    let stream: Event =
        serde_json::from_value(event(EventKind::DynamodbStream, &EventOptions::default())).unwrap();
    let report = broadcaster.handle(stream).await;
    assert_eq!((report.sent, report.gone, report.failed), (3, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_logged_not_fatal() {
    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "b").await;
    open_connections(&db, &t.connections, &["c1"]).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = management_client(&config, &format!("http://127.0.0.1:{closed}/live"));
    let broadcaster = Broadcaster::new(db, api, t.connections.clone());
    let report = broadcaster
        .broadcast(&LiveCounts {
            kind: "counts".into(),
            total: 1,
            unique: 1,
            pages: Default::default(),
        })
        .await;
    assert_eq!((report.sent, report.gone, report.failed), (0, 0, 1));
}

/// Through the project's local WebSocket gateway, which answers 410 for a
/// connection that is gone, as API Gateway does: the gone one is forgotten,
/// the open ones receive the counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gone_connection_is_forgotten() {
    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "g").await;
    let gateway = gateway::Gateway::start().await.unwrap();
    let mut open = gateway.open("open-1");
    open_connections(&db, &t.connections, &["open-1", "gone-1"]).await;
    let api = management_client(&config, &format!("{}/live", gateway.endpoint()));
    let broadcaster = Broadcaster::new(db.clone(), api, t.connections.clone());
    let report = broadcaster
        .broadcast(&LiveCounts {
            kind: "counts".into(),
            total: 7,
            unique: 3,
            pages: Default::default(),
        })
        .await;
    assert_eq!((report.sent, report.gone, report.failed), (1, 1, 0));
    let received: LiveCounts = serde_json::from_slice(&open.recv().await.unwrap()).unwrap();
    assert_eq!((received.total, received.unique), (7, 3));
    let left = db.scan().table_name(&t.connections).send().await.unwrap();
    let ids: Vec<&str> = left
        .items()
        .iter()
        .map(|i| i[connections::PK].as_s().unwrap().as_str())
        .collect();
    assert_eq!(ids, ["open-1"]);
}

/// The chain a visit takes to an open page: the processor updates the totals,
/// the totals table's stream (read by the project's stream event source)
/// drives the broadcaster, and the connection receives the new counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_reaches_an_open_connection_through_the_stream() {
    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "s").await;
    let mut reader = totals_stream(&db, &config, &t.totals).await;
    let gateway = gateway::Gateway::start().await.unwrap();
    let mut page = gateway.open("page-1");
    open_connections(&db, &t.connections, &["page-1"]).await;
    let processor = processor_for(&db, &t);
    let visit = event(
        EventKind::Sqs,
        &EventOptions {
            batch_size: Some(2),
            ..EventOptions::default()
        },
    );
    processor
        .handle(serde_json::from_value(visit).unwrap())
        .await;

    let api = management_client(&config, &format!("{}/live", gateway.endpoint()));
    let broadcaster = Broadcaster::new(db, api, t.connections.clone());
    let polled = reader
        .poll(|event| {
            let broadcaster = &broadcaster;
            async move {
                let event: Event = serde_json::from_value(event).map_err(|e| e.to_string())?;
                serde_json::to_value(broadcaster.handle(event).await).map_err(|e| e.to_string())
            }
        })
        .await
        .unwrap();
    assert!(polled.delivered >= 1, "{polled:?}");
    let received: LiveCounts = serde_json::from_slice(&page.recv().await.unwrap()).unwrap();
    assert_eq!((received.total, received.unique), (2, 1));
    // The page's views come with it: no page needs to ask the counts API.
    assert_eq!(received.pages.get("/"), Some(&2), "{received:?}");
}

/// A batch holding only the top pages item's change: the totals come from
/// one read of the totals item, so the message is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_batch_lacks_is_read_once() {
    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "r").await;
    db.put_item()
        .table_name(&t.totals)
        .item("pk", AttributeValue::S("site".into()))
        .item("visits", AttributeValue::N("9".into()))
        .item("unique_visitors", AttributeValue::N("4".into()))
        .send()
        .await
        .unwrap();
    let gateway = gateway::Gateway::start().await.unwrap();
    let mut page = gateway.open("page-1");
    open_connections(&db, &t.connections, &["page-1"]).await;
    let api = management_client(&config, &format!("{}/live", gateway.endpoint()));
    let broadcaster =
        Broadcaster::new(db, api, t.connections.clone()).with_totals_table(t.totals.clone());
    let stream: Event = serde_json::from_value(serde_json::json!({ "Records": [{
        "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": { "pk": { "S": "top_pages" } },
            "NewImage": {
                "pk": { "S": "top_pages" },
                "pages": { "M": { "/": { "N": "6" }, "/cv": { "N": "3" } } },
                "version": { "N": "2" }
            },
            "SequenceNumber": "1", "SizeBytes": 60, "StreamViewType": "NEW_IMAGE"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026"
    }]}))
    .unwrap();
    let report = broadcaster.handle(stream).await;
    assert_eq!(report.sent, 1);
    let received: LiveCounts = serde_json::from_slice(&page.recv().await.unwrap()).unwrap();
    assert_eq!((received.total, received.unique), (9, 4));
    assert_eq!(received.pages.get("/cv"), Some(&3));
}

/// A browser's WebSocket through the project's local gateway: `$connect`
/// reaches the connect function (which records the connection), a visit's new
/// totals arrive on the socket via the stream and the broadcaster, and
/// closing the socket reaches `$disconnect` (which forgets it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_socket_gets_live_counts() {
    use futures::StreamExt;
    use std::collections::HashMap;
    use std::sync::Arc;
    use visitor_functions::connect::Connect;

    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "ws").await;
    let gateway = gateway::Gateway::start().await.unwrap();
    let connect = Arc::new(Connect::new(db.clone(), t.connections.clone(), 600));
    let invoke: gateway::Invoke = Arc::new(move |function, event| {
        let connect = connect.clone();
        Box::pin(async move {
            assert_eq!(function, "Connect");
            let request = serde_json::from_value(event).map_err(|e| e.to_string())?;
            serde_json::to_value(connect.handle(request).await).map_err(|e| e.to_string())
        })
    });
    let routes: HashMap<String, String> = ["$connect", "$disconnect", "$default"]
        .iter()
        .map(|r| (r.to_string(), "Connect".to_string()))
        .collect();
    let url = gateway
        .serve_websocket("live", routes, invoke)
        .await
        .unwrap();
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let scan = db.scan().table_name(&t.connections).send().await.unwrap();
    assert_eq!(scan.count, 1, "$connect recorded the connection");

    let mut reader = totals_stream(&db, &config, &t.totals).await;
    let processor = processor_for(&db, &t);
    processor
        .handle(serde_json::from_value(event(EventKind::Sqs, &EventOptions::default())).unwrap())
        .await;
    let api = management_client(&config, &format!("{}/live", gateway.endpoint()));
    let broadcaster = Broadcaster::new(db.clone(), api, t.connections.clone());
    reader
        .poll(|e| {
            let broadcaster = &broadcaster;
            async move {
                let e: Event = serde_json::from_value(e).map_err(|x| x.to_string())?;
                serde_json::to_value(broadcaster.handle(e).await).map_err(|x| x.to_string())
            }
        })
        .await
        .unwrap();
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("the counts arrive")
        .unwrap()
        .unwrap();
    let counts: LiveCounts = serde_json::from_str(message.to_text().unwrap()).unwrap();
    assert_eq!((counts.total, counts.unique), (1, 1));

    socket.close(None).await.unwrap();
    let mut left = 1;
    for _ in 0..100 {
        left = db
            .scan()
            .table_name(&t.connections)
            .send()
            .await
            .unwrap()
            .count;
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(left, 0, "$disconnect forgot the connection");
}

/// A reader of the totals table's stream from its oldest record.
async fn totals_stream(
    db: &aws_sdk_dynamodb::Client,
    config: &aws_config::SdkConfig,
    table: &str,
) -> emulator::stream_source::StreamReader {
    totals_stream_with_window(db, config, table, std::time::Duration::ZERO).await
}

async fn totals_stream_with_window(
    db: &aws_sdk_dynamodb::Client,
    config: &aws_config::SdkConfig,
    table: &str,
    batching_window: std::time::Duration,
) -> emulator::stream_source::StreamReader {
    let description = db.describe_table().table_name(table).send().await.unwrap();
    let stream_arn = description
        .table()
        .and_then(|t| t.latest_stream_arn())
        .unwrap()
        .to_owned();
    emulator::stream_source::StreamReader::open(
        aws_sdk_dynamodbstreams::Client::new(config),
        emulator::stream_source::StreamSourceConfig {
            stream_arn,
            latest: false,
            batch_size: 10,
            max_retry_attempts: 2,
            bisect_on_error: true,
            batching_window,
        },
    )
    .await
    .unwrap()
}

fn processor_for(
    db: &aws_sdk_dynamodb::Client,
    t: &support::Tables,
) -> visitor_functions::processor::Processor {
    use visitor_functions::processor::{IpStorage, Processor};
    Processor::new(db.clone(), support::processor_settings(t, IpStorage::Raw))
}

/// Records connections as the connect function would.
async fn open_connections(db: &aws_sdk_dynamodb::Client, table: &str, ids: &[&str]) {
    for id in ids {
        db.put_item()
            .table_name(table)
            .item(connections::PK, AttributeValue::S((*id).into()))
            .send()
            .await
            .unwrap();
    }
}

/// With the stack's one-second batching window, changes that come close
/// together reach the broadcaster as one batch (one broadcast), not one
/// each: the stand-in holds records until the window since the first has
/// passed, as Lambda's event source mapping does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_changes_are_broadcast_once() {
    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "w").await;
    let window = std::time::Duration::from_secs(1);
    let mut reader = totals_stream_with_window(&db, &config, &t.totals, window).await;
    let mut batches = Vec::new();
    let started = std::time::Instant::now();
    let mut written = 0;
    while started.elapsed() < window * 3 {
        // A change now and then, the first two polls apart: without the
        // window each poll would hand over what it found.
        if written < 3 {
            written += 1;
            db.put_item()
                .table_name(&t.totals)
                .item("pk", AttributeValue::S("site".into()))
                .item("visits", AttributeValue::N(written.to_string()))
                .send()
                .await
                .unwrap();
        }
        reader
            .poll(|e| {
                batches.push(e["Records"].as_array().map_or(0, Vec::len));
                async { Ok::<_, String>(serde_json::json!({})) }
            })
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(batches, [3], "the three changes in one invocation");
}
