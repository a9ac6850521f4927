//! An evaluator for AWS IAM **identity-based policies**, optionally limited by
//! a **permissions boundary**, against one request (action, resource and
//! request-context keys).
//!
//! It follows AWS's documented evaluation logic
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>):
//! an explicit `Deny` in any policy wins; otherwise the request is allowed
//! only when an identity policy allows it and, when a boundary is given, the
//! boundary allows it too (the permissions are the intersection of the two).
//! Resource-based policies, role trust policies as a policy type, AWS
//! Organizations SCPs and RCPs, session policies and cross-account logic are
//! **out of scope**: their combination rules are not modelled.
//!
//! # Why not an existing crate
//!
//! A maintained crate was looked for first.
//! - `iam-rs` (0.8) was considered and not used: its README says it is
//!   unverified and may break between versions; it requires a principal in
//!   every request; it reports the deciding statement only by `Sid` (our
//!   statements have none); and it has no permissions-boundary intersection.
//! - `aws-iam` (0.2) is a policy document model whose evaluator is old and
//!   unmaintained.
//!
//! # What is modelled
//!
//! - `Action`/`NotAction`: case-insensitive globs (`*` any run of characters,
//!   `?` exactly one). `Resource`/`NotResource`: case-sensitive globs; a
//!   `Resource` of `*` matches everything, including a request for `*`.
//! - Condition operators: [`SUPPORTED_OPERATORS`], each also with the
//!   `...IfExists` suffix (except `Null`) and the `ForAnyValue:` /
//!   `ForAllValues:` qualifiers (except `Null`).
//! - Values of one condition key are ORed (for a negated operator, the
//!   condition holds when the request value matches *none* of them); keys of
//!   one operator, and operators of one `Condition` block, are ANDed
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>).
//!
//! # What is refused rather than guessed
//!
//! - An AWS operator that is not modelled (`Numeric*`, `Date*`, `IpAddress`,
//!   `NotIpAddress`, `BinaryEquals`, `ForAnyValue:Null`, ...) makes
//!   [`evaluate`] return [`PolicyError::UnsupportedOperator`] for any request
//!   whose action and resource the statement covers, so the statement is never
//!   silently treated as matching or not matching. A statement that does not
//!   cover the request cannot affect the decision, so it does not stop other
//!   requests from being evaluated. A name that is not an AWS condition
//!   operator at all (a typo) is rejected by [`Policy::parse`].
//! - Policy variables (`${aws:username}`, ...) in `Resource`, `NotResource` or
//!   condition values are not substituted: [`Policy::parse`] rejects them.
//!
//! # Choices where AWS's documentation is silent or says "don't"
//!
//! - A single-valued operator (no `ForAnyValue:`/`ForAllValues:`) applied to a
//!   request key with several values: AWS says multivalued keys need a set
//!   operator and does not define the result
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>).
//!   Here a positive operator holds when *any* request value matches any
//!   policy value, and a negated operator is its exact complement (it holds
//!   when *no* request value matches), so `X` and `NotX` never both hold.
//! - A key present with zero values ([`Context::with_values`] with an empty
//!   list) is AWS's "empty data set": it counts as absent for every operator
//!   (`ForAllValues:` is then true, `ForAnyValue:` false, `Null: true` holds).
//! - A statement with neither `Resource` nor `NotResource` is malformed,
//!   unless it names a `Principal`/`NotPrincipal` (the shape of a role trust
//!   policy, whose resource is the role itself): then it covers every
//!   resource, so trust-policy conditions can be checked too.
//! - Statement keys other than the documented ones (a typo such as `Actions`)
//!   and operator names in the wrong case are rejected, not ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// The condition operators modelled (base names). Each also works with the
/// `IfExists` suffix (except `Null`) and with the `ForAnyValue:` /
/// `ForAllValues:` qualifiers (except `Null`).
pub const SUPPORTED_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
    "Bool",
    "Null",
];

/// AWS condition operators (base names) that exist but are not modelled: a
/// statement using one of them yields [`PolicyError::UnsupportedOperator`]
/// when it covers the request. Source: the condition operator reference,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>.
const UNMODELLED_OPERATORS: &[&str] = &[
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
];

/// The elements a statement may have. Anything else is rejected.
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Why a policy could not be parsed or a request could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The document is malformed, or uses something this evaluator refuses
    /// to guess at (policy variables).
    #[error("policy {policy}{}: {problem}", at_statement(.statement))]
    Invalid {
        /// The policy's name, as given to [`Policy::parse`].
        policy: String,
        /// The statement's 0-based position, when the problem is in one.
        statement: Option<usize>,
        /// What is wrong.
        problem: String,
    },
    /// A statement covering the request uses a condition operator this
    /// evaluator does not model; it is never silently allowed or ignored.
    #[error(
        "policy {policy} statement {statement}: condition operator {operator} is not modelled by this evaluator"
    )]
    UnsupportedOperator {
        /// The policy's name.
        policy: String,
        /// The statement's 0-based position.
        statement: usize,
        /// The operator as written, e.g. `NumericLessThanEquals`.
        operator: String,
    },
}

fn at_statement(statement: &Option<usize>) -> String {
    statement.map_or_else(String::new, |index| format!(" statement {index}"))
}

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// A parsed policy document, named (e.g. `"ProcessorRole/ProcessorLeastPrivilege"`).
#[derive(Debug, Clone)]
pub struct Policy {
    name: String,
    statements: Vec<Statement>,
}

impl Policy {
    /// Parses a JSON policy document (`{"Version": ..., "Statement": object-or-array}`).
    ///
    /// `Action`/`NotAction` and `Resource`/`NotResource` may be a string or
    /// an array of strings. `Principal`/`NotPrincipal` are accepted and
    /// ignored (identity policies have no principal to match). Condition
    /// values may be strings, booleans, numbers, or arrays of those; all are
    /// compared as strings.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Invalid`] naming the policy, the statement (0-based)
    /// and the problem: not an object, unknown element, `Effect` missing or
    /// not `Allow`/`Deny`, neither or both of `Action`/`NotAction`, no
    /// `Resource`/`NotResource`, a malformed `Condition`, a name that is not
    /// an AWS condition operator, `NullIfExists`, or a policy variable (`${`).
    pub fn parse(name: impl Into<String>, document: &Value) -> Result<Policy, PolicyError> {
        let name = name.into();
        let document_error = |problem: String| PolicyError::Invalid {
            policy: name.clone(),
            statement: None,
            problem,
        };
        let Some(object) = document.as_object() else {
            return Err(document_error(
                "the policy document is not a JSON object".into(),
            ));
        };
        for key in object.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(document_error(format!(
                    "unknown top-level element {key:?} (expected Version, Id, Statement)"
                )));
            }
        }
        match object.get("Version") {
            None => {}
            Some(Value::String(version)) if version == "2012-10-17" || version == "2008-10-17" => {}
            Some(other) => {
                return Err(document_error(format!(
                    "Version must be \"2012-10-17\" or \"2008-10-17\", found {other}"
                )))
            }
        }
        let raw_statements: Vec<&Value> = match object.get("Statement") {
            None => return Err(document_error("the document has no Statement".into())),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            Some(other) => {
                return Err(document_error(format!(
                    "Statement must be an object or an array of objects, found {other}"
                )))
            }
        };
        let statements = raw_statements
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                parse_statement(index, raw).map_err(|problem| PolicyError::Invalid {
                    policy: name.clone(),
                    statement: Some(index),
                    problem,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy { name, statements })
    }

    /// The name given to [`Policy::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

/// One statement of a [`Policy`].
#[derive(Debug, Clone)]
pub struct Statement {
    /// The statement's `Sid`, if it has one.
    pub sid: Option<String>,
    /// The statement's `Effect`.
    pub effect: Effect,
    /// 0-based position in the document's `Statement` array (a lone
    /// statement object is 0).
    pub index: usize,
    actions: Patterns,
    /// `None`: no `Resource`/`NotResource` (trust-policy shape), covers all.
    resources: Option<Patterns>,
    conditions: Vec<Condition>,
    json: Value,
}

impl Statement {
    /// The statement's JSON as written (for messages).
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The actions an `Action` element lists, as written (none for a
    /// `NotAction` statement): what a statement grants by name.
    pub fn actions(&self) -> &[String] {
        if self.actions.negated {
            &[]
        } else {
            &self.actions.patterns
        }
    }

    /// Whether its `Action` (or `NotAction`) covers `action`: case-insensitive
    /// globs, `*` and `?`. A `NotAction` statement covers every action that
    /// none of its patterns match
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html>).
    pub fn matches_action(&self, action: &str) -> bool {
        let listed = self
            .actions
            .patterns
            .iter()
            .any(|pattern| action_matches(pattern, action));
        listed != self.actions.negated
    }

    /// Whether its `Resource` (or `NotResource`) covers `resource`:
    /// case-sensitive globs, `*` and `?`. A statement without either element
    /// (trust-policy shape) covers every resource.
    pub fn matches_resource(&self, resource: &str) -> bool {
        match &self.resources {
            None => true,
            Some(resources) => {
                let listed = resources
                    .patterns
                    .iter()
                    .any(|pattern| glob_match(pattern, resource));
                listed != resources.negated
            }
        }
    }

    /// Whether the statement applies to the request: action, resource and
    /// every condition.
    fn applies(&self, policy: &str, request: &Request<'_>) -> Result<bool, PolicyError> {
        if !self.matches_action(request.action) || !self.matches_resource(request.resource) {
            return Ok(false);
        }
        // Checked before any condition is evaluated, so the error does not
        // depend on the order of the operators in the block.
        if let Some(condition) = self
            .conditions
            .iter()
            .find(|condition| condition.operator.is_none())
        {
            return Err(PolicyError::UnsupportedOperator {
                policy: policy.to_string(),
                statement: self.index,
                operator: condition.name.clone(),
            });
        }
        Ok(self
            .conditions
            .iter()
            .all(|condition| condition.holds(request.context)))
    }
}

