//! Recorded calls checked against the roles that made them: what AWS would
//! deny, and what the roles grant that no call used.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{json, Value as Json};

use crate::access::calls::{authorizations, Call, Place};
use crate::access::eval::{action_matches, evaluate, Decision, Effect, Layer, Request};
use crate::access::principals::Role;

/// Why a granted action that no recorded call used stays: AWS itself uses
/// it with the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Justification {
    /// The action (`logs:PutLogEvents`).
    pub action: String,
    /// Why, with the documentation that says so.
    pub reason: String,
}

/// What AWS services do with each role of `template` on its function's
/// behalf, derived from the template: Lambda writes a function's logs with
/// its role, and an event source mapping polls its queue or stream with it.
pub fn service_use(template: &Json) -> BTreeMap<String, Vec<Justification>> {
    const LOGS: &str = "Lambda writes the function's logs with its execution role (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)";
    const SQS: &str = "Lambda's SQS event source mapping polls the queue with the function's execution role (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html)";
    const STREAM: &str = "Lambda's DynamoDB event source mapping reads the stream with the function's execution role (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html)";
    let resources = template["Resources"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let functions = crate::access::principals::function_roles(template);
    let mut out: BTreeMap<String, Vec<Justification>> = BTreeMap::new();
    let mut add = |role: &str, actions: &[&str], reason: &str| {
        let list = out.entry(role.to_owned()).or_default();
        for a in actions {
            list.push(Justification {
                action: (*a).to_owned(),
                reason: reason.to_owned(),
            });
        }
    };
    for role in functions.values() {
        add(
            role,
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            LOGS,
        );
    }
    for mapping in resources
        .values()
        .filter(|r| r["Type"] == "AWS::Lambda::EventSourceMapping")
    {
        let props = &mapping["Properties"];
        let Some(function) = props["FunctionName"].get("Ref").and_then(Json::as_str) else {
            continue;
        };
        let Some(role) = functions.get(function) else {
            continue;
        };
        let source = &props["EventSourceArn"]["Fn::GetAtt"];
        let attribute = source[1].as_str().unwrap_or_default();
        let kind = source[0]
            .as_str()
            .and_then(|id| resources.get(id))
            .and_then(|r| r["Type"].as_str())
            .unwrap_or_default();
        match (kind, attribute) {
            ("AWS::SQS::Queue", _) => add(
                role,
                &[
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage",
                ],
                SQS,
            ),
            ("AWS::DynamoDB::Table", "StreamArn") => add(
                role,
                &[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                STREAM,
            ),
            _ => {}
        }
    }
    out
}

/// A call AWS would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// Who called, as recorded.
    pub principal: String,
    /// The role it runs as.
    pub role: String,
    /// `DynamoDB GetItem`.
    pub operation: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Why.
    pub decision: Decision,
    /// How many recorded calls were refused the same way.
    pub count: usize,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "denied: {} ({}) {} needs {} on {}",
            self.principal, self.role, self.operation, self.action, self.resource
        )?;
        if self.count > 1 {
            write!(f, " ({} calls)", self.count)?;
        }
        let allow = json!({"Effect": "Allow", "Action": self.action, "Resource": self.resource});
        match &self.decision {
            Decision::ExplicitDeny(by) => write!(f, "; explicitly denied by {by}"),
            Decision::ImplicitDeny {
                missing_in: Layer::Boundary,
            } => write!(
                f,
                "; the role's permissions boundary does not allow it (it would need {allow})"
            ),
            _ => write!(
                f,
                "; no statement of {} allows it; this statement would: {allow}",
                self.role
            ),
        }
    }
}

/// A granted action no recorded call used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unused {
    /// The role.
    pub role: String,
    /// The action as granted.
    pub action: String,
    /// The statement granting it.
    pub statement: String,
    /// Why it stays, when AWS uses it on the role's behalf.
    pub reason: Option<String>,
}

/// The outcome of [`check`].
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Calls checked.
    pub calls: usize,
    /// Principals that made them.
    pub principals: BTreeSet<String>,
    /// Calls AWS would refuse.
    pub denied: Vec<Denial>,
    /// Calls that could not be checked (an unknown operation or principal,
    /// a policy the evaluator cannot read), each named.
    pub errors: Vec<String>,
    /// Grants of the checked roles that no call used.
    pub unused: Vec<Unused>,
    /// Policies of the checked roles whose documents are unknown here.
    pub unmodelled: Vec<String>,
}

impl Report {
    /// Whether every call was checked and allowed.
    pub fn passed(&self) -> bool {
        self.denied.is_empty() && self.errors.is_empty()
    }

