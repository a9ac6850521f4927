//! The template a stack runs now, for a diff against the next one.

use aws_sdk_cloudformation::Client;

use crate::apply::{creates, stack_status};
use crate::destroy::DestroyError;

/// The template stack `stack` was last deployed with, parsed; `None` when
/// there is no such stack or it never finished its first create (nothing
/// runs yet, so everything a deploy makes is new).
pub async fn template(
    cfn: &Client,
    stack: &str,
) -> Result<Option<serde_json::Value>, DestroyError> {
    if creates(stack_status(cfn, stack).await?.as_ref()) {
        return Ok(None);
    }
    let mut template = crate::retained::deployed_template(cfn, stack).await?;
    crate::apply::without_workaround(&mut template);
    Ok(Some(template))
}
