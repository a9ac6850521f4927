//! [`Template`]: the whole document, built by adding typed parts.

use serde_json::json;

use crate::conditions::{Condition, ConditionRef};
use crate::json::{canonicalize, Json, JsonMap};
use crate::mapping::{Mapping, MappingRef};
use crate::output::Output;
use crate::parameter::{Param, Parameter};
use crate::render::Rendered;
use crate::resource::{Attributes, Handle, Resource, ResourceEntry};
use crate::validate::{self, ValidationErrors};

/// The transforms CloudFormation provides
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-reference.html>).
pub mod transforms {
    /// `AWS::LanguageExtensions`: `Fn::Length`, `Fn::ToJsonString`,
    /// `Fn::ForEach`, intrinsics in `DeletionPolicy` and more
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-languageextensions.html>).
    pub const LANGUAGE_EXTENSIONS: &str = "AWS::LanguageExtensions";
    /// `AWS::Serverless-2016-10-31`: SAM's resource types, expanded by
    /// CloudFormation into plain ones
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-serverless.html>).
    pub const SERVERLESS: &str = "AWS::Serverless-2016-10-31";
}

/// A CloudFormation template under construction.
///
/// Parts are added with logical IDs chosen once; each `add` returns a typed
/// handle through which other parts refer to it. Problems (a duplicate or
/// invalid ID, a reference to nothing, a cycle, a limit) are collected and
/// reported together by [`Template::validate`] and [`Template::render`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Template {
    description: Option<String>,
    metadata: JsonMap,
    transforms: Vec<String>,
    pub(crate) parameters: Vec<(String, Json)>,
    pub(crate) rules: Vec<(String, Json)>,
    pub(crate) mappings: Vec<(String, Json)>,
    pub(crate) conditions: Vec<(String, Json)>,
    pub(crate) resources: Vec<ResourceEntry>,
    pub(crate) outputs: Vec<(String, Json)>,
    /// `Fn::ForEach` loops, by section.
    pub(crate) loops: Vec<crate::for_each::Loop>,
}

impl Template {
    /// An empty template.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `Description`.
    pub fn set_description(&mut self, text: impl Into<String>) -> &mut Self {
        self.description = Some(text.into());
        self
    }

    /// The description, if set.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Declares a macro CloudFormation runs over the template before
    /// anything else (`Transform`), such as [`transforms::LANGUAGE_EXTENSIONS`]
    /// (which [`crate::fns::length`] and [`crate::fns::to_json_string`]
    /// need) or [`transforms::SERVERLESS`]; declared once however often
    /// it is called, in the order first declared.
    pub fn transform(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        if !self.transforms.contains(&name) {
            self.transforms.push(name);
        }
        self
    }

    /// The declared transforms, in order.
    pub fn transforms(&self) -> &[String] {
        &self.transforms
    }

