//! The WebSocket connect handler against a real moto server.

mod support;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use support::{create_tables, number, Moto};
use visitor_functions::connect::Connect;
use visitor_model::fixtures::{event, EventKind, EventOptions};
use visitor_model::tables::connections;

fn ws(kind: EventKind, id: &str) -> ApiGatewayWebsocketProxyRequest {
    let options = EventOptions {
        connection_id: Some(id.into()),
        ..EventOptions::default()
    };
    serde_json::from_value(event(kind, &options)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_stores_with_ttl_and_disconnect_removes() {
    let moto = Moto::start();
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "w").await;
    let handler = Connect::new(db.clone(), t.connections.clone(), 3600);
    let before = chrono::Utc::now().timestamp() as u64;
    let response = handler
        .handle(ws(EventKind::WebsocketConnect, "conn-1"))
        .await;
    assert_eq!(response.status_code, 200);
    let expires = number(
        &db,
        &t.connections,
        connections::PK,
        "conn-1",
        connections::EXPIRES_AT,
    )
    .await;
    assert!(
        (before + 3600..=before + 3700).contains(&expires),
        "{expires}"
    );

    let response = handler
        .handle(ws(EventKind::WebsocketDisconnect, "conn-1"))
        .await;
    assert_eq!(response.status_code, 200);
    let item = db
        .get_item()
        .table_name(&t.connections)
        .key(connections::PK, AttributeValue::S("conn-1".into()))
        .send()
        .await
        .unwrap();
    assert!(item.item.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_routes_and_bad_events() {
    let moto = Moto::start();
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "w").await;
    let handler = Connect::new(db.clone(), t.connections.clone(), 60);
    let mut default = event(EventKind::WebsocketConnect, &EventOptions::default());
    default["requestContext"]["routeKey"] = json!("$default");
    let response = handler
        .handle(serde_json::from_value(default).unwrap())
        .await;
    assert_eq!(response.status_code, 200);
    let scan = db.scan().table_name(&t.connections).send().await.unwrap();
    assert_eq!(scan.count, 0, "$default stores nothing");

    let mut anonymous = event(EventKind::WebsocketConnect, &EventOptions::default());
    anonymous["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("connectionId");
    let response = handler
        .handle(serde_json::from_value(anonymous).unwrap())
        .await;
    assert_eq!(response.status_code, 400);

    let broken = Connect::new(db, "missing-table".into(), 60);
    let response = broken
        .handle(ws(EventKind::WebsocketConnect, "conn-2"))
        .await;
    assert_eq!(response.status_code, 500);
}
