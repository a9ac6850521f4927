//! Realistic Lambda events, bundled in the repository (`lambdas/events/`),
//! with the interesting fields settable: what `cargo xtask generate-event`
//! prints and what the tests feed the handlers.

use serde_json::{json, Value};

use crate::message::VisitMessage;

/// A person's browser, as its `User-Agent` header says (Firefox 128 on
/// Linux): what tests send when a visit must count as a person's.
pub const BROWSER_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// The kinds of event the functions receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Lambda@Edge viewer request (the edge recorder).
    CloudfrontViewerRequest,
    /// An SQS batch of visit messages (the processor).
    Sqs,
    /// An HTTP API v2 request (the counts API).
    HttpApi,
    /// A WebSocket `$connect` (the connect handler).
    WebsocketConnect,
    /// A WebSocket `$disconnect` (the connect handler).
    WebsocketDisconnect,
    /// A DynamoDB stream batch on the totals table (the broadcaster).
    DynamodbStream,
}

impl EventKind {
    /// Every kind, with its command-line name.
    pub const ALL: [(EventKind, &'static str); 6] = [
        (
            EventKind::CloudfrontViewerRequest,
            "cloudfront-viewer-request",
        ),
        (EventKind::Sqs, "sqs"),
        (EventKind::HttpApi, "http-api"),
        (EventKind::WebsocketConnect, "websocket-connect"),
        (EventKind::WebsocketDisconnect, "websocket-disconnect"),
        (EventKind::DynamodbStream, "dynamodb-stream"),
    ];

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    fn template(self) -> &'static str {
        match self {
            EventKind::CloudfrontViewerRequest => {
                include_str!("../../events/cloudfront-viewer-request.json")
            }
            EventKind::Sqs => include_str!("../../events/sqs.json"),
            EventKind::HttpApi => include_str!("../../events/http-api.json"),
            EventKind::WebsocketConnect => include_str!("../../events/websocket-connect.json"),
            EventKind::WebsocketDisconnect => {
                include_str!("../../events/websocket-disconnect.json")
            }
            EventKind::DynamodbStream => include_str!("../../events/dynamodb-stream.json"),
        }
    }
}

/// The fields a caller may set; `None` keeps the bundled value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventOptions {
    /// Client IP (viewer request, SQS, HTTP API).
    pub ip: Option<String>,
    /// Requested path (viewer request, SQS; the `path` parameter of the HTTP API).
    pub path: Option<String>,
    /// Records in the batch (SQS, DynamoDB stream); at least 1.
    pub batch_size: Option<usize>,
    /// The WebSocket connection ID.
    pub connection_id: Option<String>,
    /// Page views in the totals image (DynamoDB stream).
    pub total: Option<u64>,
    /// Unique visitors in the totals image (DynamoDB stream).
    pub unique: Option<u64>,
}

/// The event of `kind` with `options` applied.
pub fn event(kind: EventKind, options: &EventOptions) -> Value {
    let mut event: Value =
        serde_json::from_str(kind.template()).expect("bundled fixtures are valid JSON");
    match kind {
        EventKind::CloudfrontViewerRequest => {
            let request = &mut event["Records"][0]["cf"]["request"];
            if let Some(ip) = &options.ip {
                request["clientIp"] = json!(ip);
            }
            if let Some(path) = &options.path {
                request["uri"] = json!(path);
            }
        }
        EventKind::Sqs => {
            let template = event["Records"][0].clone();
            let message = VisitMessage::parse(template["body"].as_str().unwrap_or_default())
                .expect("the bundled SQS fixture carries a valid visit");
            let records: Vec<Value> = (0..options.batch_size.unwrap_or(1).max(1))
                .map(|i| {
                    let mut record = template.clone();
                    let mut visit = message.clone();
                    visit.id = format!("{}-{i}", message.id);
                    if let Some(ip) = &options.ip {
                        visit.ip = ip.clone();
                    }
                    if let Some(path) = &options.path {
                        visit.path = path.clone();
                    }
                    record["messageId"] = json!(format!("059f36b4-87a3-44ab-83d2-{i:012}"));
                    record["body"] = json!(visit.to_json());
                    record
                })
                .collect();
            event["Records"] = Value::Array(records);
        }
        EventKind::HttpApi => {
            if let Some(path) = &options.path {
                event["queryStringParameters"]["path"] = json!(path);
                event["rawQueryString"] = json!(format!("path={}", percent_encode(path)));
            }
            if let Some(ip) = &options.ip {
                event["requestContext"]["http"]["sourceIp"] = json!(ip);
                event["headers"]["x-forwarded-for"] = json!(ip);
            }
        }
        EventKind::WebsocketConnect | EventKind::WebsocketDisconnect => {
            if let Some(id) = &options.connection_id {
                event["requestContext"]["connectionId"] = json!(id);
            }
        }
        EventKind::DynamodbStream => {
            let template = event["Records"][0].clone();
            let total = options.total.unwrap_or(1024);
            let unique = options.unique.unwrap_or(311);
            let size = options.batch_size.unwrap_or(1).max(1) as u64;
            let records: Vec<Value> = (0..size)
                .map(|i| {
                    let mut record = template.clone();
                    // Earlier records carry earlier counts; the last one is the newest.
                    let image = &mut record["dynamodb"]["NewImage"];
                    image["visits"] =
                        json!({ "N": total.saturating_sub(size - 1 - i).to_string() });
                    image["unique_visitors"] = json!({ "N": unique.to_string() });
                    record["dynamodb"]["SequenceNumber"] = json!(format!("2224{:020}", i + 1));
                    record
                })
                .collect();
            event["Records"] = Value::Array(records);
        }
    }
    event
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_name_and_applies_options() {
        for (kind, name) in EventKind::ALL {
            assert_eq!(EventKind::from_name(name), Some(kind));
            assert!(event(kind, &EventOptions::default()).is_object());
        }
        let options = EventOptions {
            ip: Some("198.51.100.7".into()),
            path: Some("/about".into()),
            batch_size: Some(3),
            ..EventOptions::default()
        };
        let sqs = event(EventKind::Sqs, &options);
        let records = sqs["Records"].as_array().unwrap();
        assert_eq!(records.len(), 3);
        let visit = VisitMessage::parse(records[2]["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            (visit.ip.as_str(), visit.path.as_str()),
            ("198.51.100.7", "/about")
        );
        assert_ne!(records[0]["messageId"], records[1]["messageId"]);
        let http = event(EventKind::HttpApi, &options);
        assert_eq!(http["queryStringParameters"]["path"], "/about");
        assert_eq!(http["rawQueryString"], "path=%2Fabout");
        let stream = event(
            EventKind::DynamodbStream,
            &EventOptions {
                batch_size: Some(2),
                total: Some(10),
                ..EventOptions::default()
            },
        );
        assert_eq!(
            stream["Records"][1]["dynamodb"]["NewImage"]["visits"]["N"],
            "10"
        );
        assert_eq!(
            stream["Records"][0]["dynamodb"]["NewImage"]["visits"]["N"],
            "9"
        );
    }
}
