//! The reader against a real moto server (CloudWatch Logs in two Regions)
//! and a local file: lines interleave by time, follow returns only new
//! ones, the filter and the start time hold, and an edge function's groups
//! are found in the Regions it ran in.

use std::io::Write;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_cloudwatchlogs::Client;
use stack_logs::{edge_group_prefix, edge_sources, Place, Query, Reader, Source};

/// An hour ago, to the second (CloudWatch Logs refuses events older than
/// 14 days).
fn t0() -> i64 {
    (chrono::Utc::now().timestamp() - 3_600) * 1_000
}

/// A time after `t0` as RFC 3339, as the functions write it locally.
fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

async fn put(client: &Client, group: &str, events: &[(i64, &str)]) {
    // Each create must succeed or find the group (or stream) there: an
    // error swallowed here once surfaced only as "the specified log group
    // does not exist" from the put below. A passing fault is tried again.
    let exists =
        |text: &str| text.contains("ResourceAlreadyExists") || text.contains("already exists");
    for attempt in 1..=3 {
        let created = client.create_log_group().log_group_name(group).send().await;
        match created.map_err(|e| aws_sdk_cloudwatchlogs::error::DisplayErrorContext(e).to_string())
        {
            Ok(_) => break,
            Err(e) if exists(&e) => break,
            Err(e) if attempt == 3 => panic!("creating log group {group}: {e}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    for attempt in 1..=3 {
        let created = client
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name("s")
            .send()
            .await;
        match created.map_err(|e| aws_sdk_cloudwatchlogs::error::DisplayErrorContext(e).to_string())
        {
            Ok(_) => break,
            Err(e) if exists(&e) => break,
            Err(e) if attempt == 3 => panic!("creating a stream in {group}: {e}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    let mut request = client
        .put_log_events()
        .log_group_name(group)
        .log_stream_name("s");
    for (t, text) in events {
        request = request.log_events(
            InputLogEvent::builder()
                .timestamp(*t)
                .message(*text)
                .build()
                .unwrap(),
        );
    }
    request.send().await.unwrap();
}

/// A read that must succeed for every source.
async fn read(reader: &mut Reader) -> Vec<stack_logs::Line> {
    let batch = reader.next().await;
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    batch.lines
}

fn regional(sdk: &aws_config::SdkConfig, region: &str) -> Client {
    Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(sdk)
            .region(aws_sdk_cloudwatchlogs::config::Region::new(
                region.to_owned(),
            ))
            .build(),
    )
}

#[tokio::test]
async fn groups_and_files_interleave_by_time_and_follow_returns_what_is_new() {
    let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let sdk = moto.sdk_config().await;
    let t0 = t0();
    let home = regional(&sdk, "us-east-1");
    put(
        &home,
        "/app/processor",
        &[
            (t0 + 1_000, "processor one"),
            (t0 + 3_000, "processor three"),
        ],
    )
    .await;
    let edge = edge_group_prefix("app-EdgeRecorder-abc");
    put(
        &regional(&sdk, "eu-west-1"),
        &edge,
        &[(t0 + 2_000, "edge two")],
    )
    .await;

    let search = edge_sources(
        &sdk,
        "EdgeRecorder",
        "app-EdgeRecorder-abc",
        &["us-east-1", "eu-west-1", "ap-south-1"],
    )
    .await;
    assert!(search.skipped.is_empty(), "{:?}", search.skipped);
    assert_eq!(search.sources.len(), 1, "{:?}", search.sources);
    assert_eq!(search.sources[0].name, "EdgeRecorder@eu-west-1");

    let dir = std::env::temp_dir().join(format!("stack-logs-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("counts-api.log");
    let mut out = std::fs::File::create(&file).unwrap();
    writeln!(
        out,
        r#"{{"timestamp":"{}","level":"INFO","fields":{{"message":"api two and a half"}}}}"#,
        rfc3339(t0 + 2_500)
    )
    .unwrap();

    let mut sources = vec![Source {
        name: "Processor".into(),
        place: Place::Group {
            group: "/app/processor".into(),
            region: None,
        },
    }];
    sources.extend(search.sources);
    sources.push(Source {
        name: "CountsApi".into(),
        place: Place::File(file.clone()),
    });
    let mut reader = Reader::new(
        sources.clone(),
        Query {
            start_ms: t0,
            filter: None,
        },
    )
    .with_aws(sdk.clone());
    let first = read(&mut reader).await;
    let seen: Vec<(&str, &str)> = first
        .iter()
        .map(|l| (l.source.as_str(), l.text.as_str()))
        .collect();
    assert_eq!(seen[0], ("Processor", "processor one"));
    assert_eq!(seen[1], ("EdgeRecorder@eu-west-1", "edge two"));
    assert_eq!(seen[2].0, "CountsApi");
    assert_eq!(seen[3], ("Processor", "processor three"));
    assert_eq!(seen.len(), 4);

    // Following: only what arrived since.
    assert!(read(&mut reader).await.is_empty());
    put(
        &home,
        "/app/processor",
        &[
            (t0 + 3_000, "processor three again"),
            (t0 + 5_000, "processor five"),
        ],
    )
    .await;
    writeln!(
        out,
        r#"{{"timestamp":"{}","level":"WARN","fields":{{"message":"api four"}}}}"#,
        rfc3339(t0 + 4_000)
    )
    .unwrap();
    let more: Vec<String> = read(&mut reader)
        .await
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(more.len(), 3, "{more:?}");
    assert_eq!(more[0], "processor three again");
    assert!(more[1].contains("api four"));
    assert_eq!(more[2], "processor five");

    // An event that reaches CloudWatch late, behind a newer one, still comes.
    put(
        &home,
        "/app/processor",
        &[(t0 + 4_500, "processor four and a half, late")],
    )
    .await;
    let late: Vec<String> = read(&mut reader)
        .await
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(late, vec!["processor four and a half, late"]);
    assert!(read(&mut reader).await.is_empty());

    // A start time and a filter.
    let mut later = Reader::new(
        sources,
        Query {
            start_ms: t0 + 2_600,
            filter: Some("three".into()),
        },
    )
    .with_aws(sdk);
    let texts: Vec<String> = read(&mut later).await.into_iter().map(|l| l.text).collect();
    assert_eq!(texts, vec!["processor three", "processor three again"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_missing_group_is_named_and_the_other_sources_still_read() {
    let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let sdk = moto.sdk_config().await;
    let dir = std::env::temp_dir().join(format!("stack-logs-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("connect.log");
    std::fs::write(
        &file,
        "{\"timestamp\":\"2026-12-01T10:00:00Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"connected\"}}\n",
    )
    .unwrap();
    let mut reader = Reader::new(
        vec![
            Source {
                name: "Processor".into(),
                place: Place::Group {
                    group: "/app/absent".into(),
                    region: Some("us-east-1".into()),
                },
            },
            Source {
                name: "Connect".into(),
                place: Place::File(file),
            },
        ],
        Query {
            start_ms: 0,
            // Matched as printed (`INFO  connected`), not only as written.
            filter: Some("INFO  connected".into()),
        },
    )
    .with_aws(sdk);
    let batch = reader.next().await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        batch.lines.len(),
        1,
        "the file's line comes despite the failing group"
    );
    assert_eq!(batch.errors.len(), 1);
    let (source, error) = &batch.errors[0];
    assert_eq!(source, "Processor");
    let error = error.to_string();
    assert!(
        error.contains("/app/absent") && error.contains("us-east-1"),
        "{error}"
    );
}
