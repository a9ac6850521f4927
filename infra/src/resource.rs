//! Resources: the [`Resource`] trait every type implements, typed [`Handle`]s,
//! resource attributes, and the [`RawResource`] escape hatch.

use std::marker::PhantomData;

use serde_json::json;

use crate::conditions::ConditionRef;
use crate::fns::{get_att_json, reference_json};
use crate::json::{Json, JsonMap};
use crate::value::Value;

/// A CloudFormation resource type: generated for every type in the schemas,
/// and implemented by [`RawResource`] for anything else.
pub trait Resource {
    /// The type name, such as `AWS::DynamoDB::Table`.
    fn resource_type(&self) -> &str;
    /// The `Properties` object.
    fn properties(&self) -> Json;
}

/// A resource of a type that is not generated: a type name and JSON properties.
/// Its handle offers [`Handle::get_att`] with any attribute name.
#[derive(Debug, Clone, PartialEq)]
pub struct RawResource {
    type_name: String,
    properties: Json,
}

impl RawResource {
    /// A resource of `type_name` (`Custom::Thing`, `AWS::Foo::Bar`) with
    /// `properties` (a JSON object; intrinsics go in as their JSON).
    pub fn new(type_name: impl Into<String>, properties: Json) -> Self {
        RawResource {
            type_name: type_name.into(),
            properties,
        }
    }
}

impl Resource for RawResource {
    fn resource_type(&self) -> &str {
        &self.type_name
    }
    fn properties(&self) -> Json {
        self.properties.clone()
    }
}

/// Anything with a logical ID that `DependsOn` can name.
pub trait LogicalIdRef {
    /// The logical ID in the template.
    fn logical_id(&self) -> &str;
}

/// A typed handle to a resource in a template, returned when it is added.
///
/// `Ref` is [`Handle::reference`] (or `&handle` where a string is expected);
/// the attributes a type has are generated methods, so `table.stream_arn()`
/// exists for a DynamoDB table and does not compile for a queue.
pub struct Handle<R> {
    logical_id: String,
    _type: PhantomData<fn() -> R>,
}

impl<R> Handle<R> {
    pub(crate) fn new(logical_id: String) -> Self {
        Handle {
            logical_id,
            _type: PhantomData,
        }
    }

    /// The resource's logical ID.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `{"Ref": "<logical id>"}`: what the type documents as its `Ref` value
    /// (a name, an ID or an ARN).
    pub fn reference(&self) -> Value<String> {
        Value::Expr(reference_json(&self.logical_id))
    }

    /// `Fn::GetAtt` of a generated attribute accessor.
    #[doc(hidden)]
    pub fn attribute<T>(&self, name: &str) -> Value<T> {
        Value::Expr(get_att_json(&self.logical_id, name))
    }
}

impl Handle<RawResource> {
    /// `Fn::GetAtt` with any attribute name (raw resources have no schema).
    pub fn get_att(&self, attribute: &str) -> Value<String> {
        self.attribute(attribute)
    }
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Handle::new(self.logical_id.clone())
    }
}

impl<R> std::fmt::Debug for Handle<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handle({})", self.logical_id)
    }
}

impl<R> PartialEq for Handle<R> {
    fn eq(&self, other: &Self) -> bool {
        self.logical_id == other.logical_id
    }
}

impl<R> LogicalIdRef for Handle<R> {
    fn logical_id(&self) -> &str {
        &self.logical_id
    }
}

impl<R> From<&Handle<R>> for Value<String> {
    fn from(handle: &Handle<R>) -> Self {
        handle.reference()
    }
}

/// What happens to a resource's physical resource when it leaves the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Delete it (the default for most types).
    Delete,
    /// Keep it.
    Retain,
    /// Keep it, unless the stack's creation failed.
    RetainExceptOnCreate,
    /// Snapshot it, then delete it (types that support snapshots).
    Snapshot,
}

impl DeletionPolicy {
    /// The `UpdateReplacePolicy` that keeps what this policy keeps:
    /// `UpdateReplacePolicy` takes no `RetainExceptOnCreate` (a replacement
    /// is never the resource's creation), so that one becomes `Retain`.
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html>
    pub fn on_replace(self) -> DeletionPolicy {
        match self {
            DeletionPolicy::RetainExceptOnCreate => DeletionPolicy::Retain,
            other => other,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            DeletionPolicy::Delete => "Delete",
            DeletionPolicy::Retain => "Retain",
            DeletionPolicy::RetainExceptOnCreate => "RetainExceptOnCreate",
            DeletionPolicy::Snapshot => "Snapshot",
        }
    }
}

