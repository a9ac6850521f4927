//! The JSON tree every template value renders to, and the trait that renders it.

/// A JSON value: what every property, intrinsic and template renders to.
pub type Json = serde_json::Value;

/// A JSON object.
pub type JsonMap = serde_json::Map<String, Json>;

/// Renders a value to the JSON CloudFormation reads.
///
/// Implemented by literals (strings, numbers, booleans, lists, maps), by every
/// generated property type and enum, and by [`crate::Value`].
pub trait ToJson {
    /// The CloudFormation JSON for this value.
    fn to_json(&self) -> Json;
}

impl ToJson for String {
    fn to_json(&self) -> Json {
        Json::String(self.clone())
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Json {
        Json::Bool(*self)
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Json {
        Json::from(*self)
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Json {
        // A whole number renders without a fraction ("5", not "5.0"), as a person
        // would write it; NaN and infinities have no JSON form and render as null,
        // which validation reports.
        if self.fract() == 0.0 && self.abs() < 9.0e15 {
            Json::from(*self as i64)
        } else {
            serde_json::Number::from_f64(*self).map_or(Json::Null, Json::Number)
        }
    }
}

impl ToJson for Json {
    fn to_json(&self) -> Json {
        self.clone()
    }
}

impl<T: ToJson + ?Sized> ToJson for Box<T> {
    fn to_json(&self) -> Json {
        (**self).to_json()
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Json {
        Json::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: ToJson> ToJson for std::collections::BTreeMap<String, T> {
    fn to_json(&self) -> Json {
        Json::Object(self.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    }
}

/// A JSON object from its entries: what `serde_json::json!` writes, as a
/// function. The macro expands once per entry and stops at the compiler's
/// recursion limit on a large document (a policy with a hundred actions);
/// `cargo xtask import` writes large objects with this instead.
pub fn json_object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Json)>) -> Json {
    Json::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// Rebuilds a JSON tree with every object's keys inserted in sorted order, so the
/// output is the same whatever map type `serde_json` was built with.
pub fn canonicalize(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = JsonMap::new();
            for key in keys {
                out.insert(key.clone(), canonicalize(&map[key]));
            }
            Json::Object(out)
        }
        Json::Array(items) => Json::Array(items.iter().map(canonicalize).collect()),
        other => other.clone(),
    }
}

/// Inserts `value` under `key` (generated `ToJson` impls use this).
#[doc(hidden)]
pub fn put<T: ToJson>(map: &mut JsonMap, key: &str, value: &T) {
    map.insert(key.to_owned(), value.to_json());
}

/// Inserts `value` under `key` when it is set.
#[doc(hidden)]
pub fn put_opt<T: ToJson>(map: &mut JsonMap, key: &str, value: &Option<T>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value.to_json());
    }
}
