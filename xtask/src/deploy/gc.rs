//! `cargo xtask gc`: deletes the throw-away test stacks a crashed run left
//! behind, found by their tags.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};

use super::destroy::destroy;
use crate::sdk_error::sdk_error;

/// Tag naming the run that created a test stack.
pub const RUN_TAG: &str = "visitor:test-run";
/// Tag holding a test stack's creation time (Unix seconds).
pub const CREATED_TAG: &str = "visitor:created";

/// Parses `90m`, `2h`, `1d`, `45s`.
pub fn parse_age(text: &str) -> Result<Duration> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = match number.parse() {
        Ok(n) => n,
        Err(_) => bail!("`{text}` is not an age; use a number and a unit, like 90m, 2h or 1d"),
    };
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86_400,
        other => bail!("unknown unit `{other}` in `{text}`; use s, m, h or d"),
    };
    Ok(Duration::from_secs(seconds))
}

/// Deletes the test stacks created more than `older_than` ago; returns their names.
pub async fn collect(
    sdk: &aws_config::SdkConfig,
    older_than: Duration,
    dry_run: bool,
) -> Result<Vec<String>> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut leaked = Vec::new();
    let mut pages = cfn.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk_error)?;
        for stack in page.stacks() {
            let tag = |key: &str| {
                stack
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some(key))
                    .and_then(|t| t.value())
            };
            if tag(RUN_TAG).is_none() {
                continue;
            }
            let Some(created) = tag(CREATED_TAG).and_then(|v| v.parse::<u64>().ok()) else {
                continue;
            };
            if now.saturating_sub(created) >= older_than.as_secs() {
                if let Some(name) = stack.stack_name() {
                    leaked.push(name.to_owned());
                }
            }
        }
    }
    for name in &leaked {
        if dry_run {
            eprintln!("==> would delete {name}");
        } else {
            destroy(sdk, name, Duration::from_secs(45 * 60)).await?;
        }
    }
    if leaked.is_empty() {
        eprintln!("==> no test stack older than {older_than:?}");
    }
    Ok(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_age("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_age("1d").unwrap(), Duration::from_secs(86_400));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("3w").is_err());
    }
}
