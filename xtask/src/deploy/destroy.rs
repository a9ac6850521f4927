//! `cargo xtask destroy`: stack_deploy's destroy as the terminal shows it,
//! ending with everything left behind, why, and how to delete each by hand.

use std::time::Duration;

use anyhow::Result;
use stack_deploy::destroy::DestroyStep;
use stack_deploy::retained::Retained;

/// Prints one step of a destroy.
pub fn show(step: DestroyStep<'_>) {
    match step {
        DestroyStep::KeepingBucket(bucket) => {
            crate::out::say!("keeping bucket {bucket} as it is: the template retains it")
        }
        DestroyStep::Emptied { bucket, objects } => {
            crate::out::say!("emptied bucket {bucket} ({objects} objects and versions)")
        }
        DestroyStep::DeletingAgain { retaining, reason } => crate::out::say!(
            "deleting again, retaining {} (blocked: {reason})",
            retaining.join(", ")
        ),
        DestroyStep::Deleted(stack) => crate::out::say!("stack {stack} deleted"),
    }
}

/// Deletes `stack`, printing each step and what it left behind on purpose.
pub async fn destroy(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    timeout: Duration,
) -> Result<Vec<Retained>> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let s3 = aws_sdk_s3::Client::new(sdk);
    let left = stack_deploy::destroy::destroy(&cfn, &s3, stack, timeout, &show).await?;
    if !left.is_empty() {
        let region = sdk
            .region()
            .map_or("us-east-1".to_owned(), |r| r.to_string());
        crate::out::say!("left behind on purpose ({}):", left.len());
        for r in &left {
            eprintln!("    {} {}: {}", r.physical_id, r.logical_id, r.kind());
            eprintln!("      to delete it: {}", r.how_to_delete(&region));
        }
    }
    Ok(left)
}
