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
        /// Longest wait, in seconds, for a batch to fill.
        batching_window_s: u64,
    },
    /// An EventBridge rule's schedule, by the rule's logical ID.
    Schedule {
        /// The rule's logical ID.
        rule: String,
        /// Its `ScheduleExpression`, as written.
        expression: String,
        /// Seconds between runs for a `rate(...)` expression; `None` for
        /// `cron(...)`, which has no fixed period.
        every_s: Option<u64>,
    },
}

/// The period of an EventBridge `rate(N unit)` expression, in seconds
/// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-rate-expressions>):
/// `minute(s)`, `hour(s)` or `day(s)`; `None` for anything else.
pub fn rate_seconds(expression: &str) -> Option<u64> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (value, unit) = inner.trim().split_once(' ')?;
    let value: u64 = value.parse().ok().filter(|v| *v > 0)?;
    let unit = match unit.trim() {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        _ => return None,
    };
    value.checked_mul(unit)
}

/// An event source mapping, or a scheduled rule's function target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSource {
    /// The mapping's (or the rule's) logical ID.
    pub id: String,
    /// The function's logical ID.
    pub function: String,
    /// What it reads.
    pub source: Source,
}

/// Where a CloudFront behavior sends requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An S3 bucket, by logical ID.
    Bucket(String),
    /// An API Gateway API, by logical ID.
    Api(String),
}

/// One cache behavior of a distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behavior {
    /// `/api/*`; `None` for the default behavior.
    pub path_pattern: Option<String>,
    /// Where it goes.
    pub origin: Origin,
    /// The function (logical ID) run on viewer requests, if any.
    pub viewer_request: Option<String>,
    /// The headers its response headers policy adds, if it has one.
    pub headers: Vec<ResponseHeader>,
}

/// A header a response headers policy sets on every response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeader {
    /// Its name.
    pub name: String,
    /// Its value, in parts.
    pub value: Vec<Part>,
}

/// A piece of a header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// The origin of an API of the template (logical ID): served, the
    /// stand-in's own.
    ApiOrigin(String),
    /// An intrinsic the stand-in cannot fill (the header is left out).
    Unknown(String),
}

/// The headers of the response headers policy `policy` (a resource's
/// properties), as CloudFront writes them
/// (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html>).
fn policy_headers(template: &Template, policy: &Value) -> Vec<ResponseHeader> {
    let config = &policy["ResponseHeadersPolicyConfig"];
    let security = &config["SecurityHeadersConfig"];
    let text = |name: &str, value: String| ResponseHeader {
        name: name.to_owned(),
        value: vec![Part::Text(value)],
    };
    let mut out = Vec::new();
    let hsts = &security["StrictTransportSecurity"];
    if let Some(age) = hsts["AccessControlMaxAgeSec"].as_i64() {
        let mut value = format!("max-age={age}");
        if hsts["IncludeSubdomains"] == true {
            value.push_str("; includeSubDomains");
        }
        if hsts["Preload"] == true {
            value.push_str("; preload");
        }
        out.push(text("strict-transport-security", value));
    }
    if security["ContentTypeOptions"].is_object() {
        out.push(text("x-content-type-options", "nosniff".into()));
    }
    if let Some(option) = security["FrameOptions"]["FrameOption"].as_str() {
        out.push(text("x-frame-options", option.to_owned()));
    }
    if let Some(policy) = security["ReferrerPolicy"]["ReferrerPolicy"].as_str() {
        out.push(text("referrer-policy", policy.to_owned()));
    }
    let csp = &security["ContentSecurityPolicy"]["ContentSecurityPolicy"];
    if !csp.is_null() {
        out.push(ResponseHeader {
            name: "content-security-policy".into(),
            value: parts(template, csp),
        });
    }
    for header in config["CustomHeadersConfig"]["Items"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let (Some(name), Some(value)) = (header["Header"].as_str(), header["Value"].as_str()) {
            out.push(text(&name.to_ascii_lowercase(), value.to_owned()));
        }
    }
    out
}