#[derive(Debug, Clone)]
struct Patterns {
    /// `NotAction` / `NotResource`.
    negated: bool,
    patterns: Vec<String>,
}

/// One operator of a `Condition` block with its keys.
#[derive(Debug, Clone)]
struct Condition {
    /// The operator as written.
    name: String,
    /// `None`: an AWS operator that is not modelled.
    operator: Option<Operator>,
    /// Lowercased key and the policy's values for it.
    keys: Vec<(String, Vec<String>)>,
}

impl Condition {
    fn holds(&self, context: &Context) -> bool {
        let Some(operator) = self.operator else {
            // Never reached: `Statement::applies` reports these first.
            return false;
        };
        self.keys
            .iter()
            .all(|(key, values)| operator.holds(values, context.get(key)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    /// `ArnLike` and `ArnEquals`, which AWS documents as behaving identically.
    ArnLike,
    /// `ArnNotLike` and `ArnNotEquals`.
    ArnNotLike,
    Bool,
    Null,
}

impl Base {
    fn from_name(name: &str) -> Option<Base> {
        Some(match name {
            "StringEquals" => Base::StringEquals,
            "StringNotEquals" => Base::StringNotEquals,
            "StringEqualsIgnoreCase" => Base::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Base::StringNotEqualsIgnoreCase,
            "StringLike" => Base::StringLike,
            "StringNotLike" => Base::StringNotLike,
            "ArnEquals" | "ArnLike" => Base::ArnLike,
            "ArnNotEquals" | "ArnNotLike" => Base::ArnNotLike,
            "Bool" => Base::Bool,
            "Null" => Base::Null,
            _ => return None,
        })
    }

    fn negated(self) -> bool {
        matches!(
            self,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::ArnNotLike
        )
    }

    /// The positive comparison of one request value with one policy value
    /// (negated operators use the same comparison and invert the outcome).
    fn compare(self, request: &str, policy: &str) -> bool {
        match self {
            Base::StringEquals | Base::StringNotEquals => request == policy,
            Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
                request.to_lowercase() == policy.to_lowercase()
            }
            Base::StringLike | Base::StringNotLike => glob_match(policy, request),
            Base::ArnLike | Base::ArnNotLike => arn_like(policy, request),
            Base::Bool => request.eq_ignore_ascii_case(policy),
            // Null is decided on presence alone, in `Operator::holds`.
            Base::Null => false,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Operator {
    base: Base,
    if_exists: bool,
    set: Option<SetQualifier>,
}

impl Operator {
    /// Whether one key's condition holds: `policy` are the policy's values
    /// (ORed), `request` the request's values for the key.
    fn holds(self, policy: &[String], request: Option<&[String]>) -> bool {
        // A key with no values is AWS's "empty data set": treated as absent.
        let request = request.filter(|values| !values.is_empty());
        if self.base == Base::Null {
            // "true (the key doesn't exist — it is null) or false (the key
            // exists and its value is not null)":
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
            let absent = request.is_none();
            return policy
                .iter()
                .any(|value| value.eq_ignore_ascii_case("true") == absent);
        }
        let negated = self.base.negated();
        let Some(values) = request else {
            // "If the key that you specify in a policy condition is not
            // present in the request context, the values do not match and
            // the condition is false. If the policy condition requires that
            // the key is not matched, such as StringNotLike or ArnNotLike,
            // and the right key is not present, the condition is true. This
            // logic applies to all condition operators except ...IfExists
            // and Null check."
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
            //
            // ...IfExists: "If the key is not present, evaluate the condition
            // element as true." (same page, #Conditions_IfExists)
            //
            // Set operators: ForAllValues "also returns true if there are no
            // context keys in the request, or if the context key value
            // resolves to a null dataset"; ForAnyValue returns false then:
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
            // (AWS warns that ForAllValues with Allow is therefore
            // permissive when the key is missing; pair it with Null: false.)
            if self.if_exists {
                return true;
            }
            return match self.set {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => negated,
            };
        };
        // Does one request value match at least one policy value?
        let matches_policy = |value: &String| {
            policy
                .iter()
                .any(|candidate| self.base.compare(value, candidate))
        };
        // Per request value: a positive operator needs a match, a negated
        // one needs no match with any policy value (values of a negated
        // operator are effectively ANDed).
        let satisfies = |value: &String| matches_policy(value) != negated;
        match self.set {
            // "ForAnyValue – ... true if any one of the key values in the
            // request matches any one of the condition values in the policy";
            // "ForAllValues – ... true if there's a match between every one
            // of the specified key values in the request and at least one
            // value in the policy":
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
            Some(SetQualifier::ForAnyValue) => values.iter().any(satisfies),
            Some(SetQualifier::ForAllValues) => values.iter().all(satisfies),
            // Single-valued operator (see the module docs for several request
            // values): positive = any request value matches; negated = the
            // complement, no request value matches.
            None => values.iter().any(matches_policy) != negated,
        }
    }
}

/// Parses an operator name. `Ok(None)`: an AWS operator this evaluator does
/// not model. `Err`: not an AWS operator, or a form AWS rejects.
fn parse_operator(name: &str) -> Result<Option<Operator>, String> {
    let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), rest)
    } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
        (Some(SetQualifier::ForAllValues), rest)
    } else {
        (None, name)
    };
    let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
        Some(base_name) => (true, base_name),
        None => (false, rest),
    };
    if let Some(base) = Base::from_name(base_name) {
        if base == Base::Null {
            if if_exists {
                // "You can add IfExists to the end of any condition operator
                // name except the Null condition":
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
                return Err(format!(
                    "condition operator {name}: IfExists cannot be added to Null"
                ));
            }
            if set.is_some() {
                return Ok(None);
            }
        }
        return Ok(Some(Operator {
            base,
            if_exists,
            set,
        }));
    }
    if UNMODELLED_OPERATORS.contains(&base_name) {
        return Ok(None);
    }
    Err(format!(
        "{name:?} is not an AWS condition operator (operator names are case-sensitive here)"
    ))
}

fn parse_statement(index: usize, raw: &Value) -> Result<Statement, String> {
    let Some(object) = raw.as_object() else {
        return Err(format!("the statement is not a JSON object: {raw}"));
    };
    for key in object.keys() {
        if !STATEMENT_KEYS.contains(&key.as_str()) {
            return Err(format!(
                "unknown element {key:?} (expected one of {})",
                STATEMENT_KEYS.join(", ")
            ));
        }
    }
    let sid = match object.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(other) => return Err(format!("Sid must be a string, found {other}")),
    };
    let effect = match object.get("Effect") {
        None => return Err("the statement has no Effect".into()),
        Some(Value::String(effect)) if effect == "Allow" => Effect::Allow,
        Some(Value::String(effect)) if effect == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(format!(
                "Effect must be \"Allow\" or \"Deny\", found {other}"
            ))
        }
    };
    let actions = match (object.get("Action"), object.get("NotAction")) {
        (Some(actions), None) => Patterns {
            negated: false,
            patterns: string_list(actions, "Action")?,
        },
        (None, Some(actions)) => Patterns {
            negated: true,
            patterns: string_list(actions, "NotAction")?,
        },
        (None, None) => return Err("the statement has neither Action nor NotAction".into()),
        (Some(_), Some(_)) => return Err("the statement has both Action and NotAction".into()),
    };
    let resources = match (object.get("Resource"), object.get("NotResource")) {
        (Some(resources), None) => Some(Patterns {
            negated: false,
            patterns: no_variables(string_list(resources, "Resource")?, "Resource")?,
        }),
        (None, Some(resources)) => Some(Patterns {
            negated: true,
            patterns: no_variables(string_list(resources, "NotResource")?, "NotResource")?,
        }),
        (Some(_), Some(_)) => return Err("the statement has both Resource and NotResource".into()),
        (None, None) => {
            if object.contains_key("Principal") || object.contains_key("NotPrincipal") {
                None
            } else {
                return Err("the statement has neither Resource nor NotResource".into());
            }
        }
    };
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(block)) => parse_conditions(block)?,
        Some(other) => return Err(format!("Condition must be an object, found {other}")),
    };
    Ok(Statement {
        sid,
        effect,
        index,
        actions,
        resources,
        conditions,
        json: raw.clone(),
    })
}

fn parse_conditions(block: &Map<String, Value>) -> Result<Vec<Condition>, String> {
    let mut conditions = Vec::with_capacity(block.len());
    for (name, body) in block {
        let operator = parse_operator(name)?;
        let Some(body) = body.as_object() else {
            return Err(format!(
                "condition operator {name} must map keys to values, found {body}"
            ));
        };
        if body.is_empty() {
            return Err(format!("condition operator {name} has no keys"));
        }
        let mut keys = Vec::with_capacity(body.len());
        for (key, raw_values) in body {
            let values = condition_values(raw_values)
                .map_err(|problem| format!("condition {name} key {key}: {problem}"))?;
            let values = no_variables(values, &format!("condition {name} key {key}"))?;
            if let Some(Operator {
                base: Base::Bool | Base::Null,
                ..
            }) = operator
            {
                if let Some(bad) = values.iter().find(|value| {
                    !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false")
                }) {
                    return Err(format!(
                        "condition {name} key {key}: the value must be true or false, found {bad:?}"
                    ));
                }
            }
            // Context key names are not case-sensitive:
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
            keys.push((key.to_lowercase(), values));
        }
        conditions.push(Condition {
            name: name.clone(),
            operator,
            keys,
        });
    }
    Ok(conditions)
}

