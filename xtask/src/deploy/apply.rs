//! One idempotent apply of a template through a change set: preview,
//! confirmation, execution, live events, every failure reason, outputs.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use super::template_body::{self, TemplateSource, TemplateStore};
use crate::sdk_error::sdk_error;
use anyhow::{bail, Context, Result};
use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, Parameter, StackStatus, Tag,
};
use aws_sdk_cloudformation::Client;

/// What to apply.
pub struct ApplyRequest<'a> {
    /// The stack's name.
    pub stack: &'a str,
    /// The template body (JSON).
    pub template: &'a str,
    /// Template parameters.
    pub parameters: &'a BTreeMap<String, String>,
    /// Stack tags.
    pub tags: &'a BTreeMap<String, String>,
    /// Skip the confirmation prompt.
    pub yes: bool,
    /// Longest wait for the stack to settle.
    pub timeout: Duration,
    /// The target is an emulator (moto), whose CloudFormation differs from
    /// AWS's in two ways this works around: it computes no outputs when it
    /// executes a change set (an update with the previous template and
    /// values makes it), and a failing resource fails the execute call itself,
    /// leaving the stack half-created instead of rolling it back (the stack
    /// is deleted here, as CloudFormation's rollback would).
    pub emulator: bool,
    /// The role CloudFormation acts as (`None`: the caller's credentials).
    pub role_arn: Option<&'a str>,
    /// Where a template over the inline limit is uploaded (`None`: the
    /// template must fit inline).
    pub store: Option<TemplateStore<'a>>,
}

/// How an apply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The template and parameters match the stack: nothing to do.
    NoChanges(BTreeMap<String, String>),
    /// The change set ran; the stack's outputs.
    Changed(BTreeMap<String, String>),
}

impl Applied {
    /// The stack's outputs.
    pub fn outputs(&self) -> &BTreeMap<String, String> {
        match self {
            Applied::NoChanges(o) | Applied::Changed(o) => o,
        }
    }
}

/// The stack's status, `None` when it does not exist.
pub async fn stack_status(cfn: &Client, stack: &str) -> Result<Option<StackStatus>> {
    match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => Ok(out.stacks().first().and_then(|s| s.stack_status().cloned())),
        Err(e) => {
            let text = sdk_error(&e).to_string();
            if text.contains("does not exist") {
                Ok(None)
            } else {
                Err(anyhow::anyhow!(text)).context(format!("describing stack {stack}"))
            }
        }
    }
}

/// Whether a stack in `status` is created by the next apply: it does not
/// exist, is waiting for its first change set, or is what a failed first
/// create left (deleted first, then created anew).
pub fn creates(status: Option<&StackStatus>) -> bool {
    matches!(
        status,
        None | Some(
            StackStatus::ReviewInProgress
                | StackStatus::RollbackComplete
                | StackStatus::CreateFailed
                | StackStatus::RollbackFailed
        )
    )
}

