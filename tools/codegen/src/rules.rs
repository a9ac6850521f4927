//! The value constraints of each resource type's registry schema, as the
//! static rule trees `infra::check` walks over a resource's rendered
//! properties: `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`
//! (those `regex-lite` compiles; look-around, `\Z` and Unicode classes are
//! left out and counted), `enum` (strings and integers), `minItems`/`maxItems`,
//! `format: <Type>.Arn`, and on objects `required`, `requiredXor`,
//! `dependentRequired` and `oneOf`/`anyOf` groups of required properties.
//! A branch with no rule below it is left out of the tree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

use crate::emit::{dispatch_file, ServiceSummary};

/// One node's Rust expression parts, before it becomes text.
#[derive(Debug, Default)]
struct Node {
    rules: Vec<String>,
    props: Vec<(String, Ref)>,
    items: Option<Ref>,
    values: Option<Ref>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.rules.is_empty()
            && self.props.is_empty()
            && self.items.is_none()
            && self.values.is_none()
    }
}

/// A child: a named static (a definition, possibly recursive) or inline.
#[derive(Debug)]
enum Ref {
    Static(String),
    Inline(Box<Node>),
}

/// The rule trees of one resource type.
#[derive(Debug)]
pub struct TypeRules {
    /// `AWS::Service::Type`.
    pub type_name: String,
    /// The root static's name.
    root: String,
    /// Named statics, in order of creation, `None` while being built.
    statics: Vec<(String, Option<Node>)>,
    /// Patterns left out (`regex-lite` cannot compile them).
    pub skipped_patterns: usize,
}

struct Walker<'a> {
    prefix: String,
    definitions: &'a Map<String, Json>,
    /// Definition name → its static's name, once started; `None` when the
    /// definition turned out to hold no rules.
    started: BTreeMap<String, Option<String>>,
    statics: Vec<(String, Option<Node>)>,
    skipped_patterns: usize,
}

fn constant(text: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_uppercase());
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    out.trim_matches('_').to_owned()
}

fn strings(node: &Json) -> Vec<String> {
    node.as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect()
}

fn str_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", quoted.join(", "))
}

fn number(value: &Json) -> Option<String> {
    let n = value.as_f64()?;
    Some(if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.1}")
    } else {
        format!("{n:?}")
    })
}

/// Whether `regex-lite`, which `infra::check` matches with, compiles
/// `pattern` (no look-around, backreferences, `\Z` or Unicode classes).
fn regex_takes(pattern: &str) -> bool {
    regex_lite::Regex::new(pattern).is_ok()
}

