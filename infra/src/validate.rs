//! Validation before rendering: everything CloudFormation would reject that can
//! be known without calling it.

use std::collections::{BTreeMap, BTreeSet};

use crate::json::Json;
use crate::pseudo;
use crate::render::MAX_BODY_BYTES;
use crate::template::Template;

/// CloudFormation's quotas for one template.
pub mod limits {
    /// Resources in one template.
    pub const RESOURCES: usize = 500;
    /// Outputs in one template.
    pub const OUTPUTS: usize = 200;
    /// Parameters in one template.
    pub const PARAMETERS: usize = 200;
    /// Mappings in one template.
    pub const MAPPINGS: usize = 200;
    /// Characters in a logical ID.
    pub const LOGICAL_ID_CHARS: usize = 255;
    /// Bytes in the template description.
    pub const DESCRIPTION_BYTES: usize = 1024;
}

/// One problem in a template, naming where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The template has no resources.
    #[error("the template has no resources; CloudFormation requires at least one")]
    NoResources,
    /// A logical ID or name is not 1 to 255 ASCII letters and digits.
    #[error("{kind} `{id}` has an invalid logical ID: use 1 to 255 ASCII letters and digits (A-Z, a-z, 0-9)")]
    InvalidId {
        /// What carries the ID: resource, parameter, output, condition, mapping.
        kind: &'static str,
        /// The ID.
        id: String,
    },
    /// Two parts of one kind share an ID, or a resource and a parameter do.
    #[error("{kind} `{id}` is defined more than once; logical IDs must be unique")]
    DuplicateId {
        /// What carries the ID.
        kind: &'static str,
        /// The ID.
        id: String,
    },
    /// A reference to something the template does not define.
    #[error("{location} refers to {wanted} `{target}`, which the template does not define")]
    UnknownReference {
        /// Where the reference is, such as "resource `Table`".
        location: String,
        /// What kind of thing was expected.
        wanted: &'static str,
        /// The name referred to.
        target: String,
    },
    /// A reference that CloudFormation does not allow where it is.
    #[error("{location}: {problem}")]
    InvalidReference {
        /// Where the reference is.
        location: String,
        /// What is wrong.
        problem: String,
    },
    /// A literal property value CloudFormation would reject: out of its
    /// range, too long, not matching its pattern, not one of its values, a
    /// required property missing (the schema's rules and the documented
    /// ones, `crate::check`).
    #[error("resource `{resource}`: {path}: {problem}")]
    Property {
        /// The resource's logical ID.
        resource: String,
        /// Where the value is (`Properties.ScalingConfig.MaximumConcurrency`).
        path: String,
        /// The rule it breaks, with the value.
        problem: String,
    },
    /// Resources or conditions that depend on each other in a circle.
    #[error("{kind} dependency cycle: {}", path.join(" -> "))]
    Cycle {
        /// "resource" or "condition".
        kind: &'static str,
        /// The IDs around the cycle, the first repeated at the end.
        path: Vec<String>,
    },
    /// More parts of a kind than CloudFormation accepts.
    #[error("the template has {count} {what}; CloudFormation accepts at most {limit}")]
    TooMany {
        /// What there is too much of.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The quota.
        limit: usize,
    },
    /// The rendered body is larger than CloudFormation accepts.
    #[error("the rendered template is {bytes} bytes; CloudFormation accepts at most {limit} (split it into nested stacks)")]
    TooLarge {
        /// The body's size.
        bytes: usize,
        /// The quota.
        limit: usize,
    },
}

/// Every problem found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the template has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

pub(crate) fn check_size(bytes: usize) -> Vec<ValidationError> {
    if bytes > MAX_BODY_BYTES {
        vec![ValidationError::TooLarge {
            bytes,
            limit: MAX_BODY_BYTES,
        }]
    } else {
        Vec::new()
    }
}

/// What one JSON tree refers to.
#[derive(Default)]
struct Refs {
    /// `Ref` targets and `${Name}` in `Fn::Sub` (resources, parameters, pseudo).
    refs: BTreeSet<String>,
    /// Logical IDs used by `Fn::GetAtt` and `${Id.Attr}`.
    get_atts: BTreeSet<String>,
    /// Condition names used by `Fn::If` and `{"Condition": ...}`.
    conditions: BTreeSet<String>,
    /// Mapping names used by `Fn::FindInMap`.
    mappings: BTreeSet<String>,
    /// Malformed intrinsics.
    problems: Vec<String>,
}

impl Refs {
    fn of(json: &Json) -> Self {
        let mut refs = Refs::default();
        refs.walk(json);
        refs
    }