/// Creates or updates the stack to `request.template`.
pub async fn apply(cfn: &Client, request: &ApplyRequest<'_>) -> Result<Applied> {
    let stack = request.stack;
    let status = stack_status(cfn, stack).await?;
    let kind = match status.as_ref() {
        None | Some(StackStatus::ReviewInProgress) => ChangeSetType::Create,
        Some(StackStatus::RollbackComplete) | Some(StackStatus::CreateFailed) | Some(StackStatus::RollbackFailed) => {
            let status = status.as_ref().map(|s| s.as_str()).unwrap_or_default().to_owned();
            eprintln!("==> stack {stack} is {status} from a failed first create: deleting it to create it again");
            cfn.delete_stack().stack_name(stack).send().await.context("deleting the failed stack")?;
            wait_for_deletion(cfn, stack, request.timeout).await?;
            ChangeSetType::Create
        }
        Some(s) if s.as_str().ends_with("_IN_PROGRESS") => bail!(
            "stack {stack} is busy ({}); wait for it to finish (or cancel the update in the console) and run again",
            s.as_str()
        ),
        Some(s) if s.as_str().ends_with("_FAILED") => bail!(
            "stack {stack} is {}: fix it first (continue the rollback, or `cargo xtask destroy --stack {stack}`)",
            s.as_str()
        ),
        Some(_) => ChangeSetType::Update,
    };
    if kind == ChangeSetType::Update && request.emulator && emulator_unchanged(cfn, request).await?
    {
        eprintln!("==> no changes: stack {stack} already matches");
        return Ok(Applied::NoChanges(outputs(cfn, stack).await?));
    }

    let name = format!("xtask-{}", unix_now());
    let parameters: Vec<Parameter> = request
        .parameters
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect();
    let tags: Vec<Tag> = request
        .tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let (body, url) = split(template_body::source(request.template, request.store).await?);
    cfn.create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .change_set_type(kind.clone())
        .set_template_body(body)
        .set_template_url(url)
        .set_parameters(Some(parameters))
        .set_tags(Some(tags))
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .set_role_arn(request.role_arn.map(str::to_owned))
        .send()
        .await
        .map_err(sdk_error)
        .context("creating the change set")?;

    let described = wait_for_change_set(cfn, stack, &name, request.timeout).await?;
    let Some(described) = described else {
        cfn.delete_change_set()
            .stack_name(stack)
            .change_set_name(&name)
            .send()
            .await
            .ok();
        eprintln!("==> no changes: stack {stack} already matches");
        return Ok(Applied::NoChanges(outputs(cfn, stack).await?));
    };
    print_preview(&described);
    if !request.yes && !confirm(stack)? {
        cfn.delete_change_set()
            .stack_name(stack)
            .change_set_name(&name)
            .send()
            .await
            .ok();
        bail!("not applied: the change set was discarded");
    }
    let seen = event_ids(cfn, stack).await.unwrap_or_default();
    let executed = cfn
        .execute_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .send()
        .await
        .map_err(sdk_error);
    if let Err(e) = executed {
        if request.emulator && kind == ChangeSetType::Create {
            cfn.delete_stack()
                .stack_name(stack)
                .send()
                .await
                .map_err(sdk_error)
                .context("deleting the half-created stack")?;
            wait_for_deletion(cfn, stack, request.timeout).await?;
            return Err(e.context(format!(
                "creating stack {stack} failed; what it had created is deleted again (as a rollback would)"
            )));
        }
        return Err(e.context("executing the change set"));
    }
    let (final_status, failures) = follow_events(cfn, stack, seen, request.timeout).await?;
    match final_status {
        StackStatus::CreateComplete | StackStatus::UpdateComplete | StackStatus::ImportComplete => {
            if request.emulator {
                refresh_outputs(cfn, request).await?;
            }
            Ok(Applied::Changed(outputs(cfn, stack).await?))
        }
        other => {
            let reasons = if failures.is_empty() {
                "no reason given; see the stack's events".to_owned()
            } else {
                failures.join("; ")
            };
            let next = if kind == ChangeSetType::Create {
                "; fix the cause and run again: the failed stack is deleted and created anew"
            } else {
                ""
            };
            bail!("stack {stack} ended {}: {reasons}{next}", other.as_str())
        }
    }
}