    /// The one-line summary.
    pub fn summary(&self) -> String {
        let justified = self.unused.iter().filter(|u| u.reason.is_some()).count();
        let unjustified = self.unused.len() - justified;
        let grants = match (self.unused.len(), unjustified) {
            (0, _) => "0 unused grants".to_owned(),
            (n, 0) => format!("{n} unused grants (all justified)"),
            (n, u) => format!("{n} unused grants ({u} without a reason)"),
        };
        let mut line = format!(
            "access: {} calls by {} principals checked, {} denied, {grants}",
            self.calls,
            self.principals.len(),
            self.denied.iter().map(|d| d.count).sum::<usize>()
        );
        if !self.errors.is_empty() {
            line.push_str(&format!(", {} not checkable", self.errors.len()));
        }
        line
    }

    /// The report as JSON (for `report.json`).
    pub fn to_json(&self) -> Json {
        json!({
            "summary": self.summary(),
            "calls": self.calls,
            "principals": self.principals,
            "denied": self.denied.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "errors": self.errors,
            "unused": self.unused.iter().map(|u| json!({
                "role": u.role,
                "action": u.action,
                "statement": u.statement,
                "reason": u.reason,
            })).collect::<Vec<_>>(),
            "unmodelled": self.unmodelled,
        })
    }
}