/// A value's parts: literal text, or the origin of an API it names.
fn parts(template: &Template, value: &Value) -> Vec<Part> {
    let api = |part: &Value| {
        let id = first_reference(part)?;
        (template.resource(&id)?.resource_type() == "AWS::ApiGatewayV2::Api").then_some(id)
    };
    match value {
        Value::String(s) => vec![Part::Text(s.clone())],
        Value::Object(map) if map.contains_key("Fn::Join") => {
            let join = &value["Fn::Join"];
            let delimiter = join[0].as_str().unwrap_or_default();
            let mut out = Vec::new();
            for (i, part) in join[1].as_array().into_iter().flatten().enumerate() {
                if i > 0 && !delimiter.is_empty() {
                    out.push(Part::Text(delimiter.to_owned()));
                }
                out.push(match part {
                    Value::String(s) => Part::Text(s.clone()),
                    other => match api(other) {
                        Some(id) => Part::ApiOrigin(id),
                        None => Part::Unknown(other.to_string()),
                    },
                });
            }
            out
        }
        other => match api(other) {
            Some(id) => vec![Part::ApiOrigin(id)],
            None => vec![Part::Unknown(other.to_string())],
        },
    }
}

/// A CloudFront distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    /// Its logical ID.
    pub id: String,
    /// The object served for `/`.
    pub default_root_object: Option<String>,
    /// Behaviors in CloudFront's order: the ordered ones, then the default.
    pub behaviors: Vec<Behavior>,
}

impl Distribution {
    /// The behavior CloudFront picks for `path`.
    pub fn behavior(&self, path: &str) -> Option<&Behavior> {
        self.behaviors.iter().find(|b| match &b.path_pattern {
            Some(pattern) => glob(pattern, path),
            None => true,
        })
    }
}

