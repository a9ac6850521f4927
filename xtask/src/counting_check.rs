//! What the site counts, asked through the CloudFront stand-in as a
//! crawler, a tool and a careless visitor would ask: a `HEAD` of the home
//! page, Googlebot and curl fetching it, and a page the site does not have.
//! None of them is a view or a visitor, the bots are counted as bot
//! requests, the miss as one other request, and the missing path never
//! shows up among the top pages (or anywhere in the paths table).

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use visitor_model::fixtures::BROWSER_USER_AGENT;
use visitor_model::tables::{paths, totals};

use crate::local::Running;
use crate::test_stack::client::{get_json, request_status};

/// Longest wait for the processor to count what was sent.
const LIMIT: Duration = Duration::from_secs(60);
/// A path no site has.
const MISSING: &str = "/no-such-page-for-the-counting-check";

/// Sends the requests through `running`'s distribution and checks the counts.
pub async fn run(running: &Running) -> Result<()> {
    let table = running
        .physical_id(visitor_stack::logical_ids::TOTALS)
        .context("the local stack has no totals table")?
        .to_owned();
    let sdk = emulator::sdk_config_for(&running.endpoint).await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let before = counters(&db, &table).await?;
    let home = format!("{}/", running.url);
    let sent = [
        ("HEAD", home.clone(), BROWSER_USER_AGENT),
        (
            "GET",
            home.clone(),
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        ),
        ("GET", home.clone(), "curl/8.5.0"),
        (
            "GET",
            format!("{}{MISSING}", running.url),
            BROWSER_USER_AGENT,
        ),
    ];
    for (method, url, user_agent) in &sent {
        let status = request_status(method, url, user_agent).await?;
        ensure!(status < 500, "{method} {url} answered {status}");
    }
    let deadline = Instant::now() + LIMIT;
    let after = loop {
        let now = counters(&db, &table).await?;
        if now.bots >= before.bots + 2 && now.other > before.other {
            break now;
        }
        if Instant::now() > deadline {
            bail!(
                "after {}s the counters are {now:?} (before: {before:?}); expected 2 more bot requests and 1 more other request",
                LIMIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    ensure!(
        after.bots == before.bots + 2 && after.other == before.other + 1,
        "counted {after:?} after {before:?}: the bot and other requests should have risen by 2 and 1"
    );
    ensure!(
        after.visits == before.visits && after.unique == before.unique,
        "the HEAD, the bots or the miss counted as a view or a visitor: {after:?} after {before:?}"
    );
    ensure!(
        after.requests == before.requests + 1,
        "people's requests should have risen by the HEAD only: {after:?} after {before:?}"
    );
    let (status, body) = get_json(&format!("{}/api/counts?path=/", running.url)).await?;
    ensure!(status == 200, "the counts API answered {status}: {body}");
    let top = body["top_paths"].to_string();
    ensure!(
        !top.contains(MISSING),
        "the missing page is among the top pages: {top}"
    );
    let paths_table = running
        .physical_id(visitor_stack::logical_ids::PATHS)
        .context("the local stack has no paths table")?;
    let stored = db
        .get_item()
        .table_name(paths_table)
        .key(paths::PK, AttributeValue::S(MISSING.into()))
        .send()
        .await
        .context("reading the paths table")?;
    ensure!(stored.item.is_none(), "the missing page's path was stored");
    crate::out::say!(
        "a HEAD, Googlebot, curl and a missing page: no view and no visitor; bot requests +2, other requests +1; the missing path is stored nowhere"
    );
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counters {
    visits: u64,
    unique: u64,
    requests: u64,
    bots: u64,
    other: u64,
}

async fn counters(db: &aws_sdk_dynamodb::Client, table: &str) -> Result<Counters> {
    let item = db
        .get_item()
        .table_name(table)
        .key(totals::PK, AttributeValue::S(totals::SITE.into()))
        .consistent_read(true)
        .send()
        .await
        .context("reading the totals")?
        .item
        .unwrap_or_default();
    let number = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Ok(Counters {
        visits: number(totals::VISITS),
        unique: number(totals::UNIQUE_VISITORS),
        requests: number(totals::REQUESTS),
        bots: number(totals::BOT_REQUESTS),
        other: number(totals::OTHER_REQUESTS),
    })
}
