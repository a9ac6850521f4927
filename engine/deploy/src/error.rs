//! What can stop an apply.

use std::time::Duration;

/// Why an apply did not leave the stack as the template says.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Another operation is changing the stack.
    #[error("stack {stack} is busy ({status}); wait for it to finish (or cancel the update in the console) and run again")]
    Busy {
        /// The stack.
        stack: String,
        /// Its status.
        status: String,
    },
    /// The stack is in a failed state an apply cannot start from.
    #[error(
        "stack {stack} is {status}: fix it first (continue the rollback, or delete the stack)"
    )]
    Broken {
        /// The stack.
        stack: String,
        /// Its status.
        status: String,
    },
    /// The observer did not confirm the change set, which was discarded.
    #[error("not applied: the change set was discarded")]
    Declined,
    /// CloudFormation could not make the change set.
    #[error("the change set failed: {0}")]
    ChangeSet(String),
    /// The stack ended in a status other than complete.
    #[error("stack {stack} ended {status}: {}{}", reasons_text(.reasons), if *.created { "; fix the cause and run again: the failed stack is deleted and created anew" } else { "" })]
    Ended {
        /// The stack.
        stack: String,
        /// Its final status.
        status: String,
        /// Every failure reason its events gave, with what to do where known.
        reasons: Vec<String>,
        /// Whether this apply was creating the stack.
        created: bool,
    },
    /// On an emulator, a create failed inside the execute call; what it had
    /// created is deleted again, as CloudFormation's rollback would.
    #[error("creating stack {stack} failed; what it had created is deleted again (as a rollback would): {message}")]
    CreateRolledBack {
        /// The stack.
        stack: String,
        /// What the emulator said.
        message: String,
    },
    /// Deleting a stack (a failed first create, or a rollback) failed.
    #[error("deleting stack {0} failed; see its events")]
    DeleteFailed(String),
    /// Something did not settle in time.
    #[error("{what} within {after:?}")]
    Timeout {
        /// What was awaited ("stack x did not settle").
        what: String,
        /// The limit.
        after: Duration,
    },
    /// The template is not JSON.
    #[error("the template is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// The template is too large to send.
    #[error("the template is {bytes} bytes, over CloudFormation's {limit}-byte {what}")]
    TooLarge {
        /// Its compact size.
        bytes: usize,
        /// The limit it is over.
        limit: usize,
        /// Which limit, and what to do.
        what: &'static str,
    },
    /// An AWS call failed.
    #[error("{action}: {message}")]
    Aws {
        /// What was being done.
        action: String,
        /// What the service said.
        message: String,
    },
}

fn reasons_text(reasons: &[String]) -> String {
    if reasons.is_empty() {
        "no reason given; see the stack's events".to_owned()
    } else {
        reasons.join("; ")
    }
}

/// An AWS SDK error as [`ApplyError::Aws`], keeping the service's message
/// (an `SdkError`'s own `Display` is only "service error").
pub(crate) fn aws<E: std::error::Error>(action: impl Into<String>) -> impl FnOnce(E) -> ApplyError {
    let action = action.into();
    move |e| ApplyError::Aws {
        action,
        message: aws_sdk_cloudformation::error::DisplayErrorContext(e).to_string(),
    }
}
