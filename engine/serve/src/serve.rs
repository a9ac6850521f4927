//! A stack deployed to an emulator, made to run: the functions under
//! `cargo lambda watch` with the environment the emulator gave them, the
//! template's HTTP and WebSocket APIs served on loopback (with the management
//! API `PostToConnection` calls), its queues, streams and schedules polled
//! into the functions with Lambda's semantics, and on request its
//! distributions. Everything comes from the template and the emulator's
//! record of the stack.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use aws_sdk_cloudformation::Client as Cfn;
use emulator::sqs_source::{self, SqsSourceConfig};
use emulator::stream_source::{StreamReader, StreamSourceConfig};
use gateway::http_api::{HttpApi, Route};
use gateway::{Gateway, Invoke};
use infra::Template;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::cdn::{self, Cdn};
use crate::edge::{self, EdgeHost};
use crate::error::{Result, ServeError};
use crate::functions::{FunctionHost, RustFunctions, Tools};
use stack_local::emulate::{resolve_placeholders, ServedApi};
use stack_local::topology::{self, Origin, Source, Topology};

/// How long a poller rests when its source was empty.
const IDLE: Duration = Duration::from_millis(200);

/// Something that happened while serving, for the caller to show.
#[derive(Debug, Clone)]
pub enum Event {
    /// A function ran (an API request, a batch, a schedule, a viewer request).
    Invoked {
        /// The function's logical ID.
        function: String,
        /// What it ran on, in a few words: `sqs: 3 records`, `GET /api/counts`.
        what: String,
        /// How long it took.
        elapsed: Duration,
        /// The function's error, if it failed.
        error: Option<String>,
    },
    /// Some messages of a batch failed and go back to their queue.
    Retried {
        function: String,
        retried: usize,
        delivered: usize,
    },
    /// Stream records were given up on after their retries.
    Skipped { function: String, skipped: usize },
    /// Reading a source failed; the poller tries again.
    PollFailed {
        function: String,
        source: String,
        error: String,
    },
    /// A source feeding a function that is not served (no Rust binary is
    /// declared for it): it is not polled, so nothing is taken from it.
    NotServed { function: String, source: String },
    /// A schedule that cannot be kept here (a `cron(...)` expression, or a
    /// period too long to count).
    NotScheduled {
        function: String,
        rule: String,
        expression: String,
    },
}

/// Where [`Event`]s go.
pub type Events = Arc<dyn Fn(Event) + Send + Sync>;

/// Spawned pollers and servers, aborted when dropped (also when `serve`
/// fails partway, so no poller goes on taking messages).
#[derive(Default)]
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// What is running for a stack; dropping it stops the functions, the
/// pollers and the distribution (the API listeners answer until the
/// runtime stops, with an error once the functions are gone).
pub struct Served {
    /// The functions' only strong handle: they stop with the rest (none
    /// when the stack has no Rust functions).
    _host: Option<Arc<FunctionHost>>,
    apis: BTreeMap<String, ServedApi>,
    physical: HashMap<String, String>,
    tasks: Tasks,
    edge: Vec<Arc<EdgeHost>>,
    sdk: aws_config::SdkConfig,
    endpoint: String,
    events: Events,
    invoke: Invoke,
}

/// Where a distribution's viewer-request functions run and log.
pub struct EdgeRequest<'a> {
    /// The tools (the managed Python).
    pub tools: &'a Tools,
    /// Where each function's code is written, one folder per function.
    pub code_dir: &'a Path,
    /// The log file of each function, by logical ID.
    pub log_file: &'a dyn Fn(&str) -> PathBuf,
}

impl Served {
    /// `text` with the placeholders of served APIs replaced by their URLs.
    pub fn resolve(&self, text: &str) -> String {
        resolve_placeholders(text, &|id| self.apis.get(id).cloned())
    }

    /// A resource's physical ID (name, URL) by logical ID.
    pub fn physical_id(&self, id: &str) -> Option<&str> {
        self.physical.get(id).map(String::as_str)
    }