/// Checks `calls`: each recorded principal runs as the role `principals`
/// names; `justified` lists, per role, what AWS uses on its behalf.
pub fn check(
    calls: &[Call],
    principals: &BTreeMap<String, String>,
    roles: &BTreeMap<String, Role>,
    place: &Place,
    justified: &BTreeMap<String, Vec<Justification>>,
) -> Report {
    let mut report = Report {
        calls: calls.len(),
        ..Report::default()
    };
    // (role, policy, statement index, action as granted) → used
    let mut used: BTreeSet<(String, String, usize, String)> = BTreeSet::new();
    let mut denied: BTreeMap<(String, String, String), Denial> = BTreeMap::new();
    let mut errors = BTreeSet::new();
    for call in calls {
        report.principals.insert(call.principal.clone());
        let Some(role_id) = principals.get(&call.principal) else {
            errors.insert(format!(
                "{} called {} {}, but no role is known for it",
                call.principal, call.service, call.operation
            ));
            continue;
        };
        let Some(role) = roles.get(role_id) else {
            errors.insert(format!(
                "{}: the template has no role {role_id}",
                call.principal
            ));
            continue;
        };
        let needed = match authorizations(call, place) {
            Ok(n) => n,
            Err(e) => {
                errors.insert(format!("{}: {e}", call.principal));
                continue;
            }
        };
        for auth in needed {
            let request = Request {
                action: &auth.action,
                resource: &auth.resource,
                context: &auth.context,
            };
            match evaluate(&role.policies, role.boundary.as_deref(), &request) {
                Ok(Decision::Allow(by)) => {
                    if let Some(statement) = role
                        .policies
                        .iter()
                        .find(|p| p.name() == by.policy)
                        .and_then(|p| p.statements().get(by.index))
                    {
                        for granted in statement.actions() {
                            if action_matches(granted, &auth.action) {
                                used.insert((
                                    role_id.clone(),
                                    by.policy.clone(),
                                    by.index,
                                    granted.clone(),
                                ));
                            }
                        }
                    }
                }
                Ok(decision) => {
                    denied
                        .entry((
                            call.principal.clone(),
                            auth.action.clone(),
                            auth.resource.clone(),
                        ))
                        .and_modify(|d| d.count += 1)
                        .or_insert_with(|| Denial {
                            principal: call.principal.clone(),
                            role: role_id.clone(),
                            operation: format!("{} {}", call.service, call.operation),
                            action: auth.action.clone(),
                            resource: auth.resource.clone(),
                            decision,
                            count: 1,
                        });
                }
                Err(e) => {
                    errors.insert(format!("{}: {e}", call.principal));
                }
            }
        }
    }
    report.denied = denied.into_values().collect();
    report.errors = errors.into_iter().collect();

    let checked: BTreeSet<&String> = principals.values().collect();
    for role_id in checked {
        let Some(role) = roles.get(role_id) else {
            continue;
        };
        report
            .unmodelled
            .extend(role.unmodelled.iter().map(|u| format!("{role_id}: {u}")));
        for policy in &role.policies {
            for statement in policy.statements() {
                if statement.effect != Effect::Allow {
                    continue;
                }
                for granted in statement.actions().iter().cloned() {
                    let key = (
                        role_id.clone(),
                        policy.name().to_owned(),
                        statement.index,
                        granted.clone(),
                    );
                    if used.contains(&key) {
                        continue;
                    }
                    let reason = justified
                        .get(role_id)
                        .into_iter()
                        .flatten()
                        .find(|j| action_matches(&granted, &j.action))
                        .map(|j| j.reason.clone());
                    report.unused.push(Unused {
                        role: role_id.clone(),
                        action: granted,
                        statement: format!("{} statement {}", policy.name(), statement.index),
                        reason,
                    });
                }
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::eval::Policy;

    fn role(statements: Json) -> Role {
        Role {
            logical_id: "FnRole".into(),
            policies: vec![Policy::parse(
                "FnRole/Grants",
                &json!({"Version": "2012-10-17", "Statement": statements}),
            )
            .expect("parses")],
            boundary: None,
            unmodelled: Vec::new(),
        }
    }

    fn get_item() -> Call {
        Call::parse_lines(
            r#"{"principal":"fn","service":"DynamoDB","operation":"GetItem","method":"POST","uri":"http://x/","params":{"TableName":["t"]}}"#,
        )
        .expect("parses")
        .remove(0)
    }

    fn run(role: Role, calls: &[Call]) -> Report {
        let roles = BTreeMap::from([("FnRole".to_owned(), role)]);
        let principals = BTreeMap::from([("fn".to_owned(), "FnRole".to_owned())]);
        let justified = BTreeMap::from([(
            "FnRole".to_owned(),
            vec![Justification {
                action: "logs:PutLogEvents".into(),
                reason: "Lambda writes logs".into(),
            }],
        )]);
        check(
            calls,
            &principals,
            &roles,
            &Place::new("aws", "us-east-1", "123456789012"),
            &justified,
        )
    }

    #[test]
    fn an_allowed_call_uses_its_grant() {
        let report = run(
            role(json!([
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan"],
                 "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t"},
                {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
            ])),
            &[get_item(), get_item()],
        );
        assert!(report.passed(), "{report:?}");
        assert_eq!(
            report.summary(),
            "access: 2 calls by 1 principals checked, 0 denied, 2 unused grants (1 without a reason)"
        );
        assert_eq!(report.unused[0].action, "dynamodb:Scan");
        assert_eq!(report.unused[0].reason, None);
        assert_eq!(
            report.unused[1].reason.as_deref(),
            Some("Lambda writes logs")
        );
    }

    #[test]
    fn a_missing_grant_is_one_readable_line() {
        let report = run(
            role(json!([{"Effect": "Allow", "Action": "dynamodb:UpdateItem",
                         "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t"}])),
            &[get_item(), get_item()],
        );
        assert!(!report.passed());
        assert_eq!(
            report.denied[0].to_string(),
            "denied: fn (FnRole) DynamoDB GetItem needs dynamodb:GetItem on arn:aws:dynamodb:us-east-1:123456789012:table/t (2 calls); no statement of FnRole allows it; this statement would: {\"Action\":\"dynamodb:GetItem\",\"Effect\":\"Allow\",\"Resource\":\"arn:aws:dynamodb:us-east-1:123456789012:table/t\"}"
        );
        assert!(
            report.summary().contains(", 2 denied,"),
            "{}",
            report.summary()
        );
    }

    #[test]
    fn an_unknown_principal_is_not_checkable() {
        let mut call = get_item();
        call.principal = "stranger".into();
        let report = run(role(json!([])), &[call]);
        assert!(!report.passed());
        assert_eq!(
            report.errors,
            ["stranger called DynamoDB GetItem, but no role is known for it"]
        );
    }

    #[test]
    fn service_use_follows_the_template() {
        let template = json!({"Resources": {
            "Q": {"Type": "AWS::SQS::Queue"},
            "T": {"Type": "AWS::DynamoDB::Table"},
            "F": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["FRole", "Arn"]}}},
            "G": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["GRole", "Arn"]}}},
            "FSource": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "FunctionName": {"Ref": "F"}, "EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}}},
            "GSource": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "FunctionName": {"Ref": "G"}, "EventSourceArn": {"Fn::GetAtt": ["T", "StreamArn"]}}}
        }});
        let uses = service_use(&template);
        let actions =
            |role: &str| -> Vec<String> { uses[role].iter().map(|j| j.action.clone()).collect() };
        assert!(actions("FRole").contains(&"sqs:ReceiveMessage".to_owned()));
        assert!(!actions("FRole").contains(&"dynamodb:GetRecords".to_owned()));
        assert!(actions("GRole").contains(&"dynamodb:GetRecords".to_owned()));
        assert!(actions("GRole").contains(&"logs:PutLogEvents".to_owned()));
    }
}
