//! The changes a security review looks at, as `cdk diff`'s security table
//! shows them: each permission-bearing fact of a template (an IAM or
//! resource-policy statement, a trust policy's statement, a managed policy
//! or permissions boundary on a role, an invoke permission, a bucket's
//! public access settings or ACL, a security group rule, a route or
//! function URL without authorization) compared between two templates;
//! what only the new one has is added, what only the old one has removed.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::Json;

/// Added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sign {
    /// Only in the new template.
    Added,
    /// Only in the old one.
    Removed,
}

/// One permission-bearing fact that only one of the templates has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecurityChange {
    /// Added or removed.
    pub sign: Sign,
    /// The logical ID of the resource that holds it.
    pub resource: String,
    /// What it is (`IAM statement`, `trust policy`, `ingress rule`, ...).
    pub what: &'static str,
    /// `Allow` or `Deny` (empty where it does not apply).
    pub effect: String,
    /// The actions (or the rule's protocol and ports, the route's key).
    pub actions: String,
    /// Who: the principal, the roles a policy is attached to, the source.
    pub principal: String,
    /// On what: the resources, the policy's ARN, the settings.
    pub target: String,
    /// The statement's condition.
    pub condition: String,
}

/// A fact without its sign.
type Fact = (String, &'static str, String, String, String, String, String);

/// Intrinsics as a reader takes them in: `${Visits.Arn}`, `${Role}`.
fn text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Json::Object(map) if map.len() == 1 => {
            let (key, arg) = map
                .iter()
                .next()
                .map(|(k, v)| (k.as_str(), v))
                .unwrap_or(("", value));
            match (key, arg) {
                ("Ref", Json::String(name)) => format!("${{{name}}}"),
                ("Fn::GetAtt", Json::Array(parts)) => format!(
                    "${{{}}}",
                    parts.iter().map(text).collect::<Vec<_>>().join(".")
                ),
                ("Fn::GetAtt", Json::String(path)) => format!("${{{path}}}"),
                ("Fn::Sub", Json::String(s)) => s.clone(),
                ("Fn::Sub", Json::Array(parts)) => parts.first().map(text).unwrap_or_default(),
                ("Fn::Join", Json::Array(parts)) if parts.len() == 2 => {
                    let sep = parts[0].as_str().unwrap_or("");
                    parts[1]
                        .as_array()
                        .map(|p| p.iter().map(text).collect::<Vec<_>>().join(sep))
                        .unwrap_or_else(|| text(&parts[1]))
                }
                _ => serde_json::to_string(value).unwrap_or_default(),
            }
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn statements(document: &Json) -> Vec<&Json> {
    match &document["Statement"] {
        Json::Array(items) => items.iter().collect(),
        Json::Object(_) => vec![&document["Statement"]],
        _ => Vec::new(),
    }
}

/// `Action`, or `NotAction` marked as such.
fn either(statement: &Json, key: &str) -> String {
    match (statement.get(key), statement.get(format!("Not{key}"))) {
        (Some(v), _) => text(v),
        (None, Some(v)) => format!("not {}", text(v)),
        (None, None) => String::new(),
    }
}

fn policy_facts(
    out: &mut BTreeSet<Fact>,
    id: &str,
    what: &'static str,
    document: &Json,
    who: &str,
) {
    for s in statements(document) {
        let principal = match either(s, "Principal") {
            p if p.is_empty() => who.to_owned(),
            p => p,
        };
        out.insert((
            id.to_owned(),
            what,
            text(&s["Effect"]),
            either(s, "Action"),
            principal,
            either(s, "Resource"),
            s.get("Condition").map(text).unwrap_or_default(),
        ));
    }
}

fn simple(
    out: &mut BTreeSet<Fact>,
    id: &str,
    what: &'static str,
    actions: String,
    principal: String,
    target: String,
) {
    out.insert((
        id.to_owned(),
        what,
        String::new(),
        actions,
        principal,
        target,
        String::new(),
    ));
}

fn rule(out: &mut BTreeSet<Fact>, id: &str, what: &'static str, r: &Json) {
    let ports = match (r.get("FromPort"), r.get("ToPort")) {
        (Some(a), Some(b)) if a == b => format!(" {}", text(a)),
        (Some(a), Some(b)) => format!(" {}-{}", text(a), text(b)),
        _ => String::new(),
    };
    let source = [
        "CidrIp",
        "CidrIpv6",
        "SourceSecurityGroupId",
        "DestinationSecurityGroupId",
        "SourcePrefixListId",
        "DestinationPrefixListId",
    ]
    .iter()
    .filter_map(|k| r.get(*k).map(text))
    .collect::<Vec<_>>()
    .join(", ");
    simple(
        out,
        id,
        what,
        format!("{}{ports}", text(&r["IpProtocol"])),
        source,
        text(r.get("GroupId").unwrap_or(&Json::Null)),
    );
}

/// Every permission-bearing fact of `template`.
fn facts(template: &Json) -> BTreeSet<Fact> {
    let mut out = BTreeSet::new();
    let Some(resources) = template.get("Resources").and_then(Json::as_object) else {
        return out;
    };
    for (id, resource) in resources {
        let p = &resource["Properties"];
        let attached = |keys: &[&str]| {
            keys.iter()
                .filter_map(|k| p.get(*k))
                .map(text)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("; ")
        };
        match resource["Type"].as_str().unwrap_or("") {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                let me = format!("${{{id}}}");
                if let Some(trust) = p.get("AssumeRolePolicyDocument") {
                    policy_facts(&mut out, id, "trust policy", trust, "");
                }
                for policy in p["Policies"].as_array().into_iter().flatten() {
                    policy_facts(
                        &mut out,
                        id,
                        "IAM statement",
                        &policy["PolicyDocument"],
                        &me,
                    );
                }
                for arn in p["ManagedPolicyArns"].as_array().into_iter().flatten() {
                    simple(
                        &mut out,
                        id,
                        "managed policy",
                        String::new(),
                        me.clone(),
                        text(arn),
                    );
                }
                if let Some(boundary) = p.get("PermissionsBoundary") {
                    simple(
                        &mut out,
                        id,
                        "permissions boundary",
                        String::new(),
                        me.clone(),
                        text(boundary),
                    );
                }
            }
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy" => {
                let who = attached(&[
                    "Roles",
                    "RoleName",
                    "Users",
                    "UserName",
                    "Groups",
                    "GroupName",
                ]);
                policy_facts(&mut out, id, "IAM statement", &p["PolicyDocument"], &who);
            }
            "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" | "AWS::S3::BucketPolicy" => {
                policy_facts(&mut out, id, "resource policy", &p["PolicyDocument"], "");
            }
            "AWS::KMS::Key" => policy_facts(&mut out, id, "key policy", &p["KeyPolicy"], ""),
            "AWS::Lambda::Permission" => {
                let condition = attached(&["SourceArn", "SourceAccount", "PrincipalOrgID"]);
                out.insert((
                    id.clone(),
                    "invoke permission",
                    "Allow".into(),
                    text(&p["Action"]),
                    text(&p["Principal"]),
                    text(&p["FunctionName"]),
                    condition,
                ));
            }
            "AWS::Lambda::Url" => simple(
                &mut out,
                id,
                "function URL",
                String::new(),
                format!("auth {}", text(&p["AuthType"])),
                text(&p["TargetFunctionArn"]),
            ),
            "AWS::S3::Bucket" => {
                if let Some(block) = p.get("PublicAccessBlockConfiguration") {
                    simple(
                        &mut out,
                        id,
                        "public access block",
                        String::new(),
                        String::new(),
                        serde_json::to_string(block).unwrap_or_default(),
                    );
                }
                if let Some(acl) = p.get("AccessControl") {
                    simple(
                        &mut out,
                        id,
                        "bucket ACL",
                        String::new(),
                        String::new(),
                        text(acl),
                    );
                }
            }
            "AWS::EC2::SecurityGroup" => {
                for r in p["SecurityGroupIngress"].as_array().into_iter().flatten() {
                    rule(&mut out, id, "ingress rule", r);
                }
                for r in p["SecurityGroupEgress"].as_array().into_iter().flatten() {
                    rule(&mut out, id, "egress rule", r);
                }
            }
            "AWS::EC2::SecurityGroupIngress" => rule(&mut out, id, "ingress rule", p),
            "AWS::EC2::SecurityGroupEgress" => rule(&mut out, id, "egress rule", p),
            "AWS::ApiGatewayV2::Route" => {
                // AuthorizationType defaults to NONE: anyone may call the route.
                // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-route.html
                let auth = p
                    .get("AuthorizationType")
                    .map(text)
                    .unwrap_or_else(|| "NONE".into());
                simple(
                    &mut out,
                    id,
                    "route authorization",
                    text(&p["RouteKey"]),
                    auth,
                    text(&p["ApiId"]),
                );
            }
            "AWS::ApiGateway::Method" => simple(
                &mut out,
                id,
                "method authorization",
                text(&p["HttpMethod"]),
                text(&p["AuthorizationType"]),
                text(&p["ResourceId"]),
            ),
            _ => {}
        }
    }
    out
}

