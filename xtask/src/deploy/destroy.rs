//! `cargo xtask destroy`: empty the stack's buckets (every version), delete
//! the stack, and when Lambda@Edge replicas block deleting the edge function,
//! delete again retaining it, saying what was left and why.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use aws_sdk_cloudformation::types::StackStatus;

use super::apply::stack_status;
use crate::sdk_error::sdk_error;

/// Deletes `stack`; returns the logical IDs left behind (retained).
pub async fn destroy(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    timeout: Duration,
) -> Result<Vec<String>> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let s3 = aws_sdk_s3::Client::new(sdk);
    if stack_status(&cfn, stack).await?.is_none() {
        bail!("stack {stack} does not exist (nothing to destroy)");
    }
    let resources = cfn.list_stack_resources().stack_name(stack).send().await?;
    for r in resources.stack_resource_summaries() {
        if r.resource_type() == Some("AWS::S3::Bucket") {
            if let Some(bucket) = r.physical_resource_id() {
                let n = empty_bucket(&s3, bucket).await?;
                eprintln!("==> emptied bucket {bucket} ({n} objects and versions)");
            }
        }
    }
    cfn.delete_stack()
        .stack_name(stack)
        .send()
        .await
        .context("deleting the stack")?;
    match wait_deleted(&cfn, stack, timeout).await? {
        None => {
            eprintln!("==> stack {stack} deleted");
            Ok(Vec::new())
        }
        Some(reason) => {
            // Lambda@Edge replicas live on for hours after the distribution is
            // gone; the function cannot be deleted until they do.
            let failed = cfn.list_stack_resources().stack_name(stack).send().await?;
            let retain: Vec<String> = failed
                .stack_resource_summaries()
                .iter()
                .filter(|r| {
                    r.resource_status()
                        .is_some_and(|s| s.as_str() == "DELETE_FAILED")
                })
                .filter_map(|r| r.logical_resource_id().map(str::to_owned))
                .collect();
            if retain.is_empty() {
                bail!("deleting stack {stack} failed: {reason}");
            }
            eprintln!(
                "==> deleting again, retaining {} (blocked: {reason})",
                retain.join(", ")
            );
            cfn.delete_stack()
                .stack_name(stack)
                .set_retain_resources(Some(retain.clone()))
                .send()
                .await
                .context("deleting the stack while retaining what is blocked")?;
            if let Some(reason) = wait_deleted(&cfn, stack, timeout).await? {
                bail!("deleting stack {stack} failed again: {reason}");
            }
            eprintln!(
                "==> stack {stack} deleted; left behind: {} (Lambda@Edge replicas are removed by AWS within hours; delete the function afterwards)",
                retain.join(", ")
            );
            Ok(retain)
        }
    }
}

/// Waits for deletion; `Some(reason)` when it failed.
async fn wait_deleted(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    timeout: Duration,
) -> Result<Option<String>> {
    let deadline = Instant::now() + timeout;
    loop {
        match stack_status(cfn, stack).await? {
            None | Some(StackStatus::DeleteComplete) => return Ok(None),
            Some(StackStatus::DeleteFailed) => {
                let out = cfn.describe_stacks().stack_name(stack).send().await?;
                let reason = out
                    .stacks()
                    .first()
                    .and_then(|s| s.stack_status_reason())
                    .unwrap_or("no reason given")
                    .to_owned();
                return Ok(Some(reason));
            }
            _ => {}
        }
        if Instant::now() > deadline {
            bail!("stack {stack} was not deleted within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn empty_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<usize> {
    let mut removed = 0;
    loop {
        let listing = match s3.list_object_versions().bucket(bucket).send().await {
            Ok(l) => l,
            Err(e) => {
                let text = sdk_error(&e).to_string();
                if text.contains("NoSuchBucket") {
                    return Ok(removed);
                }
                return Err(anyhow::anyhow!(text)).context(format!("listing {bucket}"));
            }
        };
        let mut ids = Vec::new();
        for v in listing.versions() {
            ids.push((
                v.key().unwrap_or_default().to_owned(),
                v.version_id().map(str::to_owned),
            ));
        }
        for m in listing.delete_markers() {
            ids.push((
                m.key().unwrap_or_default().to_owned(),
                m.version_id().map(str::to_owned),
            ));
        }
        if ids.is_empty() {
            return Ok(removed);
        }
        for (key, version) in ids {
            s3.delete_object()
                .bucket(bucket)
                .key(&key)
                .set_version_id(version.filter(|v| v != "null"))
                .send()
                .await
                .with_context(|| format!("deleting s3://{bucket}/{key}"))?;
            removed += 1;
        }
    }
}
