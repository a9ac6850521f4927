//! Test stacks: a template deployed under a unique, tagged name, a suite
//! run against its outputs, and the stack deleted afterwards whatever
//! happened: the suite passed or failed, the deploy or the suite panicked,
//! or the caller's cancellation (a signal) fired. A second cancellation
//! during the teardown leaves the stack, and says so; its tags let a
//! garbage collector ([`is_test_run`]) find it later.

use std::collections::BTreeMap;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudformation::Client;
use futures::FutureExt;

use crate::apply::delete;
use crate::error::ApplyError;

/// Tag naming the run that created a test stack (its own name).
pub const RUN_TAG: &str = "visitor:test-run";
/// Tag holding a test stack's creation time (Unix seconds).
pub const CREATED_TAG: &str = "visitor:created";

/// Any error a deploy or a suite returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A test stack's name and the tags that mark it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestStack {
    /// `<app>-test-<utc time>-<random>`.
    pub name: String,
    /// [`RUN_TAG`] (the name) and [`CREATED_TAG`] (now).
    pub tags: BTreeMap<String, String>,
}

impl TestStack {
    /// A new, unique test stack of `app`.
    pub fn new(app: &str) -> Self {
        let name = format!("{app}-test-{}-{}", utc_stamp(unix_now()), random_hex(6));
        Self::named(name)
    }

    /// A test stack under a name already chosen (see [`TestStack::new`]),
    /// tagged as created now.
    pub fn named(name: String) -> Self {
        let tags = BTreeMap::from([
            (RUN_TAG.to_owned(), name.clone()),
            (CREATED_TAG.to_owned(), unix_now().to_string()),
        ]);
        TestStack { name, tags }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether a stack named `name`, tagged with `run_tag`, is one of `app`'s
/// test stacks ([`TestStack::new`]).
pub fn is_test_run(app: &str, name: &str, run_tag: Option<&str>) -> bool {
    name.starts_with(&format!("{app}-test-")) && run_tag == Some(name)
}

/// What a guarded run was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Deploying the stack.
    Deploy,
    /// Running the suite.
    Suite,
    /// Deleting the stack.
    Teardown,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Phase::Deploy => "deploying",
            Phase::Suite => "running the suite",
            Phase::Teardown => "tearing down",
        })
    }
}

/// A step the guard reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardStep<'a> {
    /// A phase began.
    Began(Phase),
    /// The stack is kept, as asked.
    Kept(&'a str),
    /// The stack is gone.
    TornDown(&'a str),
}

/// Why a guarded run failed.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The deploy failed.
    #[error("deploying test stack {stack}")]
    Deploy {
        /// The stack.
        stack: String,
        /// Why.
        source: BoxError,
    },
    /// The suite failed.
    #[error("the suite failed on test stack {stack}")]
    Suite {
        /// The stack.
        stack: String,
        /// Why.
        source: BoxError,
    },
    /// The deploy or the suite panicked.
    #[error("{phase} test stack {stack} panicked: {message}")]
    Panicked {
        /// The stack.
        stack: String,
        /// What was running.
        phase: Phase,
        /// The panic's message.
        message: String,
    },
    /// The caller cancelled.
    #[error("{reason} while {phase} test stack {stack}")]
    Cancelled {
        /// The stack.
        stack: String,
        /// What was running.
        phase: Phase,
        /// What the cancellation said (`SIGTERM`).
        reason: String,
    },
    /// The teardown failed, after what the run ended with (if it failed).
    #[error("{}tearing down test stack {stack} failed: {teardown}", .outcome.as_ref().map(|o| format!("{o}; and ")).unwrap_or_default())]
    Teardown {
        /// The stack.
        stack: String,
        /// How the run itself ended, when it failed.
        outcome: Option<Box<GuardError>>,
        /// Why the teardown failed.
        teardown: ApplyError,
    },
    /// A cancellation stopped the teardown, after what the run ended with
    /// (if it failed).
    #[error("{}{reason} during the teardown: test stack {stack} may be left; delete it (its tags let a garbage collector find it)", .outcome.as_ref().map(|o| format!("{o}; then ")).unwrap_or_default())]
    TeardownCancelled {
        /// The stack.
        stack: String,
        /// What the cancellation said.
        reason: String,
        /// How the run itself ended, when it failed.
        outcome: Option<Box<GuardError>>,
    },
}

