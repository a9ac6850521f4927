//! One idempotent apply of a template through a change set.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, Parameter, StackStatus, Tag,
};
use aws_sdk_cloudformation::Client;

use crate::error::{aws, ApplyError};
use crate::progress::{Change, Observer, Progress, StackEvent};
use crate::template_body::{self, TemplateSource, TemplateStore};

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
    /// The change set was made and left unexecuted, as the observer asked
    /// ([`Observer::stops_at_change_set`]); the stack's outputs as they are.
    Pending {
        /// The change set's name.
        change_set: String,
        /// The outputs before it runs (none for a stack not yet created).
        outputs: BTreeMap<String, String>,
    },
}

impl Applied {
    /// The stack's outputs.
    pub fn outputs(&self) -> &BTreeMap<String, String> {
        match self {
            Applied::NoChanges(o) | Applied::Changed(o) | Applied::Pending { outputs: o, .. } => o,
        }
    }
}

/// The stack's status, `None` when it does not exist.
pub async fn stack_status(cfn: &Client, stack: &str) -> Result<Option<StackStatus>, ApplyError> {
    match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => Ok(out.stacks().first().and_then(|s| s.stack_status().cloned())),
        Err(e) => {
            let error = aws(format!("describing stack {stack}"))(e);
            match &error {
                ApplyError::Aws { message, .. } if message.contains("does not exist") => Ok(None),
                _ => Err(error),
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

/// Creates or updates the stack to `request.template`, telling `observer`
/// what it does and asking it to confirm the change set.
pub async fn apply(
    cfn: &Client,
    request: &ApplyRequest<'_>,
    observer: &dyn Observer,
) -> Result<Applied, ApplyError> {
    let stack = request.stack;
    let status = stack_status(cfn, stack).await?;
    let kind = match status.as_ref() {
        None => ChangeSetType::Create,
        Some(s) if creates(Some(s)) => {
            observer.progress(Progress::Recreating { status: s.as_str() });
            cfn.delete_stack()
                .stack_name(stack)
                .send()
                .await
                .map_err(aws("deleting the failed stack"))?;
            wait_for_deletion(cfn, stack, request.timeout).await?;
            ChangeSetType::Create
        }
        Some(s) if s.as_str().ends_with("_IN_PROGRESS") => {
            return Err(ApplyError::Busy {
                stack: stack.to_owned(),
                status: s.as_str().to_owned(),
            })
        }
        Some(s) if s.as_str().ends_with("_FAILED") => {
            return Err(ApplyError::Broken {
                stack: stack.to_owned(),
                status: s.as_str().to_owned(),
            })
        }
        Some(_) => ChangeSetType::Update,
    };
    if kind == ChangeSetType::Update && request.emulator && emulator_unchanged(cfn, request).await?
    {
        observer.progress(Progress::NoChanges);
        return Ok(Applied::NoChanges(outputs(cfn, stack).await?));
    }

    // Unique even for two applies in one second (a name CloudFormation
    // already has for the stack would be refused, or confused with it).
    let name = format!("apply-{}-{}", unix_now(), crate::guard::random_hex(8));
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
    let source = template_body::source(request.template, request.store, observer).await?;
    let (body, url) = split(source);
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
        .map_err(aws("creating the change set"))?;

    let discard = || async {
        cfn.delete_change_set()
            .stack_name(stack)
            .change_set_name(&name)
            .send()
            .await
            .ok();
    };
    let Some(changes) = wait_for_change_set(cfn, stack, &name, request.timeout).await? else {
        discard().await;
        observer.progress(Progress::NoChanges);
        return Ok(Applied::NoChanges(outputs(cfn, stack).await?));
    };
    observer.progress(Progress::Preview(&changes));
    if observer.stops_at_change_set() {
        let outputs = if kind == ChangeSetType::Create {
            BTreeMap::new()
        } else {
            outputs(cfn, stack).await?
        };
        return Ok(Applied::Pending {
            change_set: name.clone(),
            outputs,
        });
    }
    if !observer.confirm(stack, &changes) {
        discard().await;
        return Err(ApplyError::Declined);
    }
    let seen = event_ids(cfn, stack).await.unwrap_or_default();
    let executed = cfn
        .execute_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .send()
        .await;
    if let Err(e) = executed {
        let error = aws("executing the change set")(e);
        if request.emulator && kind == ChangeSetType::Create {
            cfn.delete_stack()
                .stack_name(stack)
                .send()
                .await
                .map_err(aws("deleting the half-created stack"))?;
            wait_for_deletion(cfn, stack, request.timeout).await?;
            return Err(ApplyError::CreateRolledBack {
                stack: stack.to_owned(),
                message: error.to_string(),
            });
        }
        return Err(error);
    }
    let (final_status, failures) = follow_events(cfn, stack, seen, request, observer).await?;
    match final_status {
        StackStatus::CreateComplete | StackStatus::UpdateComplete | StackStatus::ImportComplete => {
            if request.emulator {
                refresh_outputs(cfn, request, observer).await?;
            }
            Ok(Applied::Changed(outputs(cfn, stack).await?))
        }
        other => Err(ApplyError::Ended {
            stack: stack.to_owned(),
            status: other.as_str().to_owned(),
            reasons: failures,
            created: kind == ChangeSetType::Create,
        }),
    }
}

/// The change set's changes once it is ready; `None` when it has none.
async fn wait_for_change_set(
    cfn: &Client,
    stack: &str,
    name: &str,
    timeout: Duration,
) -> Result<Option<Vec<Change>>, ApplyError> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        let out = cfn
            .describe_change_set()
            .stack_name(stack)
            .change_set_name(name)
            .send()
            .await
            .map_err(aws("describing the change set"))?;
        match out.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let changes: Vec<Change> = out
                    .changes()
                    .iter()
                    .filter_map(|c| c.resource_change())
                    .map(|c| Change {
                        action: c.action().map(|a| a.as_str()).unwrap_or("?").to_owned(),
                        logical_id: c.logical_resource_id().unwrap_or("?").to_owned(),
                        resource_type: c.resource_type().unwrap_or("?").to_owned(),
                        replacement: c
                            .replacement()
                            .map(|r| r.as_str())
                            .unwrap_or("-")
                            .to_owned(),
                    })
                    .collect();
                return Ok((!out.changes().is_empty()).then_some(changes));
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = out.status_reason().unwrap_or_default();
                if reason.contains("didn't contain changes")
                    || reason.contains("No updates are to be performed")
                {
                    return Ok(None);
                }
                return Err(ApplyError::ChangeSet(reason.to_owned()));
            }
            _ => {}
        }
        if Instant::now() > deadline {
            return Err(ApplyError::Timeout {
                what: "the change set was not ready".into(),
                after: timeout,
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

async fn event_ids(cfn: &Client, stack: &str) -> Option<HashSet<String>> {
    let out = cfn
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .ok()?;
    Some(
        out.stack_events()
            .iter()
            .filter_map(|e| e.event_id().map(str::to_owned))
            .collect(),
    )
}

/// Reports new stack events (oldest first, each once) until the stack
/// settles; returns the final status and every failure reason.
async fn follow_events(
    cfn: &Client,
    stack: &str,
    mut seen: HashSet<String>,
    request: &ApplyRequest<'_>,
    observer: &dyn Observer,
) -> Result<(StackStatus, Vec<String>), ApplyError> {
    let deadline = Instant::now() + request.timeout;
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
                    let event = StackEvent {
                        elapsed: started.elapsed(),
                        status: e
                            .resource_status()
                            .map(|s| s.as_str())
                            .unwrap_or("?")
                            .to_owned(),
                        logical_id: e.logical_resource_id().unwrap_or("?").to_owned(),
                        resource_type: e.resource_type().unwrap_or_default().to_owned(),
                        reason: e.resource_status_reason().unwrap_or_default().to_owned(),
                    };
                    observer.progress(Progress::Event(&event));
                    if event.status.ends_with("_FAILED")
                        && !event.reason.is_empty()
                        && !event.reason.contains("Resource creation cancelled")
                    {
                        failures.push(format!(
                            "{}: {}{}",
                            event.logical_id,
                            event.reason,
                            failure_hint(&event.reason)
                        ));
                    }
                }
                delay = Duration::from_millis(500);
            }
            Err(e) => {
                // Throttled or a passing fault: back off and ask again.
                let error = aws("reading the stack's events")(e).to_string();
                observer.progress(Progress::Waiting(&error));
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
        // A failed status read is a passing fault too: the stack keeps
        // changing whether or not this read worked.
        let status = match stack_status(cfn, stack).await {
            Ok(status) => status,
            Err(e) => {
                observer.progress(Progress::Waiting(&e.to_string()));
                None
            }
        };
        if let Some(status) = status {
            if !status.as_str().ends_with("_IN_PROGRESS") {
                if !failures.is_empty() {
                    observer.progress(Progress::Failures(&failures));
                }
                return Ok((status, failures));
            }
        }
        if Instant::now() > deadline {
            return Err(ApplyError::Timeout {
                what: format!("stack {stack} did not settle (it is still changing)"),
                after: request.timeout,
            });
        }
        tokio::time::sleep(delay).await;
    }
}

/// Deletes `stack` and waits until it is gone (nothing to do when it does
/// not exist).
pub async fn delete(cfn: &Client, stack: &str, timeout: Duration) -> Result<(), ApplyError> {
    if stack_status(cfn, stack).await?.is_none() {
        return Ok(());
    }
    cfn.delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map_err(aws(format!("deleting stack {stack}")))?;
    wait_for_deletion(cfn, stack, timeout).await
}

async fn wait_for_deletion(cfn: &Client, stack: &str, timeout: Duration) -> Result<(), ApplyError> {
    let deadline = Instant::now() + timeout;
    loop {
        match stack_status(cfn, stack).await? {
            None | Some(StackStatus::DeleteComplete) => return Ok(()),
            Some(StackStatus::DeleteFailed) => return Err(ApplyError::DeleteFailed(stack.into())),
            _ => {}
        }
        if Instant::now() > deadline {
            return Err(ApplyError::Timeout {
                what: format!("stack {stack} was not deleted"),
                after: timeout,
            });
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

/// A stored template less the key the emulator workaround set (and its
/// `Metadata`, when nothing else is there).
pub(crate) fn without_workaround(stored: &mut serde_json::Value) {
    if let Some(meta) = stored
        .get_mut("Metadata")
        .and_then(serde_json::Value::as_object_mut)
    {
        meta.remove(REFRESH_KEY);
        if meta.is_empty() {
            stored.as_object_mut().map(|o| o.remove("Metadata"));
        }
    }
}

/// On the emulator: whether the stored template (less the workaround's key)
/// and parameters equal the request's. moto's own check would see the key.
async fn emulator_unchanged(cfn: &Client, request: &ApplyRequest<'_>) -> Result<bool, ApplyError> {
    let stored = cfn
        .get_template()
        .stack_name(request.stack)
        .send()
        .await
        .map_err(aws("reading the stack's template"))?;
    let Some(body) = stored.template_body() else {
        return Ok(false);
    };
    let Ok(mut stored) = serde_json::from_str::<serde_json::Value>(body) else {
        return Ok(false);
    };
    without_workaround(&mut stored);
    let wanted: serde_json::Value = serde_json::from_str(request.template)?;
    if stored != wanted {
        return Ok(false);
    }
    let described = cfn
        .describe_stacks()
        .stack_name(request.stack)
        .send()
        .await
        .map_err(aws("describing the stack"))?;
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

async fn refresh_outputs(
    cfn: &Client,
    request: &ApplyRequest<'_>,
    observer: &dyn Observer,
) -> Result<(), ApplyError> {
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
    let source = template_body::source(&template.to_string(), request.store, observer).await?;
    let (body, url) = split(source);
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
    match result.map_err(aws("refreshing the emulator's outputs")) {
        Ok(_) => Ok(()),
        Err(ApplyError::Aws { message, .. }) if message.contains("No updates") => Ok(()),
        Err(e) => Err(e),
    }
}

/// The stack's outputs.
pub async fn outputs(cfn: &Client, stack: &str) -> Result<BTreeMap<String, String>, ApplyError> {
    let out = cfn
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(aws(format!("reading stack {stack}'s outputs")))?;
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
mod tests {
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