/// A string or a non-empty array of strings (`Action`, `Resource`, ...).
fn string_list(value: &Value, element: &str) -> Result<Vec<String>, String> {
    match value {
        Value::String(single) => Ok(vec![single.clone()]),
        Value::Array(items) if items.is_empty() => Err(format!("{element} is an empty list")),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                other => Err(format!("{element} entries must be strings, found {other}")),
            })
            .collect(),
        other => Err(format!(
            "{element} must be a string or an array of strings, found {other}"
        )),
    }
}

/// A condition value: a string, boolean or number, or a non-empty array of
/// those, as strings.
fn condition_values(value: &Value) -> Result<Vec<String>, String> {
    fn scalar(value: &Value) -> Result<String, String> {
        match value {
            Value::String(text) => Ok(text.clone()),
            Value::Bool(flag) => Ok(flag.to_string()),
            Value::Number(number) => Ok(number.to_string()),
            other => Err(format!(
                "values must be strings, booleans or numbers, found {other}"
            )),
        }
    }
    match value {
        Value::Array(items) if items.is_empty() => Err("the value list is empty".into()),
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

/// Rejects policy variables, which this evaluator does not substitute.
fn no_variables(values: Vec<String>, element: &str) -> Result<Vec<String>, String> {
    if let Some(value) = values.iter().find(|value| value.contains("${")) {
        return Err(format!(
            "{element} value {value:?} contains a policy variable; policy variables are not modelled by this evaluator"
        ));
    }
    Ok(values)
}

/// Whether the action pattern `pattern` (`dynamodb:Get*`) covers `action`,
/// as IAM matches actions: case-insensitively, with `*` and `?`.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob_match(&pattern.to_lowercase(), &action.to_lowercase())
}

/// Glob match: `*` matches any run of characters (also none), `?` exactly
/// one character, everything else itself. Case-sensitive; callers lowercase
/// both sides for case-insensitive matching.
fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Position of the last `*` seen and the text position it was tried at.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, tried)) => {
                    p = star + 1;
                    t = tried + 1;
                    backtrack = Some((star, tried + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// `ArnLike`/`ArnEquals`: "Each of the six colon-delimited components of the
/// ARN is checked separately and each can include multi-character match
/// wildcards (*) or single-character match wildcards (?)."
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>).
/// Both sides are split into at most six parts, so a wildcard cannot cross a
/// colon except in the last (resource) part, which keeps its colons. A value
/// with fewer than six parts is not an ARN and matches nothing.
fn arn_like(pattern: &str, value: &str) -> bool {
    let pattern: Vec<&str> = pattern.splitn(6, ':').collect();
    let value: Vec<&str> = value.splitn(6, ':').collect();
    pattern.len() == 6
        && value.len() == 6
        && pattern
            .iter()
            .zip(&value)
            .all(|(pattern, value)| glob_match(pattern, value))
}

/// The request context: condition keys and their values. Keys are
/// case-insensitive (stored lowercased); each key has one or more string
/// values (multivalued keys, such as `aws:TagKeys`, have several).
#[derive(Default, Clone, Debug)]
pub struct Context {
    values: BTreeMap<String, Vec<String>>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to the single value `value` (replacing earlier values).
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.values.insert(key.to_lowercase(), vec![value.into()]);
        self
    }

    /// Sets `key` to `values` (replacing earlier values). An empty list is
    /// kept as a present key with an empty data set, which every operator
    /// treats like an absent key (see the module docs).
    pub fn with_values(
        mut self,
        key: &str,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.values.insert(
            key.to_lowercase(),
            values.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// The values of `key` (any case), if it is present.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values.get(&key.to_lowercase()).map(Vec::as_slice)
    }
}

/// One request to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The action, e.g. `s3:GetObject`.
    pub action: &'a str,
    /// The resource ARN, or `*` for actions without resource-level permissions.
    pub resource: &'a str,
    /// The request context keys.
    pub context: &'a Context,
}

/// Where a decision came from: a statement of a named policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// The policy's name.
    pub policy: String,
    /// The statement's 0-based position in the policy.
    pub index: usize,
    /// The statement's `Sid`, if any.
    pub sid: Option<String>,
}

impl StatementRef {
    fn of(policy: &Policy, statement: &Statement) -> Self {
        StatementRef {
            policy: policy.name.clone(),
            index: statement.index,
            sid: statement.sid.clone(),
        }
    }
}

impl fmt::Display for StatementRef {
    /// `ProcessorRole/ProcessorLeastPrivilege statement 2`, plus ` (Sid X)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} statement {}", self.policy, self.index)?;
        if let Some(sid) = &self.sid {
            write!(f, " (Sid {sid})")?;
        }
        Ok(())
    }
}

/// The policy layer a decision refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The identity-based policies.
    Identity,
    /// The permissions boundary.
    Boundary,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Identity => "the identity policies",
            Layer::Boundary => "the permissions boundary",
        })
    }
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed by this identity-policy statement (and, when a boundary was
    /// given, by some boundary statement too).
    Allow(StatementRef),
    /// Denied by this `Deny` statement of an identity policy or the boundary.
    ExplicitDeny(StatementRef),
    /// No statement of `missing_in` allows the request.
    ImplicitDeny {
        /// The layer without an applicable `Allow` (identity checked first).
        missing_in: Layer,
    },
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allow(statement) => write!(f, "allowed by {statement}"),
            Decision::ExplicitDeny(statement) => write!(f, "explicitly denied by {statement}"),
            Decision::ImplicitDeny { missing_in } => {
                write!(
                    f,
                    "implicitly denied: no statement in {missing_in} allows it"
                )
            }
        }
    }
}

/// The first applicable `Deny` and `Allow` of one layer.
#[derive(Default)]
struct Found {
    deny: Option<StatementRef>,
    allow: Option<StatementRef>,
}

fn scan(policies: &[Policy], request: &Request<'_>) -> Result<Found, PolicyError> {
    let mut found = Found::default();
    // Every statement is looked at (no early return on the first deny), so
    // an unmodelled operator covering the request is always reported.
    for policy in policies {
        for statement in &policy.statements {
            if statement.applies(&policy.name, request)? {
                let slot = match statement.effect {
                    Effect::Deny => &mut found.deny,
                    Effect::Allow => &mut found.allow,
                };
                if slot.is_none() {
                    *slot = Some(StatementRef::of(policy, statement));
                }
            }
        }
    }
    Ok(found)
}

