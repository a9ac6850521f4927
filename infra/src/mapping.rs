//! Mappings: two-level lookup tables read with `Fn::FindInMap`.

use serde_json::json;

use crate::json::{Json, JsonMap, ToJson};
use crate::value::Value;

/// A mapping's contents: top-level keys, each with named values (strings or
/// lists of strings).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    pub(crate) body: JsonMap,
}

impl Mapping {
    /// An empty mapping.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `top_key` with string values.
    pub fn entry<K: Into<String>, V: Into<String>>(
        mut self,
        top_key: &str,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let values: JsonMap = values
            .into_iter()
            .map(|(k, v)| (k.into(), json!(v.into())))
            .collect();
        self.body.insert(top_key.into(), Json::Object(values));
        self
    }

    /// Adds `top_key` with list values.
    pub fn list_entry<K: Into<String>, S: Into<String>, L: IntoIterator<Item = S>>(
        mut self,
        top_key: &str,
        values: impl IntoIterator<Item = (K, L)>,
    ) -> Self {
        let values: JsonMap = values
            .into_iter()
            .map(|(k, list)| {
                let items: Vec<String> = list.into_iter().map(Into::into).collect();
                (k.into(), json!(items))
            })
            .collect();
        self.body.insert(top_key.into(), Json::Object(values));
        self
    }

    /// A top-level key whose second-level values are any JSON (numbers,
    /// booleans, mixed lists), as a template may hold them.
    /// `values` should be an object of second-level keys; validation
    /// reports one that is not.
    pub fn json_entry(mut self, top_key: &str, values: Json) -> Self {
        self.body.insert(top_key.into(), values);
        self
    }
}

/// A handle to a mapping in a template, returned by [`crate::Template::mapping`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingRef {
    name: String,
}

impl MappingRef {
    pub(crate) fn new(name: String) -> Self {
        MappingRef { name }
    }

    /// The mapping's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Fn::FindInMap` of a string value.
    pub fn find(
        &self,
        top_key: impl Into<Value<String>>,
        second_key: impl Into<Value<String>>,
    ) -> Value<String> {
        Value::Expr(self.find_json(top_key.into(), second_key.into()))
    }

    /// `Fn::FindInMap` of a list value.
    pub fn find_list(
        &self,
        top_key: impl Into<Value<String>>,
        second_key: impl Into<Value<String>>,
    ) -> Value<Vec<Value<String>>> {
        Value::Expr(self.find_json(top_key.into(), second_key.into()))
    }

    fn find_json(&self, top: Value<String>, second: Value<String>) -> Json {
        json!({ "Fn::FindInMap": [self.name, top.to_json(), second.to_json()] })
    }
}
