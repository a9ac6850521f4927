//! Nested stacks (`AWS::CloudFormation::Stack`) with the boundary typed: a
//! parent passes a value for a child's parameter through the child's own
//! [`Param`] handle, so a number goes where the child takes a number, and
//! reads a child's output only if the child declares it. Mistakes are
//! errors when the stack is added, naming the stack and the parameter or
//! output. Behind the `cloudformation` feature.
//!
//! CloudFormation passes parameters to a nested stack as strings and gives
//! its outputs to the parent through `Fn::GetAtt <Stack>.Outputs.<Name>`
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stack.html>):
//! a literal number or boolean is written as its string, a literal list
//! joined with commas (as a `CommaDelimitedList` takes it). The child's
//! body must be uploaded where `TemplateURL` points (an S3 URL).
//!
//! ```
//! use infra::nested::NestedStack;
//! use infra::{Output, Parameter, Template};
//!
//! let mut child = Template::new();
//! let retention = child.parameter("Retention", Parameter::integer());
//! let logs = child.add(
//!     "Logs",
//!     infra::aws::logs::LogGroup::new().retention_in_days(retention.reference()),
//! );
//! child.output("LogGroupArn", Output::new(logs.arn()));
//!
//! let mut parent = Template::new();
//! let stack = NestedStack::new(&child, "https://s3.amazonaws.com/bucket/child.json")
//!     .parameter(&retention, 14)
//!     .add(&mut parent, "Logging")
//!     .unwrap();
//! parent.output("Logs", Output::new(stack.output("LogGroupArn").unwrap()));
//! assert!(parent.render().is_ok());
//! assert!(stack.output("Nope").is_err());
//! ```

use std::collections::BTreeMap;

use crate::aws::cloudformation::Stack;
use crate::json::{Json, ToJson};
use crate::parameter::Param;
use crate::resource::{Attributes, Handle};
use crate::template::Template;
use crate::value::Value;

/// A nested stack's boundary used wrongly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NestedStackError {
    /// A value for a parameter the child does not declare (a handle from
    /// another template).
    #[error("nested stack `{stack}`: the child template has no parameter `{parameter}`")]
    UnknownParameter { stack: String, parameter: String },
    /// Child parameters without a default that the parent does not pass:
    /// CloudFormation would fail the nested stack's creation.
    #[error("nested stack `{stack}`: no value for the child's parameters {} (they have no default)", names.join(", "))]
    MissingParameters { stack: String, names: Vec<String> },
    /// An output the child does not declare.
    #[error("nested stack `{stack}`: the child template has no output `{output}`; it has {}", if known.is_empty() { "none".to_owned() } else { known.join(", ") })]
    UnknownOutput {
        stack: String,
        output: String,
        known: Vec<String>,
    },
}

/// A nested stack being declared: the child template, its URL and the
/// values passed to its parameters.
pub struct NestedStack<'c> {
    child: &'c Template,
    stack: Stack,
    attributes: Attributes,
    values: BTreeMap<String, Value<Json>>,
    unknown: Vec<String>,
}

impl<'c> NestedStack<'c> {
    /// A nested stack of `child`, whose rendered body is at `template_url`.
    pub fn new(child: &'c Template, template_url: impl Into<Value<String>>) -> Self {
        NestedStack {
            child,
            stack: Stack::new(template_url),
            attributes: Attributes::new(),
            values: BTreeMap::new(),
            unknown: Vec::new(),
        }
    }

    /// Passes `value` to the child's parameter `param` (the handle the
    /// child's `Template::parameter` returned): its type is the parameter's.
    pub fn parameter<T: NestedValue>(
        mut self,
        param: &Param<T>,
        value: impl Into<Value<T>>,
    ) -> Self {
        let name = param.logical_id().to_owned();
        if self.child.parameters().all(|(id, _)| id != name) {
            self.unknown.push(name.clone());
        }
        let value = match value.into() {
            Value::Lit(literal) => as_parameter_string(literal.to_json()),
            // A list passes as one comma-joined string.
            Value::Expr(json) if T::LIST => {
                Value::Expr(serde_json::json!({"Fn::Join": [",", json]}))
            }
            Value::Expr(json) => Value::Expr(json),
        };
        self.values.insert(name, value);
        self
    }