    fn walk(&mut self, json: &Json) {
        match json {
            Json::Array(items) => items.iter().for_each(|i| self.walk(i)),
            Json::Object(map) => {
                if map.len() == 1 {
                    let (key, arg) = map.iter().next().expect("one entry");
                    if self.intrinsic(key, arg) {
                        return;
                    }
                }
                map.values().for_each(|v| self.walk(v));
            }
            Json::Null => self
                .problems
                .push("a value is null (a number that is NaN or infinite?)".into()),
            _ => {}
        }
    }

    /// Records an intrinsic's references; false when `key` is not one.
    fn intrinsic(&mut self, key: &str, arg: &Json) -> bool {
        match key {
            "Ref" => match arg.as_str() {
                Some(id) => {
                    self.refs.insert(id.to_owned());
                }
                None => self.problems.push("`Ref` takes a logical ID string".into()),
            },
            "Fn::GetAtt" => {
                let target = match arg {
                    Json::String(s) => s.split('.').next().map(str::to_owned),
                    Json::Array(a) if a.len() == 2 => {
                        self.walk(&a[1]);
                        a[0].as_str().map(str::to_owned)
                    }
                    _ => None,
                };
                match target {
                    Some(id) => {
                        self.get_atts.insert(id);
                    }
                    None => self
                        .problems
                        .push("`Fn::GetAtt` takes [logical ID, attribute]".into()),
                }
            }
            "Fn::Sub" => {
                let (text, vars) = match arg {
                    Json::String(s) => (Some(s.as_str()), None),
                    Json::Array(a) if a.len() == 2 => (a[0].as_str(), a[1].as_object()),
                    _ => (None, None),
                };
                let Some(text) = text else {
                    self.problems
                        .push("`Fn::Sub` takes a string or [string, variables]".into());
                    return true;
                };
                if let Some(vars) = vars {
                    vars.values().for_each(|v| self.walk(v));
                }
                for name in sub_names(text) {
                    if vars.is_some_and(|v| v.contains_key(&name)) {
                        continue;
                    }
                    match name.split_once('.') {
                        Some((id, _)) => self.get_atts.insert(id.to_owned()),
                        None => self.refs.insert(name),
                    };
                }
            }
            "Fn::If" => match arg.as_array().map(Vec::as_slice) {
                Some([Json::String(cond), a, b]) => {
                    self.conditions.insert(cond.clone());
                    self.walk(a);
                    self.walk(b);
                }
                _ => self
                    .problems
                    .push("`Fn::If` takes [condition name, value if true, value if false]".into()),
            },
            "Condition" if arg.is_string() => {
                self.conditions
                    .insert(arg.as_str().unwrap_or_default().to_owned());
            }
            "Fn::FindInMap" => match arg.as_array() {
                Some(a) if a.len() >= 3 => {
                    match a[0].as_str() {
                        Some(m) => {
                            self.mappings.insert(m.to_owned());
                        }
                        None => self.walk(&a[0]),
                    }
                    a[1..].iter().for_each(|v| self.walk(v));
                }
                _ => self
                    .problems
                    .push("`Fn::FindInMap` takes [mapping, top key, second key]".into()),
            },
            "Fn::And" | "Fn::Or" => {
                match arg.as_array() {
                    Some(a) if (2..=10).contains(&a.len()) => {}
                    _ => self
                        .problems
                        .push(format!("`{key}` takes 2 to 10 conditions")),
                }
                self.walk(arg);
            }
            _ => return false,
        }
        true
    }
}

/// The names inside `${...}` in an `Fn::Sub` string, `${!Literal}` skipped.
fn sub_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let name = rest[..end].trim();
        if !name.starts_with('!') {
            names.push(name.to_owned());
        }
        rest = &rest[end + 1..];
    }
    names
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= limits::LOGICAL_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The first intrinsic in `value` that only `AWS::LanguageExtensions`
/// resolves.
fn language_extension_in(value: &Json) -> Option<&'static str> {
    match value {
        Json::Object(map) => map.iter().find_map(|(k, v)| {
            crate::fns::LANGUAGE_EXTENSION_FUNCTIONS
                .iter()
                .find(|f| k == *f || (f.ends_with("::") && k.starts_with(*f)))
                .copied()
                .or_else(|| language_extension_in(v))
        }),
        Json::Array(items) => items.iter().find_map(language_extension_in),
        _ => None,
    }
}