/// Evaluates `request` against the identity policies and, if given, the
/// permissions boundary.
///
/// An explicit deny in either layer wins (the first applicable `Deny`,
/// identity policies before the boundary); otherwise the request is allowed
/// only when an identity policy allows it and, if a boundary is given, the
/// boundary allows it. Per
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
/// ("the resulting permissions are the intersection of the two categories
/// ... An explicit deny in either of these policies overrides the allow")
/// and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html>.
/// `Some(&[])` is a boundary that allows nothing.
///
/// # Errors
///
/// [`PolicyError::UnsupportedOperator`] when a statement (of either layer)
/// whose action and resource cover the request uses an operator this
/// evaluator does not model.
pub fn evaluate(
    identity: &[Policy],
    boundary: Option<&[Policy]>,
    request: &Request<'_>,
) -> Result<Decision, PolicyError> {
    let identity = scan(identity, request)?;
    let boundary = boundary
        .map(|policies| scan(policies, request))
        .transpose()?;
    if let Some(statement) = identity.deny {
        return Ok(Decision::ExplicitDeny(statement));
    }
    if let Some(statement) = boundary.as_ref().and_then(|found| found.deny.clone()) {
        return Ok(Decision::ExplicitDeny(statement));
    }
    let Some(allow) = identity.allow else {
        return Ok(Decision::ImplicitDeny {
            missing_in: Layer::Identity,
        });
    };
    if boundary.is_some_and(|found| found.allow.is_none()) {
        return Ok(Decision::ImplicitDeny {
            missing_in: Layer::Boundary,
        });
    }
    Ok(Decision::Allow(allow))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(name: &str, document: Value) -> Policy {
        Policy::parse(name, &document).expect("the test policy parses")
    }

    fn decide(
        identity: &[Policy],
        boundary: Option<&[Policy]>,
        action: &str,
        resource: &str,
        context: &Context,
    ) -> Decision {
        evaluate(
            identity,
            boundary,
            &Request {
                action,
                resource,
                context,
            },
        )
        .expect("the request evaluates")
    }

    fn at(policy: &str, index: usize, sid: Option<&str>) -> StatementRef {
        StatementRef {
            policy: policy.into(),
            index,
            sid: sid.map(Into::into),
        }
    }

    fn allowed(policy: &str, index: usize, sid: Option<&str>) -> Decision {
        Decision::Allow(at(policy, index, sid))
    }

    fn denied(policy: &str, index: usize, sid: Option<&str>) -> Decision {
        Decision::ExplicitDeny(at(policy, index, sid))
    }

    const NO_ALLOW_IN_IDENTITY: Decision = Decision::ImplicitDeny {
        missing_in: Layer::Identity,
    };
    const NO_ALLOW_IN_BOUNDARY: Decision = Decision::ImplicitDeny {
        missing_in: Layer::Boundary,
    };

    fn allow_all() -> Policy {
        policy(
            "AllowAll",
            json!({"Version": "2012-10-17",
                   "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
        )
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    // "An explicit deny in any policy overrides any allows."
    #[test]
    fn explicit_deny_in_another_policy_overrides_allow() {
        let reader = policy(
            "User/S3Full",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        );
        let guard = policy(
            "User/NoDeleteBucket",
            json!({"Version": "2012-10-17",
                   "Statement": [
                       {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
                       {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}),
        );
        let ctx = Context::new();
        let both = [reader, guard];
        assert_eq!(
            decide(&both, None, "s3:DeleteBucket", "arn:aws:s3:::b", &ctx),
            denied("User/NoDeleteBucket", 1, None)
        );
        assert_eq!(
            decide(&both, None, "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
            allowed("User/S3Full", 0, None)
        );
    }

    // Same page: "By default, all requests are implicitly denied"; "If there
    // are no identity-based policies or no statements in identity-based
    // policies that allow the requested action, then the request is
    // implicitly denied".
    #[test]
    fn no_applicable_statement_is_an_implicit_deny() {
        let reader = policy(
            "Reader",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
                                 "Resource": "arn:aws:s3:::bucket/*"}}),
        );
        let reader = [reader];
        let ctx = Context::new();
        assert_eq!(
            decide(
                &reader,
                None,
                "dynamodb:GetItem",
                "arn:aws:dynamodb:us-east-1:111122223333:table/T",
                &ctx
            ),
            NO_ALLOW_IN_IDENTITY
        );
        assert_eq!(
            decide(&reader, None, "s3:GetObject", "arn:aws:s3:::other/k", &ctx),
            NO_ALLOW_IN_IDENTITY
        );
        assert_eq!(
            decide(&[], None, "s3:GetObject", "arn:aws:s3:::bucket/k", &ctx),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // Evaluation-logic page, "Evaluating identity-based policies with
    // permissions boundaries": the resulting permissions are the intersection.
    #[test]
    fn boundary_narrows_identity_allow() {
        let identity = policy(
            "Role/S3",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        );
        let boundary = policy(
            "Boundary/GetOnly",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
        );
        let ctx = Context::new();
        let identity = [identity];
        let boundary = [boundary];
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "s3:PutObject",
                "arn:aws:s3:::b/k",
                &ctx
            ),
            NO_ALLOW_IN_BOUNDARY
        );
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &ctx
            ),
            allowed("Role/S3", 0, None)
        );
        // Without the boundary the identity policy alone decides.
        assert_eq!(
            decide(&identity, None, "s3:PutObject", "arn:aws:s3:::b/k", &ctx),
            allowed("Role/S3", 0, None)
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    // ShirleyRodriguez: the boundary allows S3, CloudWatch, EC2; an identity
    // policy allowing iam:CreateUser does not let her create a user.
    #[test]
    fn boundary_blocks_create_user_outside_it() {
        let boundary = policy(
            "ShirleyRodriguez/Boundary",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow",
                                  "Action": ["s3:*", "cloudwatch:*", "ec2:*"],
                                  "Resource": "*"}]}),
        );
        let identity = policy(
            "ShirleyRodriguez/CreateUser",
            json!({"Version": "2012-10-17",
                   "Statement": {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}}),
        );
        let ctx = Context::new();
        let boundary = [boundary];
        assert_eq!(
            decide(
                &[identity],
                Some(&boundary),
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/new",
                &ctx
            ),
            NO_ALLOW_IN_BOUNDARY
        );
        // "it limits the user's permissions but does not provide permissions
        // on its own": the boundary allows s3, but no identity policy does.
        assert_eq!(
            decide(
                &[],
                Some(&boundary),
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &ctx
            ),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // access_policies_boundaries.html, "Delegating responsibility to others
    // using permissions boundaries": Zhang's boundary DelegatedUserBoundary
    // (statement 1's action list abridged) and permissions
    // DelegatedUserPermissions (first two statements).
    fn delegated_user_boundary() -> Policy {
        policy(
            "Zhang/DelegatedUserBoundary",
            json!({"Version": "2012-10-17",
                   "Statement": [
                       {"Sid": "CreateOrChangeOnlyWithBoundary", "Effect": "Allow",
                        "Action": ["iam:CreateUser", "iam:DeleteUserPolicy",
                                   "iam:AttachUserPolicy", "iam:DetachUserPolicy",
                                   "iam:PutUserPermissionsBoundary"],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"iam:PermissionsBoundary":
                            "arn:aws:iam::111122223333:policy/XCompanyBoundaries"}}},
                       {"Sid": "CloudWatchAndOtherIAMTasks", "Effect": "Allow",
                        "Action": ["cloudwatch:*", "iam:GetUser", "iam:ListUsers",
                                   "iam:DeleteUser", "iam:*Group*", "iam:CreatePolicy"],
                        "Resource": "*"},
                       {"Sid": "NoBoundaryPolicyEdit", "Effect": "Deny",
                        "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy",
                                   "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
                        "Resource": ["arn:aws:iam::123456789012:policy/XCompanyBoundaries",
                                     "arn:aws:iam::123456789012:policy/DelegatedUserBoundary"]},
                       {"Sid": "NoBoundaryUserDelete", "Effect": "Deny",
                        "Action": "iam:DeleteUserPermissionsBoundary", "Resource": "*"}]}),
        )
    }

    fn delegated_user_permissions() -> Policy {
        policy(
            "Zhang/DelegatedUserPermissions",
            json!({"Version": "2012-10-17",
                   "Statement": [
                       {"Sid": "IAM", "Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                       {"Sid": "CloudWatchLimited", "Effect": "Allow",
                        "Action": ["cloudwatch:GetDashboard", "cloudwatch:GetMetricData",
                                   "cloudwatch:ListDashboards", "cloudwatch:GetMetricStatistics",
                                   "cloudwatch:ListMetrics"],
                        "Resource": "*"}]}),
        )
    }

    #[test]
    fn delegated_create_user_needs_the_boundary_key() {
        let identity = [delegated_user_permissions()];
        let boundary = [delegated_user_boundary()];
        let user = "arn:aws:iam::111122223333:user/new";
        let with_boundary = |arn: &str| Context::new().with("iam:PermissionsBoundary", arn);
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "iam:CreateUser",
                user,
                &Context::new()
            ),
            NO_ALLOW_IN_BOUNDARY
        );
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "iam:CreateUser",
                user,
                &with_boundary("arn:aws:iam::111122223333:policy/SomethingElse")
            ),
            NO_ALLOW_IN_BOUNDARY
        );
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "iam:CreateUser",
                user,
                &with_boundary("arn:aws:iam::111122223333:policy/XCompanyBoundaries")
            ),
            allowed("Zhang/DelegatedUserPermissions", 0, Some("IAM"))
        );
    }

    #[test]
    fn explicit_deny_in_the_boundary_wins() {
        let identity = [delegated_user_permissions()];
        let boundary = [delegated_user_boundary()];
        let ctx = Context::new();
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "iam:DeleteUserPermissionsBoundary",
                "arn:aws:iam::111122223333:user/zhang",
                &ctx
            ),
            denied(
                "Zhang/DelegatedUserBoundary",
                3,
                Some("NoBoundaryUserDelete")
            )
        );
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "iam:DeletePolicy",
                "arn:aws:iam::123456789012:policy/XCompanyBoundaries",
                &ctx
            ),
            denied(
                "Zhang/DelegatedUserBoundary",
                2,
                Some("NoBoundaryPolicyEdit")
            )
        );
        // Allowed by both layers: the identity statement is reported.
        assert_eq!(
            decide(
                &identity,
                Some(&boundary),
                "cloudwatch:GetDashboard",
                "*",
                &ctx
            ),
            allowed(
                "Zhang/DelegatedUserPermissions",
                1,
                Some("CloudWatchLimited")
            )
        );
    }

    // Evaluation-logic page: deny evaluation looks at every policy; this
    // evaluator reports the identity policies' deny first.
    #[test]
    fn identity_deny_is_reported_before_boundary_deny_and_first_allow_wins() {
        let identity = policy(
            "Role/Policy",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
                {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"}]}),
        );
        let boundary = policy(
            "Role/Boundary",
            json!({"Statement": [
                {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"},
                {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}),
        );
        let ctx = Context::new();
        let queue = "arn:aws:sqs:us-east-1:111122223333:q";
        let identity = [identity];
        let boundary = [boundary];
        assert_eq!(
            decide(&identity, Some(&boundary), "sqs:DeleteQueue", queue, &ctx),
            denied("Role/Policy", 2, None)
        );
        assert_eq!(
            decide(&identity, Some(&boundary), "sqs:SendMessage", queue, &ctx),
            allowed("Role/Policy", 0, None)
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    // "DenyAllUsersNotUsingMFA": Deny NotAction iam:* with BoolIfExists.
    #[test]
    fn not_action_deny_all_except_iam_without_mfa() {
        let deny = policy(
            "User/RequireMfa",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny",
                                  "NotAction": "iam:*", "Resource": "*",
                                  "Condition": {"BoolIfExists":
                                      {"aws:MultiFactorAuthPresent": "false"}}}]}),
        );
        let policies = [allow_all(), deny];
        let without_mfa = Context::new();
        let with_mfa = Context::new().with("aws:MultiFactorAuthPresent", "true");
        assert_eq!(
            decide(
                &policies,
                None,
                "s3:ListBucket",
                "arn:aws:s3:::b",
                &without_mfa
            ),
            denied("User/RequireMfa", 0, Some("DenyAllUsersNotUsingMFA"))
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "s3:ListBucket",
                "arn:aws:s3:::b",
                &with_mfa
            ),
            allowed("AllowAll", 0, None)
        );
        assert_eq!(
            decide(&policies, None, "iam:ChangePassword", "*", &without_mfa),
            allowed("AllowAll", 0, None)
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-requested-region.html
    // NotAction with Deny and StringNotEquals with two values (ANDed as
    // "none of"); a missing key makes the negated operator true.
    #[test]
    fn deny_outside_eu_string_not_equals() {
        let deny = policy(
            "Account/DenyAllOutsideEU",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Sid": "DenyAllOutsideEU", "Effect": "Deny",
                                  "NotAction": ["cloudfront:*", "iam:*", "route53:*", "support:*"],
                                  "Resource": "*",
                                  "Condition": {"StringNotEquals": {"aws:RequestedRegion":
                                      ["eu-central-1", "eu-west-1"]}}}]}),
        );
        let policies = [allow_all(), deny];
        let region = |r: &str| Context::new().with("aws:RequestedRegion", r);
        let table = "arn:aws:dynamodb:eu-west-1:111122223333:table/T";
        let denied_here = denied("Account/DenyAllOutsideEU", 0, Some("DenyAllOutsideEU"));
        assert_eq!(
            decide(
                &policies,
                None,
                "dynamodb:GetItem",
                table,
                &region("eu-west-1")
            ),
            allowed("AllowAll", 0, None)
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "dynamodb:GetItem",
                table,
                &region("eu-central-1")
            ),
            allowed("AllowAll", 0, None)
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "dynamodb:GetItem",
                table,
                &region("us-east-1")
            ),
            denied_here
        );
        assert_eq!(
            decide(&policies, None, "iam:GetUser", "*", &region("us-east-1")),
            allowed("AllowAll", 0, None)
        );
        // StringNotEquals with the key missing: true, so the Deny applies.
        assert_eq!(
            decide(&policies, None, "dynamodb:GetItem", table, &Context::new()),
            denied_here
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    // HRPayroll: deny every S3 resource except the Payroll folder.
    #[test]
    fn not_resource_deny_everything_but_payroll() {
        let deny = policy(
            "Group/HRPayroll",
            json!({"Version": "2012-10-17",
                   "Statement": {"Effect": "Deny", "Action": "s3:*",
                                 "NotResource": ["arn:aws:s3:::HRBucket/Payroll",
                                                 "arn:aws:s3:::HRBucket/Payroll/*"]}}),
        );
        let policies = [allow_all(), deny];
        let ctx = Context::new();
        assert_eq!(
            decide(
                &policies,
                None,
                "s3:GetObject",
                "arn:aws:s3:::HRBucket/Payroll/2024.csv",
                &ctx
            ),
            allowed("AllowAll", 0, None)
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "s3:GetObject",
                "arn:aws:s3:::HRBucket/Benefits/plan.pdf",
                &ctx
            ),
            denied("Group/HRPayroll", 0, None)
        );
        // Not an s3 action: the Deny does not cover it.
        assert_eq!(
            decide(&policies, None, "sqs:SendMessage", "arn:aws:sqs:::q", &ctx),
            allowed("AllowAll", 0, None)
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    // and reference_policies_elements_action.html: `*` and `?` wildcards.
    #[test]
    fn question_mark_matches_exactly_one_character() {
        let p = policy(
            "Role/Buckets",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:Get?bject",
                                  "Resource": "arn:aws:s3:::logs-?/*"}]}),
        );
        let ctx = Context::new();
        let p = [p];
        assert_eq!(
            decide(&p, None, "s3:GetObject", "arn:aws:s3:::logs-1/a/b", &ctx),
            allowed("Role/Buckets", 0, None)
        );
        assert_eq!(
            decide(&p, None, "s3:GetObject", "arn:aws:s3:::logs-10/a", &ctx),
            NO_ALLOW_IN_IDENTITY
        );
        assert_eq!(
            decide(&p, None, "s3:GetObject", "arn:aws:s3:::logs-/a", &ctx),
            NO_ALLOW_IN_IDENTITY
        );
        assert_eq!(
            decide(&p, None, "s3:GetObjectAcl", "arn:aws:s3:::logs-1/a", &ctx),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    // "The prefix and the action name are case insensitive." Resource ARNs
    // are case-sensitive (reference_policies_elements_resource.html).
    #[test]
    fn actions_are_case_insensitive_resources_are_not() {
        let p = policy(
            "Role/Mixed",
            json!({"Statement": [{"Effect": "Allow", "Action": "IAM:listaccesskeys",
                                  "Resource": "arn:aws:iam::111122223333:user/Bob"}]}),
        );
        let ctx = Context::new();
        let p = [p];
        assert_eq!(
            decide(
                &p,
                None,
                "iam:ListAccessKeys",
                "arn:aws:iam::111122223333:user/Bob",
                &ctx
            ),
            allowed("Role/Mixed", 0, None)
        );
        assert_eq!(
            decide(
                &p,
                None,
                "iam:ListAccessKeys",
                "arn:aws:iam::111122223333:user/bob",
                &ctx
            ),
            NO_ALLOW_IN_IDENTITY
        );
        assert!(p[0].statements()[0].matches_action("Iam:ListAccessKEYS"));
        assert!(!p[0].statements()[0].matches_action("iam:ListAccessKey"));
    }

    // reference_policies_elements_resource.html: "*" as the Resource covers
    // all resources, including actions that only support "*".
    #[test]
    fn resource_star_matches_a_star_request() {
        let everything = policy(
            "Role/ListAll",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                  "Resource": "*"}]}),
        );
        let buckets = policy(
            "Role/Buckets",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                  "Resource": "arn:aws:s3:::*"}]}),
        );
        let ctx = Context::new();
        assert_eq!(
            decide(&[everything], None, "s3:ListAllMyBuckets", "*", &ctx),
            allowed("Role/ListAll", 0, None)
        );
        assert_eq!(
            decide(&[buckets], None, "s3:ListAllMyBuckets", "*", &ctx),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    // (GitHub OIDC trust policy): StringEquals on aud AND StringLike on sub.
    // A trust policy has a Principal and no Resource; it covers any resource.
    #[test]
    fn github_oidc_sub_string_like() {
        let trust = policy(
            "DeployRole/Trust",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow",
                                  "Principal": {"Federated":
                                      "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
                                  "Action": "sts:AssumeRoleWithWebIdentity",
                                  "Condition": {
                                      "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:*"}}}]}),
        );
        let trust = [trust];
        let role = "arn:aws:iam::111122223333:role/Deploy";
        let token = |sub: &str| {
            Context::new()
                .with(
                    "token.actions.githubusercontent.com:aud",
                    "sts.amazonaws.com",
                )
                .with("token.actions.githubusercontent.com:sub", sub)
        };
        assert_eq!(
            decide(
                &trust,
                None,
                "sts:AssumeRoleWithWebIdentity",
                role,
                &token("repo:octo-org/octo-repo:ref:refs/heads/main")
            ),
            allowed("DeployRole/Trust", 0, None)
        );
        assert_eq!(
            decide(
                &trust,
                None,
                "sts:AssumeRoleWithWebIdentity",
                role,
                &token("repo:octo-org/octo-repo-fork:ref:refs/heads/main")
            ),
            NO_ALLOW_IN_IDENTITY
        );
        // StringLike is case-sensitive.
        assert_eq!(
            decide(
                &trust,
                None,
                "sts:AssumeRoleWithWebIdentity",
                role,
                &token("repo:Octo-Org/octo-repo:ref:refs/heads/main")
            ),
            NO_ALLOW_IN_IDENTITY
        );
        // Conditions are ANDed: without aud the statement does not apply.
        let no_aud = Context::new().with(
            "token.actions.githubusercontent.com:sub",
            "repo:octo-org/octo-repo:ref:refs/heads/main",
        );
        assert_eq!(
            decide(&trust, None, "sts:AssumeRoleWithWebIdentity", role, &no_aud),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
    // aws:PrincipalTag/job-category = iamuser-admin; missing tag → false.
    #[test]
    fn string_equals_principal_tag() {
        let p = policy(
            "User/AccessKeys",
            json!({"Version": "2012-10-17",
                   "Statement": {"Effect": "Allow", "Action": "iam:*AccessKey*",
                                 "Resource": "arn:aws:iam::111122223333:user/*",
                                 "Condition": {"StringEquals":
                                     {"aws:PrincipalTag/job-category": "iamuser-admin"}}}}),
        );
        let p = [p];
        let user = "arn:aws:iam::111122223333:user/alice";
        // Key names are case-insensitive (reference_policies_elements_condition.html).
        let tagged = Context::new().with("AWS:PrincipalTag/Job-Category", "iamuser-admin");
        assert_eq!(
            decide(&p, None, "iam:CreateAccessKey", user, &tagged),
            allowed("User/AccessKeys", 0, None)
        );
        assert_eq!(
            decide(&p, None, "iam:CreateAccessKey", user, &Context::new()),
            NO_ALLOW_IN_IDENTITY
        );
        // Values are case-sensitive for StringEquals.
        let shouting = Context::new().with("aws:PrincipalTag/job-category", "IAMUser-Admin");
        assert_eq!(
            decide(&p, None, "iam:CreateAccessKey", user, &shouting),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // Same page: StringEqualsIgnoreCase / StringNotEqualsIgnoreCase.
    #[test]
    fn string_equals_ignore_case_and_its_negation() {
        let p = policy(
            "Role/IgnoreCase",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringEqualsIgnoreCase": {"aws:username": "john"}}},
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": ["Red", "Blue"]}}}]}),
        );
        let p = [p];
        let ctx = Context::new()
            .with("aws:username", "John")
            .with("aws:PrincipalTag/team", "RED");
        assert_eq!(
            decide(&p, None, "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
            allowed("Role/IgnoreCase", 0, None)
        );
        let green = ctx.clone().with("aws:PrincipalTag/team", "green");
        assert_eq!(
            decide(&p, None, "s3:GetObject", "arn:aws:s3:::b/k", &green),
            denied("Role/IgnoreCase", 1, None)
        );
    }

    // "Create roles only with a boundary": Allow iam:CreateRole only when
    // iam:PermissionsBoundary equals the boundary's ARN
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html,
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html).
    #[test]
    fn create_role_only_with_the_boundary_string_equals() {
        let p = policy(
            "Admin/CreateRoleWithBoundary",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*",
                                  "Condition": {"StringEquals": {"iam:PermissionsBoundary":
                                      "arn:aws:iam::123456789012:policy/Boundary"}}}]}),
        );
        let p = [p];
        let role = "arn:aws:iam::123456789012:role/New";
        assert_eq!(
            decide(&p, None, "iam:CreateRole", role, &Context::new()),
            NO_ALLOW_IN_IDENTITY
        );
        let wrong = Context::new().with(
            "iam:PermissionsBoundary",
            "arn:aws:iam::123456789012:policy/Other",
        );
        assert_eq!(
            decide(&p, None, "iam:CreateRole", role, &wrong),
            NO_ALLOW_IN_IDENTITY
        );
        let right = Context::new().with(
            "iam:PermissionsBoundary",
            "arn:aws:iam::123456789012:policy/Boundary",
        );
        assert_eq!(
            decide(&p, None, "iam:CreateRole", role, &right),
            allowed("Admin/CreateRoleWithBoundary", 0, None)
        );
    }

    // The same pattern as a Deny with ArnNotLike (condition operators page,
    // #Conditions_ARN; a missing key makes a negated operator true).
    #[test]
    fn deny_create_role_unless_boundary_arn_not_like() {
        let p = policy(
            "Admin/BoundaryGuard",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                {"Sid": "RequireBoundary", "Effect": "Deny", "Action": "iam:CreateRole",
                 "Resource": "*",
                 "Condition": {"ArnNotLike": {"iam:PermissionsBoundary":
                     "arn:aws:iam::123456789012:policy/Boundary"}}}]}),
        );
        let p = [p];
        let role = "arn:aws:iam::123456789012:role/New";
        let guard = denied("Admin/BoundaryGuard", 1, Some("RequireBoundary"));
        assert_eq!(
            decide(&p, None, "iam:CreateRole", role, &Context::new()),
            guard
        );
        let wrong = Context::new().with(
            "iam:PermissionsBoundary",
            "arn:aws:iam::123456789012:policy/Other",
        );
        assert_eq!(decide(&p, None, "iam:CreateRole", role, &wrong), guard);
        let right = Context::new().with(
            "iam:PermissionsBoundary",
            "arn:aws:iam::123456789012:policy/Boundary",
        );
        assert_eq!(
            decide(&p, None, "iam:CreateRole", role, &right),
            allowed("Admin/BoundaryGuard", 0, None)
        );
    }

    // Condition operators page, #Conditions_ARN: with StringLike the first
    // asterisk matches "us-east-2:999999999999:store/abc:"; with ArnLike it
    // matches only within the region component, so the match fails.
    #[test]
    fn arn_like_wildcards_do_not_cross_colons() {
        let pattern = "arn:aws:someservice:*:111122223333:finance/*";
        let p = policy(
            "Role/Arn",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "svc:A", "Resource": "*",
                 "Condition": {"StringLike": {"aws:SourceArn": pattern}}},
                {"Effect": "Allow", "Action": "svc:B", "Resource": "*",
                 "Condition": {"ArnLike": {"aws:SourceArn": pattern}}},
                {"Effect": "Allow", "Action": "svc:C", "Resource": "*",
                 "Condition": {"ArnEquals": {"aws:SourceArn": pattern}}}]}),
        );
        let p = [p];
        let tricky = Context::new().with(
            "aws:SourceArn",
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
        );
        assert_eq!(
            decide(&p, None, "svc:A", "*", &tricky),
            allowed("Role/Arn", 0, None)
        );
        assert_eq!(
            decide(&p, None, "svc:B", "*", &tricky),
            NO_ALLOW_IN_IDENTITY
        );
        let fine = Context::new().with(
            "aws:SourceArn",
            "arn:aws:someservice:us-east-2:111122223333:finance/reports:2024",
        );
        assert_eq!(
            decide(&p, None, "svc:B", "*", &fine),
            allowed("Role/Arn", 1, None)
        );
        // ArnEquals behaves like ArnLike ("behave identically").
        assert_eq!(
            decide(&p, None, "svc:C", "*", &fine),
            allowed("Role/Arn", 2, None)
        );
        assert_eq!(
            decide(&p, None, "svc:C", "*", &tricky),
            NO_ALLOW_IN_IDENTITY
        );
    }

    #[test]
    fn arn_operators_on_values_that_are_not_arns() {
        let p = policy(
            "Role/NotArn",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "svc:Like", "Resource": "*",
                 "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}},
                {"Effect": "Allow", "Action": "svc:NotLike", "Resource": "*",
                 "Condition": {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}}]}),
        );
        let p = [p];
        let ctx = Context::new().with("aws:SourceArn", "not-an-arn");
        assert_eq!(
            decide(&p, None, "svc:Like", "*", &ctx),
            NO_ALLOW_IN_IDENTITY
        );
        assert_eq!(
            decide(&p, None, "svc:NotLike", "*", &ctx),
            allowed("Role/NotArn", 1, None)
        );
    }

    // Condition operators page, #Conditions_Boolean: "BooleanExample" denies
    // S3 on the bucket when aws:SecureTransport is false.
    #[test]
    fn bool_secure_transport_deny() {
        let deny = policy(
            "Bucket/RequireTls",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Sid": "BooleanExample", "Action": "s3:*", "Effect": "Deny",
                                  "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET",
                                               "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
                                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
        );
        let policies = [allow_all(), deny];
        let object = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.pdf";
        let tls = |value: &str| Context::new().with("aws:SecureTransport", value);
        let no_tls = denied("Bucket/RequireTls", 0, Some("BooleanExample"));
        assert_eq!(
            decide(&policies, None, "s3:GetObject", object, &tls("false")),
            no_tls
        );
        assert_eq!(
            decide(&policies, None, "s3:GetObject", object, &tls("FALSE")),
            no_tls
        );
        assert_eq!(
            decide(&policies, None, "s3:GetObject", object, &tls("true")),
            allowed("AllowAll", 0, None)
        );
        // Missing key: Bool is false, so the Deny does not apply.
        assert_eq!(
            decide(&policies, None, "s3:GetObject", object, &Context::new()),
            allowed("AllowAll", 0, None)
        );
    }

    #[test]
    fn bool_accepts_json_booleans_and_numbers_are_strings() {
        let p = policy(
            "Role/Typed",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": true},
                               "StringEquals": {"s3:max-keys": 10}}}]}),
        );
        let p = [p];
        let ctx = Context::new()
            .with("aws:SecureTransport", "true")
            .with("s3:max-keys", "10");
        assert_eq!(
            decide(&p, None, "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
            allowed("Role/Typed", 0, None)
        );
        let eleven = ctx.clone().with("s3:max-keys", "11");
        assert_eq!(
            decide(&p, None, "s3:GetObject", "arn:aws:s3:::b/k", &eleven),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // Condition operators page, #Conditions_Null: ec2:* allowed only when
    // aws:TokenIssueTime is absent (not temporary credentials).
    #[test]
    fn null_checks_key_presence() {
        let p = policy(
            "User/NoTemporaryCredentials",
            json!({"Version": "2012-10-17",
                   "Statement": {"Action": "ec2:*", "Effect": "Allow", "Resource": "*",
                                 "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}}),
        );
        let p = [p];
        assert_eq!(
            decide(&p, None, "ec2:DescribeInstances", "*", &Context::new()),
            allowed("User/NoTemporaryCredentials", 0, None)
        );
        let temporary = Context::new().with("aws:TokenIssueTime", "2024-01-01T00:00:00Z");
        assert_eq!(
            decide(&p, None, "ec2:DescribeInstances", "*", &temporary),
            NO_ALLOW_IN_IDENTITY
        );
        let present = policy(
            "User/MustTag",
            json!({"Statement": {"Action": "ec2:CreateTags", "Effect": "Allow", "Resource": "*",
                                 "Condition": {"Null": {"aws:TagKeys": "false"}}}}),
        );
        let present = [present];
        assert_eq!(
            decide(&present, None, "ec2:CreateTags", "*", &Context::new()),
            NO_ALLOW_IN_IDENTITY
        );
        // An empty data set counts as null.
        let empty = Context::new().with_values("aws:TagKeys", Vec::<String>::new());
        assert_eq!(
            decide(&present, None, "ec2:CreateTags", "*", &empty),
            NO_ALLOW_IN_IDENTITY
        );
        let tagged = Context::new().with_values("aws:TagKeys", ["team"]);
        assert_eq!(
            decide(&present, None, "ec2:CreateTags", "*", &tagged),
            allowed("User/MustTag", 0, None)
        );
    }

    // Condition operators page, #Conditions_IfExists: THISPOLICYDOESNOTWORK
    // (StringLike) vs RunInstance (StringLikeIfExists) for ec2:InstanceType.
    #[test]
    fn if_exists_is_true_when_the_key_is_missing() {
        let broken = policy(
            "User/ThisPolicyDoesNotWork",
            json!({"Version": "2012-10-17",
                   "Statement": {"Sid": "THISPOLICYDOESNOTWORK", "Effect": "Allow",
                                 "Action": "ec2:RunInstances", "Resource": "*",
                                 "Condition": {"StringLike": {"ec2:InstanceType":
                                     ["t1.*", "t2.*", "m3.*"]}}}}),
        );
        let working = policy(
            "User/RunInstance",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Sid": "RunInstance", "Effect": "Allow",
                                  "Action": "ec2:RunInstances", "Resource": "*",
                                  "Condition": {"StringLikeIfExists": {"ec2:InstanceType":
                                      ["t1.*", "t2.*", "m3.*"]}}}]}),
        );
        let image = "arn:aws:ec2:us-east-1::image/ami-12345678";
        let instance = "arn:aws:ec2:us-east-1:111122223333:instance/*";
        let none = Context::new();
        let t2 = Context::new().with("ec2:InstanceType", "t2.micro");
        let c5 = Context::new().with("ec2:InstanceType", "c5.large");
        let broken = [broken];
        let working = [working];
        assert_eq!(
            decide(&broken, None, "ec2:RunInstances", image, &none),
            NO_ALLOW_IN_IDENTITY
        );
        assert_eq!(
            decide(&working, None, "ec2:RunInstances", image, &none),
            allowed("User/RunInstance", 0, Some("RunInstance"))
        );
        assert_eq!(
            decide(&working, None, "ec2:RunInstances", instance, &t2),
            allowed("User/RunInstance", 0, Some("RunInstance"))
        );
        assert_eq!(
            decide(&working, None, "ec2:RunInstances", instance, &c5),
            NO_ALLOW_IN_IDENTITY
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    // (DynamoDB Thread example): ForAllValues:StringLike on
    // dynamodb:requestedAttributes; true when the key is missing or empty.
    #[test]
    fn for_all_values_requires_every_value_and_is_vacuously_true() {
        let p = policy(
            "User/ThreadReader",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem",
                                  "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Thread",
                                  "Condition": {"ForAllValues:StringLike": {"dynamodb:requestedAttributes":
                                      ["PostDateTime", "Message", "Tags"]}}}]}),
        );
        let p = [p];
        let table = "arn:aws:dynamodb:us-east-1:111122223333:table/Thread";
        let attrs = |a: &[&str]| {
            Context::new().with_values("dynamodb:requestedAttributes", a.iter().copied())
        };
        let reader = allowed("User/ThreadReader", 0, None);
        assert_eq!(
            decide(
                &p,
                None,
                "dynamodb:GetItem",
                table,
                &attrs(&["PostDateTime", "Message"])
            ),
            reader
        );
        assert_eq!(
            decide(
                &p,
                None,
                "dynamodb:GetItem",
                table,
                &attrs(&["PostDateTime", "UserName"])
            ),
            NO_ALLOW_IN_IDENTITY
        );
        // AWS warns: ForAllValues "also returns true if there are no context
        // keys in the request" - an Allow with it is permissive.
        assert_eq!(
            decide(&p, None, "dynamodb:GetItem", table, &Context::new()),
            reader
        );
        assert_eq!(
            decide(&p, None, "dynamodb:GetItem", table, &attrs(&[])),
            reader
        );
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
    // "DenyRestrictedTags" with ForAllValues:StringNotLike key1*, and the
    // page's table of results.
    #[test]
    fn for_all_values_string_not_like_deny_table() {
        let deny = policy(
            "User/DenyRestrictedTags",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Sid": "DenyRestrictedTags", "Effect": "Deny",
                                  "Action": ["iam:Tag*", "iam:UnTag*"], "Resource": ["*"],
                                  "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}}]}),
        );
        let policies = [allow_all(), deny];
        let role = "arn:aws:iam::111122223333:role/R";
        let tags = |t: &[&str]| Context::new().with_values("aws:TagKeys", t.iter().copied());
        let restricted = denied("User/DenyRestrictedTags", 0, Some("DenyRestrictedTags"));
        let fine = allowed("AllowAll", 0, None);
        assert_eq!(
            decide(&policies, None, "iam:TagRole", role, &tags(&["key1:legal"])),
            fine
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "iam:TagRole",
                role,
                &tags(&["key1:hr", "key1:personnel"])
            ),
            fine
        );
        assert_eq!(
            decide(&policies, None, "iam:TagRole", role, &tags(&["key2:audit"])),
            restricted
        );
        assert_eq!(
            decide(&policies, None, "iam:TagRole", role, &Context::new()),
            restricted
        );
    }

    // Same page, the ForAllValues example guarded by "Null": {"aws:TagKeys": "false"}.
    #[test]
    fn null_false_guards_for_all_values() {
        let deny = policy(
            "User/DenyRestrictedTagsGuarded",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Sid": "DenyRestrictedTags", "Effect": "Deny",
                                  "Action": ["iam:Tag*", "iam:UnTag*"], "Resource": ["*"],
                                  "Condition": {"Null": {"aws:TagKeys": "false"},
                                                "ForAllValues:StringLike": {"aws:TagKeys":
                                                    ["key1*", "key2*", "key3*"]}}}]}),
        );
        let policies = [allow_all(), deny];
        let role = "arn:aws:iam::111122223333:role/R";
        let tags = |t: &[&str]| Context::new().with_values("aws:TagKeys", t.iter().copied());
        assert_eq!(
            decide(&policies, None, "iam:TagRole", role, &Context::new()),
            allowed("AllowAll", 0, None)
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "iam:TagRole",
                role,
                &tags(&["key1a", "key3b"])
            ),
            denied(
                "User/DenyRestrictedTagsGuarded",
                0,
                Some("DenyRestrictedTags")
            )
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "iam:TagRole",
                role,
                &tags(&["key1a", "other"])
            ),
            allowed("AllowAll", 0, None)
        );
    }

    // reference_policies_condition-single-vs-multi-valued-context-keys.html
    // (DynamoDB PutItem deny with ForAnyValue:StringLike) and the
    // multivalued examples page (deny when aws:TagKeys has any of
    // environment, webserver).
    #[test]
    fn for_any_value_needs_one_match_and_is_false_when_missing() {
        let deny_attrs = policy(
            "User/NoIdUpdates",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Deny", "Action": "dynamodb:PutItem",
                                  "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Thread",
                                  "Condition": {"ForAnyValue:StringLike": {"dynamodb:requestedAttributes":
                                      ["ID", "PostDateTime"]}}}]}),
        );
        let deny_tags = policy(
            "User/NoSnapshotTags",
            json!({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Deny", "Action": "ec2:CreateSnapshot",
                                  "Resource": "arn:aws:ec2:us-west-2::snapshot/*",
                                  "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys":
                                      ["webserver", "environment"]}}}]}),
        );
        let policies = [allow_all(), deny_attrs, deny_tags];
        let table = "arn:aws:dynamodb:us-east-1:111122223333:table/Thread";
        let attrs = |a: &[&str]| {
            Context::new().with_values("dynamodb:requestedAttributes", a.iter().copied())
        };
        assert_eq!(
            decide(
                &policies,
                None,
                "dynamodb:PutItem",
                table,
                &attrs(&["UserName", "Message", "PostDateTime"])
            ),
            denied("User/NoIdUpdates", 0, None)
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "dynamodb:PutItem",
                table,
                &attrs(&["UserName"])
            ),
            allowed("AllowAll", 0, None)
        );
        assert_eq!(
            decide(&policies, None, "dynamodb:PutItem", table, &Context::new()),
            allowed("AllowAll", 0, None)
        );
        let snapshot = "arn:aws:ec2:us-west-2::snapshot/snap-1";
        let tags = |t: &[&str]| Context::new().with_values("aws:TagKeys", t.iter().copied());
        assert_eq!(
            decide(
                &policies,
                None,
                "ec2:CreateSnapshot",
                snapshot,
                &tags(&["owner", "environment"])
            ),
            denied("User/NoSnapshotTags", 0, None)
        );
        assert_eq!(
            decide(
                &policies,
                None,
                "ec2:CreateSnapshot",
                snapshot,
                &tags(&["owner"])
            ),
            allowed("AllowAll", 0, None)
        );
    }

    // Single-valued operators on a multivalued key (undefined by AWS, see
    // the module docs): positive = any value matches; negated = complement.
    #[test]
    fn single_valued_operator_on_several_request_values() {
        let p = policy(
            "Role/Plain",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "svc:Eq", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:TagKeys": "a"}}},
                {"Effect": "Allow", "Action": "svc:NotEq", "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:TagKeys": "a"}}}]}),
        );
        let p = [p];
        let ab = Context::new().with_values("aws:TagKeys", ["a", "b"]);
        let bc = Context::new().with_values("aws:TagKeys", ["b", "c"]);
        assert_eq!(
            decide(&p, None, "svc:Eq", "*", &ab),
            allowed("Role/Plain", 0, None)
        );
        assert_eq!(
            decide(&p, None, "svc:NotEq", "*", &ab),
            NO_ALLOW_IN_IDENTITY
        );
        assert_eq!(decide(&p, None, "svc:Eq", "*", &bc), NO_ALLOW_IN_IDENTITY);
        assert_eq!(
            decide(&p, None, "svc:NotEq", "*", &bc),
            allowed("Role/Plain", 1, None)
        );
    }

    // An operator AWS has but this evaluator does not model: an error when
    // the statement covers the request, no effect otherwise. Policy from the
    // condition operators page, #Conditions_Numeric.
    #[test]
    fn unsupported_operator_is_an_error_only_where_it_applies() {
        let p = policy(
            "User/ListUpTo10",
            json!({"Version": "2012-10-17",
                   "Statement": [
                       {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                       {"Effect": "Allow", "Action": "s3:ListBucket",
                        "Resource": "arn:aws:s3:::example_bucket",
                        "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}}]}),
        );
        let p = [p];
        let ctx = Context::new().with("s3:max-keys", "5");
        let error = evaluate(
            &p,
            None,
            &Request {
                action: "s3:ListBucket",
                resource: "arn:aws:s3:::example_bucket",
                context: &ctx,
            },
        )
        .expect_err("NumericLessThanEquals is not modelled");
        match &error {
            PolicyError::UnsupportedOperator {
                policy,
                statement,
                operator,
            } => {
                assert_eq!(policy, "User/ListUpTo10");
                assert_eq!(*statement, 1);
                assert_eq!(operator, "NumericLessThanEquals");
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert_eq!(
            error.to_string(),
            "policy User/ListUpTo10 statement 1: condition operator NumericLessThanEquals is not modelled by this evaluator"
        );
        assert_eq!(
            decide(
                &p,
                None,
                "s3:GetObject",
                "arn:aws:s3:::example_bucket/k",
                &ctx
            ),
            allowed("User/ListUpTo10", 0, None)
        );
        // Also in the boundary layer, even when the identity already denies.
        let boundary = [policy(
            "Boundary/Dates",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                 "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}}),
        )];
        let error = evaluate(
            &[],
            Some(&boundary),
            &Request {
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/k",
                context: &ctx,
            },
        )
        .expect_err("DateGreaterThan is not modelled");
        assert!(matches!(
            error,
            PolicyError::UnsupportedOperator { ref operator, statement: 0, .. }
                if operator == "DateGreaterThan"
        ));
        // ForAnyValue:Null is an AWS form that is not modelled either.
        let set_null = [policy(
            "Role/SetNull",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                 "Condition": {"ForAnyValue:Null": {"aws:TagKeys": "true"}}}}),
        )];
        assert!(matches!(
            evaluate(
                &set_null,
                None,
                &Request {
                    action: "s3:GetObject",
                    resource: "*",
                    context: &ctx
                }
            ),
            Err(PolicyError::UnsupportedOperator { .. })
        ));
    }

    #[test]
    fn operator_names_that_aws_does_not_have_are_rejected_at_parse() {
        for (operator, fragment) in [
            ("StringEqualz", "is not an AWS condition operator"),
            ("stringequals", "is not an AWS condition operator"),
            ("NullIfExists", "IfExists cannot be added to Null"),
        ] {
            let error = Policy::parse(
                "Role/Typo",
                &json!({"Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                     "Condition": {operator: {"aws:username": "true"}}}]}),
            )
            .expect_err("not an operator");
            match error {
                PolicyError::Invalid {
                    policy,
                    statement,
                    problem,
                } => {
                    assert_eq!(policy, "Role/Typo");
                    assert_eq!(statement, Some(1));
                    assert!(problem.contains(fragment), "{problem}");
                }
                other => panic!("unexpected error {other:?}"),
            }
        }
    }

    // access_policies_boundaries.html: XCompanyBoundaries uses
    // ${aws:username} in statement 2's Resource; variables are refused.
    #[test]
    fn policy_variables_are_refused() {
        let error = Policy::parse(
            "XCompanyBoundaries",
            &json!({"Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "ServiceBoundaries", "Effect": "Allow",
                         "Action": ["s3:*", "cloudwatch:*", "ec2:*", "dynamodb:*"], "Resource": "*"},
                        {"Sid": "AllowIAMConsoleForCredentials", "Effect": "Allow",
                         "Action": ["iam:ListUsers", "iam:GetAccountPasswordPolicy"], "Resource": "*"},
                        {"Sid": "AllowManageOwnPasswordAndAccessKeys", "Effect": "Allow",
                         "Action": ["iam:*AccessKey*", "iam:ChangePassword", "iam:GetUser",
                                    "iam:*ServiceSpecificCredential*", "iam:*SigningCertificate*"],
                         "Resource": ["arn:aws:iam::*:user/${aws:username}"]}]}),
        )
        .expect_err("policy variables are not modelled");
        match &error {
            PolicyError::Invalid {
                policy,
                statement,
                problem,
            } => {
                assert_eq!(policy, "XCompanyBoundaries");
                assert_eq!(*statement, Some(2));
                assert!(
                    problem.contains("policy variables are not modelled"),
                    "{problem}"
                );
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(error
            .to_string()
            .starts_with("policy XCompanyBoundaries statement 2: "));
        // In a condition value too (the s3:prefix home-directory example on
        // the condition operators page).
        let error = Policy::parse(
            "User/Home",
            &json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket",
                                  "Resource": "arn:aws:s3:::BUCKET-NAME",
                                  "Condition": {"StringLike": {"s3:prefix":
                                      ["", "home/", "home/${aws:username}/"]}}}}),
        )
        .expect_err("policy variables are not modelled");
        assert!(matches!(
            error,
            PolicyError::Invalid { statement: Some(0), ref problem, .. }
                if problem.contains("policy variable")
        ));
    }

    fn parse_problem(document: Value) -> (Option<usize>, String) {
        match Policy::parse("Broken", &document) {
            Err(PolicyError::Invalid {
                policy,
                statement,
                problem,
            }) => {
                assert_eq!(policy, "Broken");
                (statement, problem)
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    // and the Effect/Action element pages: Effect and Action/NotAction are
    // required; Statement is required.
    #[test]
    fn malformed_documents_are_rejected_with_the_statement() {
        let (statement, problem) = parse_problem(json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Action": "s3:*", "Resource": "*"}]}));
        assert_eq!(
            (statement, problem.as_str()),
            (Some(1), "the statement has no Effect")
        );

        let (statement, problem) =
            parse_problem(json!({"Statement": {"Effect": "Allow", "Resource": "*"}}));
        assert_eq!(
            (statement, problem.as_str()),
            (Some(0), "the statement has neither Action nor NotAction")
        );

        let (statement, problem) = parse_problem(json!({"Statement": {
            "Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}}));
        assert_eq!(
            (statement, problem.as_str()),
            (Some(0), "the statement has both Action and NotAction")
        );

        let (statement, problem) = parse_problem(json!({"Statement": {
            "Effect": "allow", "Action": "s3:*", "Resource": "*"}}));
        assert_eq!(statement, Some(0));
        assert!(problem.contains("Effect must be"), "{problem}");

        let (statement, problem) = parse_problem(json!({"Statement": {
            "Effect": "Allow", "Actions": "s3:*", "Resource": "*"}}));
        assert_eq!(statement, Some(0));
        assert!(problem.contains("unknown element \"Actions\""), "{problem}");

        let (statement, problem) =
            parse_problem(json!({"Statement": {"Effect": "Allow", "Action": "s3:*"}}));
        assert_eq!(
            (statement, problem.as_str()),
            (
                Some(0),
                "the statement has neither Resource nor NotResource"
            )
        );

        let (statement, problem) = parse_problem(json!({"Statement": {
            "Effect": "Allow", "Action": [], "Resource": "*"}}));
        assert_eq!(
            (statement, problem.as_str()),
            (Some(0), "Action is an empty list")
        );

        let (statement, problem) = parse_problem(json!({"Statement": {
            "Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:username": null}}}}));
        assert_eq!(statement, Some(0));
        assert!(
            problem.contains("condition StringEquals key aws:username"),
            "{problem}"
        );

        let (statement, problem) = parse_problem(json!({"Statement": {
            "Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "yes"}}}}));
        assert_eq!(statement, Some(0));
        assert!(problem.contains("must be true or false"), "{problem}");

        let (statement, problem) = parse_problem(json!({"Version": "2012-10-17"}));
        assert_eq!(
            (statement, problem.as_str()),
            (None, "the document has no Statement")
        );

        let (statement, _) = parse_problem(json!({"Version": "2019-01-01", "Statement": []}));
        assert_eq!(statement, None);

        let error = Policy::parse("Broken", &json!({"Statement": {"Resource": "*"}}))
            .expect_err("no Effect");
        assert_eq!(
            error.to_string(),
            "policy Broken statement 0: the statement has no Effect"
        );
    }

    #[test]
    fn statement_refs_display_and_accessors() {
        let p = policy(
            "ProcessorRole/ProcessorLeastPrivilege",
            json!({"Version": "2012-10-17",
                   "Statement": [
                       {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"},
                       {"Effect": "Allow", "Action": "sqs:DeleteMessage", "Resource": "*"},
                       {"Sid": "Table", "Effect": "Allow", "NotAction": "dynamodb:Delete*",
                        "Resource": "arn:aws:dynamodb:*:*:table/Visits"}]}),
        );
        assert_eq!(p.name(), "ProcessorRole/ProcessorLeastPrivilege");
        assert_eq!(p.statements().len(), 3);
        let third = &p.statements()[2];
        assert_eq!(third.index, 2);
        assert_eq!(third.sid.as_deref(), Some("Table"));
        assert_eq!(third.effect, Effect::Allow);
        assert_eq!(third.json()["NotAction"], json!("dynamodb:Delete*"));
        assert!(third.matches_action("dynamodb:PutItem"));
        assert!(!third.matches_action("DynamoDB:DeleteItem"));
        assert!(third.matches_resource("arn:aws:dynamodb:eu-west-1:111122223333:table/Visits"));
        assert_eq!(
            at("ProcessorRole/ProcessorLeastPrivilege", 2, None).to_string(),
            "ProcessorRole/ProcessorLeastPrivilege statement 2"
        );
        assert_eq!(
            at("ProcessorRole/ProcessorLeastPrivilege", 2, Some("Table")).to_string(),
            "ProcessorRole/ProcessorLeastPrivilege statement 2 (Sid Table)"
        );
        let decision = decide(
            &[p],
            Some(&[]),
            "dynamodb:PutItem",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/Visits",
            &Context::new(),
        );
        // An empty boundary allows nothing.
        assert_eq!(decision, NO_ALLOW_IN_BOUNDARY);
        assert!(!decision.is_allowed());
        assert_eq!(
            decision.to_string(),
            "implicitly denied: no statement in the permissions boundary allows it"
        );
        assert!(allowed("P", 0, None).is_allowed());
        assert!(!denied("P", 0, None).is_allowed());
    }

    #[test]
    fn context_keys_are_case_insensitive_and_replaced() {
        let ctx = Context::new()
            .with("AWS:SourceIp", "203.0.113.7")
            .with_values("aws:TagKeys", ["a", "b"])
            .with("aws:tagkeys", "c");
        assert_eq!(
            ctx.get("aws:sourceip"),
            Some(&["203.0.113.7".to_string()][..])
        );
        assert_eq!(ctx.get("AWS:TAGKEYS"), Some(&["c".to_string()][..]));
        assert_eq!(ctx.get("aws:username"), None);
        assert_eq!(SUPPORTED_OPERATORS.len(), 12);
        for name in SUPPORTED_OPERATORS {
            assert!(matches!(parse_operator(name), Ok(Some(_))), "{name}");
        }
        assert!(matches!(
            parse_operator("ForAllValues:ArnLikeIfExists"),
            Ok(Some(_))
        ));
        assert!(matches!(parse_operator("NotIpAddressIfExists"), Ok(None)));
    }

    #[test]
    fn glob_matching() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "*"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(glob_match("a*b*c", "abc"));
        assert!(!glob_match("a*b*c", "acb"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("**a", "bba"));
        assert!(!glob_match("abc", "abcd"));
        assert!(glob_match("é?", "éü"));
    }
}
