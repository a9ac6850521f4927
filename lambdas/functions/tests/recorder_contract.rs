//! The boundary between the two languages: the real Python edge recorder,
//! run by the managed Python on the bundled CloudFront viewer request, sends
//! its message to a queue on moto; the Rust model parses what arrived and the
//! real processor counts it. A field renamed on either side fails here.

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::{create_tables, number, Moto};
use visitor_functions::processor::{IpStorage, Processor};
use visitor_model::fixtures::{event, EventKind, EventOptions};
use visitor_model::message::VisitMessage;
use visitor_model::tables::totals;

/// Runs the recorder's handler on `viewer_request` with its `${...}`
/// values filled as the stack's `Fn::Sub` fills them.
fn record(queue_url: &str, endpoint: &str, send_referer: bool, viewer_request: &Value) {
    let bin = emulator::pyenv_bin().unwrap_or_else(|e| panic!("{e}"));
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge-recorder/index.py");
    let harness = r#"
import json, sys, types
source, queue_url, send_referer, event = sys.argv[1:5]
text = (open(source).read()
        .replace("${QueueUrl}", queue_url)
        .replace("${SkipPrefixes}", json.dumps(["/api/"]))
        .replace("${SitePaths}", json.dumps(["/", "/index.html"]))
        .replace("${SendReferer}", send_referer))
module = types.ModuleType("index")
exec(compile(text, source, "exec"), module.__dict__)
module.handler(json.loads(event), None)
"#;
    let out = Command::new(bin.join("python"))
        .args(["-c", harness, source, queue_url])
        .arg(if send_referer { "true" } else { "false" })
        .arg(viewer_request.to_string())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", emulator::ACCESS_KEY)
        .env("AWS_REGION", emulator::REGION)
        .output()
        .expect("the managed Python runs");
    assert!(
        out.status.success(),
        "the recorder failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_python_recorder_sends_the_rust_processor_reads_and_counts() {
    let moto = Moto::start();
    let config = moto.config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let queue_url = sqs
        .create_queue()
        .queue_name("contract-visits")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let request = event(
        EventKind::CloudfrontViewerRequest,
        &EventOptions {
            ip: Some("2001:0db8::0001".into()),
            path: Some("/".into()),
            ..EventOptions::default()
        },
    );
    record(&queue_url, &moto.endpoint, true, &request);
    record(&queue_url, &moto.endpoint, false, &request);

    let received = sqs
        .receive_message()
        .queue_url(&queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(received.len(), 2);
    let cf = &request["Records"][0]["cf"];
    let mut with_referer = 0;
    for m in &received {
        let body = m.body.clone().unwrap_or_default();
        let message = VisitMessage::parse(&body)
            .unwrap_or_else(|e| panic!("the Rust model refuses the recorder's {body}: {e}"));
        assert_eq!(message.v, visitor_model::message::VERSION);
        assert_eq!(message.id, cf["config"]["requestId"].as_str().unwrap());
        assert_eq!(message.ip, "2001:db8::1", "one canonical form");
        assert_eq!(message.path, "/");
        assert!(message.served);
        assert_eq!(message.method, cf["request"]["method"].as_str().unwrap());
        assert_eq!(
            message.user_agent,
            cf["request"]["headers"]["user-agent"][0]["value"]
                .as_str()
                .unwrap()
        );
        assert!(chrono::DateTime::parse_from_rfc3339(&message.time).is_ok());
        // Every key the recorder writes is one the model knows.
        let keys: Vec<String> = serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let known = serde_json::to_value(&message).unwrap();
        for k in &keys {
            assert!(known.get(k).is_some(), "the model has no field {k}");
        }
        if keys.iter().any(|k| k == "referer") {
            with_referer += 1;
        }
    }
    assert_eq!(
        with_referer, 1,
        "the referer only when the owner turns it on"
    );

    // The real processor counts them: one visit, redelivered (same request ID).
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "contract").await;
    let processor = Processor::new(db.clone(), support::processor_settings(&t, IpStorage::Raw));
    let records: Vec<Value> = received
        .iter()
        .map(|m| json!({"messageId": m.message_id, "receiptHandle": "r", "body": m.body, "eventSource": "aws:sqs"}))
        .collect();
    let outcome = processor
        .process(serde_json::from_value(json!({ "Records": records })).unwrap())
        .await;
    assert!(outcome.failed.is_empty(), "{outcome:?}");
    assert_eq!(
        number(&db, &t.totals, totals::PK, totals::SITE, totals::VISITS).await,
        1
    );
}
