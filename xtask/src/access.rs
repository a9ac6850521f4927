//! The access check of a run on the emulator: every AWS request the
//! functions made (recorded by `access-record`) checked against their roles
//! in the synthesized template, with the physical names the emulator
//! assigned (`infra::access`). The emulator does not enforce IAM; this does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use infra::access::calls::{Call, Place};
use infra::access::check::{check, service_use, Justification, Report};
use infra::access::principals::{function_roles, role, Deployment};
use serde_json::Value;

use crate::build::BINARIES;
use crate::sdk_error::sdk_error;
use crate::workspace;
use stack_serve::Served;

/// `target/access`: the recorded calls and the report.
pub fn dir() -> Result<PathBuf> {
    Ok(workspace::target_dir()?.join("access"))
}

/// A fresh file for the calls of `run`.
pub fn calls_file(run: &str) -> Result<PathBuf> {
    let dir = dir()?.join("calls");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join(format!("{run}.jsonl"));
    if file.exists() {
        std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
    }
    Ok(file)
}

/// Reads a recorder's file (none is no calls).
pub fn read_calls(file: &Path) -> Result<Vec<Call>> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    Call::parse_lines(&text).with_context(|| format!("reading the calls in {}", file.display()))
}

/// Where the stack runs, and the names its resources got, as the access
/// check needs them: physical IDs from CloudFormation, stream ARNs from
/// DynamoDB, the APIs xtask serves under their IDs, and their loopback
/// endpoints read as the AWS endpoints they stand for.
pub async fn deployment(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    template: &Value,
    served: &Served,
) -> Result<(Deployment, Place)> {
    let identity = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(sdk_error)
        .context("reading the emulator's account")?;
    let account = identity.account().unwrap_or("123456789012").to_owned();
    let region = sdk
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_else(|| emulator::REGION.to_owned());
    let mut place = Place::new("aws", &region, &account);
    let mut deployment = Deployment::new(place.clone(), stack);
    for (id, physical) in served.physical_ids() {
        deployment = deployment.physical(id, physical.clone());
    }
    for (id, api) in served.served() {
        deployment = deployment.physical(id, api.id.clone());
        place = place.alias(
            api.execute_api.clone(),
            format!("https://{}.execute-api.{region}.amazonaws.com", api.id),
        );
    }
    let db = aws_sdk_dynamodb::Client::new(sdk);
    for (id, resource) in template["Resources"].as_object().into_iter().flatten() {
        if resource["Type"] != "AWS::DynamoDB::Table"
            || resource["Properties"]["StreamSpecification"].is_null()
        {
            continue;
        }
        let Some(name) = served.physical_id(id) else {
            continue;
        };
        let table = db
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(sdk_error)
            .with_context(|| format!("reading the stream of table {name}"))?;
        if let Some(arn) = table.table().and_then(|t| t.latest_stream_arn()) {
            deployment = deployment.attribute(id, "StreamArn", arn);
        }
    }
    Ok((deployment, place))
}

/// The role each recorded principal runs as in `template`: a function by
/// its logical ID (what `ACCESS_RECORD_PRINCIPAL` names) or, for the Rust
/// functions, by binary (what `cargo lambda watch` names them).
pub fn function_principals(template: &Value) -> BTreeMap<String, String> {
    let roles = function_roles(template);
    let binaries = BINARIES
        .iter()
        .filter_map(|(logical, binary)| Some(((*binary).to_owned(), roles.get(*logical)?.clone())));
    roles.clone().into_iter().chain(binaries).collect()
}

/// Checks `calls` against `template`'s roles.
pub fn check_calls(
    template: &Value,
    deployment: &Deployment,
    place: &Place,
    calls: &[Call],
) -> Result<Report> {
    let principals = function_principals(template);
    let mut roles = BTreeMap::new();
    for id in principals.values() {
        if !roles.contains_key(id) {
            let resolved = role(template, deployment, id)
                .with_context(|| format!("reading the policies of {id}"))?;
            roles.insert(id.clone(), resolved);
        }
    }
    Ok(check(
        calls,
        &principals,
        &roles,
        place,
        &justifications(template),
    ))
}

/// Why unused grants stay: what AWS does with the roles, and the stack's
/// own reasons (each manifest entry's `kept`).
fn justifications(template: &Value) -> BTreeMap<String, Vec<Justification>> {
    let mut out = service_use(template);
    let roles = function_roles(template);
    for spec in visitor_stack::manifest::RUST_FUNCTIONS {
        let Some(role) = roles.get(spec.logical_id) else {
            continue;
        };
        for (action, reason) in spec.kept {
            out.entry(role.clone()).or_default().push(Justification {
                action: (*action).to_owned(),
                reason: (*reason).to_owned(),
            });
        }
    }
    out
}

/// Writes `report` to `target/access/<name>.report.json` and returns the path.
pub fn write_report(name: &str, report: &Report) -> Result<PathBuf> {
    let dir = dir()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join(format!("{name}.report.json"));
    let text = serde_json::to_string_pretty(&report.to_json())? + "\n";
    std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}

