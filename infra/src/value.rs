//! [`Value`]: a property's value, either a literal or an intrinsic function.

use std::collections::BTreeMap;

use crate::json::{Json, ToJson};

/// The value of one property: a literal of type `T`, or an intrinsic function
/// (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, ...) whose result has type `T`.
///
/// Every property of every generated type is a `Value`, so an intrinsic fits
/// wherever a literal does: a `Ref` to a `Number` parameter goes into an integer
/// field, an `Fn::If` chooses between two nested structures, an `Fn::Split`
/// fills a list. Literals convert with `.into()`; intrinsics come from
/// [`crate::fns`], [`crate::pseudo`], resource [`crate::Handle`]s and
/// [`crate::Param`]s, already typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<T> {
    /// A literal value.
    Lit(T),
    /// An intrinsic function or reference, held as the JSON it renders to.
    Expr(Json),
}

impl<T> Value<T> {
    /// Any JSON, placed verbatim where a `T` is expected.
    ///
    /// An escape hatch for what the typed API cannot say (an enum value newer than
    /// the schemas, an intrinsic this crate does not model). Validation still
    /// checks the references inside it.
    pub fn raw(json: Json) -> Self {
        Value::Expr(json)
    }

    /// `{"Ref": "AWS::NoValue"}`: removes the property where it is used, typically
    /// in one branch of [`crate::fns::if_`].
    pub fn no_value() -> Self {
        Value::Expr(crate::fns::reference_json("AWS::NoValue"))
    }

    /// The literal, when this value is one.
    pub fn as_literal(&self) -> Option<&T> {
        match self {
            Value::Lit(value) => Some(value),
            Value::Expr(_) => None,
        }
    }

    /// The same JSON, read as producing a `U`: a `Ref` to a resource (a
    /// string) where CloudFormation takes it as a number, a list or a
    /// structure, as it does when the types agree at deploy time. A literal
    /// keeps the JSON it renders to. What `cargo xtask import` writes where a
    /// template uses one type for another.
    pub fn into_type<U>(self) -> Value<U>
    where
        T: ToJson,
    {
        match self {
            Value::Lit(value) => Value::Expr(value.to_json()),
            Value::Expr(json) => Value::Expr(json),
        }
    }

    /// Reinterprets an intrinsic as producing another type, for the places where
    /// CloudFormation converts (a `String` parameter used as a number). A literal
    /// cannot change type this way and returns `None`.
    pub fn cast<U>(self) -> Option<Value<U>> {
        match self {
            Value::Lit(_) => None,
            Value::Expr(json) => Some(Value::Expr(json)),
        }
    }
}

impl<T: ToJson> ToJson for Value<T> {
    fn to_json(&self) -> Json {
        match self {
            Value::Lit(value) => value.to_json(),
            Value::Expr(json) => json.clone(),
        }
    }
}

impl<T: Clone> From<&Value<T>> for Value<T> {
    fn from(value: &Value<T>) -> Self {
        value.clone()
    }
}

impl From<String> for Value<String> {
    fn from(value: String) -> Self {
        Value::Lit(value)
    }
}

impl From<&str> for Value<String> {
    fn from(value: &str) -> Self {
        Value::Lit(value.to_owned())
    }
}

impl From<&String> for Value<String> {
    fn from(value: &String) -> Self {
        Value::Lit(value.clone())
    }
}

impl From<bool> for Value<bool> {
    fn from(value: bool) -> Self {
        Value::Lit(value)
    }
}

macro_rules! integer_literals {
    ($($t:ty),*) => {$(
        impl From<$t> for Value<i64> {
            fn from(value: $t) -> Self {
                Value::Lit(i64::from(value))
            }
        }
        impl From<$t> for Value<f64> {
            fn from(value: $t) -> Self {
                Value::Lit(f64::from(value))
            }
        }
    )*};
}
integer_literals!(i8, i16, i32, u8, u16, u32);

impl From<i64> for Value<i64> {
    fn from(value: i64) -> Self {
        Value::Lit(value)
    }
}

impl From<i64> for Value<f64> {
    fn from(value: i64) -> Self {
        Value::Lit(value as f64)
    }
}

/// Counts and sizes (`usize`, `u64`) where CloudFormation takes an integer.
/// CloudFormation's integers are far below `i64::MAX`: a larger value
/// saturates there, and the property's `maximum` check names it.
macro_rules! wide_unsigned_literals {
    ($($t:ty),*) => {$(
        impl From<$t> for Value<i64> {
            fn from(value: $t) -> Self {
                Value::Lit(i64::try_from(value).unwrap_or(i64::MAX))
            }
        }
        impl From<$t> for Value<f64> {
            fn from(value: $t) -> Self {
                Value::Lit(value as f64)
            }
        }
    )*};
}
wide_unsigned_literals!(u64, usize);

impl From<f64> for Value<f64> {
    fn from(value: f64) -> Self {
        Value::Lit(value)
    }
}

impl From<f32> for Value<f64> {
    fn from(value: f32) -> Self {
        Value::Lit(f64::from(value))
    }
}

impl From<Json> for Value<Json> {
    fn from(value: Json) -> Self {
        Value::Lit(value)
    }
}

impl<T, U: Into<Value<T>>> From<Vec<U>> for Value<Vec<Value<T>>> {
    fn from(items: Vec<U>) -> Self {
        Value::Lit(items.into_iter().map(Into::into).collect())
    }
}

impl<T, U: Into<Value<T>>, const N: usize> From<[U; N]> for Value<Vec<Value<T>>> {
    fn from(items: [U; N]) -> Self {
        Value::Lit(items.into_iter().map(Into::into).collect())
    }
}

impl<T, K: Into<String>, U: Into<Value<T>>> From<BTreeMap<K, U>>
    for Value<BTreeMap<String, Value<T>>>
{
    fn from(entries: BTreeMap<K, U>) -> Self {
        Value::Lit(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<T, K: Into<String>, U: Into<Value<T>>, const N: usize> From<[(K, U); N]>
    for Value<BTreeMap<String, Value<T>>>
{
    fn from(entries: [(K, U); N]) -> Self {
        Value::Lit(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// JSON-typed properties (policy documents, free-form maps such as Lambda
/// environment variables) accept strings, string intrinsics and scalars too.
impl From<&str> for Value<Json> {
    fn from(value: &str) -> Self {
        Value::Lit(Json::String(value.to_owned()))
    }
}

impl From<String> for Value<Json> {
    fn from(value: String) -> Self {
        Value::Lit(Json::String(value))
    }
}

impl From<Value<String>> for Value<Json> {
    fn from(value: Value<String>) -> Self {
        match value {
            Value::Lit(s) => Value::Lit(Json::String(s)),
            Value::Expr(json) => Value::Expr(json),
        }
    }
}

impl From<bool> for Value<Json> {
    fn from(value: bool) -> Self {
        Value::Lit(Json::Bool(value))
    }
}

impl From<i64> for Value<Json> {
    fn from(value: i64) -> Self {
        Value::Lit(Json::from(value))
    }
}