async fn wait_for_change_set(
    cfn: &Client,
    stack: &str,
    name: &str,
    timeout: Duration,
) -> Result<Option<aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput>>
{
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        let out = cfn
            .describe_change_set()
            .stack_name(stack)
            .change_set_name(name)
            .send()
            .await
            .map_err(sdk_error)
            .context("describing the change set")?;
        match out.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                if out.changes().is_empty() {
                    return Ok(None);
                }
                return Ok(Some(out));
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = out.status_reason().unwrap_or_default();
                if reason.contains("didn't contain changes")
                    || reason.contains("No updates are to be performed")
                {
                    return Ok(None);
                }
                bail!("the change set failed: {reason}");
            }
            _ => {}
        }
        if Instant::now() > deadline {
            bail!("the change set was not ready within {timeout:?}");
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

fn print_preview(
    change_set: &aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput,
) {
    eprintln!("action     logical id                       type                                     replacement");
    for change in change_set.changes() {
        let Some(c) = change.resource_change() else {
            continue;
        };
        eprintln!(
            "{:<10} {:<32} {:<40} {}",
            c.action().map(|a| a.as_str()).unwrap_or("?"),
            c.logical_resource_id().unwrap_or("?"),
            c.resource_type().unwrap_or("?"),
            c.replacement().map(|r| r.as_str()).unwrap_or("-"),
        );
    }
}

fn confirm(stack: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("not applied: standard input is not a terminal, so nobody can confirm; pass --yes to apply without asking");
    }
    eprint!("apply these changes to {stack}? [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

async fn event_ids(cfn: &Client, stack: &str) -> Result<HashSet<String>> {
    let out = cfn.describe_stack_events().stack_name(stack).send().await?;
    Ok(out
        .stack_events()
        .iter()
        .filter_map(|e| e.event_id().map(str::to_owned))
        .collect())
}

/// Prints new stack events (oldest first, each once) until the stack settles;
/// returns the final status and every failure reason (also printed at the end).
async fn follow_events(
    cfn: &Client,
    stack: &str,
    mut seen: HashSet<String>,
    timeout: Duration,
) -> Result<(StackStatus, Vec<String>)> {
    let deadline = Instant::now() + timeout;
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut delay = Duration::from_millis(500);
    loop {
        match cfn.describe_stack_events().stack_name(stack).send().await {
            Ok(out) => {
                let mut fresh: Vec<_> = out
                    .stack_events()
                    .iter()
                    .filter(|e| e.event_id().is_some_and(|id| !seen.contains(id)))
                    .cloned()
                    .collect();
                fresh.reverse();
                for e in fresh {
                    seen.insert(e.event_id().unwrap_or_default().to_owned());
                    let status = e.resource_status().map(|s| s.as_str()).unwrap_or("?");
                    let reason = e.resource_status_reason().unwrap_or_default();
                    eprintln!(
                        "  [{:>5.1}s] {:<28} {:<36} {} {}",
                        started.elapsed().as_secs_f64(),
                        status,
                        e.logical_resource_id().unwrap_or("?"),
                        e.resource_type().unwrap_or(""),
                        reason
                    );
                    if status.ends_with("_FAILED")
                        && !reason.is_empty()
                        && !reason.contains("Resource creation cancelled")
                    {
                        failures.push(format!(
                            "{}: {reason}{}",
                            e.logical_resource_id().unwrap_or("?"),
                            failure_hint(reason)
                        ));
                    }
                }
                delay = Duration::from_millis(500);
            }
            Err(e) => {
                // Throttled or a passing fault: back off and ask again.
                eprintln!("  (waiting: {})", sdk_error(&e));
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
        if let Some(status) = stack_status(cfn, stack).await? {
            let text = status.as_str();
            if !text.ends_with("_IN_PROGRESS") {
                if !failures.is_empty() {
                    eprintln!("failure reasons:");
                    for f in &failures {
                        eprintln!("  - {f}");
                    }
                }
                return Ok((status, failures));
            }
        }
        if Instant::now() > deadline {
            bail!("stack {stack} did not settle within {timeout:?}; it is still changing");
        }
        tokio::time::sleep(delay).await;
    }
}

async fn wait_for_deletion(cfn: &Client, stack: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        match stack_status(cfn, stack).await? {
            None | Some(StackStatus::DeleteComplete) => return Ok(()),
            Some(StackStatus::DeleteFailed) => {
                bail!("deleting stack {stack} failed; see its events")
            }
            _ => {}
        }
        if Instant::now() > deadline {
            bail!("stack {stack} was not deleted within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What to do about a failure CloudFormation reports in AWS's words.
fn failure_hint(reason: &str) -> &'static str {
    // Lambda publishes no version of a function unchanged since its last
    // version (https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html).
    // With versions retained, that happens when a deploy is retried after a
    // rollback: the version the failed attempt published is still there.
    if reason.contains("A version for this Lambda function exists") {
        return " (a retained version from an earlier attempt already holds this code: change the function, or delete that version with `aws lambda delete-function --function-name NAME --qualifier N`, then deploy again)";
    }
    ""
}

/// A source as the SDK's two optional fields.
fn split(source: TemplateSource) -> (Option<String>, Option<String>) {
    match source {
        TemplateSource::Body(body) => (Some(body), None),
        TemplateSource::Url(url) => (None, Some(url)),
    }
}

/// The metadata key the emulator workaround sets; ignored when comparing.
const REFRESH_KEY: &str = "EmulatorOutputsRefresh";

/// On the emulator: whether the stored template (less the workaround's key)
/// and parameters equal the request's. moto's own check would see the key.
async fn emulator_unchanged(cfn: &Client, request: &ApplyRequest<'_>) -> Result<bool> {
    let stored = cfn.get_template().stack_name(request.stack).send().await?;
    let Some(body) = stored.template_body() else {
        return Ok(false);
    };
    let Ok(mut stored) = serde_json::from_str::<serde_json::Value>(body) else {
        return Ok(false);
    };
    if let Some(meta) = stored
        .get_mut("Metadata")
        .and_then(serde_json::Value::as_object_mut)
    {
        meta.remove(REFRESH_KEY);
        if meta.is_empty() {
            stored.as_object_mut().map(|o| o.remove("Metadata"));
        }
    }
    let wanted: serde_json::Value = serde_json::from_str(request.template)?;
    if stored != wanted {
        return Ok(false);
    }
    let described = cfn
        .describe_stacks()
        .stack_name(request.stack)
        .send()
        .await?;
    let current: BTreeMap<String, String> = described
        .stacks()
        .first()
        .map(|s| {
            s.parameters()
                .iter()
                .filter_map(|p| {
                    Some((
                        p.parameter_key()?.to_owned(),
                        p.parameter_value()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(&current == request.parameters)
}

async fn refresh_outputs(cfn: &Client, request: &ApplyRequest<'_>) -> Result<()> {
    let mut template: serde_json::Value = serde_json::from_str(request.template)?;
    if let Some(object) = template.as_object_mut() {
        let meta = object
            .entry("Metadata")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert(
                REFRESH_KEY.into(),
                serde_json::json!(unix_now().to_string()),
            );
        }
    }
    let previous: Vec<Parameter> = request
        .parameters
        .keys()
        .map(|k| {
            Parameter::builder()
                .parameter_key(k)
                .use_previous_value(true)
                .build()
        })
        .collect();
    let (body, url) = split(template_body::source(&template.to_string(), request.store).await?);
    let result = cfn
        .update_stack()
        .stack_name(request.stack)
        .set_template_body(body)
        .set_template_url(url)
        .set_parameters(Some(previous))
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let text = sdk_error(&e).to_string();
            if text.contains("No updates") {
                Ok(())
            } else {
                Err(anyhow::anyhow!(text)).context("refreshing the emulator's outputs")
            }
        }
    }
}

/// The stack's outputs.
pub async fn outputs(cfn: &Client, stack: &str) -> Result<BTreeMap<String, String>> {
    let out = cfn.describe_stacks().stack_name(stack).send().await?;
    Ok(out
        .stacks()
        .first()
        .map(|s| {
            s.outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
                .collect()
        })
        .unwrap_or_default())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod hint_tests {
    #[test]
    fn an_unpublishable_version_says_what_to_do() {
        let reason = "A version for this Lambda function exists ( 3 ). Modify the function to create a new version.";
        assert!(super::failure_hint(reason).contains("--qualifier"));
        assert_eq!(
            super::failure_hint("Resource handler returned message: boom"),
            ""
        );
    }
}
