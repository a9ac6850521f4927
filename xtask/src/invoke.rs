//! `cargo xtask invoke`: run one function on an event file against the
//! embedded emulator (or any endpoint) and print its JSON response.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::dynamodb::Event as StreamEvent;
use aws_lambda_events::sqs::SqsEvent;
use serde_json::Value;
use visitor_functions::broadcaster::{management_client, Broadcaster};
use visitor_functions::connect::{Connect, DEFAULT_TTL_SECONDS};
use visitor_functions::counts::Counts;
use visitor_functions::processor::{IpStorage, Processor, Settings};
use visitor_model::provision::{create_tables, TableNames};

use crate::pyenv::PyEnv;
use crate::workspace;

/// The functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Function {
    /// SQS batch → tables (event: sqs).
    Processor,
    /// GET /api/counts (event: http-api).
    CountsApi,
    /// WebSocket $connect / $disconnect (event: websocket-connect, websocket-disconnect).
    Connect,
    /// Totals stream → WebSocket connections (event: dynamodb-stream).
    Broadcaster,
    /// Lambda@Edge viewer request → queue (event: cloudfront-viewer-request).
    EdgeRecorder,
}

/// Options of `cargo xtask invoke`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cargo xtask generate-event sqs --batch-size 5 > batch.json\n  cargo xtask invoke processor --event batch.json\n  cargo xtask generate-event http-api --path / | cargo xtask invoke counts-api --event -"
)]
pub struct Args {
    /// Which function.
    #[arg(value_enum)]
    pub function: Function,
    /// The event (JSON file; `-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub event: PathBuf,
    /// Use this AWS-compatible endpoint instead of starting a fresh emulator.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Tables are `<prefix>-totals`, ... (created when missing).
    #[arg(long, default_value = "local", value_name = "PREFIX")]
    pub table_prefix: String,
}

pub fn run(args: &Args) -> Result<()> {
    let text = if args.event.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .context("reading the event from standard input")?
    } else {
        std::fs::read_to_string(&args.event)
            .with_context(|| format!("reading {}", args.event.display()))?
    };
    let event: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not JSON (generate one with `cargo xtask generate-event`)",
            args.event.display()
        )
    })?;
    let env = PyEnv::ensure()?;
    let runtime = tokio::runtime::Runtime::new()?;
    crate::signals::block_on(&runtime, invoke(args, event, &env))
}

async fn invoke(args: &Args, event: Value, env: &PyEnv) -> Result<()> {
    let started;
    let endpoint = match &args.endpoint {
        Some(url) => url.clone(),
        None => {
            started = emulator::Moto::start_from(&env.bin_dir())?;
            crate::out::say!("embedded emulator (moto) at {}", started.endpoint());
            started.endpoint().to_owned()
        }
    };
    let config = emulator::sdk_config_for(&endpoint).await;
    let db = aws_sdk_dynamodb::Client::new(&config);
    let tables = ensure_tables(&db, &args.table_prefix).await?;
    let response: Value = match args.function {
        Function::Processor => {
            let event: SqsEvent = parse(event, "sqs")?;
            let processor = Processor::new(
                db,
                Settings {
                    totals_table: tables.totals,
                    visitors_table: tables.visitors,
                    paths_table: tables.paths,
                    ip_storage: IpStorage::Raw,
                    ip_retention_days: 365,
                },
            );
            serde_json::to_value(processor.handle(event).await)?
        }
        Function::CountsApi => {
            let event: ApiGatewayV2httpRequest = parse(event, "http-api")?;
            let counts = Counts::new(
                db,
                tables.totals,
                tables.paths,
                vec!["https://www.example.com".into()],
            );
            serde_json::to_value(counts.handle(event).await)?
        }
        Function::Connect => {
            let event: ApiGatewayWebsocketProxyRequest = parse(event, "websocket-connect")?;
            let connect = Connect::new(db, tables.connections, DEFAULT_TTL_SECONDS);
            serde_json::to_value(connect.handle(event).await)?
        }
        Function::Broadcaster => {
            let event: StreamEvent = parse(event, "dynamodb-stream")?;
            let api = management_client(&config, &endpoint);
            let broadcaster =
                Broadcaster::new(db, api, tables.connections).with_totals_table(tables.totals);
            serde_json::to_value(broadcaster.handle(event).await)?
        }
        Function::EdgeRecorder => edge_recorder(&config, env, event).await?,
    };
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(())
}

fn parse<T: serde::de::DeserializeOwned>(event: Value, kind: &str) -> Result<T> {
    serde_json::from_value(event).with_context(|| {
        format!("the event is not a {kind} event (see `cargo xtask generate-event {kind}`)")
    })
}

async fn ensure_tables(db: &aws_sdk_dynamodb::Client, prefix: &str) -> Result<TableNames> {
    let names = TableNames::with_prefix(prefix);
    let existing = db
        .list_tables()
        .send()
        .await
        .context("listing tables (is the endpoint up?)")?;
    if existing.table_names().iter().any(|t| t == &names.totals) {
        return Ok(names);
    }
    create_tables(db, prefix)
        .await
        .context("creating the tables")
}

/// Runs the Python recorder with its `${...}` values filled as `Fn::Sub`
/// fills them, against a queue in the emulator; prints what it sent.
async fn edge_recorder(config: &aws_config::SdkConfig, env: &PyEnv, event: Value) -> Result<Value> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let queue = sqs
        .create_queue()
        .queue_name("local-visits")
        .send()
        .await?
        .queue_url
        .unwrap_or_default();
    let source = workspace::root()?.join("lambdas/edge-recorder/index.py");
    let harness = r#"
import json, sys, types
source, queue_url, event_json = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(source).read().replace("${QueueUrl}", queue_url).replace("${SkipPrefixes}", json.dumps(["/api/"]))
module = types.ModuleType("index")
exec(compile(text, source, "exec"), module.__dict__)
print(json.dumps(module.handler(json.loads(event_json), None)))
"#;
    let out = env
        .command("python")
        .args(["-c", harness])
        .arg(&source)
        .arg(&queue)
        .arg(event.to_string())
        .env("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", emulator::ACCESS_KEY)
        .output()
        .context("running the edge recorder under the managed Python")?;
    if !out.status.success() {
        bail!(
            "the edge recorder failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let sent = sqs
        .receive_message()
        .queue_url(&queue)
        .max_number_of_messages(10)
        .send()
        .await?;
    for message in sent.messages() {
        crate::out::say!("sent to the queue: {}", message.body().unwrap_or_default());
    }
    if sent.messages().is_empty() {
        crate::out::say!("nothing sent to the queue (skipped path, or see the log above)");
    }
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    Ok(serde_json::from_slice(&out.stdout)?)
}
