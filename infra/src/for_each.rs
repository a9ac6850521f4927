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

/// Whether a loop in `section` of `t` can make the logical ID `name`: a
/// fragment key's literal parts (around each `${x}` or `&{x}`) appear in
/// `name` in order, from its start to its end.
pub(crate) fn made_by_loop(t: &Template, section: ForEachSection, name: &str) -> bool {
    t.loops
        .iter()
        .filter(|l| l.section == section)
        .filter_map(|l| l.body.get(2).and_then(Json::as_object))
        .flat_map(|fragments| fragments.keys())
        .any(|key| key_matches(key, name))
}

fn key_matches(key: &str, name: &str) -> bool {
    let mut parts = Vec::new();
    let mut rest = key;
    while let Some(start) = rest.find("${").or_else(|| rest.find("&{")) {
        let start = [rest.find("${"), rest.find("&{")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(start);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        parts.push(&rest[..start]);
        rest = &rest[start + end + 1..];
    }
    if parts.is_empty() {
        return key == name;
    }
    parts.push(rest);
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name.ends_with(last) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut at = first.len();
    let end = name.len() - last.len();
    for middle in &parts[1..parts.len() - 1] {
        match name[at..end].find(middle) {
            Some(i) => at += i + middle.len(),
            None => return false,
        }
    }
    true
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
        // What a loop makes can be referred to; a loop alone is resources enough.
        let mut only = Template::new();
        only.transform(crate::transforms::LANGUAGE_EXTENSIONS);
        only.for_each_resource(
            "Qs",
            "Name",
            ["A", "B"],
            "Queue${Name}",
            crate::aws::sqs::Queue::new(),
            Attributes::new(),
        );
        only.output("A", crate::Output::new(crate::fns::sub("${QueueA}")));
        only.output(
            "B",
            crate::Output::new(Value::raw(json!({"Ref": "QueueB"}))),
        );
        assert!(only.validate().is_ok(), "{:?}", only.validate());
        only.output(
            "C",
            crate::Output::new(Value::raw(json!({"Ref": "TopicA"}))),
        );
        assert!(only.validate().is_err());
        assert!(key_matches("A${x}B&{y}C", "A1B2C"));
        assert!(!key_matches("A${x}B", "AxC"));
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