impl Walker<'_> {
    fn rules_of(&mut self, node: &Json, out: &mut Node) {
        if let Some(n) = node.get("minimum").and_then(number) {
            out.rules.push(format!("Rule::Minimum({n})"));
        }
        if let Some(n) = node.get("maximum").and_then(number) {
            out.rules.push(format!("Rule::Maximum({n})"));
        }
        if let Some(n) = node.get("minLength").and_then(Json::as_u64) {
            out.rules.push(format!("Rule::MinLength({n})"));
        }
        if let Some(n) = node.get("maxLength").and_then(Json::as_u64) {
            out.rules.push(format!("Rule::MaxLength({n})"));
        }
        if let Some(p) = node.get("pattern").and_then(Json::as_str) {
            if regex_takes(p) {
                out.rules.push(format!("Rule::Pattern({p:?})"));
            } else {
                self.skipped_patterns += 1;
            }
        }
        if let Some(values) = node.get("enum").and_then(Json::as_array) {
            let texts: Vec<String> = values
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect();
            let ints: Vec<i64> = values.iter().filter_map(Json::as_i64).collect();
            if !texts.is_empty() && texts.len() == values.len() {
                out.rules.push(format!("Rule::Enum({})", str_list(&texts)));
            } else if !ints.is_empty() && ints.len() == values.len() {
                let list: Vec<String> = ints.iter().map(i64::to_string).collect();
                out.rules
                    .push(format!("Rule::IntEnum(&[{}])", list.join(", ")));
            }
        }
        if let Some(n) = node.get("minItems").and_then(Json::as_u64) {
            out.rules.push(format!("Rule::MinItems({n})"));
        }
        if let Some(n) = node.get("maxItems").and_then(Json::as_u64) {
            out.rules.push(format!("Rule::MaxItems({n})"));
        }
        if let Some(format) = node.get("format").and_then(Json::as_str) {
            if format.starts_with("AWS::") && format.ends_with(".Arn") {
                out.rules.push(format!("Rule::Arn({format:?})"));
            }
        }
        let required = strings(&node["required"]);
        if !required.is_empty() {
            out.rules
                .push(format!("Rule::Required({})", str_list(&required)));
        }
        let xor = strings(&node["requiredXor"]);
        if !xor.is_empty() {
            out.rules
                .push(format!("Rule::RequiredXor({})", str_list(&xor)));
        }
        if let Some(dependent) = node["dependentRequired"].as_object() {
            for (key, needs) in dependent {
                let needs = strings(needs);
                if !needs.is_empty() {
                    out.rules.push(format!(
                        "Rule::DependentRequired({key:?}, {})",
                        str_list(&needs)
                    ));
                }
            }
        }
        for (keyword, rule) in [("oneOf", "OneOfRequired"), ("anyOf", "AnyOfRequired")] {
            let Some(branches) = node[keyword].as_array() else {
                continue;
            };
            // Only groups whose every branch is a bare `required` list.
            let groups: Option<Vec<Vec<String>>> = branches
                .iter()
                .map(|b| {
                    let only_required = b
                        .as_object()
                        .is_some_and(|m| m.len() == 1 && m.contains_key("required"));
                    only_required.then(|| strings(&b["required"]))
                })
                .collect();
            if let Some(groups) = groups.filter(|g| g.len() > 1) {
                let lists: Vec<String> = groups.iter().map(|g| str_list(g)).collect();
                out.rules
                    .push(format!("Rule::{rule}(&[{}])", lists.join(", ")));
            }
        }
    }

    fn walk(&mut self, node: &Json, depth: usize) -> Option<Ref> {
        if depth > 40 {
            return None;
        }
        if let Some(reference) = node["$ref"].as_str() {
            let name = reference.strip_prefix("#/definitions/")?;
            let def = self.definitions.get(name)?;
            let is_object = def["properties"].as_object().is_some_and(|p| !p.is_empty());
            if !is_object {
                // An alias: its constraints apply here, with the node's own.
                let mut merged = def.clone();
                if let (Some(target), Some(extra)) = (merged.as_object_mut(), node.as_object()) {
                    for (k, v) in extra {
                        if k != "$ref" {
                            target.insert(k.clone(), v.clone());
                        }
                    }
                }
                return self.walk(&merged, depth + 1);
            }
            if let Some(started) = self.started.get(name) {
                return started.clone().map(Ref::Static);
            }
            // Two definitions can spell one constant (`FooBar`, `Foo_Bar`):
            // the later one takes a number.
            let base = format!("{}__{}", self.prefix, constant(name));
            let mut static_name = base.clone();
            let mut n = 1;
            while self.statics.iter().any(|(s, _)| *s == static_name) {
                n += 1;
                static_name = format!("{base}_{n}");
            }
            self.started
                .insert(name.to_owned(), Some(static_name.clone()));
            let index = self.statics.len();
            self.statics.push((static_name.clone(), None));
            let built = self.node(def, depth + 1);
            if built.is_empty() && !self.refers_back(index) {
                self.started.insert(name.to_owned(), None);
                self.statics[index].1 = Some(Node::default());
                self.statics[index].0.clear();
                return None;
            }
            self.statics[index].1 = Some(built);
            return Some(Ref::Static(static_name));
        }
        let built = self.node(node, depth);
        (!built.is_empty()).then(|| Ref::Inline(Box::new(built)))
    }

    /// Whether a static made after `index` refers to it (a recursion whose
    /// outer node must stay even when it has no rules of its own).
    fn refers_back(&self, index: usize) -> bool {
        let name = &self.statics[index].0;
        fn mentions(node: &Node, name: &str) -> bool {
            let child = |r: &Ref| match r {
                Ref::Static(s) => s == name,
                Ref::Inline(n) => mentions(n, name),
            };
            node.props.iter().any(|(_, r)| child(r))
                || node.items.as_ref().is_some_and(child)
                || node.values.as_ref().is_some_and(child)
        }
        self.statics[index + 1..]
            .iter()
            .filter_map(|(_, n)| n.as_ref())
            .any(|n| mentions(n, name))
    }

    fn node(&mut self, node: &Json, depth: usize) -> Node {
        let mut out = Node::default();
        self.rules_of(node, &mut out);
        if let Some(props) = node["properties"].as_object() {
            let mut names: Vec<&String> = props.keys().collect();
            names.sort();
            for name in names {
                if let Some(child) = self.walk(&props[name], depth + 1) {
                    out.props.push((name.clone(), child));
                }
            }
        }
        if let Some(items) = node.get("items").filter(|i| i.is_object()) {
            out.items = self.walk(items, depth + 1);
        }
        let values = match node["patternProperties"].as_object() {
            Some(p) if p.len() == 1 => p.values().next().cloned(),
            _ => node
                .get("additionalProperties")
                .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
                .cloned(),
        };
        if let Some(values) = values {
            out.values = self.walk(&values, depth + 1);
        }
        out
    }
}