    /// `TimeoutInMinutes`: how long CloudFormation waits for the nested stack.
    pub fn timeout_in_minutes(mut self, minutes: impl Into<Value<i64>>) -> Self {
        self.stack = self.stack.timeout_in_minutes(minutes);
        self
    }

    /// The resource's attributes (`DependsOn`, `DeletionPolicy`, ...).
    pub fn attributes(mut self, attributes: Attributes) -> Self {
        self.attributes = attributes;
        self
    }

    /// Adds the `AWS::CloudFormation::Stack` to `parent` under `logical_id`.
    pub fn add(
        self,
        parent: &mut Template,
        logical_id: &str,
    ) -> Result<NestedStackRef<'c>, NestedStackError> {
        if let Some(parameter) = self.unknown.first() {
            return Err(NestedStackError::UnknownParameter {
                stack: logical_id.to_owned(),
                parameter: parameter.clone(),
            });
        }
        let missing: Vec<String> = self
            .child
            .parameters()
            .filter(|(id, body)| body.get("Default").is_none() && !self.values.contains_key(*id))
            .map(|(id, _)| id.to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(NestedStackError::MissingParameters {
                stack: logical_id.to_owned(),
                names: missing,
            });
        }
        let mut stack = self.stack;
        if !self.values.is_empty() {
            stack = stack.parameters(self.values);
        }
        let handle = parent.add_with(logical_id, stack, self.attributes);
        Ok(NestedStackRef {
            handle,
            child: self.child,
        })
    }
}

/// What a child parameter's `Ref` yields, as the parent passes it: lists
/// join with commas.
pub trait NestedValue: ToJson {
    /// Whether the value is a list (passed joined with commas).
    const LIST: bool = false;
}

impl NestedValue for String {}
impl NestedValue for i64 {}
impl NestedValue for f64 {}
impl NestedValue for Vec<Value<String>> {
    const LIST: bool = true;
}

/// A literal as CloudFormation passes it to a nested stack: a string; a
/// list of strings joined with commas, one holding intrinsics through
/// `Fn::Join`.
fn as_parameter_string(json: Json) -> Value<Json> {
    match json {
        Json::String(_) => Value::Lit(json),
        Json::Array(items) if items.iter().all(Json::is_string) => Value::Lit(Json::String(
            items
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(","),
        )),
        Json::Array(items) => Value::Expr(serde_json::json!({"Fn::Join": [",", items]})),
        other => Value::Lit(Json::String(other.to_string())),
    }
}

/// A nested stack in its parent: its handle and the child's outputs.
pub struct NestedStackRef<'c> {
    handle: Handle<Stack>,
    child: &'c Template,
}

