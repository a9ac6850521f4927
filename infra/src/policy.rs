//! IAM policy documents as typed builders.
//!
//! ```
//! use infra::policy::{PolicyDocument, Principal, Statement};
//! let trust = PolicyDocument::new().statement(
//!     Statement::allow()
//!         .action("sts:AssumeRole")
//!         .principal(Principal::service("lambda.amazonaws.com")),
//! );
//! assert!(trust.wildcard_actions().is_empty());
//! ```

use std::collections::BTreeMap;

use serde_json::json;

use crate::json::{Json, JsonMap, ToJson};
use crate::value::Value;

/// The policy language version every document declares.
pub const POLICY_VERSION: &str = "2012-10-17";

/// A policy document: a list of statements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document with no statements.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a statement.
    pub fn statement(mut self, statement: Statement) -> Self {
        self.statements.push(statement);
        self
    }

    /// Adds a statement to a document held by reference.
    pub fn push(&mut self, statement: Statement) {
        self.statements.push(statement);
    }

    /// Adds a statement, folded into an earlier one that differs only in its
    /// resources (see [`Statement::try_merge`]).
    pub fn merge(&mut self, statement: Statement) {
        if !self.statements.iter_mut().any(|s| s.try_merge(&statement)) {
            self.statements.push(statement);
        }
    }

    /// The statements.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Whether the document has no statements.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The actions with a wildcard (`*`, `s3:*`, `s3:Get*`) that an `Allow`
    /// statement grants: what a least-privilege review flags.
    pub fn wildcard_actions(&self) -> Vec<String> {
        self.statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .flat_map(|s| s.actions.iter().chain(&s.not_actions))
            .filter(|a| a.contains('*'))
            .cloned()
            .collect()
    }
}

impl ToJson for PolicyDocument {
    fn to_json(&self) -> Json {
        json!({
            "Version": POLICY_VERSION,
            "Statement": self.statements.iter().map(ToJson::to_json).collect::<Vec<_>>(),
        })
    }
}

impl From<PolicyDocument> for Value<Json> {
    fn from(document: PolicyDocument) -> Self {
        Value::Lit(document.to_json())
    }
}

/// Whether a statement allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Allow.
    Allow,
    /// Deny.
    Deny,
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    actions: Vec<String>,
    not_actions: Vec<String>,
    resources: Vec<Value<String>>,
    not_resources: Vec<Value<String>>,
    principal: Option<Principal>,
    not_principal: Option<Principal>,
    conditions: BTreeMap<String, BTreeMap<String, Vec<Value<String>>>>,
}

impl Statement {
    fn new(effect: Effect) -> Self {
        Statement {
            sid: None,
            effect,
            actions: Vec::new(),
            not_actions: Vec::new(),
            resources: Vec::new(),
            not_resources: Vec::new(),
            principal: None,
            not_principal: None,
            conditions: BTreeMap::new(),
        }
    }

    /// An `Allow` statement.
    pub fn allow() -> Self {
        Self::new(Effect::Allow)
    }

    /// A `Deny` statement.
    pub fn deny() -> Self {
        Self::new(Effect::Deny)
    }

    /// `Sid`.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Adds one action, such as `dynamodb:GetItem`.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.actions.push(action.into());
        self
    }

    /// Adds actions.
    pub fn actions<S: Into<String>>(mut self, actions: impl IntoIterator<Item = S>) -> Self {
        self.actions.extend(actions.into_iter().map(Into::into));
        self
    }

    /// Adds `NotAction` entries.
    pub fn not_actions<S: Into<String>>(mut self, actions: impl IntoIterator<Item = S>) -> Self {
        self.not_actions.extend(actions.into_iter().map(Into::into));
        self
    }

    /// Adds one resource ARN (a literal or an intrinsic).
    pub fn resource(mut self, arn: impl Into<Value<String>>) -> Self {
        self.resources.push(arn.into());
        self
    }

    /// Adds resource ARNs.
    pub fn resources<V: Into<Value<String>>>(mut self, arns: impl IntoIterator<Item = V>) -> Self {
        self.resources.extend(arns.into_iter().map(Into::into));
        self
    }

    /// Adds `NotResource` ARNs.
    pub fn not_resources<V: Into<Value<String>>>(
        mut self,
        arns: impl IntoIterator<Item = V>,
    ) -> Self {
        self.not_resources.extend(arns.into_iter().map(Into::into));
        self
    }

    /// `Principal` (resource policies and trust policies).
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// `NotPrincipal`.
    pub fn not_principal(mut self, principal: Principal) -> Self {
        self.not_principal = Some(principal);
        self
    }

    /// Adds a condition: `operator` (`StringEquals`, `ArnLike`, `Bool`, ...),
    /// a condition `key` (`aws:SourceArn`), and the values it may take.
    pub fn condition<V: Into<Value<String>>>(
        mut self,
        operator: &str,
        key: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.conditions
            .entry(operator.to_owned())
            .or_default()
            .entry(key.to_owned())
            .or_default()
            .extend(values.into_iter().map(Into::into));
        self
    }

    /// Folds `other` into this statement when the two differ only in their
    /// resources (same effect, actions, principals and conditions): one
    /// statement with both resource lists. Returns whether it did.
    pub fn try_merge(&mut self, other: &Statement) -> bool {
        let same = self.effect == other.effect
            && self.sid == other.sid
            && self.actions == other.actions
            && self.not_actions == other.not_actions
            && self.not_resources.is_empty()
            && other.not_resources.is_empty()
            && self.principal == other.principal
            && self.not_principal == other.not_principal
            && self.conditions == other.conditions;
        if same {
            for r in &other.resources {
                if !self.resources.contains(r) {
                    self.resources.push(r.clone());
                }
            }
        }
        same
    }

    /// The effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The actions.
    pub fn action_list(&self) -> &[String] {
        &self.actions
    }

    /// The resources.
    pub fn resource_list(&self) -> &[Value<String>] {
        &self.resources
    }
}

