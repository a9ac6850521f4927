//! Collecting the throw-away test stacks a crashed run left behind: only
//! stacks whose name is the app's test-stack name (`<app>-test-...`) and
//! whose run tag names that same stack ([`crate::guard`] names and tags
//! them), and only once they are older than any run can still be going.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::destroy::{destroy, DestroyError, DestroyStep};
pub use crate::guard::{is_test_run, CREATED_TAG, RUN_TAG};

/// The youngest age collected without forcing. A test run waits at most
/// its timeout (45 minutes by default) for its stack to deploy and as long
/// again to delete, plus its suite (minutes): a stack younger than two hours
/// may belong to a run still going, whose teardown would then fail.
pub const MIN_AGE: Duration = Duration::from_secs(2 * 3600);

/// How long one collected stack may take to delete.
const DELETE_TIMEOUT: Duration = Duration::from_secs(45 * 60);

/// An age that could collect a run still going.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--older-than {}m could delete the stack of a test run still going (a run can take up to {}m with the default timeouts); use {}m or more, or add --force if you know no run is going", .0.as_secs() / 60, MIN_AGE.as_secs() / 60, MIN_AGE.as_secs() / 60)]
pub struct TooYoung(pub Duration);

/// Fails when `older_than` could collect a run still going, unless forced.
pub fn check_age(older_than: Duration, force: bool) -> Result<(), TooYoung> {
    if older_than < MIN_AGE && !force {
        return Err(TooYoung(older_than));
    }
    Ok(())
}

/// A step of a collection, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GcStep<'a> {
    /// A dry run found this stack.
    WouldDelete(&'a str),
    /// This stack is being deleted.
    Deleting(&'a str),
    /// A step of its deletion.
    Destroy(DestroyStep<'a>),
}

/// Deletes `app`'s test stacks created more than `older_than` ago (only
/// lists them when `dry_run`); returns their names.
pub async fn collect(
    cfn: &aws_sdk_cloudformation::Client,
    s3: &aws_sdk_s3::Client,
    app: &str,
    older_than: Duration,
    dry_run: bool,
    on_step: &(dyn Fn(GcStep<'_>) + Send + Sync),
) -> Result<Vec<String>, DestroyError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut leaked = Vec::new();
    let mut pages = cfn.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(DestroyError::aws("listing stacks"))?;
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
            on_step(GcStep::WouldDelete(name));
        } else {
            on_step(GcStep::Deleting(name));
            destroy(cfn, s3, name, DELETE_TIMEOUT, &|step| {
                on_step(GcStep::Destroy(step))
            })
            .await?;
        }
    }
    Ok(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

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
