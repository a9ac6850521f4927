//! A stack deleted, and everything it leaves behind named: its buckets are
//! emptied (every version) but the ones its template retains; when
//! Lambda@Edge replicas block deleting an edge function, the stack is
//! deleted again retaining it
//! (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-delete-replicas.html>).
//! What is left (what the template retains: tables, the site bucket, edge
//! versions; and what AWS blocked) comes back as [`Retained`]s, each able to
//! say how to delete it by hand.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::{StackResourceSummary, StackStatus};
use aws_sdk_s3::error::ProvideErrorMetadata;

use crate::apply::stack_status;
use crate::retained::{deployed_template, retained_in, Retained};

/// Why a stack was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DestroyError {
    /// There is no such stack.
    #[error("stack {0} does not exist (nothing to destroy)")]
    NoSuchStack(String),
    /// CloudFormation could not delete it.
    #[error("deleting stack {stack} failed{}: {reason}", if *.again { " again" } else { "" })]
    DeleteFailed {
        /// The stack.
        stack: String,
        /// CloudFormation's reason.
        reason: String,
        /// Whether this was the second attempt, retaining what was blocked.
        again: bool,
    },
    /// The deletion did not finish in time.
    #[error("stack {stack} was not deleted within {timeout:?}")]
    Timeout {
        /// The stack.
        stack: String,
        /// The limit.
        timeout: Duration,
    },
    /// The stored template is not JSON.
    #[error("stack {stack}'s template is not JSON")]
    TemplateNotJson {
        /// The stack.
        stack: String,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The stack's status could not be read.
    #[error("reading the stack's status: {0}")]
    Status(#[source] Box<crate::ApplyError>),
    /// An AWS call failed.
    #[error("{action}: {message}")]
    Aws {
        /// What was being done.
        action: String,
        /// What the service said.
        message: String,
    },
}

impl DestroyError {
    pub(crate) fn aws<E: std::error::Error>(action: impl Into<String>) -> impl FnOnce(E) -> Self {
        let action = action.into();
        move |e| DestroyError::Aws {
            action,
            message: aws_sdk_cloudformation::error::DisplayErrorContext(e).to_string(),
        }
    }
}

impl From<crate::ApplyError> for DestroyError {
    fn from(e: crate::ApplyError) -> Self {
        match e {
            crate::ApplyError::Aws { action, message } => DestroyError::Aws { action, message },
            other => DestroyError::Status(Box::new(other)),
        }
    }
}

/// A step of a destroy, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestroyStep<'a> {
    /// A bucket the template retains is left as it is.
    KeepingBucket(&'a str),
    /// A bucket was emptied of this many objects and versions.
    Emptied {
        /// The bucket.
        bucket: &'a str,
        /// Objects and versions removed.
        objects: usize,
    },
    /// The deletion failed on what AWS blocked; deleting again, retaining it.
    DeletingAgain {
        /// The blocked resources' logical IDs.
        retaining: &'a [String],
        /// CloudFormation's reason.
        reason: &'a str,
    },
    /// The stack is gone.
    Deleted(&'a str),
}

/// Deletes `stack`; returns what it left behind on purpose (retained by the
/// template, or blocked by AWS).
pub async fn destroy(
    cfn: &aws_sdk_cloudformation::Client,
    s3: &aws_sdk_s3::Client,
    stack: &str,
    timeout: Duration,
    on_step: &(dyn Fn(DestroyStep<'_>) + Send + Sync),
) -> Result<Vec<Retained>, DestroyError> {
    if stack_status(cfn, stack).await?.is_none() {
        return Err(DestroyError::NoSuchStack(stack.to_owned()));
    }
    let template = deployed_template(cfn, stack).await?;
    let mut keep: BTreeSet<String> = retained_in(&template)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let resources = list_resources(cfn, stack).await?;
    for r in &resources {
        if r.resource_type() != Some("AWS::S3::Bucket") {
            continue;
        }
        let (Some(bucket), Some(id)) = (r.physical_resource_id(), r.logical_resource_id()) else {
            continue;
        };
        if keep.contains(id) {
            on_step(DestroyStep::KeepingBucket(bucket));
            continue;
        }
        let objects = empty_bucket(s3, bucket).await?;
        on_step(DestroyStep::Emptied { bucket, objects });
    }
    cfn.delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map_err(DestroyError::aws(format!("deleting stack {stack}")))?;
    if let Some(reason) = wait_deleted(cfn, stack, timeout).await? {
        // Lambda@Edge replicas live on for hours after the distribution is
        // gone; the function cannot be deleted until they do.
        let failed = list_resources(cfn, stack).await?;
        let blocked: Vec<String> = failed
            .iter()
            .filter(|r| {
                r.resource_status()
                    .is_some_and(|s| s.as_str() == "DELETE_FAILED")
            })
            .filter_map(|r| r.logical_resource_id().map(str::to_owned))
            .collect();
        if blocked.is_empty() {
            return Err(DestroyError::DeleteFailed {
                stack: stack.to_owned(),
                reason,
                again: false,
            });
        }
        on_step(DestroyStep::DeletingAgain {
            retaining: &blocked,
            reason: &reason,
        });
        cfn.delete_stack()
            .stack_name(stack)
            .set_retain_resources(Some(blocked.clone()))
            .send()
            .await
            .map_err(DestroyError::aws(format!(
                "deleting stack {stack} while retaining what is blocked"
            )))?;
        if let Some(reason) = wait_deleted(cfn, stack, timeout).await? {
            return Err(DestroyError::DeleteFailed {
                stack: stack.to_owned(),
                reason,
                again: true,
            });
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
    on_step(DestroyStep::Deleted(stack));
    Ok(left)
}

async fn list_resources(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<Vec<StackResourceSummary>, DestroyError> {
    let mut out = Vec::new();
    let mut pages = cfn
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(DestroyError::aws(format!(
            "listing stack {stack}'s resources"
        )))?;
        out.extend(page.stack_resource_summaries().iter().cloned());
    }
    Ok(out)
}

/// Waits for deletion; `Some(reason)` when it failed.
async fn wait_deleted(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    timeout: Duration,
) -> Result<Option<String>, DestroyError> {
    let deadline = Instant::now() + timeout;
    loop {
        match stack_status(cfn, stack).await? {
            None | Some(StackStatus::DeleteComplete) => return Ok(None),
            Some(StackStatus::DeleteFailed) => {
                let out = cfn
                    .describe_stacks()
                    .stack_name(stack)
                    .send()
                    .await
                    .map_err(DestroyError::aws(format!("describing stack {stack}")))?;
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
            return Err(DestroyError::Timeout {
                stack: stack.to_owned(),
                timeout,
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Deletes every object and version of `bucket` (a bucket already gone
/// is empty); how many it removed.
pub async fn empty_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<usize, DestroyError> {
    let mut removed = 0;
    loop {
        let listing = match s3.list_object_versions().bucket(bucket).send().await {
            Ok(l) => l,
            // S3's error code for a bucket that does not exist
            // (<https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList>).
            Err(e) if e.code() == Some("NoSuchBucket") => return Ok(removed),
            Err(e) => return Err(DestroyError::aws(format!("listing {bucket}"))(e)),
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
                .map_err(DestroyError::aws(format!("deleting s3://{bucket}/{key}")))?;
            removed += 1;
        }
    }
}
