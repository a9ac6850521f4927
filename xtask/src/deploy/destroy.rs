//! `cargo xtask destroy`: empty the stack's buckets (every version) but the
//! ones its template retains, delete the stack, and when Lambda@Edge replicas
//! block deleting the edge function, delete again retaining it. It ends by
//! naming everything left behind (what the template retains: tables, the
//! site bucket, edge versions; and what AWS blocked), why, and how to delete
//! each by hand.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use aws_sdk_cloudformation::types::{StackResourceSummary, StackStatus};

use super::apply::stack_status;
use super::retained::{deployed_template, retained_in, Retained};
use crate::sdk_error::sdk_error;

/// Deletes `stack`; returns what it left behind on purpose (retained by the
/// template, or blocked by AWS).
pub async fn destroy(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    timeout: Duration,
) -> Result<Vec<Retained>> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let s3 = aws_sdk_s3::Client::new(sdk);
    if stack_status(&cfn, stack).await?.is_none() {
        bail!("stack {stack} does not exist (nothing to destroy)");
    }
    let template = deployed_template(&cfn, stack).await?;
    let mut keep: BTreeSet<String> = retained_in(&template)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let resources = list_resources(&cfn, stack).await?;
    for r in &resources {
        if r.resource_type() != Some("AWS::S3::Bucket") {
            continue;
        }
        let (Some(bucket), Some(id)) = (r.physical_resource_id(), r.logical_resource_id()) else {
            continue;
        };
        if keep.contains(id) {
            eprintln!("==> keeping bucket {bucket} as it is: the template retains it");
            continue;
        }
        let n = empty_bucket(&s3, bucket).await?;
        eprintln!("==> emptied bucket {bucket} ({n} objects and versions)");
    }
    cfn.delete_stack()
        .stack_name(stack)
        .send()
        .await
        .context("deleting the stack")?;
    if let Some(reason) = wait_deleted(&cfn, stack, timeout).await? {
        // Lambda@Edge replicas live on for hours after the distribution is
        // gone; the function cannot be deleted until they do.
        let failed = list_resources(&cfn, stack).await?;
        let blocked: Vec<String> = failed
            .iter()
            .filter(|r| {
                r.resource_status()
                    .is_some_and(|s| s.as_str() == "DELETE_FAILED")
            })
            .filter_map(|r| r.logical_resource_id().map(str::to_owned))
            .collect();
        if blocked.is_empty() {
            bail!("deleting stack {stack} failed: {reason}");
        }
        eprintln!(
            "==> deleting again, retaining {} (blocked: {reason})",
            blocked.join(", ")
        );
        cfn.delete_stack()
            .stack_name(stack)
            .set_retain_resources(Some(blocked.clone()))
            .send()
            .await
            .context("deleting the stack while retaining what is blocked")?;
        if let Some(reason) = wait_deleted(&cfn, stack, timeout).await? {
            bail!("deleting stack {stack} failed again: {reason}");
        }
        keep.extend(blocked);
    }
    let left: Vec<Retained> = resources
        .iter()
        .filter(|r| r.logical_resource_id().is_some_and(|id| keep.contains(id)))
        // What was never created (an emulator skips some types) is not left.
        .filter(|r| r.physical_resource_id().is_some_and(|p| !p.is_empty()))
        .map(|r| Retained {
            logical_id: r.logical_resource_id().unwrap_or_default().to_owned(),
            resource_type: r.resource_type().unwrap_or_default().to_owned(),
            physical_id: r.physical_resource_id().unwrap_or_default().to_owned(),
        })
        .collect();
    eprintln!("==> stack {stack} deleted");
    if !left.is_empty() {
        let region = sdk
            .region()
            .map_or("us-east-1".to_owned(), |r| r.to_string());
        eprintln!("==> left behind on purpose ({}):", left.len());
        for r in &left {
            eprintln!("    {} {}: {}", r.physical_id, r.logical_id, r.kind());
            eprintln!("      to delete it: {}", r.how_to_delete(&region));
        }
    }
    Ok(left)
}

async fn list_resources(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<Vec<StackResourceSummary>> {
    let mut out = Vec::new();
    let mut pages = cfn
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(sdk_error)
            .with_context(|| format!("listing stack {stack}'s resources"))?;
        out.extend(page.stack_resource_summaries().iter().cloned());
    }
    Ok(out)
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