    /// Every resource's physical ID, by logical ID.
    pub fn physical_ids(&self) -> &HashMap<String, String> {
        &self.physical
    }

    /// What is served for each resource taken out of the template.
    pub fn served(&self) -> &BTreeMap<String, ServedApi> {
        &self.apis
    }

    /// The base URL an API (by logical ID) is served at.
    pub fn api_endpoint(&self, id: &str) -> Option<&str> {
        self.apis.get(id).map(|a| a.endpoint.as_str())
    }

    /// Invokes a served Rust function (by logical ID) on `event`, as its
    /// triggers do; its JSON answer, or its error.
    pub async fn invoke(&self, function: &str, event: Value) -> Result<Value, String> {
        (self.invoke)(function.to_owned(), event).await
    }

    /// The stack's outputs with served URLs in place of placeholders.
    pub fn outputs(&self, outputs: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        outputs
            .iter()
            .map(|(k, v)| (k.clone(), self.resolve(v)))
            .collect()
    }

    /// Serves the template's first CloudFront distribution on `listener`:
    /// its behaviours, its bucket and API origins, its response headers and
    /// its viewer-request functions (Python, inline code with `Fn::Sub`
    /// filled as on AWS: a queue's `Ref` is its URL). Its placeholders then
    /// resolve to the listener's URL.
    pub async fn serve_distribution(
        &mut self,
        template: &Template,
        listener: tokio::net::TcpListener,
        edge_request: &EdgeRequest<'_>,
    ) -> Result<String> {
        let url = format!(
            "http://{}",
            listener
                .local_addr()
                .map_err(ServeError::io("reading the listener's address"))?
        );
        let distribution = topology::of(template)
            .distributions
            .first()
            .cloned()
            .ok_or_else(|| {
                ServeError::Missing("the template has no CloudFront distribution".into())
            })?;
        self.apis.insert(
            distribution.id.clone(),
            ServedApi {
                id: "LOCAL".into(),
                endpoint: url.clone(),
                execute_api: url.clone(),
            },
        );
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let mut buckets = HashMap::new();
        let mut apis = HashMap::new();
        let mut edge = HashMap::new();
        for behavior in &distribution.behaviors {
            match &behavior.origin {
                Origin::Bucket(id) => {
                    let name = self.physical_id(id).ok_or_else(|| {
                        ServeError::Missing(format!("the stack has no bucket {id}"))
                    })?;
                    buckets.insert(id.clone(), name.to_owned());
                }
                Origin::Api(id) => {
                    let base = self
                        .api_endpoint(id)
                        .ok_or_else(|| ServeError::Missing(format!("API {id} is not served")))?;
                    apis.insert(id.clone(), base.to_owned());
                }
            }
            // APIs a response header names (a CSP's connect-src) are served too.
            for header in &behavior.headers {
                for part in &header.value {
                    if let topology::Part::ApiOrigin(id) = part {
                        if let Some(base) = self.api_endpoint(id) {
                            apis.insert(id.clone(), base.to_owned());
                        }
                    }
                }
            }
            let Some(function) = &behavior.viewer_request else {
                continue;
            };
            if edge.contains_key(function) {
                continue;
            }
            // `Fn::Sub` fills a queue's `Ref` with its URL, as the endpoint reports it.
            let mut references = HashMap::new();
            for r in template.resources() {
                if let Some(id) = self.physical_id(r.logical_id()) {
                    let value = if r.resource_type() == "AWS::SQS::Queue" {
                        queue_url(&sqs, id).await?
                    } else {
                        id.to_owned()
                    };
                    references.insert(r.logical_id().to_owned(), value);
                }
            }
            let (code, handler) =
                edge::inline_code(template, function, &|id| references.get(id).cloned())?;
            let host = Arc::new(
                EdgeHost::start(
                    edge_request.tools,
                    &code,
                    &handler,
                    &edge_request.code_dir.join(function),
                    &(edge_request.log_file)(function),
                    &self.endpoint,
                )
                .await?,
            );
            self.edge.push(host.clone());
            edge.insert(function.clone(), host);
        }
        let task = cdn::serve(
            listener,
            Cdn {
                distribution,
                buckets,
                apis,
                edge,
                s3: aws_sdk_s3::Client::new(&self.sdk),
                events: self.events.clone(),
            },
        )
        .map_err(ServeError::io("serving the distribution"))?;
        self.tasks.0.push(task);
        Ok(url)
    }
}

