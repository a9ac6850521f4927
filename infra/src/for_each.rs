//! `Fn::ForEach`: one template fragment repeated for each item of a list,
//! expanded by the `AWS::LanguageExtensions` transform
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html>).
//! A loop sits in `Resources`, `Outputs` or `Conditions` as
//! `"Fn::ForEach::<Name>": [identifier, collection, {key: fragment}]`, where
//! `${identifier}` in the key (and `Ref`/`${}` of the identifier in the
//! fragment) takes each item in turn.

use serde_json::json;

use crate::json::{Json, ToJson};
use crate::resource::{Attributes, Resource, ResourceEntry};
use crate::template::Template;
use crate::value::Value;

/// The sections a loop may sit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ForEachSection {
    Resources,
    Outputs,
    Conditions,
}

impl ForEachSection {
    /// The section's name in a template.
    pub fn as_str(self) -> &'static str {
        match self {
            ForEachSection::Resources => "Resources",
            ForEachSection::Outputs => "Outputs",
            ForEachSection::Conditions => "Conditions",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "Resources" => Some(ForEachSection::Resources),
            "Outputs" => Some(ForEachSection::Outputs),
            "Conditions" => Some(ForEachSection::Conditions),
            _ => None,
        }
    }
}

/// The key prefix of a loop.
pub const FOR_EACH: &str = "Fn::ForEach::";

/// One loop as the template holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Loop {
    pub section: ForEachSection,
    /// `<Name>` of `Fn::ForEach::<Name>`.
    pub name: String,
    /// `[identifier, collection, fragments]`.
    pub body: Json,
}

impl Template {
    /// Adds `Fn::ForEach::<name>` to `section`: `fragments` (an object of
    /// keys such as `"Queue${Name}"` to what each stands for) repeated for
    /// each item of `collection`, `identifier` naming the item. Needs the
    /// `AWS::LanguageExtensions` transform (`validate` says so).
    pub fn for_each(
        &mut self,
        section: ForEachSection,
        name: &str,
        identifier: &str,
        collection: impl Into<Value<Vec<Value<String>>>>,
        fragments: Json,
    ) -> &mut Self {
        self.loops.push(Loop {
            section,
            name: name.to_owned(),
            body: json!([identifier, collection.into().to_json(), fragments]),
        });
        self
    }

    /// A loop of typed resources: `resource` (with `attributes`) under the
    /// logical ID `logical_id` (which holds `${identifier}`) for each item of
    /// `collection`; inside, `fns::sub("...${<identifier>}...")` reads the item.
    pub fn for_each_resource<R: Resource>(
        &mut self,
        name: &str,
        identifier: &str,
        collection: impl Into<Value<Vec<Value<String>>>>,
        logical_id: &str,
        resource: R,
        attributes: Attributes,
    ) -> &mut Self {
        let entry = ResourceEntry {
            logical_id: logical_id.to_owned(),
            type_name: resource.resource_type().to_owned(),
            properties: resource.properties(),
            attributes,
        };
        let fragments = json!({ logical_id: entry.to_json() });
        self.for_each(
            ForEachSection::Resources,
            name,
            identifier,
            collection,
            fragments,
        )
    }
}

/// The problems of one loop's shape: (place, problem).
pub(crate) fn check(l: &Loop) -> Option<(String, String)> {
    let place = format!("{} `{FOR_EACH}{}`", l.section.as_str(), l.name);
    let ok = match l.body.as_array().map(Vec::as_slice) {
        Some([Json::String(identifier), collection, Json::Object(fragments)]) => {
            !identifier.is_empty()
                && (collection.is_array() || collection.is_object())
                && !fragments.is_empty()
        }
        _ => false,
    };
    (!ok).then(|| {
        (
            place,
            "must be [identifier, collection (a list or an intrinsic), {key: fragment, ...}]"
                .to_owned(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_of_typed_resources_renders_under_its_key() {
        let mut t = Template::new();
        t.transform(crate::transforms::LANGUAGE_EXTENSIONS);
        t.add("Keep", crate::aws::sqs::Queue::new());
        t.for_each_resource(
            "Queues",
            "Name",
            ["a", "b"],
            "Queue${Name}",
            crate::aws::sqs::Queue::new().queue_name(crate::fns::sub("${Name}-queue")),
            Attributes::new(),
        );
        let rendered = t.render().unwrap();
        assert_eq!(
            rendered.json()["Resources"]["Fn::ForEach::Queues"],
            json!(["Name", ["a", "b"], {"Queue${Name}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${Name}-queue"}}}}])
        );
        let mut without = Template::new();
        without.add("Keep", crate::aws::sqs::Queue::new());
        without.for_each(
            ForEachSection::Outputs,
            "Urls",
            "Name",
            ["a"],
            json!({"Url${Name}": {"Value": "x"}}),
        );
        let errors = without.validate().unwrap_err().to_string();
        assert!(
            errors.contains("Fn::ForEach needs the AWS::LanguageExtensions transform"),
            "{errors}"
        );
        let mut bad = Template::new();
        bad.transform(crate::transforms::LANGUAGE_EXTENSIONS);
        bad.add("Keep", crate::aws::sqs::Queue::new());
        bad.for_each(ForEachSection::Resources, "X", "", ["a"], json!({}));
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("must be [identifier"));
    }
}