/// The summary line of every report written since `since`, by name.
pub fn summaries_since(since: std::time::SystemTime) -> Vec<(String, String)> {
    let Ok(dir) = dir() else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .flatten()
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
        })
        .filter_map(|e| {
            let name = e
                .file_name()
                .to_string_lossy()
                .strip_suffix(".report.json")?
                .to_owned();
            let text = std::fs::read_to_string(e.path()).ok()?;
            let report: Value = serde_json::from_str(&text).ok()?;
            Some((name, report["summary"].as_str()?.to_owned()))
        })
        .collect();
    out.sort();
    out
}

/// Prints `report` (the summary, every denial, every grant no call used)
/// and fails when a call would be denied or could not be checked.
pub fn judge(report: &Report, file: &Path) -> Result<()> {
    crate::out::say!("{}", report.summary());
    for denial in &report.denied {
        eprintln!("    {denial}");
    }
    for error in &report.errors {
        eprintln!("    not checkable: {error}");
    }
    // Grants kept for a reason are in the report; those without one here.
    for unused in report.unused.iter().filter(|u| u.reason.is_none()) {
        eprintln!(
            "    unused grant {} of {} ({}): no recorded call needed it",
            unused.action, unused.role, unused.statement
        );
    }
    for policy in &report.unmodelled {
        eprintln!("    not evaluated (document unknown here): {policy}");
    }
    eprintln!("    report: {}", file.display());
    if !report.passed() {
        bail!(
            "the access check failed: {} call(s) AWS would deny, {} not checkable (see above and {})",
            report.denied.len(),
            report.errors.len(),
            file.display()
        );
    }
    Ok(())
}

/// `template` without `action` in `role`'s policies: what the self-test of
/// the check runs against.
pub fn without_action(template: &Value, role: &str, action: &str) -> Value {
    let mut out = template.clone();
    let policies = &mut out["Resources"][role]["Properties"]["Policies"];
    for policy in policies.as_array_mut().into_iter().flatten() {
        let Some(statements) = policy["PolicyDocument"]["Statement"].as_array_mut() else {
            continue;
        };
        for statement in statements.iter_mut() {
            match &mut statement["Action"] {
                Value::Array(actions) => actions.retain(|a| a != action),
                a if a == action => *a = Value::Array(Vec::new()),
                _ => {}
            }
        }
        // A statement left without actions goes (IAM would reject it).
        statements.retain(|s| s["Action"] != Value::Array(Vec::new()));
    }
    out
}

/// The principal the edge recorder's tests record their calls as.
pub const EDGE_PRINCIPAL: &str = "EdgeRecorder";

/// The queue URL the edge recorder's tests send to (moto in process).
const EDGE_TEST_QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/visits";

/// The edge recorder's calls, recorded by its pytest suite, against its
/// role in the `prod` stage, with the tests' queue as the stack's.
pub fn check_edge_recorder(config: &visitor_stack::StackConfig, calls: &Path) -> Result<()> {
    let template = visitor_stack::build(visitor_stack::Stage::Prod, config)?
        .render()?
        .json()
        .clone();
    let place = Place::new("aws", emulator::REGION, "123456789012");
    let deployment = Deployment::new(place.clone(), "edge-recorder-tests")
        .physical("Visits", EDGE_TEST_QUEUE)
        .managed_policy(
            &boundary_arn(&place, config),
            infra::ToJson::to_json(&visitor_stack::bootstrap::role_boundary(config)?),
        );
    let recorded = read_calls(calls)?;
    if recorded.is_empty() {
        bail!(
            "the edge recorder's tests recorded no calls in {}: is the recording in conftest.py still installed?",
            calls.display()
        );
    }
    let roles = function_roles(&template);
    let role_id = roles
        .get(EDGE_PRINCIPAL)
        .with_context(|| format!("the prod stage has no function {EDGE_PRINCIPAL}"))?;
    let principals = BTreeMap::from([(EDGE_PRINCIPAL.to_owned(), role_id.clone())]);
    let role = role(&template, &deployment, role_id)?;
    let report = check(
        &recorded,
        &principals,
        &BTreeMap::from([(role_id.clone(), role)]),
        &place,
        &service_use(&template),
    );
    let file = write_report("edge-recorder", &report)?;
    judge(&report, &file)
}

/// The ARN of the roles' permissions boundary at `place`.
pub fn boundary_arn(place: &Place, config: &visitor_stack::StackConfig) -> String {
    format!(
        "arn:{}:iam::{}:policy/{}",
        place.partition,
        place.account,
        visitor_stack::roles::boundary_name(&config.app_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_action_is_taken_out_of_one_role_only() {
        let template = json!({"Resources": {
            "ARole": {"Properties": {"Policies": [{"PolicyDocument": {"Statement": [
                {"Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"]},
                {"Action": "dynamodb:GetItem"}]}}]}},
            "BRole": {"Properties": {"Policies": [{"PolicyDocument": {"Statement": [
                {"Action": "dynamodb:GetItem"}]}}]}}
        }});
        let out = without_action(&template, "ARole", "dynamodb:GetItem");
        let a =
            &out["Resources"]["ARole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
        assert_eq!(a, &json!([{"Action": ["dynamodb:UpdateItem"]}]));
        assert_eq!(out["Resources"]["BRole"], template["Resources"]["BRole"]);
    }
}
