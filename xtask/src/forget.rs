//! `cargo xtask forget --ip ADDRESS`: deletes what a stack stores about one
//! visitor, the item their address (or its salted hash) keys in the
//! visitors table, and says what it removed. The counts they contributed to
//! (totals, per page) hold no address and stay.

use crate::stack_config::Load as _;
use std::net::IpAddr;

use anyhow::{bail, Context, Result};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use visitor_functions::processor::salt::{live_days, read_salt};
use visitor_functions::processor::{hashed_key, visitor_key, IpStorage as Storage};
use visitor_model::tables::visitors;
use visitor_stack::IpStorage;

use crate::deploy::{stack_outputs, TargetArgs};
use crate::sdk_error::sdk_error;
use crate::stack_config::ConfigArgs;

/// Options of `cargo xtask forget`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Deletes the visitor item of one address from the stack's visitors table (what ip_storage\nkeeps: the address, or its salted hash, with its request and page-view counts and first and\nlast visit) and prints what it removed. The totals and per-page counts keep no address and\nare not changed. With ip_storage = \"hashed\" the keys are hashes salted with the salt of\ntheir day, which the processor deletes an hour after the day ends: the records of today (and\nof yesterday, until 01:00 UTC) can be found, older ones no longer belong to any address\nanyone can name. With ip_storage = \"none\" nothing is stored per address.\n\nExamples:\n  cargo xtask forget --aws --ip 203.0.113.7\n  cargo xtask forget --endpoint http://127.0.0.1:5000 --stack resume-local --ip 2001:db8::1"
)]
pub struct Args {
    /// The visitor's address (IPv4 or IPv6).
    #[arg(long, value_name = "ADDRESS")]
    pub ip: String,
    /// The stack [default: <app>-prod].
    #[arg(long)]
    pub stack: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: &Args) -> Result<()> {
    let address: IpAddr = args
        .ip
        .parse()
        .with_context(|| format!("`{}` is not an IPv4 or IPv6 address", args.ip))?;
    let config = args.config.load()?;
    let storage = match config.ip_storage {
        IpStorage::Raw => Storage::Raw,
        IpStorage::Hashed => Storage::DailySalt,
        IpStorage::None => {
            println!("ip_storage is \"none\": the stack stores nothing per address, so there is nothing to forget");
            return Ok(());
        }
    };
    let stack = args
        .stack
        .clone()
        .unwrap_or_else(|| format!("{}-prod", config.app_name));
    let target = args.target.existing()?;
    let runtime = tokio::runtime::Runtime::new()?;
    crate::signals::block_on(&runtime, async {
        let sdk = target.sdk_config().await;
        crate::deploy::announce(&target, &sdk, None, "forgetting on").await?;
        let forgotten = forget(&sdk, &stack, &storage, address).await?;
        let table = &forgotten.table;
        match &forgotten.removed {
            None => println!("nothing is stored about {address} in {table}"),
            Some(item) => {
                let text = |name: &str| match item.get(name) {
                    Some(AttributeValue::S(s)) | Some(AttributeValue::N(s)) => s.clone(),
                    _ => "-".into(),
                };
                println!(
                    "removed from {table} the record of {address} (key {}):",
                    forgotten.key
                );
                println!("  requests    {}", text(visitors::COUNT));
                println!("  page views  {}", text(visitors::PAGE_VIEWS));
                println!("  first seen  {}", text(visitors::FIRST_SEEN));
                println!("  last seen   {}", text(visitors::LAST_SEEN));
                println!("the totals and per-page counts hold no address and are unchanged");
            }
        }
        Ok(())
    })
}

/// What [`forget`] did.
#[derive(Debug)]
pub struct Forgotten {
    /// The visitors table.
    pub table: String,
    /// The key the address is stored under.
    pub key: String,
    /// The item deleted, if there was one.
    pub removed: Option<std::collections::HashMap<String, AttributeValue>>,
}

/// Deletes `address`'s visitor item from `stack`'s visitors table.
pub async fn forget(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    storage: &Storage,
    address: IpAddr,
) -> Result<Forgotten> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let outputs = stack_outputs(&cfn, stack)
        .await
        .with_context(|| format!("reading stack {stack}'s outputs"))?;
    let Some(table) = outputs.get(visitor_stack::outputs::VISITORS_TABLE) else {
        bail!(
            "stack {stack} has no {} output: is it a stack of this app?",
            visitor_stack::outputs::VISITORS_TABLE
        );
    };
    // The recorder stores the compressed form (what an IpAddr prints);
    // records from before it did hold CloudFront's text, which for IPv6 can
    // be the long form: both go.
    let mut forms = vec![address.to_string()];
    if let IpAddr::V6(v6) = address {
        let long: Vec<String> = v6.segments().iter().map(|s| format!("{s:04x}")).collect();
        forms.push(long.join(":"));
        let short: Vec<String> = v6.segments().iter().map(|s| format!("{s:x}")).collect();
        forms.push(short.join(":"));
    }
    forms.dedup();
    let db = aws_sdk_dynamodb::Client::new(sdk);
    let keys: Vec<String> = match storage {
        Storage::DailySalt => {
            let mut salts = Vec::new();
            for day in live_days(chrono::Utc::now()) {
                if let Some(salt) = read_salt(&db, table, day)
                    .await
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("reading the salt of {day} from {table}"))?
                {
                    salts.push(salt);
                }
            }
            if salts.is_empty() {
                bail!(
                    "no salt of today or yesterday is left in {table}: no stored key can be linked to {address} (older records expire after ip_retention_days)"
                );
            }
            salts
                .iter()
                .flat_map(|salt| forms.iter().map(move |f| hashed_key(salt, f)))
                .collect()
        }
        other => forms.iter().filter_map(|f| visitor_key(other, f)).collect(),
    };
    let mut found = None;
    for key in keys {
        let removed = db
            .delete_item()
            .table_name(table)
            .key(visitors::PK, AttributeValue::S(key.clone()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk_error)
            .with_context(|| format!("deleting from {table}"))?
            .attributes;
        if removed.is_some() || found.is_none() {
            found = Some(Forgotten {
                table: table.clone(),
                key,
                removed,
            });
        }
    }
    found.context("no form of the address to look up")
}