/// How a guarded run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardOptions {
    /// Keep the stack afterwards (for a look at it).
    pub keep: bool,
    /// Longest wait for the deletion.
    pub teardown_timeout: Duration,
}

/// Runs `deploy` (which returns the stack's outputs), then `suite` on the
/// outputs, and deletes `stack` afterwards unless `options.keep`.
///
/// `cancelled` is called twice: once for a future raced against the work,
/// then once for a future raced against the teardown. Each must resolve
/// with a reason on a cancellation that arrives after it was made (an
/// edge, such as the next signal), not on one already seen: a source that
/// stays cancelled would stop every teardown at once. When a cancellation
/// and the work's end are ready together, the cancellation wins.
pub async fn guard<T, D, DF, S, SF, C, CF>(
    cfn: &Client,
    stack: &TestStack,
    options: GuardOptions,
    deploy: D,
    suite: S,
    cancelled: C,
    on: &(dyn Fn(GuardStep<'_>) + Send + Sync),
) -> Result<T, GuardError>
where
    D: FnOnce() -> DF,
    DF: Future<Output = Result<BTreeMap<String, String>, BoxError>>,
    S: FnOnce(BTreeMap<String, String>) -> SF,
    SF: Future<Output = Result<T, BoxError>>,
    C: Fn() -> CF,
    CF: Future<Output = String>,
{
    let name = stack.name.clone();
    let phase = AtomicU8::new(0);
    let current = |phase: &AtomicU8| match phase.load(Ordering::SeqCst) {
        0 => Phase::Deploy,
        _ => Phase::Suite,
    };
    let work = async {
        on(GuardStep::Began(Phase::Deploy));
        // Inside the async block, so a closure that panics before it
        // returns its future is caught too.
        let outputs = match AssertUnwindSafe(async { deploy().await })
            .catch_unwind()
            .await
        {
            Ok(Ok(outputs)) => outputs,
            Ok(Err(source)) => {
                return Err(GuardError::Deploy {
                    stack: name.clone(),
                    source,
                })
            }
            Err(panic) => {
                return Err(GuardError::Panicked {
                    stack: name.clone(),
                    phase: Phase::Deploy,
                    message: panic_message(&panic),
                })
            }
        };
        phase.store(1, Ordering::SeqCst);
        on(GuardStep::Began(Phase::Suite));
        match AssertUnwindSafe(async { suite(outputs).await })
            .catch_unwind()
            .await
        {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(source)) => Err(GuardError::Suite {
                stack: name.clone(),
                source,
            }),
            Err(panic) => Err(GuardError::Panicked {
                stack: name.clone(),
                phase: Phase::Suite,
                message: panic_message(&panic),
            }),
        }
    };
    let outcome = tokio::select! {
        biased;
        reason = cancelled() => Err(GuardError::Cancelled {
            stack: name.clone(),
            phase: current(&phase),
            reason,
        }),
        result = work => result,
    };
    if options.keep {
        on(GuardStep::Kept(&name));
        return outcome;
    }
    on(GuardStep::Began(Phase::Teardown));
    let teardown = tokio::select! {
        result = delete(cfn, &name, options.teardown_timeout) => result,
        reason = cancelled() => {
            return Err(GuardError::TeardownCancelled {
                stack: name,
                reason,
                outcome: outcome.err().map(Box::new),
            })
        }
    };
    match (outcome, teardown) {
        (outcome, Ok(())) => {
            on(GuardStep::TornDown(&name));
            outcome
        }
        (outcome, Err(teardown)) => Err(GuardError::Teardown {
            stack: name,
            outcome: outcome.err().map(Box::new),
            teardown,
        }),
    }
}

/// The message a caught panic carried.
pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// `20261201-172233` for Unix seconds `secs` (UTC).
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `len` random hexadecimal digits (not for secrets).
pub fn random_hex(len: usize) -> String {
    let mut out = String::new();
    while out.len() < len {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_tagged_and_recognised() {
        let a = TestStack::new("resume");
        let b = TestStack::new("resume");
        assert_ne!(a.name, b.name);
        assert!(a.name.starts_with("resume-test-"), "{}", a.name);
        assert!(is_test_run(
            "resume",
            &a.name,
            a.tags.get(RUN_TAG).map(String::as_str)
        ));
        assert!(!is_test_run("resume", &a.name, Some("other")));
        assert!(!is_test_run("other", &a.name, Some(&a.name)));
    }

    #[test]
    fn utc_stamps_are_calendar_times() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(1_796_145_753), "20261201-172233");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000");
    }
}
