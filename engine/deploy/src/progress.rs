//! What an apply tells its caller while it works.

use std::time::Duration;

/// One resource change a change set would make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `Add`, `Modify`, `Remove`, ...
    pub action: String,
    /// The resource's logical ID.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// `True`, `False`, `Conditional`, or `-` when not a modification.
    pub replacement: String,
}

/// One stack event, as CloudFormation reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    /// Since the change set started executing.
    pub elapsed: Duration,
    /// `CREATE_IN_PROGRESS`, ...
    pub status: String,
    /// The resource's logical ID (the stack's name for the stack itself).
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// Why, when CloudFormation says.
    pub reason: String,
}

/// A step of an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress<'a> {
    /// The stack is what a failed first create left, or waits for its
    /// first change set (`status`): it holds nothing, so it is deleted,
    /// then created anew.
    Recreating {
        /// Its status.
        status: &'a str,
    },
    /// The template and parameters match the stack: nothing to do.
    NoChanges,
    /// The template is over the inline limit and goes through S3.
    Uploaded {
        /// Its compact size.
        bytes: usize,
        /// Where it went (`s3://bucket/key`).
        location: &'a str,
    },
    /// What the change set would do (before confirmation).
    Preview(&'a [Change]),
    /// A stack event while the change set runs.
    Event(&'a StackEvent),
    /// A transient error while following the stack; it is asked again.
    Waiting(&'a str),
    /// The stack settled with these failure reasons.
    Failures(&'a [String]),
}

/// The caller's side of an apply: it shows the progress and decides
/// whether a change set runs.
pub trait Observer: Send + Sync {
    /// Something happened.
    fn progress(&self, step: Progress<'_>);
    /// Whether to execute the change set that makes `changes` to `stack`.
    fn confirm(&self, stack: &str, changes: &[Change]) -> bool;
    /// Whether to stop once the change set is made and previewed, leaving
    /// it for someone to review and execute (`deploy --no-execute`).
    fn stops_at_change_set(&self) -> bool {
        false
    }
}