impl NestedStackRef<'_> {
    /// The stack resource's handle (`Ref` is the nested stack's ID).
    pub fn handle(&self) -> &Handle<Stack> {
        &self.handle
    }

    /// The child's output `name`: `Fn::GetAtt <Stack>.Outputs.<name>`, a
    /// string, if the child declares it.
    pub fn output(&self, name: &str) -> Result<Value<String>, NestedStackError> {
        if self.child.outputs().any(|(n, _)| n == name) {
            Ok(self.handle.attribute(&format!("Outputs.{name}")))
        } else {
            Err(NestedStackError::UnknownOutput {
                stack: self.handle.logical_id().to_owned(),
                output: name.to_owned(),
                known: self.child.outputs().map(|(n, _)| n.to_owned()).collect(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Output, Parameter};
    use serde_json::json;

    struct Child {
        template: Template,
        size: Param<i64>,
        zones: Param<Vec<Value<String>>>,
    }

    fn child() -> Child {
        let mut template = Template::new();
        let size = template.parameter("Size", Parameter::integer());
        let zones = template.parameter("Zones", Parameter::comma_delimited_list());
        let name = template.parameter("Name", Parameter::string().default_value("site"));
        template.add(
            "Wait",
            crate::aws::cloudformation::WaitConditionHandle::new(),
        );
        template.output("Url", Output::new(name.reference()));
        Child {
            template,
            size,
            zones,
        }
    }

    #[test]
    fn values_cross_as_strings_and_outputs_as_get_att() {
        let Child {
            template: child,
            size,
            zones,
        } = child();
        let mut parent = Template::new();
        let stack = NestedStack::new(&child, "https://s3.amazonaws.com/b/child.json")
            .parameter(&size, 3)
            .parameter(&zones, ["a", "b"])
            .timeout_in_minutes(30)
            .add(&mut parent, "Child")
            .unwrap();
        parent.output("ChildUrl", Output::new(stack.output("Url").unwrap()));
        let rendered = parent.render().unwrap();
        assert_eq!(
            rendered.json()["Resources"]["Child"]["Properties"],
            json!({"Parameters": {"Size": "3", "Zones": "a,b"}, "TemplateURL": "https://s3.amazonaws.com/b/child.json", "TimeoutInMinutes": 30})
        );
        let mut other = Template::new();
        let subnet = other.parameter("Subnet", Parameter::string());
        let mixed = NestedStack::new(&child, "u")
            .parameter(&size, 1)
            .parameter(&zones, vec![Value::from("a"), subnet.reference()])
            .add(&mut other, "Mixed")
            .unwrap();
        let list = other.parameter("Zones", Parameter::comma_delimited_list());
        NestedStack::new(&child, "u")
            .parameter(&size, 1)
            .parameter(&zones, list.reference())
            .add(&mut other, "Listed")
            .unwrap();
        let doc = other.render().unwrap();
        assert_eq!(
            doc.json()["Resources"]["Mixed"]["Properties"]["Parameters"]["Zones"],
            json!({"Fn::Join": [",", ["a", {"Ref": "Subnet"}]]})
        );
        assert_eq!(
            doc.json()["Resources"]["Listed"]["Properties"]["Parameters"]["Zones"],
            json!({"Fn::Join": [",", {"Ref": "Zones"}]})
        );
        let _ = mixed;
        assert_eq!(
            rendered.json()["Outputs"]["ChildUrl"]["Value"],
            json!({"Fn::GetAtt": ["Child", "Outputs.Url"]})
        );
    }

    #[test]
    fn the_boundary_used_wrongly_is_an_error_by_name() {
        let Child {
            template: child,
            size,
            ..
        } = child();
        let mut parent = Template::new();
        let missing = NestedStack::new(&child, "u")
            .parameter(&size, 1)
            .add(&mut parent, "C");
        assert_eq!(
            missing.err().map(|e| e.to_string()).as_deref(),
            Some("nested stack `C`: no value for the child's parameters Zones (they have no default)")
        );
        let mut other = Template::new();
        let stranger = other.parameter("Stranger", Parameter::string());
        let unknown = NestedStack::new(&child, "u")
            .parameter(&stranger, "x")
            .add(&mut parent, "C");
        assert!(matches!(
            unknown,
            Err(NestedStackError::UnknownParameter { .. })
        ));
        let Child {
            template: child,
            size,
            zones,
        } = self::child();
        let ok = NestedStack::new(&child, "u")
            .parameter(&size, 1)
            .parameter(&zones, ["a"])
            .add(&mut parent, "D")
            .unwrap();
        assert_eq!(
            ok.output("Nope").unwrap_err().to_string(),
            "nested stack `D`: the child template has no output `Nope`; it has Url"
        );
    }
}
