//! Any rendered CloudFormation template to a running stack.
//!
//! [`apply()`] is one idempotent change-set apply: it creates or updates the
//! stack, previews the change set, asks the caller's [`Observer`] to
//! confirm, executes it, reports every stack event while it waits, names
//! every failure reason, and returns the outputs. It recovers what it can
//! on its own: a stack that a failed first create left behind is deleted
//! and created again; a change set without changes is discarded; on an
//! emulator (moto), a create that fails inside the execute call is rolled
//! back by deleting the stack, and the outputs moto does not compute on a
//! change set are refreshed. Templates over CloudFormation's inline limit go
//! through S3 ([`TemplateStore`]).
//!
//! [`artifacts`] packages a function binary as a deterministic zip named by
//! its hash, and uploads it once.
//!
//! [`site`] publishes a static site (content types, cache headers,
//! unchanged files skipped, removed ones pruned, the distribution
//! invalidated). [`destroy::destroy`] deletes a stack, emptying the buckets
//! it does not retain and naming what it leaves ([`retained`]);
//! [`gc::collect`] deletes the test stacks a crashed run left.
//!
//! [`sync`] finds changed files and replaces a function's code without a
//! change set (`sync --watch`).
//!
//! [`place::Place`] is where real AWS is reached from (a profile and a
//! region over the standard chain), and [`place::identity`] who that is.
//!
//! [`guard::guard`] runs a test stack: a unique tagged name, a deploy, a
//! suite on its outputs, and a teardown whatever happened.
//!
//! Nothing here prints or prompts: progress is an [`Observer`]'s to show,
//! confirmation its to decide, and errors are [`ApplyError`]s.

mod apply;
pub mod artifacts;
pub mod deployed;
pub mod destroy;
mod error;
pub mod gc;
pub mod guard;
pub mod place;
mod progress;
pub mod retained;
pub mod site;
pub mod sync;
mod template_body;

pub use apply::{apply, creates, delete, outputs, stack_status, Applied, ApplyRequest};
pub use error::ApplyError;
pub use progress::{Change, Observer, Progress, StackEvent};
pub use template_body::{compact, key, source, url, TemplateSource, TemplateStore};