/// Where to serve: the emulator's endpoint and the stack in it.
pub struct ServeRequest<'a> {
    /// The emulator's SDK configuration.
    pub sdk: &'a aws_config::SdkConfig,
    /// The emulator's endpoint (the functions' `AWS_ENDPOINT_URL`).
    pub endpoint: &'a str,
    /// The stack's name there.
    pub stack: &'a str,
    /// The template it was deployed from (before emulation).
    pub template: &'a Template,
    /// Where the Rust functions' code is.
    pub functions: &'a RustFunctions,
    /// The tools serving runs.
    pub tools: &'a Tools,
    /// Where the functions' output goes.
    pub log: &'a Path,
    /// More environment for every function, over what the stack declares
    /// (where to record calls, where to write logs).
    pub extra_env: BTreeMap<String, String>,
    /// Address of the first HTTP API (port 0 for any).
    pub http_addr: SocketAddr,
    /// Where what happens is reported.
    pub events: Events,
}

/// Starts everything the template needs that the emulator does not run.
pub async fn serve(request: &ServeRequest<'_>) -> Result<Served> {
    let topology = topology::of(request.template);
    let physical = physical_ids(&Cfn::new(request.sdk), request.stack).await?;
    let lambda = aws_sdk_lambda::Client::new(request.sdk);

    let gateway = Gateway::start()
        .await
        .map_err(|e| ServeError::Start(format!("starting the WebSocket management API: {e}")))?;
    // The invoker holds the host weakly: only `Served` keeps it alive.
    let slot: Arc<std::sync::OnceLock<Weak<FunctionHost>>> = Arc::default();
    let invoke = invoker(
        slot.clone(),
        request.functions.clone(),
        request.events.clone(),
    );
    let apis = serve_apis(&topology, &gateway, invoke.clone(), request.http_addr).await?;
    let resolve = |text: &str| resolve_placeholders(text, &|id| apis.get(id).cloned());

    let mut vars = BTreeMap::new();
    for (logical, _) in &request.functions.binaries {
        let Some(name) = physical.get(logical) else {
            return Err(ServeError::Missing(format!(
                "the stack {} has no function {logical}",
                request.stack
            )));
        };
        let config = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(ServeError::aws(format!(
                "reading the configuration of {logical} ({name})"
            )))?;
        let declared = config
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default();
        for (k, v) in declared {
            let v = resolve(&v);
            if let Some(other) = vars.get(&k) {
                if other != &v {
                    return Err(ServeError::Environment(format!("functions disagree on {k} ({other} and {v}); cargo lambda watch gives every function one environment")));
                }
            }
            vars.insert(k, v);
        }
    }
    vars.extend(request.extra_env.clone());
    vars.insert("AWS_ENDPOINT_URL".into(), request.endpoint.to_owned());
    vars.insert("AWS_REGION".into(), emulator::REGION.to_owned());
    vars.insert("AWS_ACCESS_KEY_ID".into(), emulator::ACCESS_KEY.to_owned());
    vars.insert(
        "AWS_SECRET_ACCESS_KEY".into(),
        emulator::ACCESS_KEY.to_owned(),
    );
    let host = if request.functions.binaries.is_empty() {
        None
    } else {
        let host = Arc::new(
            FunctionHost::start(request.tools, request.functions, &vars, request.log).await?,
        );
        let _ = slot.set(Arc::downgrade(&host));
        Some(host)
    };

    let mut tasks = Tasks::default();
    for source in &topology.event_sources {
        let events = request.events.clone();
        let function = source.function.clone();
        if request.functions.binary(&function).is_none() {
            (request.events)(Event::NotServed {
                function,
                source: source.id.clone(),
            });
            continue;
        }
        let poller = match &source.source {
            Source::Queue {
                queue,
                batch_size,
                batching_window_s,
                report_batch_item_failures,
            } => {
                let sqs = aws_sdk_sqs::Client::new(request.sdk);
                let id = physical.get(queue).ok_or_else(|| {
                    ServeError::Missing(format!("the stack has no queue {queue}"))
                })?;
                let queue_url = queue_url(&sqs, id).await?;
                let queue_arn = sqs
                    .get_queue_attributes()
                    .queue_url(&queue_url)
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .send()
                    .await
                    .map_err(ServeError::aws(format!(
                        "reading the attributes of {queue_url}"
                    )))?
                    .attributes()
                    .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
                    .cloned()
                    .unwrap_or_default();
                let config = SqsSourceConfig {
                    queue_url,
                    queue_arn,
                    batch_size: *batch_size,
                    batching_window: Duration::from_secs(*batching_window_s),
                    report_batch_item_failures: *report_batch_item_failures,
                };
                tokio::spawn(poll_queue(sqs, config, function, invoke.clone(), events))
            }
            Source::Stream {
                table,
                latest,
                batch_size,
                max_retry_attempts,
                bisect_on_error,
                batching_window_s,
            } => {
                let name = physical.get(table).ok_or_else(|| {
                    ServeError::Missing(format!("the stack has no table {table}"))
                })?;
                let described = aws_sdk_dynamodb::Client::new(request.sdk)
                    .describe_table()
                    .table_name(name)
                    .send()
                    .await
                    .map_err(ServeError::aws(format!("describing table {name}")))?;
                let stream_arn = described
                    .table()
                    .and_then(|t| t.latest_stream_arn())
                    .ok_or_else(|| ServeError::Missing(format!("table {name} has no stream")))?
                    .to_owned();
                let reader = StreamReader::open(
                    aws_sdk_dynamodbstreams::Client::new(request.sdk),
                    StreamSourceConfig {
                        stream_arn,
                        latest: *latest,
                        batch_size: *batch_size,
                        max_retry_attempts: *max_retry_attempts,
                        bisect_on_error: *bisect_on_error,
                        batching_window: Duration::from_secs(*batching_window_s),
                    },
                )
                .await
                .map_err(|e| ServeError::Aws {
                    action: format!("opening the stream of {name}"),
                    message: e.to_string(),
                })?;
                tokio::spawn(poll_stream(reader, function, invoke.clone(), events))
            }
            Source::Schedule {
                rule,
                expression,
                every_s,
            } => {
                let start = every_s.map(Duration::from_secs).and_then(|every| {
                    tokio::time::Instant::now()
                        .checked_add(every)
                        .map(|first| (first, every))
                });
                let Some((first, every)) = start else {
                    (request.events)(Event::NotScheduled {
                        function,
                        rule: rule.clone(),
                        expression: expression.clone(),
                    });
                    continue;
                };
                let arn = format!(
                    "arn:aws:events:{}:{}:rule/{}",
                    emulator::REGION,
                    emulator::ACCOUNT,
                    physical.get(rule).map_or(rule.as_str(), String::as_str)
                );
                tokio::spawn(keep_schedule(first, every, arn, function, invoke.clone()))
            }
        };
        tasks.0.push(poller);
    }
    Ok(Served {
        _host: host,
        apis,
        physical,
        tasks,
        edge: Vec::new(),
        sdk: request.sdk.clone(),
        endpoint: request.endpoint.to_owned(),
        events: request.events.clone(),
        invoke,
    })
}

