//! A stack deployed to an emulator, made to run: the functions under
//! `cargo lambda watch` with the environment the emulator gave them, the
//! template's HTTP and WebSocket APIs served on loopback (with the management
//! API `PostToConnection` calls), and its queues and streams polled into the
//! functions with Lambda's semantics. Everything comes from the template and
//! the emulator's record of the stack.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use aws_sdk_cloudformation::Client as Cfn;
use emulator::sqs_source::{self, SqsSourceConfig};
use emulator::stream_source::{StreamReader, StreamSourceConfig};
use gateway::http_api::{HttpApi, Route};
use gateway::{Gateway, Invoke};
use infra::Template;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::functions::FunctionHost;
use crate::build::BINARIES;
use crate::pyenv::PyEnv;
use crate::sdk_error::sdk_error;
use stack_local::emulate::{resolve_placeholders, ServedApi};
use stack_local::topology::{self, Source, Topology};

/// How long a poller rests when its source was empty.
const IDLE: Duration = Duration::from_millis(200);

/// What is running for a stack; dropping it stops everything.
pub struct Served {
    /// Held so that the functions stop with the rest.
    _host: Arc<FunctionHost>,
    apis: BTreeMap<String, ServedApi>,
    physical: HashMap<String, String>,
    pollers: Vec<JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        for p in &self.pollers {
            p.abort();
        }
    }
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

    /// Records something else served here (a distribution), so that its
    /// placeholders resolve too.
    pub fn add(&mut self, logical_id: &str, served: ServedApi) {
        self.apis.insert(logical_id.to_owned(), served);
    }

    /// The stack's outputs with served URLs in place of placeholders.
    pub fn outputs(&self, outputs: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        outputs
            .iter()
            .map(|(k, v)| (k.clone(), self.resolve(v)))
            .collect()
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
    /// The managed Python environment (cargo-lambda).
    pub env: &'a PyEnv,
    /// Where the functions' output goes.
    pub log: &'a Path,
    /// Where each function also writes its own log lines, with their time
    /// (emptied first; what `cargo xtask logs` reads).
    pub log_dir: &'a Path,
    /// Address of the first HTTP API (port 0 for any).
    pub http_addr: SocketAddr,
    /// Print one line per invocation.
    pub log_invocations: bool,
    /// Where the functions record every AWS request they make (for the
    /// access check), if anywhere.
    pub record_calls: Option<&'a Path>,
}

/// Starts everything the template needs that the emulator does not run.
pub async fn serve(request: &ServeRequest<'_>) -> Result<Served> {
    let topology = topology::of(request.template);
    let physical = physical_ids(&Cfn::new(request.sdk), request.stack).await?;
    let lambda = aws_sdk_lambda::Client::new(request.sdk);

    let gateway = Gateway::start()
        .await
        .context("starting the WebSocket management API")?;
    let slot: Arc<std::sync::OnceLock<Arc<FunctionHost>>> = Arc::default();
    let invoke = invoker(slot.clone(), request.log_invocations);
    let apis = serve_apis(&topology, &gateway, invoke.clone(), request.http_addr).await?;
    let resolve = |text: &str| resolve_placeholders(text, &|id| apis.get(id).cloned());

    let mut vars = BTreeMap::new();
    for (logical, _) in BINARIES {
        let Some(name) = physical.get(logical) else {
            bail!("the stack {} has no function {logical}", request.stack);
        };
        let config = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(sdk_error)
            .with_context(|| format!("reading the configuration of {logical} ({name})"))?;
        let declared = config
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default();
        for (k, v) in declared {
            let v = resolve(&v);
            if let Some(other) = vars.get(&k) {
                if other != &v {
                    bail!("functions disagree on {k} ({other} and {v}); cargo lambda watch gives every function one environment");
                }
            }
            vars.insert(k, v);
        }
    }
    if let Some(file) = request.record_calls {
        vars.insert(
            access_record::FILE_VAR.into(),
            file.to_string_lossy().into_owned(),
        );
    }
    clear_dir(request.log_dir)?;
    vars.insert(
        visitor_model::env::LOCAL_LOG_DIR.into(),
        request.log_dir.to_string_lossy().into_owned(),
    );
    vars.insert("AWS_ENDPOINT_URL".into(), request.endpoint.to_owned());
    vars.insert("AWS_REGION".into(), emulator::REGION.to_owned());
    vars.insert("AWS_ACCESS_KEY_ID".into(), emulator::ACCESS_KEY.to_owned());
    vars.insert(
        "AWS_SECRET_ACCESS_KEY".into(),
        emulator::ACCESS_KEY.to_owned(),
    );
    let host = Arc::new(FunctionHost::start(request.env, &vars, request.log).await?);
    let _ = slot.set(host.clone());

    let mut pollers = Vec::new();
    for source in &topology.event_sources {
        let poller = match &source.source {
            Source::Queue {
                queue,
                batch_size,
                batching_window_s,
                report_batch_item_failures,
            } => {
                let sqs = aws_sdk_sqs::Client::new(request.sdk);
                let id = physical
                    .get(queue)
                    .with_context(|| format!("the stack has no queue {queue}"))?;
                let queue_url = queue_url(&sqs, id).await?;
                let queue_arn = sqs
                    .get_queue_attributes()
                    .queue_url(&queue_url)
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .send()
                    .await
                    .map_err(sdk_error)
                    .with_context(|| format!("reading the attributes of {queue_url}"))?
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
                tokio::spawn(poll_queue(
                    sqs,
                    config,
                    source.function.clone(),
                    invoke.clone(),
                ))
            }
            Source::Stream {
                table,
                latest,
                batch_size,
                max_retry_attempts,
                bisect_on_error,
                batching_window_s,
            } => {
                let name = physical
                    .get(table)
                    .with_context(|| format!("the stack has no table {table}"))?;
                let described = aws_sdk_dynamodb::Client::new(request.sdk)
                    .describe_table()
                    .table_name(name)
                    .send()
                    .await
                    .map_err(sdk_error)
                    .with_context(|| format!("describing table {name}"))?;
                let stream_arn = described
                    .table()
                    .and_then(|t| t.latest_stream_arn())
                    .with_context(|| format!("table {name} has no stream"))?
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
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("opening the stream of {name}"))?;
                tokio::spawn(poll_stream(reader, source.function.clone(), invoke.clone()))
            }
        };
        pollers.push(poller);
    }
    Ok(Served {
        _host: host,
        apis,
        physical,
        pollers,
    })
}

