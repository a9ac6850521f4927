//! [`Tag`]: the key-value pair that most resource types take in `Tags`.

use serde_json::json;

use crate::json::{Json, ToJson};
use crate::value::Value;

/// A resource tag. Generated types whose schema defines the usual
/// `{Key, Value}` tag use this one type, so tags are built the same way
/// everywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// `Key`.
    pub key: Value<String>,
    /// `Value`.
    pub value: Value<String>,
}

impl Tag {
    /// A tag with `key` and `value`.
    pub fn new(key: impl Into<Value<String>>, value: impl Into<Value<String>>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

impl ToJson for Tag {
    fn to_json(&self) -> Json {
        json!({ "Key": self.key.to_json(), "Value": self.value.to_json() })
    }
}

impl From<Tag> for Value<Tag> {
    fn from(tag: Tag) -> Self {
        Value::Lit(tag)
    }
}
