//! The pipeline on a real moto server: objects put into a bucket notify a
//! topic (moto sends S3's events as S3 does), the topic delivers them raw to
//! a queue, the emulator's SQS event source (Lambda's semantics) hands
//! batches to the real indexer, and the hourly report reads the totals.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use emulator::sqs_source::{poll_once, SqsSourceConfig};
use emulator::Moto;
use std::time::Duration;
use uploads_functions::hourly::Hourly;
use uploads_functions::indexer::Indexer;
use uploads_model::table;

struct Pipeline {
    _moto: Moto,
    sdk: aws_config::SdkConfig,
    bucket: String,
    source: SqsSourceConfig,
    table: String,
}

async fn pipeline() -> Pipeline {
    uploads_functions::init_tracing();
    let moto = Moto::start().expect("moto");
    let sdk = moto.sdk_config().await;
    let (s3, sns, sqs) = (
        aws_sdk_s3::Client::new(&sdk),
        aws_sdk_sns::Client::new(&sdk),
        aws_sdk_sqs::Client::new(&sdk),
    );
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let topic = sns.create_topic().name("uploads").send().await.unwrap();
    let topic = topic.topic_arn().unwrap().to_owned();
    let queue_url = sqs
        .create_queue()
        .queue_name("work")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let queue_arn = format!("arn:aws:sqs:{}:123456789012:work", emulator::REGION);
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap();
    let bucket = "uploads-pipeline-test".to_owned();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    s3.put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(
            aws_sdk_s3::types::NotificationConfiguration::builder()
                .topic_configurations(
                    aws_sdk_s3::types::TopicConfiguration::builder()
                        .topic_arn(&topic)
                        .events(aws_sdk_s3::types::Event::from("s3:ObjectCreated:*"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let table = "uploads-index".to_owned();
    db.create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(table::PK)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(table::PK)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    Pipeline {
        _moto: moto,
        sdk,
        bucket,
        source: SqsSourceConfig {
            queue_url,
            queue_arn,
            batch_size: 10,
            batching_window: Duration::from_millis(200),
            report_batch_item_failures: true,
        },
        table,
    }
}

impl Pipeline {
    async fn upload(&self, key: &str, bytes: usize) {
        aws_sdk_s3::Client::new(&self.sdk)
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(vec![b'x'; bytes].into())
            .send()
            .await
            .unwrap();
    }

    /// Polls until the queue is empty; the messages each poll delivered.
    async fn drain(&self, indexer: &Indexer) -> Vec<usize> {
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let mut delivered = Vec::new();
        loop {
            let outcome = poll_once(&sqs, &self.source, |event| async move {
                let event = serde_json::from_value(event).map_err(|e| e.to_string())?;
                serde_json::to_value(indexer.handle(event).await).map_err(|e| e.to_string())
            })
            .await
            .unwrap();
            if outcome.delivered == 0 {
                return delivered;
            }
            assert_eq!(outcome.retried, 0, "{outcome:?}");
            delivered.push(outcome.delivered);
        }
    }

    async fn item(
        &self,
        pk: &str,
    ) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        aws_sdk_dynamodb::Client::new(&self.sdk)
            .get_item()
            .table_name(&self.table)
            .key(
                table::PK,
                aws_sdk_dynamodb::types::AttributeValue::S(pk.into()),
            )
            .send()
            .await
            .unwrap()
            .item
    }
}

fn number(
    item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    name: &str,
) -> i64 {
    item[name].as_n().unwrap().parse().unwrap()
}

#[tokio::test]
async fn uploads_are_indexed_once_and_reported_by_hour() {
    let p = pipeline().await;
    let db = aws_sdk_dynamodb::Client::new(&p.sdk);
    let indexer = Indexer::new(db.clone(), p.table.clone());
    p.upload("reports/2026 q4.csv", 100).await;
    p.upload("café.txt", 20).await;
    let delivered = p.drain(&indexer).await;
    assert!(delivered.iter().sum::<usize>() >= 2, "{delivered:?}");

    let scan = db.scan().table_name(&p.table).send().await.unwrap();
    let items = scan.items();
    let uploads: Vec<&str> = items
        .iter()
        .filter(|i| i[table::PK].as_s().unwrap().starts_with("upload#"))
        .map(|i| i[table::KEY].as_s().unwrap().as_str())
        .collect();
    assert_eq!(uploads.len(), 2, "{items:?}");
    assert!(
        uploads.contains(&"reports/2026 q4.csv"),
        "the key is decoded: {uploads:?}"
    );
    assert!(uploads.contains(&"café.txt"), "{uploads:?}");
    let hours: Vec<_> = items
        .iter()
        .filter(|i| i[table::PK].as_s().unwrap().starts_with("hour#"))
        .collect();
    assert_eq!(hours.len(), 1, "both uploads fall in this hour: {hours:?}");
    assert_eq!(number(hours[0], table::UPLOADS), 2);
    assert_eq!(number(hours[0], table::BYTES), 120);
    let hour = hours[0][table::KEY].as_s().unwrap().clone();

    // The hourly rule fires in the next hour and reports this one.
    let next = chrono::NaiveDateTime::parse_from_str(&format!("{hour}:00:00"), "%Y-%m-%dT%H:%M:%S")
        .unwrap()
        .and_utc()
        + chrono::Duration::hours(1);
    let event = serde_json::json!({
        "source": "aws.events",
        "detail-type": "Scheduled Event",
        "time": next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    let report = Hourly::new(db.clone(), p.table.clone())
        .handle(event)
        .await
        .unwrap();
    assert_eq!(
        (report.hour.as_str(), report.uploads, report.bytes),
        (hour.as_str(), 2, 120)
    );
    let stored = p
        .item(&table::report_pk(&hour))
        .await
        .expect("the report item");
    assert_eq!(number(&stored, table::UPLOADS), 2);
}

#[tokio::test]
async fn a_message_delivered_twice_counts_once_and_a_bad_one_is_retried() {
    let p = pipeline().await;
    let db = aws_sdk_dynamodb::Client::new(&p.sdk);
    let indexer = Indexer::new(db.clone(), p.table.clone());
    p.upload("once.bin", 7).await;
    // Read the notification S3 sent, then send its body again: a second
    // delivery of the same event, as SQS may make.
    let sqs = aws_sdk_sqs::Client::new(&p.sdk);
    let received = sqs
        .receive_message()
        .queue_url(&p.source.queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    // (S3's test event, sent when the notification was configured, is there too.)
    let body = received
        .messages()
        .iter()
        .filter_map(|m| m.body())
        .find(|b| b.contains("ObjectCreated"))
        .expect("the upload's notification")
        .to_owned();
    for _ in 0..2 {
        sqs.send_message()
            .queue_url(&p.source.queue_url)
            .message_body(&body)
            .send()
            .await
            .unwrap();
    }
    sqs.send_message()
        .queue_url(&p.source.queue_url)
        .message_body("not json")
        .send()
        .await
        .unwrap();

    let response = indexer
        .handle(emulator::sqs_source::sqs_event(
            &sqs.receive_message()
                .queue_url(&p.source.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default(),
            &p.source.queue_arn,
        ))
        .await;
    assert_eq!(
        response.batch_item_failures.len(),
        1,
        "only the bad message is retried"
    );

    let scan = db.scan().table_name(&p.table).send().await.unwrap();
    let hour = scan
        .items()
        .iter()
        .find(|i| i[table::PK].as_s().unwrap().starts_with("hour#"))
        .expect("the hour's totals");
    assert_eq!(number(hour, table::UPLOADS), 1, "counted once");
    assert_eq!(number(hour, table::BYTES), 7);
}