/// What only `new` has (added) and what only `old` has (removed).
pub fn changes(old: &Json, new: &Json) -> Vec<SecurityChange> {
    let (before, after) = (facts(old), facts(new));
    let signed = |sign: Sign, set: &BTreeSet<Fact>, other: &BTreeSet<Fact>| {
        set.difference(other)
            .map(
                |(resource, what, effect, actions, principal, target, condition)| SecurityChange {
                    sign,
                    resource: resource.clone(),
                    what,
                    effect: effect.clone(),
                    actions: actions.clone(),
                    principal: principal.clone(),
                    target: target.clone(),
                    condition: condition.clone(),
                },
            )
            .collect::<Vec<_>>()
    };
    let mut all = signed(Sign::Added, &after, &before);
    all.extend(signed(Sign::Removed, &before, &after));
    all.sort_by(|a, b| (&a.resource, a.what, a.sign).cmp(&(&b.resource, b.what, b.sign)));
    all
}

impl SecurityChange {
    /// As one JSON object.
    pub fn to_json(&self) -> Json {
        serde_json::json!({
            "change": match self.sign { Sign::Added => "added", Sign::Removed => "removed" },
            "resource": self.resource, "what": self.what, "effect": self.effect,
            "actions": self.actions, "principal": self.principal,
            "target": self.target, "condition": self.condition,
        })
    }
}

/// The changes as an aligned table.
pub fn table(changes: &[SecurityChange]) -> String {
    let header = [
        "",
        "resource",
        "what",
        "effect",
        "actions",
        "principal",
        "on",
        "condition",
    ]
    .map(str::to_owned);
    let rows: Vec<[String; 8]> = std::iter::once(header)
        .chain(changes.iter().map(|c| {
            [
                match c.sign {
                    Sign::Added => "+",
                    Sign::Removed => "-",
                }
                .to_owned(),
                c.resource.clone(),
                c.what.to_owned(),
                c.effect.clone(),
                c.actions.clone(),
                c.principal.clone(),
                c.target.clone(),
                c.condition.clone(),
            ]
        }))
        .collect();
    let widths: Vec<usize> = (0..8)
        .map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths.iter().copied())
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}
