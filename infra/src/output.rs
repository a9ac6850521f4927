//! Stack outputs, optionally exported for `Fn::ImportValue`.

use serde_json::json;

use crate::conditions::ConditionRef;
use crate::json::{Json, JsonMap, ToJson};
use crate::value::Value;

/// One output: a string value, with an optional description, export name and
/// condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    body: JsonMap,
}

impl Output {
    /// An output of `value`.
    pub fn new(value: impl Into<Value<String>>) -> Self {
        let mut body = JsonMap::new();
        body.insert("Value".into(), value.into().to_json());
        Output { body }
    }

    /// `Description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.body.insert("Description".into(), json!(text.into()));
        self
    }

    /// `Export.Name`: other stacks read the value with `Fn::ImportValue`.
    pub fn export(mut self, name: impl Into<Value<String>>) -> Self {
        self.body
            .insert("Export".into(), json!({ "Name": name.into().to_json() }));
        self
    }

    /// `Condition`: output only when `condition` holds.
    pub fn condition(mut self, condition: &ConditionRef) -> Self {
        self.body
            .insert("Condition".into(), json!(condition.name()));
        self
    }

    pub(crate) fn to_json(&self) -> Json {
        Json::Object(self.body.clone())
    }
}

impl From<Value<String>> for Output {
    fn from(value: Value<String>) -> Self {
        Output::new(value)
    }
}
