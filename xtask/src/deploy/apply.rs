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
    no_execute: bool,
    /// Each resource's latest status, for the live line on a terminal.
    statuses: std::sync::Mutex<BTreeMap<String, String>>,
}

impl Printer<'_> {
    /// Erases the live line (on a terminal).
    fn clear_live(&self) {
        if crate::out::color() && crate::out::progress() {
            eprint!("\r\x1b[2K");
        }
    }

    /// Redraws the live line: how many resources settled, which are in progress.
    fn draw_live(&self) {
        if !(crate::out::color() && crate::out::progress()) {
            return;
        }
        let statuses = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
        let resources: Vec<(&String, &String)> = statuses
            .iter()
            .filter(|(id, _)| id.as_str() != self.stack)
            .collect();
        let settled = resources
            .iter()
            .filter(|(_, s)| !s.ends_with("IN_PROGRESS"))
            .count();
        let working: Vec<&str> = resources
            .iter()
            .filter(|(_, s)| s.ends_with("IN_PROGRESS"))
            .map(|(id, _)| id.as_str())
            .collect();
        let mut line = format!("  {settled} of {} resources settled", resources.len());
        if !working.is_empty() {
            line.push_str(&format!("; in progress: {}", working.join(", ")));
        }
        let line: String = line.chars().take(150).collect();
        eprint!("{}", crate::out::paint("2", &line));
        std::io::stderr().flush().ok();
    }
}

impl Observer for Printer<'_> {
    fn progress(&self, step: Progress<'_>) {
        match step {
            Progress::Recreating { status } => crate::out::say!(
                "stack {} is {status} (a failed first create, or a first change set never executed) and holds nothing: deleting it to create it again",
                self.stack
            ),
            Progress::NoChanges => {
                crate::out::say!("no changes: stack {} already matches", self.stack)
            }
            Progress::Uploaded { bytes, location } => crate::out::say!(
                "template is {bytes} bytes (over the {}-byte inline limit): sent as {location}",
                infra::MAX_INLINE_BODY_BYTES
            ),
            Progress::Preview(changes) => {
                self.clear_live();
                eprintln!("action     logical id                       type                                     replacement");
                for c in changes {
                    eprintln!(
                        "{:<10} {:<32} {:<40} {}",
                        c.action, c.logical_id, c.resource_type, c.replacement
                    );
                }
            }
            Progress::Event(e) => {
                self.statuses
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(e.logical_id.clone(), e.status.clone());
                self.clear_live();
                crate::out::detail!(
                    "  [{:>5.1}s] {} {:<36} {} {}",
                    e.elapsed.as_secs_f64(),
                    crate::out::status(&format!("{:<28}", e.status)),
                    e.logical_id,
                    e.resource_type,
                    e.reason
                );
                self.draw_live();
            }
            Progress::Waiting(why) => {
                self.clear_live();
                crate::out::detail!("  (waiting: {why})");
                self.draw_live();
            }
            Progress::Failures(reasons) => {
                self.clear_live();
                eprintln!("failure reasons:");
                for f in reasons {
                    eprintln!("  - {f}");
                }
            }
        }
    }

    fn stops_at_change_set(&self) -> bool {
        self.no_execute
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
    apply_or_stop(cfn, request, yes, false).await
}

/// [`apply`], or with `no_execute` only the change set made, previewed
/// and left for review.
pub async fn apply_or_stop(
    cfn: &Client,
    request: &ApplyRequest<'_>,
    yes: bool,
    no_execute: bool,
) -> Result<Applied> {
    let printer = Printer {
        stack: request.stack,
        yes,
        no_execute,
        statuses: std::sync::Mutex::default(),
    };
    let result = stack_deploy::apply(cfn, request, &printer).await;
    printer.clear_live();
    match result {
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
