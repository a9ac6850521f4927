//! `cargo xtask gc`: deletes the throw-away test stacks a crashed run left
//! behind: only stacks whose name is this app's test-stack name
//! (`<app>-test-...`) and whose run tag names that same stack, and only
//! once they are older than any run can still be going.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};

use super::destroy::destroy;
use crate::sdk_error::sdk_error;

pub use stack_deploy::guard::{is_test_run, CREATED_TAG, RUN_TAG};

/// The youngest age gc collects without `--force`. A test run waits at most
/// `--timeout-minutes` (45 by default) for its stack to deploy and as long
/// again to delete, plus its suite (minutes): a stack younger than two hours
/// may belong to a run still going, whose teardown would then fail.
pub const MIN_AGE: Duration = Duration::from_secs(2 * 3600);

/// Fails when `older_than` could collect a run still going, unless forced.
pub fn check_age(older_than: Duration, force: bool) -> Result<()> {
    if older_than < MIN_AGE && !force {
        bail!(
            "--older-than {}m could delete the stack of a test run still going (a run can take up to {}m with the default timeouts); use {}m or more, or add --force if you know no run is going",
            older_than.as_secs() / 60,
            MIN_AGE.as_secs() / 60,
            MIN_AGE.as_secs() / 60
        );
    }
    Ok(())
}

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

/// Deletes `app`'s test stacks created more than `older_than` ago; returns
/// their names.
pub async fn collect(
    sdk: &aws_config::SdkConfig,
    app: &str,
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
            let name = stack.stack_name().unwrap_or_default();
            if !is_test_run(app, name, tag(RUN_TAG)) {
                continue;
            }
            let Some(created) = tag(CREATED_TAG).and_then(|v| v.parse::<u64>().ok()) else {
                continue;
            };
            if now.saturating_sub(created) >= older_than.as_secs() {
                leaked.push(name.to_owned());
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
        eprintln!("==> no test stack of {app} older than {older_than:?}");
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

    #[test]
    fn young_ages_need_force() {
        let err = check_age(Duration::from_secs(600), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--older-than 10m") && err.contains("120m"),
            "{err}"
        );
        assert!(check_age(Duration::from_secs(600), true).is_ok());
        assert!(check_age(MIN_AGE, false).is_ok());
    }

    #[test]
    fn only_this_apps_tagged_test_stacks_are_runs() {
        let name = "resume-test-20261201-101010-abcdef";
        assert!(is_test_run("resume", name, Some(name)));
        assert!(!is_test_run("resume", name, None));
        assert!(!is_test_run("resume", name, Some("resume-test-other")));
        assert!(!is_test_run("other", name, Some(name)));
        assert!(!is_test_run("resume", "resume-prod", Some("resume-prod")));
    }
}
