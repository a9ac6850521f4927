//! `cargo xtask generate-event`: print a realistic Lambda event, bundled in
//! the repository (no network), with the interesting fields set by flags.

use anyhow::Result;
use visitor_model::fixtures::{event, EventKind, EventOptions};

/// The event kinds, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Lambda@Edge viewer request (the edge recorder).
    CloudfrontViewerRequest,
    /// SQS batch of visit messages (the processor).
    Sqs,
    /// HTTP API v2 request to GET /api/counts (the counts API).
    HttpApi,
    /// WebSocket $connect (the connect handler).
    WebsocketConnect,
    /// WebSocket $disconnect (the connect handler).
    WebsocketDisconnect,
    /// DynamoDB stream records of the totals table (the broadcaster).
    DynamodbStream,
}

impl From<Kind> for EventKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::CloudfrontViewerRequest => EventKind::CloudfrontViewerRequest,
            Kind::Sqs => EventKind::Sqs,
            Kind::HttpApi => EventKind::HttpApi,
            Kind::WebsocketConnect => EventKind::WebsocketConnect,
            Kind::WebsocketDisconnect => EventKind::WebsocketDisconnect,
            Kind::DynamodbStream => EventKind::DynamodbStream,
        }
    }
}

/// Options of `cargo xtask generate-event`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cargo xtask generate-event sqs --batch-size 10 --ip 198.51.100.7 > batch.json\n  cargo xtask generate-event http-api --path /about\n  cargo xtask invoke processor --event batch.json"
)]
pub struct Args {
    /// Which event.
    #[arg(value_enum)]
    pub kind: Kind,
    /// Client IP (viewer request, sqs, http-api).
    #[arg(long)]
    pub ip: Option<String>,
    /// Requested path (viewer request, sqs; the `path` parameter of http-api).
    #[arg(long)]
    pub path: Option<String>,
    /// Records in the batch (sqs, dynamodb-stream).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=10000))]
    pub batch_size: Option<u16>,
    /// WebSocket connection ID (websocket-*).
    #[arg(long)]
    pub connection_id: Option<String>,
    /// Page views in the newest totals image (dynamodb-stream).
    #[arg(long)]
    pub total: Option<u64>,
    /// Unique visitors in the newest totals image (dynamodb-stream).
    #[arg(long)]
    pub unique: Option<u64>,
}

pub fn run(args: &Args) -> Result<()> {
    let options = EventOptions {
        ip: args.ip.clone(),
        path: args.path.clone(),
        batch_size: args.batch_size.map(usize::from),
        connection_id: args.connection_id.clone(),
        total: args.total,
        unique: args.unique,
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&event(args.kind.into(), &options))?
    );
    Ok(())
}
