//! The broadcaster against a real moto server (DynamoDB and the API Gateway
//! management API).

mod support;

use aws_lambda_events::dynamodb::Event;
use aws_sdk_dynamodb::types::AttributeValue;
use support::{create_tables, Moto};
use visitor_functions::broadcaster::{latest_counts, management_client, Broadcaster, LiveCounts};
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
    assert_eq!(
        latest_counts(&stream),
        Some(LiveCounts {
            kind: "counts".into(),
            total: 100,
            unique: 40
        })
    );
    let empty: Event = serde_json::from_value(serde_json::json!({ "Records": [] })).unwrap();
    assert_eq!(latest_counts(&empty), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_to_every_open_connection() {
    let moto = Moto::start();
    let config = moto.config().await;
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "b").await;
    for id in ["c1", "c2", "c3"] {
        db.put_item()
            .table_name(&t.connections)
            .item(connections::PK, AttributeValue::S(id.into()))
            .send()
            .await
            .unwrap();
    }
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
    db.put_item()
        .table_name(&t.connections)
        .item(connections::PK, AttributeValue::S("c1".into()))
        .send()
        .await
        .unwrap();
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
    for id in ["open-1", "gone-1"] {
        db.put_item()
            .table_name(&t.connections)
            .item(connections::PK, AttributeValue::S(id.into()))
            .send()
            .await
            .unwrap();
    }
    let api = management_client(&config, &format!("{}/live", gateway.endpoint()));
    let broadcaster = Broadcaster::new(db.clone(), api, t.connections.clone());
    let report = broadcaster
        .broadcast(&LiveCounts {
            kind: "counts".into(),
            total: 7,
            unique: 3,
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
