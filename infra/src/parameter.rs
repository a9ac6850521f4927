//! Template parameters, typed by the value a `Ref` to them yields.

use std::marker::PhantomData;

use serde_json::json;

use crate::fns::reference_json;
use crate::json::{Json, JsonMap, ToJson};
use crate::resource::LogicalIdRef;
use crate::value::Value;

/// A parameter's declaration: its type and constraints. `T` is what a `Ref` to
/// it yields: `String`, `i64` or `f64` (CloudFormation type `Number`), or a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter<T> {
    pub(crate) body: JsonMap,
    _type: PhantomData<fn() -> T>,
}

impl<T> Parameter<T> {
    fn of_type(type_name: &str) -> Self {
        let mut body = JsonMap::new();
        body.insert("Type".into(), json!(type_name));
        Parameter {
            body,
            _type: PhantomData,
        }
    }

    fn set(mut self, key: &str, value: Json) -> Self {
        self.body.insert(key.into(), value);
        self
    }

    /// `Description`, shown in the console and by `describe-stacks`.
    pub fn description(self, text: impl Into<String>) -> Self {
        self.set("Description", json!(text.into()))
    }

    /// `ConstraintDescription`: the message shown when a constraint fails.
    pub fn constraint_description(self, text: impl Into<String>) -> Self {
        self.set("ConstraintDescription", json!(text.into()))
    }

    /// Any key of the declaration as JSON, for what the typed methods do not
    /// say (a `Number` parameter's `Default` written as a string, a key newer
    /// than this crate). It replaces what a typed method set for that key.
    pub fn raw_key(self, key: &str, value: Json) -> Self {
        self.set(key, value)
    }

    /// `NoEcho`: mask the value in the console and API responses.
    pub fn no_echo(self) -> Self {
        self.set("NoEcho", json!(true))
    }
}

impl Parameter<String> {
    /// A `String` parameter.
    pub fn string() -> Self {
        Self::of_type("String")
    }

    /// A parameter of an AWS-specific or SSM type that yields one string, such
    /// as `AWS::EC2::VPC::Id` or `AWS::SSM::Parameter::Value<String>`.
    pub fn aws_type(type_name: &str) -> Self {
        Self::of_type(type_name)
    }

    /// `Default`.
    pub fn default_value(self, value: impl Into<String>) -> Self {
        self.set("Default", json!(value.into()))
    }

    /// `AllowedValues`.
    pub fn allowed_values<S: Into<String>>(self, values: impl IntoIterator<Item = S>) -> Self {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        self.set("AllowedValues", json!(values))
    }

    /// `AllowedPattern`: a Java regular expression the whole value must match.
    pub fn allowed_pattern(self, pattern: impl Into<String>) -> Self {
        self.set("AllowedPattern", json!(pattern.into()))
    }

    /// `MinLength`.
    pub fn min_length(self, length: u32) -> Self {
        self.set("MinLength", json!(length))
    }

    /// `MaxLength`.
    pub fn max_length(self, length: u32) -> Self {
        self.set("MaxLength", json!(length))
    }
}

macro_rules! number_parameter {
    ($t:ty, $ctor:ident, $doc:literal) => {
        impl Parameter<$t> {
            #[doc = $doc]
            pub fn $ctor() -> Self {
                Self::of_type("Number")
            }

            /// `Default`.
            pub fn default_value(self, value: $t) -> Self {
                self.set("Default", value.to_json())
            }

            /// `AllowedValues`.
            pub fn allowed_values(self, values: impl IntoIterator<Item = $t>) -> Self {
                let values: Vec<Json> = values.into_iter().map(|v| v.to_json()).collect();
                self.set("AllowedValues", Json::Array(values))
            }

            /// `MinValue`.
            pub fn min_value(self, value: $t) -> Self {
                self.set("MinValue", value.to_json())
            }

            /// `MaxValue`.
            pub fn max_value(self, value: $t) -> Self {
                self.set("MaxValue", value.to_json())
            }
        }
    };
}
number_parameter!(i64, integer, "A `Number` parameter used where integers go.");
number_parameter!(
    f64,
    number,
    "A `Number` parameter used where any number goes."
);

impl Parameter<Vec<Value<String>>> {
    /// A `CommaDelimitedList` parameter.
    pub fn comma_delimited_list() -> Self {
        Self::of_type("CommaDelimitedList")
    }

    /// A list of an AWS-specific type, such as `List<AWS::EC2::Subnet::Id>`.
    pub fn aws_list_type(type_name: &str) -> Self {
        Self::of_type(type_name)
    }

    /// `Default`: the items, joined with commas as CloudFormation expects.
    pub fn default_value<S: Into<String>>(self, items: impl IntoIterator<Item = S>) -> Self {
        let items: Vec<String> = items.into_iter().map(Into::into).collect();
        self.set("Default", json!(items.join(",")))
    }
}

/// A handle to a parameter in a template, returned by
/// [`crate::Template::parameter`]. `Ref` to it has type `T`.
pub struct Param<T> {
    logical_id: String,
    _type: PhantomData<fn() -> T>,
}

impl<T> Param<T> {
    pub(crate) fn new(logical_id: String) -> Self {
        Param {
            logical_id,
            _type: PhantomData,
        }
    }

    /// The parameter's logical ID.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `{"Ref": "<parameter>"}`, typed as the parameter's value.
    pub fn reference(&self) -> Value<T> {
        Value::Expr(reference_json(&self.logical_id))
    }
}

impl<T> Clone for Param<T> {
    fn clone(&self) -> Self {
        Param::new(self.logical_id.clone())
    }
}

impl<T> std::fmt::Debug for Param<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Param({})", self.logical_id)
    }
}

impl<T> LogicalIdRef for Param<T> {
    fn logical_id(&self) -> &str {
        &self.logical_id
    }
}

impl<T> From<&Param<T>> for Value<T> {
    fn from(param: &Param<T>) -> Self {
        param.reference()
    }
}

/// An integer parameter where a number goes (CloudFormation's `Number`
/// parameters are the same type either way).
impl From<&Param<i64>> for Value<f64> {
    fn from(param: &Param<i64>) -> Self {
        Value::Expr(serde_json::json!({ "Ref": param.logical_id }))
    }
}