/// Logical ID → physical ID of every resource in the stack.
pub async fn physical_ids(cfn: &Cfn, stack: &str) -> Result<HashMap<String, String>> {
    let resources = cfn
        .describe_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .map_err(ServeError::aws(format!(
            "listing the resources of stack {stack}"
        )))?;
    Ok(resources
        .stack_resources()
        .iter()
        .filter_map(|r| {
            Some((
                r.logical_resource_id()?.to_owned(),
                r.physical_resource_id()?.to_owned(),
            ))
        })
        .collect())
}

/// A queue's URL as the endpoint itself reports it, from its physical ID (a
/// URL, or a name on some emulators).
pub async fn queue_url(sqs: &aws_sdk_sqs::Client, id: &str) -> Result<String> {
    let name = id.rsplit('/').next().unwrap_or(id);
    sqs.get_queue_url()
        .queue_name(name)
        .send()
        .await
        .map_err(ServeError::aws(format!("finding queue {id}")))?
        .queue_url
        .ok_or_else(|| ServeError::Missing(format!("queue {id} has no URL")))
}

/// Invokes a function by logical ID once the host has started.
fn invoker(
    slot: Arc<std::sync::OnceLock<Weak<FunctionHost>>>,
    functions: RustFunctions,
    events: Events,
) -> Invoke {
    let functions = Arc::new(functions);
    Arc::new(move |function: String, event: Value| {
        let slot = slot.clone();
        let functions = functions.clone();
        let events = events.clone();
        Box::pin(async move {
            let started = std::time::Instant::now();
            let what = summary(&event);
            let binary = functions
                .binary(&function)
                .ok_or_else(|| format!("no Rust function is built for {function}"))?;
            let host = slot
                .get()
                .ok_or_else(|| "the functions are still starting".to_owned())?
                .upgrade()
                .ok_or_else(|| "the functions have stopped".to_owned())?;
            let result = host.invoke(binary, &event).await;
            events(Event::Invoked {
                function,
                what,
                elapsed: started.elapsed(),
                error: result.as_ref().err().cloned(),
            });
            result
        })
    })
}