/// One value, or a list when there are several: IAM's usual shorthand.
fn one_or_many(items: Vec<Json>) -> Json {
    if items.len() == 1 {
        items.into_iter().next().unwrap_or(Json::Null)
    } else {
        Json::Array(items)
    }
}

impl ToJson for Statement {
    fn to_json(&self) -> Json {
        let mut out = JsonMap::new();
        if let Some(sid) = &self.sid {
            out.insert("Sid".into(), json!(sid));
        }
        out.insert(
            "Effect".into(),
            json!(match self.effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            }),
        );
        let strings = |v: &[String]| one_or_many(v.iter().map(|s| json!(s)).collect());
        let values = |v: &[Value<String>]| one_or_many(v.iter().map(ToJson::to_json).collect());
        if !self.actions.is_empty() {
            out.insert("Action".into(), strings(&self.actions));
        }
        if !self.not_actions.is_empty() {
            out.insert("NotAction".into(), strings(&self.not_actions));
        }
        if !self.resources.is_empty() {
            out.insert("Resource".into(), values(&self.resources));
        }
        if !self.not_resources.is_empty() {
            out.insert("NotResource".into(), values(&self.not_resources));
        }
        if let Some(p) = &self.principal {
            out.insert("Principal".into(), p.to_json());
        }
        if let Some(p) = &self.not_principal {
            out.insert("NotPrincipal".into(), p.to_json());
        }
        if !self.conditions.is_empty() {
            let conditions: JsonMap = self
                .conditions
                .iter()
                .map(|(op, keys)| {
                    let keys: JsonMap = keys.iter().map(|(k, v)| (k.clone(), values(v))).collect();
                    (op.clone(), Json::Object(keys))
                })
                .collect();
            out.insert("Condition".into(), Json::Object(conditions));
        }
        Json::Object(out)
    }
}

/// Who a resource or trust policy statement applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// Everyone (`"*"`): only ever with conditions that narrow it.
    Anyone,
    /// AWS services, such as `lambda.amazonaws.com`.
    Service(Vec<Value<String>>),
    /// AWS accounts, users or roles, by ARN or account ID.
    Aws(Vec<Value<String>>),
    /// A federated identity provider (an OIDC provider's ARN).
    Federated(Vec<Value<String>>),
}

impl Principal {
    /// One AWS service.
    pub fn service(name: impl Into<Value<String>>) -> Self {
        Principal::Service(vec![name.into()])
    }

    /// One AWS account, user or role.
    pub fn aws(arn: impl Into<Value<String>>) -> Self {
        Principal::Aws(vec![arn.into()])
    }

    /// One federated identity provider.
    pub fn federated(arn: impl Into<Value<String>>) -> Self {
        Principal::Federated(vec![arn.into()])
    }
}

impl ToJson for Principal {
    fn to_json(&self) -> Json {
        let (key, values) = match self {
            Principal::Anyone => return json!("*"),
            Principal::Service(v) => ("Service", v),
            Principal::Aws(v) => ("AWS", v),
            Principal::Federated(v) => ("Federated", v),
        };
        json!({ key: one_or_many(values.iter().map(ToJson::to_json).collect()) })
    }
}