/// A template using `Fn::Length`, `Fn::ToJsonString` or `Fn::ForEach`
/// without declaring the transform that resolves them: CloudFormation
/// rejects it (`Unrecognized function`).
fn language_extensions(t: &Template) -> Vec<ValidationError> {
    if t.transforms()
        .iter()
        .any(|x| x == crate::transforms::LANGUAGE_EXTENSIONS)
    {
        return Vec::new();
    }
    let doc = t.document();
    let mut errors = Vec::new();
    for (section, kind) in [
        ("Conditions", "condition"),
        ("Resources", "resource"),
        ("Outputs", "output"),
    ] {
        let Some(parts) = doc[section].as_object() else {
            continue;
        };
        for (id, part) in parts {
            let found = crate::fns::LANGUAGE_EXTENSION_FUNCTIONS
                .iter()
                .find(|f| f.ends_with("::") && id.starts_with(*f))
                .copied()
                .or_else(|| language_extension_in(part));
            if let Some(function) = found {
                errors.push(ValidationError::InvalidReference {
                    location: format!("{kind} `{id}`"),
                    problem: format!(
                        "{} needs the AWS::LanguageExtensions transform; declare it with `t.transform(infra::transforms::LANGUAGE_EXTENSIONS)`",
                        function.trim_end_matches("::")
                    ),
                });
            }
        }
    }
    errors
}