/// Logical ID → physical ID of every resource in the stack.
pub async fn physical_ids(cfn: &Cfn, stack: &str) -> Result<HashMap<String, String>> {
    let resources = cfn
        .describe_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .map_err(sdk_error)
        .with_context(|| format!("listing the resources of stack {stack}"))?;
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
        .map_err(sdk_error)
        .with_context(|| format!("finding queue {id}"))?
        .queue_url
        .with_context(|| format!("queue {id} has no URL"))
}

/// Invokes a function by logical ID once the host has started.
fn invoker(slot: Arc<std::sync::OnceLock<Arc<FunctionHost>>>, log: bool) -> Invoke {
    Arc::new(move |function: String, event: Value| {
        let slot = slot.clone();
        Box::pin(async move {
            let started = std::time::Instant::now();
            let what = summary(&event);
            let host = slot
                .get()
                .cloned()
                .ok_or_else(|| "the functions are still starting".to_owned())?;
            let binary = BINARIES
                .iter()
                .find(|(logical, _)| *logical == function)
                .map(|(_, binary)| *binary)
                .ok_or_else(|| format!("no Rust function is built for {function}"))?;
            let result = host.invoke(binary, &event).await;
            if log {
                let outcome = match &result {
                    Ok(_) => "ok".to_owned(),
                    Err(e) => format!("FAILED: {e}"),
                };
                eprintln!(
                    "    {function:<12} {what} ({} ms) {outcome}",
                    started.elapsed().as_millis()
                );
            }
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
                .with_context(|| format!("serving WebSocket API {id}"))?;
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
                .with_context(|| format!("serving HTTP API {id} on {addr}"))?;
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
) {
    loop {
        let outcome =
            sqs_source::poll_once(&sqs, &config, |event| invoke(function.clone(), event)).await;
        match outcome {
            Ok(o) if o.delivered > 0 => {
                if o.retried > 0 {
                    eprintln!(
                        "    {function}: {} of {} messages failed and go back to the queue",
                        o.retried, o.delivered
                    );
                }
            }
            Ok(_) => tokio::time::sleep(IDLE).await,
            Err(e) => {
                eprintln!("    polling {} for {function}: {e}", config.queue_url);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn poll_stream(mut reader: StreamReader, function: String, invoke: Invoke) {
    loop {
        match reader.poll(|event| invoke(function.clone(), event)).await {
            Ok(p) => {
                if p.skipped > 0 {
                    eprintln!(
                        "    {function}: {} stream records skipped after retries",
                        p.skipped
                    );
                }
                if p.delivered == 0 {
                    tokio::time::sleep(IDLE).await;
                }
            }
            Err(e) => {
                eprintln!("    reading a stream for {function}: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Makes `dir` an empty folder (a new run's logs start over).
pub fn clear_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("emptying {}", dir.display())),
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}