/// The rule trees of `schema`.
pub fn type_rules(schema: &Json) -> TypeRules {
    let type_name = schema["typeName"].as_str().unwrap_or("?").to_owned();
    let prefix = constant(type_name.trim_start_matches("AWS::"));
    let empty = Map::new();
    let mut walker = Walker {
        prefix: prefix.clone(),
        definitions: schema["definitions"].as_object().unwrap_or(&empty),
        started: BTreeMap::new(),
        statics: Vec::new(),
        skipped_patterns: 0,
    };
    // The root: the schema's writable properties and its object rules.
    let read_only: Vec<String> = strings(&schema["readOnlyProperties"])
        .into_iter()
        .filter_map(|p| p.strip_prefix("/properties/").map(str::to_owned))
        .collect();
    let mut root_json = schema.clone();
    if let Some(props) = root_json["properties"].as_object_mut() {
        props.retain(|k, _| !read_only.contains(k));
    }
    let root = walker.node(&root_json, 0);
    walker.statics.push((prefix.clone(), Some(root)));
    TypeRules {
        type_name,
        root: prefix,
        statics: walker.statics,
        skipped_patterns: walker.skipped_patterns,
    }
}

fn node_text(node: &Node) -> String {
    let child = |r: &Ref| match r {
        Ref::Static(name) => format!("&{name}"),
        Ref::Inline(n) => format!("&{}", node_text(n)),
    };
    let props: Vec<String> = node
        .props
        .iter()
        .map(|(name, r)| format!("({name:?}, {})", child(r)))
        .collect();
    let option = |r: &Option<Ref>| match r {
        Some(r) => format!("Some({})", child(r)),
        None => "None".to_owned(),
    };
    // Most nodes are leaves (a value's own rules): one line each.
    if props.is_empty() && node.items.is_none() && node.values.is_none() {
        return format!("Node::leaf(&[{}])", node.rules.join(", "));
    }
    format!(
        "Node {{ rules: &[{}], props: &[{}], items: {}, values: {} }}",
        node.rules.join(", "),
        props.join(", "),
        option(&node.items),
        option(&node.values)
    )
}

/// `infra/src/aws/rules/<service>.rs`: the rule tree of each of one
/// service's types (the dispatcher in `rules/mod.rs` gates it by feature).
pub fn rules_file(prefix: &str, types: &[TypeRules], header: &str) -> String {
    let mut out = String::new();
    out.push_str(header);
    let _ = writeln!(
        out,
        "//! The value constraints of each `{prefix}::*` type's registry schema.\n\n\
         #[allow(unused_imports)]\n\
         use crate::check::{{Node, Rule}};\n"
    );
    out.push_str(
        "pub(super) fn property_rules(type_name: &str) -> Option<&'static Node> {\n    match type_name {\n",
    );
    for t in types {
        let _ = writeln!(out, "        {:?} => Some(&{}),", t.type_name, t.root);
    }
    out.push_str("        _ => None,\n    }\n}\n");
    for t in types {
        for (name, node) in &t.statics {
            let Some(node) = node.as_ref().filter(|_| !name.is_empty()) else {
                continue;
            };
            let _ = writeln!(out, "\nstatic {name}: Node = {};", node_text(node));
        }
    }
    out
}