/// Resource attributes beyond `Type` and `Properties`, and property overrides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    pub(crate) depends_on: Vec<String>,
    pub(crate) deletion_policy: Option<DeletionPolicy>,
    pub(crate) update_replace_policy: Option<DeletionPolicy>,
    pub(crate) condition: Option<String>,
    pub(crate) metadata: Option<Json>,
    pub(crate) update_policy: Option<Json>,
    pub(crate) creation_policy: Option<Json>,
    pub(crate) overrides: Vec<(String, Option<Json>)>,
    pub(crate) unchecked: Vec<String>,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// `DependsOn`: create this resource after `other`.
    pub fn depends_on(mut self, other: &impl LogicalIdRef) -> Self {
        let id = other.logical_id().to_owned();
        if !self.depends_on.contains(&id) {
            self.depends_on.push(id);
        }
        self
    }

    /// `DeletionPolicy`.
    pub fn deletion_policy(mut self, policy: DeletionPolicy) -> Self {
        self.deletion_policy = Some(policy);
        self
    }

    /// `UpdateReplacePolicy`.
    pub fn update_replace_policy(mut self, policy: DeletionPolicy) -> Self {
        self.update_replace_policy = Some(policy);
        self
    }

    /// `Condition`: create the resource only when `condition` holds.
    pub fn condition(mut self, condition: &ConditionRef) -> Self {
        self.condition = Some(condition.name().to_owned());
        self
    }

    /// `Metadata`.
    pub fn metadata(mut self, metadata: Json) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// `UpdatePolicy`: a [`crate::UpdatePolicy`] (or its JSON). Validation
    /// checks the rules CloudFormation documents for it.
    pub fn update_policy(mut self, policy: impl Into<Json>) -> Self {
        self.update_policy = Some(policy.into());
        self
    }

    /// `CreationPolicy`: a [`crate::CreationPolicy`] (or its JSON).
    /// Validation checks the rules CloudFormation documents for it.
    pub fn creation_policy(mut self, policy: impl Into<Json>) -> Self {
        self.creation_policy = Some(policy.into());
        self
    }

    /// Sets the property at a dotted `path` (`"Foo.Bar"`) to `value`, creating
    /// objects on the way: for a property the schemas do not have yet.
    pub fn override_property(mut self, path: &str, value: Json) -> Self {
        self.overrides.push((path.to_owned(), Some(value)));
        self
    }

    /// Removes the property at a dotted `path`.
    pub fn remove_property(mut self, path: &str) -> Self {
        self.overrides.push((path.to_owned(), None));
        self
    }

    /// Leaves the value checks (`crate::check`) out at a dotted `path`
    /// below `Properties` and under it (`"Runtime"`, `"Code"`; `""` for
    /// the whole resource): for a value AWS accepts that the vendored
    /// schema does not know yet (a runtime released since).
    pub fn unchecked(mut self, path: &str) -> Self {
        self.unchecked.push(path.to_owned());
        self
    }
}

/// One resource as the template holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceEntry {
    pub(crate) logical_id: String,
    pub(crate) type_name: String,
    pub(crate) properties: Json,
    pub(crate) attributes: Attributes,
}

impl ResourceEntry {
    /// The logical ID.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// The type name.
    pub fn resource_type(&self) -> &str {
        &self.type_name
    }

    /// The properties, overrides applied.
    pub fn properties(&self) -> Json {
        let mut properties = self.properties.clone();
        for (path, value) in &self.attributes.overrides {
            apply_override(&mut properties, path, value.clone());
        }
        properties
    }

    /// The logical IDs named in `DependsOn`.
    pub fn depends_on(&self) -> &[String] {
        &self.attributes.depends_on
    }

    /// The name of the condition the resource is created under.
    pub fn condition(&self) -> Option<&str> {
        self.attributes.condition.as_deref()
    }

    pub(crate) fn to_json(&self) -> Json {
        let mut out = JsonMap::new();
        out.insert("Type".into(), json!(self.type_name));
        let properties = self.properties();
        if properties.as_object().is_some_and(|p| !p.is_empty()) {
            out.insert("Properties".into(), properties);
        }
        let a = &self.attributes;
        if !a.depends_on.is_empty() {
            let mut ids = a.depends_on.clone();
            ids.sort();
            out.insert("DependsOn".into(), json!(ids));
        }
        if let Some(p) = a.deletion_policy {
            out.insert("DeletionPolicy".into(), json!(p.as_str()));
        }
        if let Some(p) = a.update_replace_policy {
            out.insert("UpdateReplacePolicy".into(), json!(p.as_str()));
        }
        if let Some(c) = &a.condition {
            out.insert("Condition".into(), json!(c));
        }
        if let Some(m) = &a.metadata {
            out.insert("Metadata".into(), m.clone());
        }
        if let Some(p) = &a.update_policy {
            out.insert("UpdatePolicy".into(), p.clone());
        }
        if let Some(p) = &a.creation_policy {
            out.insert("CreationPolicy".into(), p.clone());
        }
        Json::Object(out)
    }
}

fn apply_override(target: &mut Json, path: &str, value: Option<Json>) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut node = target;
    for part in parts {
        if !node.is_object() {
            *node = Json::Object(JsonMap::new());
        }
        let Json::Object(map) = node else { return };
        node = map
            .entry(part.to_owned())
            .or_insert_with(|| Json::Object(JsonMap::new()));
    }
    if !node.is_object() {
        *node = Json::Object(JsonMap::new());
    }
    if let Json::Object(map) = node {
        match value {
            Some(v) => {
                map.insert(last.to_owned(), v);
            }
            None => {
                map.remove(last);
            }
        }
    }
}