/// What an event is, in a few words: `sqs: 3 messages`, `GET /api/counts`.
fn summary(event: &Value) -> String {
    if let Some(records) = event["Records"].as_array() {
        let source = records
            .first()
            .and_then(|r| r["eventSource"].as_str().or(r["EventSource"].as_str()))
            .unwrap_or("records")
            .trim_start_matches("aws:");
        return format!("{source}: {} records", records.len());
    }
    let context = &event["requestContext"];
    if let Some(route) = context["routeKey"].as_str() {
        if let Some(method) = context["http"]["method"].as_str() {
            return format!("{method} {}", event["rawPath"].as_str().unwrap_or(route));
        }
        return format!("websocket {route}");
    }
    if event["source"] == "aws.events" {
        return "schedule".to_owned();
    }
    "event".to_owned()
}

/// Serves every API of the topology; returns what each stands for.
async fn serve_apis(
    topology: &Topology,
    gateway: &Gateway,
    invoke: Invoke,
    http_addr: SocketAddr,
) -> Result<BTreeMap<String, ServedApi>> {
    let mut served = BTreeMap::new();
    let mut next_http = Some(http_addr);
    for (id, api) in &topology.apis {
        let routes = topology.routes.iter().filter(|r| &r.api == id);
        let (endpoint, execute_api) = if api.protocol == "WEBSOCKET" {
            let routes: HashMap<String, String> = routes
                .map(|r| (r.route_key.clone(), r.function.clone()))
                .collect();
            let url = gateway
                .serve_websocket(&api.stage, routes, invoke.clone())
                .await
                .map_err(|e| ServeError::Start(format!("serving WebSocket API {id}: {e}")))?;
            let base = url
                .strip_suffix(&format!("/{}", api.stage))
                .unwrap_or(&url)
                .to_owned();
            (base, gateway.endpoint())
        } else {
            let routes: Vec<Route> = routes
                .filter_map(|r| Route::from_key(&r.route_key, &r.function))
                .collect();
            let addr = next_http
                .take()
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
            let http = HttpApi::start(addr, routes, invoke.clone())
                .await
                .map_err(|e| ServeError::Start(format!("serving HTTP API {id} on {addr}: {e}")))?;
            (http.url(), http.url())
        };
        served.insert(
            id.clone(),
            ServedApi {
                id: format!("local-{}", id.to_ascii_lowercase()),
                endpoint,
                execute_api,
            },
        );
    }
    Ok(served)
}

