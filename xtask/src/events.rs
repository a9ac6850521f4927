//! `cargo xtask generate-event`: print a realistic Lambda event, bundled in
//! the repository (no network), with the interesting fields set by flags.

use anyhow::{Context, Result};
use visitor_model::fixtures::{event, EventKind, EventOptions};

fn kind_names() -> Vec<&'static str> {
    EventKind::ALL.iter().map(|(_, name)| *name).collect()
}

/// Options of `cargo xtask generate-event`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cargo xtask generate-event sqs --batch-size 10 --ip 198.51.100.7 > batch.json\n  cargo xtask generate-event http-api --path /about\n  cargo xtask invoke processor --event batch.json"
)]
pub struct Args {
    /// Which event: cloudfront-viewer-request (edge recorder), sqs (processor),
    /// http-api (counts API), websocket-connect / websocket-disconnect
    /// (connect), dynamodb-stream (broadcaster).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(kind_names()))]
    pub kind: String,
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
    let kind = EventKind::from_name(&args.kind).context("clap checked the name")?;
    println!("{}", serde_json::to_string_pretty(&event(kind, &options))?);
    Ok(())
}
