//! Templates read back: [`Template::from_json`] and [`Template::from_yaml`]
//! (YAML's short-form intrinsics, `!Ref`, `!GetAtt a.b`, `!Sub`, ..., become
//! the JSON forms). Every section CloudFormation has is taken; each
//! resource keeps its type and properties (any type, generated or not, as
//! [`crate::RawResource`] would) and its attributes, so the parsed template
//! validates (the schemas' value checks included) and renders back equal
//! to its input in canonical order.

use crate::json::{Json, JsonMap};
use crate::resource::{Attributes, DeletionPolicy, ResourceEntry};
use crate::template::Template;

/// Why a document is not a template this library can read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON.
    #[error("the template is not valid JSON")]
    Json(#[source] serde_json::Error),
    /// Not YAML.
    #[error("the template is not valid YAML")]
    Yaml(#[source] serde_yaml_ng::Error),
    /// Something in the document is not what CloudFormation takes there.
    #[error("{place}: {problem}")]
    Invalid {
        /// Where (`Resources.Queue.DeletionPolicy`).
        place: String,
        /// What is wrong and what it should be.
        problem: String,
    },
}

fn invalid(place: impl Into<String>, problem: impl Into<String>) -> ParseError {
    ParseError::Invalid {
        place: place.into(),
        problem: problem.into(),
    }
}

/// The sections of a template
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html>).
const SECTIONS: [&str; 10] = [
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Transform",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Resources",
    "Outputs",
];

/// A resource's keys besides `Type` and `Properties`
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-product-attribute-reference.html>).
const RESOURCE_KEYS: [&str; 9] = [
    "Type",
    "Properties",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Condition",
    "Metadata",
    "UpdatePolicy",
    "CreationPolicy",
];

fn object<'a>(value: &'a Json, place: &str) -> Result<&'a JsonMap, ParseError> {
    value
        .as_object()
        .ok_or_else(|| invalid(place, "must be an object (a map of names to values)"))
}

fn named_parts(doc: &JsonMap, section: &str) -> Result<Vec<(String, Json)>, ParseError> {
    match doc.get(section) {
        None => Ok(Vec::new()),
        Some(value) => Ok(object(value, section)?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()),
    }
}

fn policy(value: &Json, place: &str) -> Result<DeletionPolicy, ParseError> {
    match value.as_str() {
        Some("Delete") => Ok(DeletionPolicy::Delete),
        Some("Retain") => Ok(DeletionPolicy::Retain),
        Some("RetainExceptOnCreate") => Ok(DeletionPolicy::RetainExceptOnCreate),
        Some("Snapshot") => Ok(DeletionPolicy::Snapshot),
        _ => Err(invalid(
            place,
            format!("{value} is not Delete, Retain, RetainExceptOnCreate or Snapshot"),
        )),
    }
}

fn resource(id: &str, value: &Json) -> Result<ResourceEntry, ParseError> {
    let place = format!("Resources.{id}");
    let map = object(value, &place)?;
    if let Some(key) = map.keys().find(|k| !RESOURCE_KEYS.contains(&k.as_str())) {
        return Err(invalid(
            format!("{place}.{key}"),
            format!(
                "is not a resource attribute; a resource takes {}",
                RESOURCE_KEYS.join(", ")
            ),
        ));
    }
    let type_name = map
        .get("Type")
        .and_then(Json::as_str)
        .ok_or_else(|| invalid(format!("{place}.Type"), "is missing or not a string"))?;
    let properties = match map.get("Properties") {
        None => Json::Object(JsonMap::new()),
        Some(p) => Json::Object(object(p, &format!("{place}.Properties"))?.clone()),
    };
    let mut attributes = Attributes::new();
    match map.get("DependsOn") {
        None => {}
        Some(Json::String(one)) => attributes.depends_on.push(one.clone()),
        Some(Json::Array(many)) => {
            for d in many {
                let Some(d) = d.as_str() else {
                    return Err(invalid(
                        format!("{place}.DependsOn"),
                        "must be a logical ID or a list of them",
                    ));
                };
                attributes.depends_on.push(d.to_owned());
            }
        }
        Some(_) => {
            return Err(invalid(
                format!("{place}.DependsOn"),
                "must be a logical ID or a list of them",
            ))
        }
    }
    if let Some(p) = map.get("DeletionPolicy") {
        attributes.deletion_policy = Some(policy(p, &format!("{place}.DeletionPolicy"))?);
    }
    if let Some(p) = map.get("UpdateReplacePolicy") {
        attributes.update_replace_policy =
            Some(policy(p, &format!("{place}.UpdateReplacePolicy"))?);
    }
    if let Some(c) = map.get("Condition") {
        let name = c
            .as_str()
            .ok_or_else(|| invalid(format!("{place}.Condition"), "must name a condition"))?;
        attributes.condition = Some(name.to_owned());
    }
    attributes.metadata = map.get("Metadata").cloned();
    attributes.update_policy = map.get("UpdatePolicy").cloned();
    attributes.creation_policy = map.get("CreationPolicy").cloned();
    Ok(ResourceEntry {
        logical_id: id.to_owned(),
        type_name: type_name.to_owned(),
        properties,
        attributes,
    })
}