    /// Adds a `Rules` entry: assertions over parameter values that
    /// CloudFormation checks before creating or updating the stack
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html>),
    /// built with [`crate::rule::Rule`] or given as its JSON; `validate`
    /// checks either.
    pub fn rule(&mut self, name: impl Into<String>, rule: impl Into<Json>) -> &mut Self {
        self.rules.push((name.into(), rule.into()));
        self
    }

    /// Sets one top-level `Metadata` key.
    pub fn set_metadata(&mut self, key: impl Into<String>, value: Json) -> &mut Self {
        self.metadata.insert(key.into(), value);
        self
    }

    /// Adds a resource under `logical_id` and returns its handle.
    pub fn add<R: Resource>(&mut self, logical_id: &str, resource: R) -> Handle<R> {
        self.add_with(logical_id, resource, Attributes::new())
    }

    /// Adds a resource with attributes (`DependsOn`, `DeletionPolicy`,
    /// `Condition`, ...) and property overrides.
    pub fn add_with<R: Resource>(
        &mut self,
        logical_id: &str,
        resource: R,
        attributes: Attributes,
    ) -> Handle<R> {
        self.resources.push(ResourceEntry {
            logical_id: logical_id.to_owned(),
            type_name: resource.resource_type().to_owned(),
            properties: resource.properties(),
            attributes,
        });
        Handle::new(logical_id.to_owned())
    }

    /// Changes the attributes of a resource already added: `change` receives
    /// the current ones.
    pub fn update_attributes<R>(
        &mut self,
        handle: &Handle<R>,
        change: impl FnOnce(Attributes) -> Attributes,
    ) {
        if let Some(entry) = self
            .resources
            .iter_mut()
            .find(|e| e.logical_id == handle.logical_id())
        {
            entry.attributes = change(std::mem::take(&mut entry.attributes));
        }
    }

    /// Sets a property of a resource already added at a dotted `path`.
    pub fn override_property<R>(&mut self, handle: &Handle<R>, path: &str, value: Json) {
        self.update_attributes(handle, |a| a.override_property(path, value));
    }

    /// Adds a parameter and returns its typed handle.
    pub fn parameter<T>(&mut self, logical_id: &str, parameter: Parameter<T>) -> Param<T> {
        self.parameters
            .push((logical_id.to_owned(), Json::Object(parameter.body)));
        Param::new(logical_id.to_owned())
    }

    /// Adds a named condition and returns its handle.
    pub fn condition(&mut self, name: &str, condition: Condition) -> ConditionRef {
        self.conditions
            .push((name.to_owned(), condition.into_json()));
        ConditionRef::new(name.to_owned())
    }

    /// Adds a mapping and returns its handle.
    pub fn mapping(&mut self, name: &str, mapping: Mapping) -> MappingRef {
        self.mappings
            .push((name.to_owned(), Json::Object(mapping.body)));
        MappingRef::new(name.to_owned())
    }

    /// Adds an output.
    pub fn output(&mut self, name: &str, output: impl Into<Output>) -> &mut Self {
        self.outputs
            .push((name.to_owned(), output.into().to_json()));
        self
    }

    /// The resources, in the order they were added.
    pub fn resources(&self) -> impl Iterator<Item = &ResourceEntry> {
        self.resources.iter()
    }

    /// The resource with `logical_id`.
    pub fn resource(&self, logical_id: &str) -> Option<&ResourceEntry> {
        self.resources.iter().find(|e| e.logical_id == logical_id)
    }

    /// The outputs as `(name, JSON)` pairs, in the order they were added.
    pub fn outputs(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.outputs.iter().map(|(n, j)| (n.as_str(), j))
    }

    /// The parameters as `(logical id, declaration)` pairs.
    pub fn parameters(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.parameters.iter().map(|(n, j)| (n.as_str(), j))
    }

    /// Every problem CloudFormation would reject, found before deploying.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let errors = validate::check(self);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// Validates, then renders the canonical document.
    pub fn render(&self) -> Result<Rendered, ValidationErrors> {
        self.validate()?;
        let rendered = Rendered::new(canonicalize(&self.document()));
        let size = validate::check_size(rendered.compact_text().len());
        if size.is_empty() {
            Ok(rendered)
        } else {
            Err(ValidationErrors(size))
        }
    }

    /// The template as JSON, without validation.
    pub(crate) fn document(&self) -> Json {
        fn section(pairs: &[(String, Json)]) -> Option<Json> {
            (!pairs.is_empty()).then(|| Json::Object(pairs.iter().cloned().collect()))
        }
        let mut doc = JsonMap::new();
        doc.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        if let Some(d) = &self.description {
            doc.insert("Description".into(), json!(d));
        }
        if !self.metadata.is_empty() {
            doc.insert("Metadata".into(), Json::Object(self.metadata.clone()));
        }
        match self.transforms.as_slice() {
            [] => {}
            [one] => {
                doc.insert("Transform".into(), json!(one));
            }
            many => {
                doc.insert("Transform".into(), json!(many));
            }
        }
        let resources: Vec<(String, Json)> = self
            .resources
            .iter()
            .map(|e| (e.logical_id.clone(), e.to_json()))
            .collect();
        let with_loops = |name: &str, pairs: &[(String, Json)]| -> Vec<(String, Json)> {
            let loops = self
                .loops
                .iter()
                .filter(|l| l.section.as_str() == name)
                .map(|l| {
                    (
                        format!("{}{}", crate::for_each::FOR_EACH, l.name),
                        l.body.clone(),
                    )
                });
            pairs.iter().cloned().chain(loops).collect()
        };
        for (key, pairs) in [
            ("Parameters", self.parameters.clone()),
            ("Rules", self.rules.clone()),
            ("Mappings", self.mappings.clone()),
            ("Conditions", with_loops("Conditions", &self.conditions)),
            ("Resources", with_loops("Resources", &resources)),
            ("Outputs", with_loops("Outputs", &self.outputs)),
        ] {
            if let Some(value) = section(&pairs) {
                doc.insert(key.into(), value);
            }
        }
        Json::Object(doc)
    }
}
