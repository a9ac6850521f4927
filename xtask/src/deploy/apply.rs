//! The engine's change-set apply (`stack-deploy`) as the command line shows
//! it: the preview as a table, every stack event as a line, the failure
//! reasons at the end, and a prompt on a terminal unless `--yes`.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use anyhow::Result;
use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_cloudformation::Client;
pub use stack_deploy::{creates, Applied, ApplyRequest, TemplateStore};
use stack_deploy::{ApplyError, Change, Observer, Progress};

/// Prints what the apply does; asks on a terminal unless told yes.
struct Printer<'a> {
    stack: &'a str,
    yes: bool,
}

impl Observer for Printer<'_> {
    fn progress(&self, step: Progress<'_>) {
        match step {
            Progress::Recreating { status } => eprintln!(
                "==> stack {} is {status} from a failed first create: deleting it to create it again",
                self.stack
            ),
            Progress::NoChanges => {
                eprintln!("==> no changes: stack {} already matches", self.stack)
            }
            Progress::Uploaded { bytes, location } => eprintln!(
                "==> template is {bytes} bytes (over the {}-byte inline limit): sent as {location}",
                infra::MAX_INLINE_BODY_BYTES
            ),
            Progress::Preview(changes) => {
                eprintln!("action     logical id                       type                                     replacement");
                for c in changes {
                    eprintln!(
                        "{:<10} {:<32} {:<40} {}",
                        c.action, c.logical_id, c.resource_type, c.replacement
                    );
                }
            }
            Progress::Event(e) => eprintln!(
                "  [{:>5.1}s] {:<28} {:<36} {} {}",
                e.elapsed.as_secs_f64(),
                e.status,
                e.logical_id,
                e.resource_type,
                e.reason
            ),
            Progress::Waiting(why) => eprintln!("  (waiting: {why})"),
            Progress::Failures(reasons) => {
                eprintln!("failure reasons:");
                for f in reasons {
                    eprintln!("  - {f}");
                }
            }
        }
    }

    fn confirm(&self, stack: &str, _changes: &[Change]) -> bool {
        if self.yes {
            return true;
        }
        if !std::io::stdin().is_terminal() {
            eprintln!("standard input is not a terminal, so nobody can confirm; pass --yes to apply without asking");
            return false;
        }
        eprint!("apply these changes to {stack}? [y/N] ");
        std::io::stderr().flush().ok();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).is_ok()
            && matches!(line.trim(), "y" | "Y" | "yes")
    }
}

/// Creates or updates the stack to `request.template`, asking on a
/// terminal first unless `yes`.
pub async fn apply(cfn: &Client, request: &ApplyRequest<'_>, yes: bool) -> Result<Applied> {
    let printer = Printer {
        stack: request.stack,
        yes,
    };
    match stack_deploy::apply(cfn, request, &printer).await {
        Ok(applied) => Ok(applied),
        Err(e @ ApplyError::Broken { .. }) => Err(anyhow::Error::new(e).context(format!(
            "`cargo xtask destroy --stack {}` deletes it",
            request.stack
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The stack's status, `None` when it does not exist.
pub async fn stack_status(cfn: &Client, stack: &str) -> Result<Option<StackStatus>> {
    Ok(stack_deploy::stack_status(cfn, stack).await?)
}

/// The stack's outputs.
pub async fn outputs(cfn: &Client, stack: &str) -> Result<BTreeMap<String, String>> {
    Ok(stack_deploy::outputs(cfn, stack).await?)
}
