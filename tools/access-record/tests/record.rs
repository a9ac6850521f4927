//! The recorder against a real moto server: what it writes is what
//! `infra::access` reads, and names the resources the calls touched.

use access_record::Recorder;
use infra::access::calls::{authorizations, Call, Place};

#[tokio::test]
async fn records_read_back_as_calls_with_their_resources() {
    let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let sdk = moto.sdk_config().await;
    let dir = std::env::temp_dir().join(format!("access-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("calls.jsonl");
    let _ = std::fs::remove_file(&file);
    let recorder = Recorder::new(&file, Some("tester".into()));

    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&sdk)
            .interceptor(recorder.clone())
            .build(),
    );
    let url = sqs
        .create_queue()
        .queue_name("visits")
        .send()
        .await
        .expect("queue")
        .queue_url()
        .expect("url")
        .to_owned();
    sqs.send_message()
        .queue_url(&url)
        .message_body("{}")
        .send()
        .await
        .expect("sent");
    let db = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(recorder)
            .build(),
    );
    // The table does not exist: a failed call is recorded all the same.
    let _ = db.describe_table().table_name("totals").send().await;

    let text = std::fs::read_to_string(&file).expect("records written");
    let calls = Call::parse_lines(&text).expect("records parse as calls");
    let names: Vec<(&str, &str, &str)> = calls
        .iter()
        .map(|c| {
            (
                c.principal.as_str(),
                c.service.as_str(),
                c.operation.as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("tester", "SQS", "CreateQueue"),
            ("tester", "SQS", "SendMessage"),
            ("tester", "DynamoDB", "DescribeTable"),
        ]
    );
    let place = Place::new("aws", "us-east-1", "123456789012");
    let send = authorizations(&calls[1], &place).expect("maps");
    assert_eq!(send[0].action, "sqs:SendMessage");
    assert_eq!(
        send[0].resource,
        "arn:aws:sqs:us-east-1:123456789012:visits"
    );
    let describe = authorizations(&calls[2], &place).expect("maps");
    assert_eq!(
        describe[0].resource,
        "arn:aws:dynamodb:us-east-1:123456789012:table/totals"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
