//! Literal property values checked against what CloudFormation accepts:
//! the registry schemas' constraints (generated into
//! [`crate::aws::rules`]: ranges, lengths, patterns, enums, item counts,
//! ARN formats, required properties and groups) and the rules AWS documents
//! that the schemas leave out ([`documented`]). A value given as an
//! intrinsic function (`Ref`, `Fn::GetAtt`, `Fn::If`, ...) is resolved only
//! at deploy time, so it is not checked. `validate` runs these over each
//! resource's rendered properties, so overrides and raw resources of a
//! known type are checked too.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::json::Json;

pub mod documented;

/// One constraint on a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// A number at least this.
    Minimum(f64),
    /// A number at most this.
    Maximum(f64),
    /// A string of at least this many characters.
    MinLength(u64),
    /// A string of at most this many characters.
    MaxLength(u64),
    /// A string matching this regular expression (anywhere in it, as JSON
    /// Schema's `pattern` does; anchors say otherwise).
    Pattern(&'static str),
    /// A string, one of these.
    Enum(&'static [&'static str]),
    /// An integer, one of these.
    IntEnum(&'static [i64]),
    /// A list of at least this many items.
    MinItems(u64),
    /// A list of at most this many items.
    MaxItems(u64),
    /// An ARN (of the resource type named).
    Arn(&'static str),
    /// An object with all of these properties.
    Required(&'static [&'static str]),
    /// An object with exactly one of these properties.
    RequiredXor(&'static [&'static str]),
    /// An object that, having the first property, has all the others.
    DependentRequired(&'static str, &'static [&'static str]),
    /// An object with all properties of exactly one group.
    OneOfRequired(&'static [&'static [&'static str]]),
    /// An object with all properties of at least one group.
    AnyOfRequired(&'static [&'static [&'static str]]),
}

/// The rules on one value and on what it holds.
#[derive(Debug)]
pub struct Node {
    /// The value's own rules.
    pub rules: &'static [Rule],
    /// An object's properties with rules, by name.
    pub props: &'static [(&'static str, &'static Node)],
    /// A list's items.
    pub items: Option<&'static Node>,
    /// A map's values.
    pub values: Option<&'static Node>,
}

impl Node {
    /// A node with rules on the value itself and nothing below it (most
    /// of the generated ones).
    pub const fn leaf(rules: &'static [Rule]) -> Node {
        Node {
            rules,
            props: &[],
            items: None,
            values: None,
        }
    }
}

/// A value that breaks a rule: where it is (a path below the resource,
/// `Properties.ScalingConfig.MaximumConcurrency`, `Properties.Layers[2]`)
/// and what rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The value's path.
    pub path: String,
    /// The rule and the value.
    pub problem: String,
}

/// Whether `value` is resolved at deploy time: an intrinsic function, a
/// reference, or a string holding a dynamic reference (`{{resolve:ssm:...}}`,
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html>).
pub fn is_intrinsic(value: &Json) -> bool {
    match value {
        Json::Object(m) => {
            m.len() == 1
                && m.keys()
                    .all(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
        }
        Json::String(s) => s.contains("{{resolve:"),
        _ => false,
    }
}

/// `{"Ref": "AWS::NoValue"}`: the property is left out.
fn is_no_value(value: &Json) -> bool {
    value.get("Ref").and_then(Json::as_str) == Some("AWS::NoValue")
}

/// A value that is there or not depending on a condition (`Fn::If`), so a
/// rule counting which properties are given cannot be decided.
fn is_conditional(value: &Json) -> bool {
    value.get("Fn::If").is_some()
}

/// The findings of `type_name`'s schema rules and documented rules over
/// `properties` (a resource's rendered `Properties`; `Json::Null` for none).
pub fn check_properties(type_name: &str, properties: &Json) -> Vec<Finding> {
    let mut out = Vec::new();
    let empty = Json::Object(crate::json::JsonMap::new());
    let properties = if properties.is_null() {
        &empty
    } else {
        properties
    };
    if let Some(node) = crate::aws::property_rules(type_name) {
        walk(node, properties, "Properties", &mut out);
    }
    documented::check(type_name, properties, &mut out);
    out
}

fn walk(node: &Node, value: &Json, path: &str, out: &mut Vec<Finding>) {
    if is_intrinsic(value) {
        return;
    }
    for rule in node.rules {
        if let Some(problem) = broken(rule, value) {
            out.push(Finding {
                path: path.to_owned(),
                problem,
            });
        }
    }
    match value {
        Json::Object(map) => {
            for (name, child) in node.props {
                if let Some(v) = map.get(*name) {
                    walk(child, v, &format!("{path}.{name}"), out);
                }
            }
            if let Some(child) = node.values {
                for (key, v) in map {
                    walk(child, v, &format!("{path}.{key}"), out);
                }
            }
        }
        Json::Array(items) => {
            if let Some(child) = node.items {
                for (i, v) in items.iter().enumerate() {
                    walk(child, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// A number, or a string CloudFormation would read as one.
fn as_number(value: &Json) -> Option<f64> {
    match value {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn shown(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn matches(pattern: &'static str, text: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex_lite::Regex>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = match cache.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let regex = cache
        .entry(pattern)
        .or_insert_with(|| regex_lite::Regex::new(pattern).ok());
    // Codegen emits only patterns regex-lite compiles; one that does not
    // (a different regex-lite) checks nothing rather than failing a build.
    regex.as_ref().is_none_or(|r| r.is_match(text))
}

/// Whether `key` is given: set, not null, not `AWS::NoValue`.
fn present(map: &crate::json::JsonMap, key: &str) -> bool {
    map.get(key)
        .is_some_and(|v| !v.is_null() && !is_no_value(v))
}

/// Whether `key` counts as chosen among alternatives: given and not
/// `false` (a flag set to false, such as CloudFront's
/// `CloudFrontDefaultCertificate: false` beside a certificate ARN, chooses
/// nothing).
fn chosen(map: &crate::json::JsonMap, key: &str) -> bool {
    present(map, key) && map.get(key) != Some(&Json::Bool(false))
}

/// Whether any of `keys` is conditional: a count of them is undecidable.
fn any_conditional(map: &crate::json::JsonMap, keys: &[&str]) -> bool {
    keys.iter().any(|k| map.get(*k).is_some_and(is_conditional))
}

fn names(list: &[&str]) -> String {
    list.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many items a list has, `AWS::NoValue` items left out; `None` when
/// that depends on a condition (an `Fn::If` item) or it is no list.
fn counted_items(value: &Json) -> Option<usize> {
    let items = value.as_array()?;
    if items.iter().any(is_conditional) {
        return None;
    }
    Some(items.iter().filter(|i| !is_no_value(i)).count())
}

/// What is wrong with `value` under `rule`, if anything.
fn broken(rule: &Rule, value: &Json) -> Option<String> {
    match *rule {
        Rule::Minimum(min) => as_number(value).filter(|n| *n < min).map(|n| {
            format!(
                "{} is below the minimum {}",
                number_text(n),
                number_text(min)
            )
        }),
        Rule::Maximum(max) => as_number(value).filter(|n| *n > max).map(|n| {
            format!(
                "{} is above the maximum {}",
                number_text(n),
                number_text(max)
            )
        }),
        Rule::MinLength(min) => value
            .as_str()
            .map(|s| s.chars().count() as u64)
            .filter(|n| *n < min)
            .map(|n| {
                format!(
                    "{} is {n} characters; at least {min} are required",
                    shown(value)
                )
            }),
        Rule::MaxLength(max) => value
            .as_str()
            .map(|s| s.chars().count() as u64)
            .filter(|n| *n > max)
            .map(|n| {
                format!(
                    "{} is {n} characters; at most {max} are allowed",
                    shown(value)
                )
            }),
        Rule::Pattern(pattern) => value
            .as_str()
            .filter(|s| !matches(pattern, s))
            .map(|_| format!("{} does not match the pattern {pattern}", shown(value))),
        Rule::Enum(allowed) => value
            .as_str()
            .filter(|s| !allowed.contains(s))
            .map(|_| format!("{} is not one of {}", shown(value), names(allowed))),
        Rule::IntEnum(allowed) => as_number(value)
            .filter(|n| !allowed.iter().any(|a| *a as f64 == *n))
            .map(|n| {
                let list: Vec<String> = allowed.iter().map(i64::to_string).collect();
                format!("{} is not one of {}", number_text(n), list.join(", "))
            }),
        Rule::MinItems(min) => counted_items(value)
            .filter(|n| (*n as u64) < min)
            .map(|n| format!("{n} items; at least {min} are required")),
        Rule::MaxItems(max) => counted_items(value)
            .filter(|n| *n as u64 > max)
            .map(|n| format!("{n} items; at most {max} are allowed")),
        Rule::Arn(of) => value
            .as_str()
            .filter(|s| !s.is_empty() && !s.starts_with("arn:"))
            .map(|_| {
                let what = of.trim_end_matches(".Arn");
                format!(
                    "{} is not an ARN (arn:partition:service:...) of an {what}",
                    shown(value)
                )
            }),
        Rule::Required(required) => {
            let map = value.as_object()?;
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|k| !present(map, k))
                .collect();
            (!missing.is_empty()).then(|| format!("{} is required", names(&missing)))
        }
        Rule::RequiredXor(one) => {
            let map = value.as_object()?;
            if any_conditional(map, one) {
                return None;
            }
            let given: Vec<&str> = one.iter().copied().filter(|k| chosen(map, k)).collect();
            (given.len() != 1).then(|| {
                format!(
                    "exactly one of {} is required ({} given)",
                    names(one),
                    if given.is_empty() {
                        "none".to_owned()
                    } else {
                        names(&given)
                    }
                )
            })
        }
        Rule::DependentRequired(key, needs) => {
            let map = value.as_object()?;
            if !present(map, key) || any_conditional(map, needs) {
                return None;
            }
            let missing: Vec<&str> = needs.iter().copied().filter(|k| !present(map, k)).collect();
            (!missing.is_empty()).then(|| format!("`{key}` needs {} too", names(&missing)))
        }
        Rule::OneOfRequired(groups) | Rule::AnyOfRequired(groups) => {
            let map = value.as_object()?;
            if groups.iter().any(|g| any_conditional(map, g)) {
                return None;
            }
            let met = groups
                .iter()
                .filter(|g| g.iter().all(|k| chosen(map, k)))
                .count();
            let exactly_one = matches!(rule, Rule::OneOfRequired(_));
            let ok = if exactly_one { met == 1 } else { met >= 1 };
            (!ok).then(|| {
                let options: Vec<String> = groups.iter().map(|g| names(g)).collect();
                format!(
                    "{} of these is required ({met} given): {}",
                    if exactly_one {
                        "exactly one"
                    } else {
                        "at least one"
                    },
                    options.join(" | ")
                )
            })
        }
    }
}

#[cfg(test)]
mod tests;