async fn poll_queue(
    sqs: aws_sdk_sqs::Client,
    config: SqsSourceConfig,
    function: String,
    invoke: Invoke,
    events: Events,
) {
    loop {
        let outcome =
            sqs_source::poll_once(&sqs, &config, |event| invoke(function.clone(), event)).await;
        match outcome {
            Ok(o) if o.delivered > 0 => {
                if o.retried > 0 {
                    events(Event::Retried {
                        function: function.clone(),
                        retried: o.retried,
                        delivered: o.delivered,
                    });
                }
            }
            Ok(_) => tokio::time::sleep(IDLE).await,
            Err(e) => {
                events(Event::PollFailed {
                    function: function.clone(),
                    source: config.queue_url.clone(),
                    error: e.to_string(),
                });
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn poll_stream(mut reader: StreamReader, function: String, invoke: Invoke, events: Events) {
    loop {
        match reader.poll(|event| invoke(function.clone(), event)).await {
            Ok(p) => {
                if p.skipped > 0 {
                    events(Event::Skipped {
                        function: function.clone(),
                        skipped: p.skipped,
                    });
                }
                if p.delivered == 0 {
                    tokio::time::sleep(IDLE).await;
                }
            }
            Err(e) => {
                events(Event::PollFailed {
                    function: function.clone(),
                    source: "a table stream".into(),
                    error: e.to_string(),
                });
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// How often Lambda retries an asynchronous invocation whose function
/// failed, and the waits before each retry
/// (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>).
const ASYNC_RETRIES: [Duration; 2] = [Duration::from_secs(60), Duration::from_secs(120)];

/// Invokes `function` at `first`, then every `every`, with the event an
/// EventBridge rule's schedule sends
/// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/run-lambda-schedule.html>;
/// the event: <https://docs.aws.amazon.com/lambda/latest/dg/with-scheduled-events.html>):
/// a new rule first fires one period after it is created. A rule invokes
/// its target asynchronously, so a failed run is retried twice, as Lambda
/// does; a run still retrying does not delay the next.
async fn keep_schedule(
    first: tokio::time::Instant,
    every: Duration,
    rule_arn: String,
    function: String,
    invoke: Invoke,
) {
    let mut ticks = tokio::time::interval_at(first, every);
    loop {
        ticks.tick().await;
        let event = scheduled_event(&rule_arn, chrono::Utc::now());
        let (invoke, function) = (invoke.clone(), function.clone());
        tokio::spawn(async move {
            if invoke(function.clone(), event.clone()).await.is_ok() {
                return;
            }
            for wait in ASYNC_RETRIES {
                tokio::time::sleep(wait).await;
                if invoke(function.clone(), event.clone()).await.is_ok() {
                    return;
                }
            }
        });
    }
}

/// The event an EventBridge rule's schedule sends a function when it fires
/// at `time`; its `id` is unique per rule and time.
pub fn scheduled_event(rule_arn: &str, time: chrono::DateTime<chrono::Utc>) -> Value {
    let rule: u32 = rule_arn.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    });
    json!({
        "version": "0",
        "id": format!("{rule:08x}-0000-0000-0000-{:012}", time.timestamp().max(0)),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": emulator::ACCOUNT,
        "time": time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": emulator::REGION,
        "resources": [rule_arn],
        "detail": {}
    })
}