impl Template {
    /// A template from its JSON text.
    pub fn from_json(text: &str) -> Result<Template, ParseError> {
        let doc: Json = serde_json::from_str(text).map_err(ParseError::Json)?;
        Template::from_document(&doc)
    }

    /// A template from its YAML text, short-form intrinsics included.
    pub fn from_yaml(text: &str) -> Result<Template, ParseError> {
        Template::from_document(&document_from_yaml(text)?)
    }

    /// A template from its JSON document.
    pub fn from_document(doc: &Json) -> Result<Template, ParseError> {
        let map = object(doc, "the template")?;
        if let Some(key) = map.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
            return Err(invalid(
                key.as_str(),
                format!(
                    "is not a template section; CloudFormation takes {}",
                    SECTIONS.join(", ")
                ),
            ));
        }
        if let Some(version) = map.get("AWSTemplateFormatVersion") {
            if version.as_str() != Some("2010-09-09") {
                return Err(invalid(
                    "AWSTemplateFormatVersion",
                    format!("{version} is not 2010-09-09, the only version there is"),
                ));
            }
        }
        let mut t = Template::new();
        if let Some(d) = map.get("Description") {
            let text = d
                .as_str()
                .ok_or_else(|| invalid("Description", "must be a string"))?;
            t.set_description(text);
        }
        for (key, value) in named_parts(map, "Metadata")? {
            t.set_metadata(key, value);
        }
        match map.get("Transform") {
            None => {}
            Some(Json::String(one)) => {
                t.transform(one.clone());
            }
            Some(Json::Array(many)) => {
                for name in many {
                    let name = name.as_str().ok_or_else(|| {
                        invalid("Transform", "must be a transform's name or a list of names")
                    })?;
                    t.transform(name);
                }
            }
            Some(_) => {
                return Err(invalid(
                    "Transform",
                    "must be a transform's name or a list of names (a macro with parameters goes in Fn::Transform)",
                ))
            }
        }
        t.parameters = named_parts(map, "Parameters")?;
        t.rules = named_parts(map, "Rules")?;
        t.mappings = named_parts(map, "Mappings")?;
        t.conditions = named_parts(map, "Conditions")?;
        t.outputs = named_parts(map, "Outputs")?;
        // `Fn::ForEach::<Name>` loops, kept as loops.
        for section in ["Conditions", "Outputs", "Resources"] {
            for (key, value) in named_parts(map, section)? {
                if let (Some(name), Some(s)) = (
                    key.strip_prefix(crate::for_each::FOR_EACH),
                    crate::for_each::ForEachSection::from_name(section),
                ) {
                    t.loops.push(crate::for_each::Loop {
                        section: s,
                        name: name.to_owned(),
                        body: value,
                    });
                }
            }
        }
        let not_loop = |(k, _): &(String, Json)| !k.starts_with(crate::for_each::FOR_EACH);
        t.conditions.retain(not_loop);
        t.outputs.retain(not_loop);
        for (id, value) in named_parts(map, "Resources")?
            .into_iter()
            .filter(|p| not_loop(p))
        {
            t.resources.push(resource(&id, &value)?);
        }
        Ok(t)
    }
}

/// A template's YAML text as the JSON document it stands for: mapping keys
/// as strings, short-form intrinsics (`!Ref`, `!GetAtt a.b`, `!Sub`, ...)
/// as their JSON forms. For tools that read the document itself (the
/// importer); [`Template::from_yaml`] parses it into the model.
pub fn document_from_yaml(text: &str) -> Result<Json, ParseError> {
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(ParseError::Yaml)?;
    yaml_to_json(doc, "")
}

/// YAML into JSON: mapping keys as strings, short-form tags as the
/// intrinsics they stand for
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html>).
fn yaml_to_json(value: serde_yaml_ng::Value, place: &str) -> Result<Json, ParseError> {
    use serde_yaml_ng::Value as Y;
    Ok(match value {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Json::Number)
                    .ok_or_else(|| invalid(place, format!("{n} is not a number JSON can hold")))?
            }
        }
        Y::String(s) => Json::String(s),
        Y::Sequence(items) => Json::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| yaml_to_json(v, &format!("{place}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = JsonMap::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(invalid(
                            place,
                            format!("a key must be a string, not {other:?}"),
                        ))
                    }
                };
                let inner = format!("{place}.{key}");
                out.insert(key, yaml_to_json(v, inner.trim_start_matches('.'))?);
            }
            Json::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = yaml_to_json(tagged.value, place)?;
            let key = match name {
                "Ref" | "Condition" => name.to_owned(),
                _ => format!("Fn::{name}"),
            };
            let inner = match (name, inner) {
                // `!GetAtt Resource.Attribute` is the list form's two parts.
                ("GetAtt", Json::String(dotted)) => match dotted.split_once('.') {
                    Some((resource, attribute)) => serde_json::json!([resource, attribute]),
                    None => {
                        return Err(invalid(
                            place,
                            format!(
                                "!GetAtt {dotted} names no attribute: write Resource.Attribute"
                            ),
                        ))
                    }
                },
                (_, other) => other,
            };
            let mut out = JsonMap::new();
            out.insert(key, inner);
            Json::Object(out)
        }
    })
}
