//! What xtask serves in the emulator's place, read from the typed template:
//! HTTP API routes, WebSocket routes and stage, and event source mappings.
//! Nothing here is hard-coded a second time.

use std::collections::BTreeMap;

use infra::Template;
use serde_json::Value;

/// An API route and the function behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    /// The API's logical ID.
    pub api: String,
    /// `GET /api/counts`, `$connect`, ...
    pub route_key: String,
    /// The function's logical ID.
    pub function: String,
}

/// An API's protocol and stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiInfo {
    /// `HTTP` or `WEBSOCKET`.
    pub protocol: String,
    /// The stage's name (`$default` for HTTP APIs).
    pub stage: String,
}

/// Where an event source mapping reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A queue, by logical ID.
    Queue {
        /// The queue's logical ID.
        queue: String,
        /// Messages per invocation.
        batch_size: usize,
        /// Seconds to gather a batch.
        batching_window_s: u64,
        /// Whether the function reports batch item failures.
        report_batch_item_failures: bool,
    },
    /// A table's stream, by the table's logical ID.
    Stream {
        /// The table's logical ID.
        table: String,
        /// `LATEST` or `TRIM_HORIZON`.
        latest: bool,
        /// Records per invocation.
        batch_size: usize,
        /// Retries before a batch is skipped.
        max_retry_attempts: u32,
        /// Whether failing batches are halved.
        bisect_on_error: bool,
    },
}

/// An event source mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSource {
    /// The mapping's logical ID.
    pub id: String,
    /// The function's logical ID.
    pub function: String,
    /// What it reads.
    pub source: Source,
}

/// Everything to serve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    /// APIs by logical ID.
    pub apis: BTreeMap<String, ApiInfo>,
    /// Routes of every API.
    pub routes: Vec<ApiRoute>,
    /// Event source mappings.
    pub event_sources: Vec<EventSource>,
}

/// The logical ID a `Ref`, a `Fn::GetAtt` or a one-name `Fn::Sub` points at.
fn target(value: &Value) -> Option<String> {
    if let Some(id) = value.get("Ref").and_then(Value::as_str) {
        return Some(id.to_owned());
    }
    if let Some(id) = value
        .get("Fn::GetAtt")
        .and_then(|a| a.get(0))
        .and_then(Value::as_str)
    {
        return Some(id.to_owned());
    }
    let text = match value.get("Fn::Sub")? {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.first()?.as_str()?.to_owned(),
        _ => return None,
    };
    // The name in `${Name}` or `${Name.Attr}` that is not a pseudo-parameter.
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .map(|name| name.split('.').next().unwrap_or(name))
        .find(|name| !name.starts_with("AWS::") && !name.starts_with('!'))
        .map(str::to_owned)
}

impl Topology {
    /// One line per API, route and event source: what xtask serves.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (id, api) in &self.apis {
            lines.push(format!("{} API {id}, stage {}", api.protocol, api.stage));
            for r in self.routes.iter().filter(|r| &r.api == id) {
                lines.push(format!("  {} -> {}", r.route_key, r.function));
            }
        }
        for e in &self.event_sources {
            let what = match &e.source {
                Source::Queue {
                    queue,
                    batch_size,
                    batching_window_s,
                    report_batch_item_failures,
                } => format!(
                    "queue {queue} (batch {batch_size}, window {batching_window_s}s{})",
                    if *report_batch_item_failures { ", partial batch failures" } else { "" }
                ),
                Source::Stream {
                    table,
                    latest,
                    batch_size,
                    max_retry_attempts,
                    bisect_on_error,
                } => format!(
                    "stream of {table} (from {}, batch {batch_size}, {max_retry_attempts} retries{})",
                    if *latest { "LATEST" } else { "TRIM_HORIZON" },
                    if *bisect_on_error { ", bisect" } else { "" }
                ),
            };
            lines.push(format!("event source {}: {what} -> {}", e.id, e.function));
        }
        lines
    }
}

