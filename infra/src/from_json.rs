//! Reading typed values back from JSON: every generated type implements
//! [`FromJson`], so a resource's properties from a template (read with
//! [`crate::Template::from_json`], or any JSON) become its typed struct.
//!
//! A [`Value`] reads whatever its field holds and never loses it: an
//! intrinsic becomes `Value::Expr`, a literal of the field's type
//! `Value::Lit`, and anything else (a string where the schema has a number,
//! an object with a key the schema lacks) stays as its JSON in
//! `Value::Expr`, so the value renders back exactly as it was read. A
//! resource struct itself must match its schema: an unknown property or a
//! missing required one is an error with its path.
//!
//! ```
//! use infra::aws::sqs::Queue;
//! use infra::{FromJson, ToJson, Value};
//! use serde_json::json;
//!
//! let props = json!({"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}, "DelaySeconds": 5});
//! let queue = Queue::from_json(&props, "Properties").unwrap();
//! assert_eq!(queue.delay_seconds, Some(Value::Lit(5)));
//! assert_eq!(queue.to_json(), props);
//! assert!(Queue::from_json(&json!({"Colour": "blue"}), "Properties").is_err());
//! ```

use std::collections::BTreeMap;

use crate::json::{Json, JsonMap, ToJson};
use crate::tag::Tag;
use crate::value::Value;

/// Why JSON is not a value of a type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct FromJsonError {
    /// Where (`Properties.KeySchema[0]`).
    pub path: String,
    /// What is wrong.
    pub problem: String,
}

fn error(path: &str, problem: impl Into<String>) -> FromJsonError {
    FromJsonError {
        path: path.to_owned(),
        problem: problem.into(),
    }
}

/// A type read back from its JSON.
pub trait FromJson: Sized {
    /// `json` as a `Self`, or why not; `path` names the place for errors.
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError>;
}

impl FromJson for String {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        json.as_str()
            .map(str::to_owned)
            .ok_or_else(|| error(path, "is not a string"))
    }
}

impl FromJson for bool {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        json.as_bool()
            .ok_or_else(|| error(path, "is not a boolean"))
    }
}

impl FromJson for i64 {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        json.as_i64()
            .ok_or_else(|| error(path, "is not an integer"))
    }
}

impl FromJson for f64 {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        json.as_f64().ok_or_else(|| error(path, "is not a number"))
    }
}

impl FromJson for Json {
    fn from_json(json: &Json, _path: &str) -> Result<Self, FromJsonError> {
        Ok(json.clone())
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        T::from_json(json, path).map(Box::new)
    }
}

impl<T: FromJson + ToJson> FromJson for Vec<Value<T>> {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        let items = json
            .as_array()
            .ok_or_else(|| error(path, "is not a list"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| Value::from_json(item, &format!("{path}[{i}]")))
            .collect()
    }
}

impl<T: FromJson + ToJson> FromJson for BTreeMap<String, Value<T>> {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        let map = json
            .as_object()
            .ok_or_else(|| error(path, "is not an object"))?;
        map.iter()
            .map(|(k, v)| Ok((k.clone(), Value::from_json(v, &format!("{path}.{k}"))?)))
            .collect()
    }
}

impl FromJson for Tag {
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        let map = object(json, path, &["Key", "Value"])?;
        Ok(Tag {
            key: required(map, "Key", path)?,
            value: required(map, "Value", path)?,
        })
    }
}

impl<T: FromJson + ToJson> FromJson for Value<T> {
    /// Never fails: an intrinsic (or a dynamic reference), or anything that does not read back
    /// exactly as a `T`, is kept as its JSON.
    fn from_json(json: &Json, path: &str) -> Result<Self, FromJsonError> {
        if crate::check::is_intrinsic(json) {
            return Ok(Value::Expr(json.clone()));
        }
        Ok(match T::from_json(json, path) {
            Ok(value) if value.to_json() == *json => Value::Lit(value),
            _ => Value::Expr(json.clone()),
        })
    }
}

/// `json` as an object whose keys are all `known`.
#[doc(hidden)]
pub fn object<'a>(
    json: &'a Json,
    path: &str,
    known: &[&str],
) -> Result<&'a JsonMap, FromJsonError> {
    let map = json
        .as_object()
        .ok_or_else(|| error(path, "is not an object"))?;
    if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(error(
            &format!("{path}.{unknown}"),
            "is not a property of this type in its schema",
        ));
    }
    Ok(map)
}

/// The required field `key` of `map`.
#[doc(hidden)]
pub fn required<T: FromJson + ToJson>(
    map: &JsonMap,
    key: &str,
    path: &str,
) -> Result<Value<T>, FromJsonError> {
    let value = map
        .get(key)
        .ok_or_else(|| error(&format!("{path}.{key}"), "is required and missing"))?;
    Value::from_json(value, &format!("{path}.{key}"))
}

/// The optional field `key` of `map`.
#[doc(hidden)]
pub fn optional<T: FromJson + ToJson>(
    map: &JsonMap,
    key: &str,
    path: &str,
) -> Result<Option<Value<T>>, FromJsonError> {
    map.get(key)
        .map(|value| Value::from_json(value, &format!("{path}.{key}")))
        .transpose()
}

/// `json` as one of an enum's values: (JSON value, variant).
#[doc(hidden)]
pub fn variant<T: Copy>(
    json: &Json,
    path: &str,
    variants: &[(&str, T)],
) -> Result<T, FromJsonError> {
    let text = json
        .as_str()
        .ok_or_else(|| error(path, "is not a string"))?;
    variants
        .iter()
        .find(|(value, _)| *value == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| error(path, format!("{text:?} is not one of its values")))
}