/// `infra/src/aws/rules/mod.rs`: each type's rule tree, by service.
pub fn rules_dispatch(services: &[ServiceSummary], skipped: usize) -> String {
    let mut out = dispatch_file(
        "The value constraints of each resource type's registry schema, as rule\n\
         trees over its properties (see `crate::check`, which walks them); one\n\
         file per service.",
        "The rule tree of a `type_name` resource's `Properties`; `None` for a type\n\
         whose service's feature is off (or that is not a registry type).",
        "property_rules",
        "Option<&'static crate::check::Node>",
        services,
    );
    let _ = writeln!(
        out,
        "\n/// Patterns of the schemas left out because `regex-lite` cannot compile\n/// them (look-around, `\\Z`, Unicode classes), over every service: {skipped}.\npub const SKIPPED_PATTERNS: usize = {skipped};"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_upper_snake() {
        assert_eq!(
            constant("Lambda::EventSourceMapping"),
            "LAMBDA_EVENT_SOURCE_MAPPING"
        );
        assert_eq!(constant("S3::Bucket"), "S3_BUCKET");
        assert_eq!(constant("ApiGatewayV2::Api"), "API_GATEWAY_V2_API");
    }

    #[test]
    fn rules_come_from_properties_definitions_and_aliases() {
        let schema = serde_json::json!({
            "typeName": "AWS::X::Y",
            "properties": {
                "Size": {"type": "integer", "minimum": 1, "maximum": 10},
                "Name": {"$ref": "#/definitions/Name"},
                "Config": {"$ref": "#/definitions/Config"},
                "Free": {"type": "string"},
                "Id": {"type": "string", "maxLength": 3}
            },
            "readOnlyProperties": ["/properties/Id"],
            "required": ["Size"],
            "definitions": {
                "Name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
                "Config": {"type": "object", "properties": {
                    "Mode": {"type": "string", "enum": ["A", "B"]},
                    "Inner": {"$ref": "#/definitions/Config"}
                }},
                "Lookahead": {"type": "string", "pattern": "(?!x)"}
            }
        });
        let rules = type_rules(&schema);
        let text = rules_file("AWS::X", &[rules], "");
        assert!(text.contains("\"AWS::X::Y\" => Some(&X_Y)"), "{text}");
        assert!(
            text.contains("Node::leaf(&[Rule::Minimum(1.0), Rule::Maximum(10.0)])"),
            "{text}"
        );
        assert!(
            text.contains("Rule::MaxLength(5), Rule::Pattern(\"^[a-z]+$\")"),
            "{text}"
        );
        assert!(text.contains("static X_Y__CONFIG: Node"), "{text}");
        assert!(text.contains("(\"Inner\", &X_Y__CONFIG)"), "{text}");
        assert!(text.contains("Rule::Required(&[\"Size\"])"), "{text}");
        assert!(!text.contains("\"Free\""), "{text}");
        assert!(!text.contains("\"Id\""), "read-only: {text}");
    }

    #[test]
    fn definitions_spelling_one_constant_get_their_own_statics() {
        let schema = serde_json::json!({
            "typeName": "AWS::X::W",
            "properties": {
                "A": {"$ref": "#/definitions/FooBar"},
                "B": {"$ref": "#/definitions/Foo_Bar"}
            },
            "definitions": {
                "FooBar": {"type": "object", "properties": {"P": {"type": "string", "maxLength": 1}}},
                "Foo_Bar": {"type": "object", "properties": {"P": {"type": "string", "maxLength": 2}}}
            }
        });
        let text = rules_file("AWS::X", &[type_rules(&schema)], "");
        assert!(text.contains("static X_W__FOO_BAR: Node"), "{text}");
        assert!(text.contains("static X_W__FOO_BAR_2: Node"), "{text}");
    }

    #[test]
    fn patterns_regex_cannot_compile_are_counted_not_emitted() {
        assert!(regex_takes("^arn:aws[a-z-]*:sns:.+$"));
        assert!(!regex_takes("^(?!aws:).*$"));
        assert!(!regex_takes("^[a-z]+\\Z"));
        let schema = serde_json::json!({
            "typeName": "AWS::X::Z",
            "properties": {"P": {"type": "string", "pattern": "(?<!\\.)$"}}
        });
        let rules = type_rules(&schema);
        assert_eq!(rules.skipped_patterns, 1);
    }
}