/// CloudFront's path patterns: `*` is any run of characters, `?` one.
pub fn glob(pattern: &str, path: &str) -> bool {
    let path = path.strip_prefix('/').unwrap_or(path);
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some((b'?', rest)) => !s.is_empty() && go(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
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
    /// CloudFront distributions.
    pub distributions: Vec<Distribution>,
}

/// The first logical ID any `Ref`, `Fn::GetAtt` or `Fn::Sub` inside `value` names.
fn first_reference(value: &Value) -> Option<String> {
    if let Some(id) = target(value) {
        return Some(id);
    }
    match value {
        Value::Array(items) => items.iter().find_map(first_reference),
        Value::Object(map) => map.values().find_map(first_reference),
        _ => None,
    }
}

fn distribution(template: &Template, id: &str, config: &Value) -> Distribution {
    let mut origins = BTreeMap::new();
    for origin in config["Origins"].as_array().into_iter().flatten() {
        let (Some(name), Some(target)) = (
            origin["Id"].as_str(),
            first_reference(&origin["DomainName"]),
        ) else {
            continue;
        };
        let kind = template
            .resource(&target)
            .map(|r| r.resource_type().to_owned());
        let origin = match kind.as_deref() {
            Some("AWS::S3::Bucket") => Origin::Bucket(target),
            Some("AWS::ApiGatewayV2::Api") => Origin::Api(target),
            _ => continue,
        };
        origins.insert(name.to_owned(), origin);
    }
    // A viewer-request association names a version; its function is served.
    let viewer_request = |behavior: &Value| {
        behavior["LambdaFunctionAssociations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["EventType"] == "viewer-request")
            .find_map(|a| {
                let version = first_reference(&a["LambdaFunctionARN"])?;
                match template.resource(&version) {
                    Some(r) if r.resource_type() == "AWS::Lambda::Version" => {
                        first_reference(&r.properties()["FunctionName"])
                    }
                    _ => Some(version),
                }
            })
    };
    let headers = |b: &Value| {
        first_reference(&b["ResponseHeadersPolicyId"])
            .and_then(|id| template.resource(&id))
            .filter(|r| r.resource_type() == "AWS::CloudFront::ResponseHeadersPolicy")
            .map(|r| policy_headers(template, &r.properties()))
            .unwrap_or_default()
    };
    let behavior = |b: &Value, pattern: Option<String>| {
        let origin = origins.get(b["TargetOriginId"].as_str()?)?.clone();
        Some(Behavior {
            path_pattern: pattern,
            origin,
            viewer_request: viewer_request(b),
            headers: headers(b),
        })
    };
    let mut behaviors: Vec<Behavior> = config["CacheBehaviors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| behavior(b, Some(b["PathPattern"].as_str()?.to_owned())))
        .collect();
    behaviors.extend(behavior(&config["DefaultCacheBehavior"], None));
    Distribution {
        id: id.to_owned(),
        default_root_object: config["DefaultRootObject"].as_str().map(str::to_owned),
        behaviors,
    }
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
        for d in &self.distributions {
            lines.push(format!("CloudFront distribution {}", d.id));
            for b in &d.behaviors {
                let origin = match &b.origin {
                    Origin::Bucket(id) => format!("bucket {id}"),
                    Origin::Api(id) => format!("API {id}"),
                };
                let edge = match &b.viewer_request {
                    Some(f) => format!(", viewer request -> {f}"),
                    None => String::new(),
                };
                lines.push(format!(
                    "  {} -> {origin}{edge}",
                    b.path_pattern.as_deref().unwrap_or("(default)")
                ));
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
                    batching_window_s,
                } => format!(
                    "stream of {table} (from {}, batch {batch_size}, window {batching_window_s}s, {max_retry_attempts} retries{})",
                    if *latest { "LATEST" } else { "TRIM_HORIZON" },
                    if *bisect_on_error { ", bisect" } else { "" }
                ),
                Source::Schedule { expression, .. } => format!("schedule {expression}"),
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
            "AWS::CloudFront::Distribution" => {
                let d = distribution(template, r.logical_id(), &p["DistributionConfig"]);
                topology.distributions.push(d);
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
                        batching_window_s: p["MaximumBatchingWindowInSeconds"]
                            .as_u64()
                            .unwrap_or(0),
                    },
                    _ => continue,
                };
                topology.event_sources.push(EventSource {
                    id: r.logical_id().to_owned(),
                    function,
                    source,
                });
            }
            "AWS::Events::Rule" => {
                let Some(expression) = p["ScheduleExpression"].as_str() else {
                    continue;
                };
                if p["State"].as_str().is_some_and(|s| s != "ENABLED") {
                    continue;
                }
                for t in p["Targets"].as_array().into_iter().flatten() {
                    let Some(function) = target(&t["Arn"]).filter(|f| {
                        template
                            .resource(f)
                            .is_some_and(|r| r.resource_type() == "AWS::Lambda::Function")
                    }) else {
                        continue;
                    };
                    topology.event_sources.push(EventSource {
                        id: r.logical_id().to_owned(),
                        function,
                        source: Source::Schedule {
                            rule: r.logical_id().to_owned(),
                            expression: expression.to_owned(),
                            every_s: rate_seconds(expression),
                        },
                    });
                }
            }
            _ => {}
        }
    }
    topology
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_expressions() {
        assert_eq!(rate_seconds("rate(1 hour)"), Some(3600));
        assert_eq!(rate_seconds("rate(5 minutes)"), Some(300));
        assert_eq!(rate_seconds("rate(2 days)"), Some(172_800));
        assert_eq!(rate_seconds("rate(0 days)"), None);
        assert_eq!(rate_seconds("rate(18446744073709551615 days)"), None);
        assert_eq!(rate_seconds("rate(1 week)"), None);
        assert_eq!(rate_seconds("cron(0 * * * ? *)"), None);
    }

    #[test]
    fn cloudfront_path_patterns() {
        assert!(glob("/api/*", "/api/counts"));
        assert!(!glob("/api/*", "/apix"));
        assert!(glob("*.jpg", "/img/a.jpg"));
        assert!(glob("/a?c", "/abc"));
        assert!(!glob("/a?c", "/ac"));
    }
}
