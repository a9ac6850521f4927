//! Conditions: named boolean expressions that `Fn::If` and a resource's
//! `Condition` attribute refer to.

use serde_json::json;

use crate::json::{Json, ToJson};
use crate::value::Value;

/// A condition expression: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, or
/// another named condition. Add it with [`crate::Template::condition`].
#[derive(Debug, Clone, PartialEq)]
pub struct Condition(Json);

impl Condition {
    /// `Fn::Equals`: the two values are equal.
    pub fn equals(left: impl Into<Value<String>>, right: impl Into<Value<String>>) -> Self {
        Condition(json!({ "Fn::Equals": [left.into().to_json(), right.into().to_json()] }))
    }

    /// `Fn::And`: all of 2 to 10 conditions hold (validation checks the count).
    pub fn and(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Condition(json!({ "Fn::And": conditions.into_iter().map(|c| c.0).collect::<Vec<_>>() }))
    }

    /// `Fn::Or`: at least one of 2 to 10 conditions holds.
    pub fn or(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Condition(json!({ "Fn::Or": conditions.into_iter().map(|c| c.0).collect::<Vec<_>>() }))
    }

    /// `Fn::Not`: the condition does not hold.
    #[allow(clippy::should_implement_trait)]
    pub fn not(condition: Condition) -> Self {
        Condition(json!({ "Fn::Not": [condition.0] }))
    }

    /// Another named condition.
    pub fn is(condition: &ConditionRef) -> Self {
        Condition(json!({ "Condition": condition.name() }))
    }

    /// Any condition as its JSON, for what the typed functions do not say
    /// (a form newer than this crate). Validation still checks the names
    /// it mentions.
    pub fn raw(json: Json) -> Self {
        Condition(json)
    }

    pub(crate) fn into_json(self) -> Json {
        self.0
    }
}

/// A handle to a named condition in a template, returned by
/// [`crate::Template::condition`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionRef {
    name: String,
}

impl ConditionRef {
    pub(crate) fn new(name: String) -> Self {
        ConditionRef { name }
    }

    /// The condition's name in the template.
    pub fn name(&self) -> &str {
        &self.name
    }
}