/// Reads the topology of `template`.
pub fn of(template: &Template) -> Topology {
    let mut topology = Topology::default();
    let mut integrations: BTreeMap<String, String> = BTreeMap::new();
    for r in template.resources() {
        let p = r.properties();
        match r.resource_type() {
            "AWS::ApiGatewayV2::Api" => {
                topology.apis.insert(
                    r.logical_id().to_owned(),
                    ApiInfo {
                        protocol: p["ProtocolType"].as_str().unwrap_or("HTTP").to_owned(),
                        stage: "$default".into(),
                    },
                );
            }
            "AWS::ApiGatewayV2::Integration" => {
                if let Some(function) = target(&p["IntegrationUri"]) {
                    integrations.insert(r.logical_id().to_owned(), function);
                }
            }
            _ => {}
        }
    }
    for r in template.resources() {
        let p = r.properties();
        match r.resource_type() {
            "AWS::ApiGatewayV2::Stage" => {
                if let (Some(api), Some(stage)) = (target(&p["ApiId"]), p["StageName"].as_str()) {
                    if let Some(info) = topology.apis.get_mut(&api) {
                        info.stage = stage.to_owned();
                    }
                }
            }
            "AWS::ApiGatewayV2::Route" => {
                let function = target(&p["Target"]).and_then(|i| integrations.get(&i).cloned());
                if let (Some(api), Some(key), Some(function)) =
                    (target(&p["ApiId"]), p["RouteKey"].as_str(), function)
                {
                    topology.routes.push(ApiRoute {
                        api,
                        route_key: key.to_owned(),
                        function,
                    });
                }
            }
            "AWS::Lambda::EventSourceMapping" => {
                let (Some(function), Some(source)) =
                    (target(&p["FunctionName"]), target(&p["EventSourceArn"]))
                else {
                    continue;
                };
                let source_type = template
                    .resource(&source)
                    .map(|s| s.resource_type().to_owned());
                let batch_size = p["BatchSize"].as_u64().unwrap_or(10) as usize;
                let source = match source_type.as_deref() {
                    Some("AWS::SQS::Queue") => Source::Queue {
                        queue: source,
                        batch_size,
                        batching_window_s: p["MaximumBatchingWindowInSeconds"]
                            .as_u64()
                            .unwrap_or(0),
                        report_batch_item_failures: p["FunctionResponseTypes"]
                            .as_array()
                            .is_some_and(|t| t.iter().any(|v| v == "ReportBatchItemFailures")),
                    },
                    Some("AWS::DynamoDB::Table") => Source::Stream {
                        table: source,
                        latest: p["StartingPosition"].as_str() != Some("TRIM_HORIZON"),
                        batch_size,
                        max_retry_attempts: p["MaximumRetryAttempts"].as_u64().unwrap_or(3) as u32,
                        bisect_on_error: p["BisectBatchOnFunctionError"].as_bool().unwrap_or(false),
                    },
                    _ => continue,
                };
                topology.event_sources.push(EventSource {
                    id: r.logical_id().to_owned(),
                    function,
                    source,
                });
            }
            _ => {}
        }
    }
    topology
}

#[cfg(test)]
mod tests {
    use super::*;
    use visitor_stack::{build, StackConfig, Stage};

    #[test]
    fn the_test_stage_topology() {
        let template = build(Stage::Test, &StackConfig::default()).unwrap();
        let t = of(&template);
        assert_eq!(
            t.apis["Api"],
            ApiInfo {
                protocol: "HTTP".into(),
                stage: "$default".into()
            }
        );
        assert_eq!(
            t.apis["Live"],
            ApiInfo {
                protocol: "WEBSOCKET".into(),
                stage: "live".into()
            }
        );
        let routes: Vec<(&str, &str, &str)> = t
            .routes
            .iter()
            .map(|r| (r.api.as_str(), r.route_key.as_str(), r.function.as_str()))
            .collect();
        assert!(routes.contains(&("Api", "GET /api/counts", "CountsApi")));
        for key in ["$connect", "$disconnect", "$default"] {
            assert!(routes.contains(&("Live", key, "Connect")), "{key}");
        }
        assert_eq!(t.event_sources.len(), 2);
        let processor = t
            .event_sources
            .iter()
            .find(|e| e.function == "Processor")
            .unwrap();
        assert_eq!(
            processor.source,
            Source::Queue {
                queue: "Visits".into(),
                batch_size: 10,
                batching_window_s: 1,
                report_batch_item_failures: true
            }
        );
        let broadcaster = t
            .event_sources
            .iter()
            .find(|e| e.function == "Broadcaster")
            .unwrap();
        assert!(
            matches!(&broadcaster.source, Source::Stream { table, latest: true, bisect_on_error: true, .. } if table == "Totals")
        );
    }
}