pub(crate) fn check(t: &Template) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    if t.resources.is_empty()
        && !t
            .loops
            .iter()
            .any(|l| l.section == crate::ForEachSection::Resources)
    {
        errors.push(ValidationError::NoResources);
    }
    if t.description()
        .is_some_and(|d| d.len() > limits::DESCRIPTION_BYTES)
    {
        errors.push(ValidationError::InvalidReference {
            location: "the description".into(),
            problem: format!("it is longer than {} bytes", limits::DESCRIPTION_BYTES),
        });
    }

    errors.extend(language_extensions(t));

    let resource_ids: Vec<&str> = t.resources.iter().map(|e| e.logical_id.as_str()).collect();
    let parameter_ids: Vec<&str> = t.parameters.iter().map(|(n, _)| n.as_str()).collect();
    let condition_ids: Vec<&str> = t.conditions.iter().map(|(n, _)| n.as_str()).collect();
    let mapping_ids: Vec<&str> = t.mappings.iter().map(|(n, _)| n.as_str()).collect();
    let output_ids: Vec<&str> = t.outputs.iter().map(|(n, _)| n.as_str()).collect();
    for l in &t.loops {
        if let Some((location, problem)) = crate::for_each::check(l) {
            errors.push(ValidationError::InvalidReference { location, problem });
        }
    }
    for (name, rule) in &t.rules {
        for (location, problem) in crate::rule::check(name, rule, &parameter_ids) {
            errors.push(ValidationError::InvalidReference { location, problem });
        }
    }
    for (kind, ids, limit, plural) in [
        ("resource", &resource_ids, limits::RESOURCES, "resources"),
        (
            "parameter",
            &parameter_ids,
            limits::PARAMETERS,
            "parameters",
        ),
        ("condition", &condition_ids, usize::MAX, "conditions"),
        ("mapping", &mapping_ids, limits::MAPPINGS, "mappings"),
        ("output", &output_ids, limits::OUTPUTS, "outputs"),
    ] {
        if ids.len() > limit {
            errors.push(ValidationError::TooMany {
                what: plural,
                count: ids.len(),
                limit,
            });
        }
        let mut seen = BTreeSet::new();
        for id in ids.iter() {
            if !valid_id(id) {
                errors.push(ValidationError::InvalidId {
                    kind,
                    id: id.to_string(),
                });
            }
            if !seen.insert(*id) {
                errors.push(ValidationError::DuplicateId {
                    kind,
                    id: id.to_string(),
                });
            }
        }
    }
    for id in &parameter_ids {
        if resource_ids.contains(id) {
            errors.push(ValidationError::DuplicateId {
                kind: "resource and parameter",
                id: id.to_string(),
            });
        }
    }

    let resources: BTreeSet<&str> = resource_ids.iter().copied().collect();
    let parameters: BTreeSet<&str> = parameter_ids.iter().copied().collect();
    let conditions: BTreeSet<&str> = condition_ids.iter().copied().collect();
    let mappings: BTreeSet<&str> = mapping_ids.iter().copied().collect();

    let check_refs = |location: String,
                      refs: &Refs,
                      errors: &mut Vec<ValidationError>,
                      resources_allowed: bool| {
        for p in &refs.problems {
            errors.push(ValidationError::InvalidReference {
                location: location.clone(),
                problem: p.clone(),
            });
        }
        for r in &refs.refs {
            let known = parameters.contains(r.as_str()) || pseudo::NAMES.contains(&r.as_str());
            if resources.contains(r.as_str()) && !resources_allowed {
                errors.push(ValidationError::InvalidReference {
                    location: location.clone(),
                    problem: format!(
                        "refers to resource `{r}`, but only parameters may be referenced here"
                    ),
                });
            } else if !known && !resources.contains(r.as_str()) {
                errors.push(ValidationError::UnknownReference {
                    location: location.clone(),
                    wanted: if resources_allowed {
                        "resource or parameter"
                    } else {
                        "parameter"
                    },
                    target: r.clone(),
                });
            }
        }
        for g in &refs.get_atts {
            if !resources_allowed || !resources.contains(g.as_str()) {
                errors.push(ValidationError::UnknownReference {
                    location: location.clone(),
                    wanted: "resource (for Fn::GetAtt)",
                    target: g.clone(),
                });
            }
        }
        for c in &refs.conditions {
            if !conditions.contains(c.as_str()) {
                errors.push(ValidationError::UnknownReference {
                    location: location.clone(),
                    wanted: "condition",
                    target: c.clone(),
                });
            }
        }
        for m in &refs.mappings {
            if !mappings.contains(m.as_str()) {
                errors.push(ValidationError::UnknownReference {
                    location: location.clone(),
                    wanted: "mapping",
                    target: m.clone(),
                });
            }
        }
    };

    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in &t.resources {
        let location = format!("resource `{}`", entry.logical_id);
        let rendered = entry.to_json();
        let skipped = |path: &str| {
            entry.attributes.unchecked.iter().any(|u| {
                let prefix = if u.is_empty() {
                    "Properties".to_owned()
                } else {
                    format!("Properties.{u}")
                };
                path == prefix
                    || path.starts_with(&format!("{prefix}."))
                    || path.starts_with(&format!("{prefix}["))
            })
        };
        for finding in crate::check::check_properties(&entry.type_name, &rendered["Properties"])
            .into_iter()
            .filter(|f| !skipped(&f.path))
        {
            errors.push(ValidationError::Property {
                resource: entry.logical_id.clone(),
                path: finding.path,
                problem: finding.problem,
            });
        }
        for (path, problem) in crate::resource_policies::check(
            &entry.type_name,
            entry.attributes.creation_policy.as_ref(),
            entry.attributes.update_policy.as_ref(),
        ) {
            errors.push(ValidationError::Property {
                resource: entry.logical_id.clone(),
                path,
                problem,
            });
        }
        let refs = Refs::of(&rendered);
        check_refs(location.clone(), &refs, &mut errors, true);
        let mut edges: BTreeSet<String> = refs
            .refs
            .iter()
            .chain(&refs.get_atts)
            .filter(|r| resources.contains(r.as_str()))
            .cloned()
            .collect();
        for dep in entry.depends_on() {
            if !resources.contains(dep.as_str()) {
                errors.push(ValidationError::UnknownReference {
                    location: format!("DependsOn of {location}"),
                    wanted: "resource",
                    target: dep.clone(),
                });
            }
            edges.insert(dep.clone());
        }
        if let Some(c) = entry.condition() {
            if !conditions.contains(c) {
                errors.push(ValidationError::UnknownReference {
                    location: format!("Condition of {location}"),
                    wanted: "condition",
                    target: c.to_owned(),
                });
            }
        }
        graph
            .entry(entry.logical_id.clone())
            .or_default()
            .extend(edges);
    }
    for (name, output) in &t.outputs {
        check_refs(
            format!("output `{name}`"),
            &Refs::of(output),
            &mut errors,
            true,
        );
    }
    let mut condition_graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, condition) in &t.conditions {
        let refs = Refs::of(condition);
        check_refs(format!("condition `{name}`"), &refs, &mut errors, false);
        condition_graph.insert(name.clone(), refs.conditions.clone());
    }
    if let Some(path) = find_cycle(&graph) {
        errors.push(ValidationError::Cycle {
            kind: "resource",
            path,
        });
    }
    if let Some(path) = find_cycle(&condition_graph) {
        errors.push(ValidationError::Cycle {
            kind: "condition",
            path,
        });
    }
    // A name a loop makes (`Queue${Name}` makes `QueueA`) is known: the
    // transform expands the loop before CloudFormation resolves references.
    errors.retain(|e| match e {
        ValidationError::UnknownReference { wanted, target, .. } => {
            let section = if wanted.contains("condition") {
                crate::ForEachSection::Conditions
            } else {
                crate::ForEachSection::Resources
            };
            !crate::for_each::made_by_loop(t, section, target)
        }
        _ => true,
    });
    errors
}

/// The first cycle found by depth-first search, as a path that returns to its
/// start; `None` when the graph is acyclic.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Active) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut path = stack[start..].to_vec();
                path.push(node.to_owned());
                return Some(path);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Active);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(node, graph, &mut marks, &mut stack) {
            return Some(cycle);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_names_skip_escapes() {
        assert_eq!(
            sub_names("a${X}b${!Y}${Z.Arn}${ AWS::Region }"),
            ["X", "Z.Arn", "AWS::Region"]
        );
    }

    #[test]
    fn logical_ids() {
        assert!(valid_id("Table1"));
        assert!(!valid_id(""));
        assert!(!valid_id("my-table"));
        assert!(!valid_id(&"A".repeat(256)));
    }
}
