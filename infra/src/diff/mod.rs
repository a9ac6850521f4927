//! What changes between two rendered templates, as `cdk diff` shows it:
//! each resource added, removed or modified, property by property (JSON
//! paths, old and new values), with the changes that make CloudFormation
//! replace the resource marked (from each type's `createOnlyProperties`),
//! parameters and outputs, and a separate list of the security-relevant
//! changes ([`security`]): IAM statements, trust policies, managed policies
//! and permissions boundaries, resource policies, invoke permissions,
//! public access settings, security group rules, unauthenticated routes.
//!
//! Pure: it compares two JSON values. Where the deployed template comes
//! from is the caller's business.

mod paths;
pub mod security;

use std::collections::BTreeSet;
use std::fmt;

use crate::Json;
pub use paths::{Path, Step};
pub use security::{SecurityChange, Sign};

/// How a named part changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Only in the new template.
    Added,
    /// Only in the old one.
    Removed,
    /// In both, different.
    Modified,
}

impl Kind {
    fn mark(self) -> char {
        match self {
            Kind::Added => '+',
            Kind::Removed => '-',
            Kind::Modified => '~',
        }
    }
}

/// One value that differs, at a path below the part.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueChange {
    /// Where (`Properties.KeySchema[0].AttributeName`).
    pub path: Path,
    /// The old value (none: added).
    pub old: Option<Json>,
    /// The new value (none: removed).
    pub new: Option<Json>,
    /// Whether this change replaces the resource.
    pub replaces: bool,
}

/// A resource that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDiff {
    /// Its logical ID.
    pub logical_id: String,
    /// Its type (the new one, when both have it).
    pub type_name: String,
    /// Added, removed or modified.
    pub kind: Kind,
    /// Whether CloudFormation replaces it (a create-only property or its
    /// type changed).
    pub replaced: bool,
    /// What differs (empty for an added or removed resource).
    pub changes: Vec<ValueChange>,
}

/// A parameter, condition, mapping or output that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct PartDiff {
    /// The section (`Parameters`, `Outputs`, ...).
    pub section: String,
    /// The part's name.
    pub name: String,
    /// Added, removed or modified.
    pub kind: Kind,
    /// What differs.
    pub changes: Vec<ValueChange>,
}

/// Everything that differs between two templates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateDiff {
    /// Resources, by logical ID.
    pub resources: Vec<ResourceDiff>,
    /// Other sections' parts.
    pub parts: Vec<PartDiff>,
    /// The security-relevant changes.
    pub security: Vec<SecurityChange>,
}

/// Where CloudFormation reads which properties replace a resource; for the
/// generated types, [`crate::aws::create_only_properties`].
pub type CreateOnly<'a> = &'a dyn Fn(&str) -> Option<&'static [&'static str]>;

/// Compares `old` (deployed, or `{}` for none) with `new`, reading
/// replacements from `create_only`.
pub fn diff_with(old: &Json, new: &Json, create_only: CreateOnly<'_>) -> TemplateDiff {
    let empty = serde_json::Map::new();
    let section = |t: &Json, name: &str| {
        t.get(name)
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (old_resources, new_resources) = (section(old, "Resources"), section(new, "Resources"));
    let ids: BTreeSet<&String> = old_resources.keys().chain(new_resources.keys()).collect();
    let mut resources = Vec::new();
    for id in ids {
        let (o, n) = (old_resources.get(id), new_resources.get(id));
        let type_of =
            |r: Option<&Json>| r.and_then(|r| r["Type"].as_str()).unwrap_or("?").to_owned();
        let diff = match (o, n) {
            (None, Some(_)) => ResourceDiff {
                logical_id: id.clone(),
                type_name: type_of(n),
                kind: Kind::Added,
                replaced: false,
                changes: Vec::new(),
            },
            (Some(_), None) => ResourceDiff {
                logical_id: id.clone(),
                type_name: type_of(o),
                kind: Kind::Removed,
                replaced: false,
                changes: Vec::new(),
            },
            (Some(o), Some(n)) if o != n => {
                let type_name = type_of(Some(n));
                let differing = paths::create_only_differences(
                    &o["Properties"],
                    &n["Properties"],
                    create_only(&type_name).unwrap_or(&[]),
                );
                let mut changes = Vec::new();
                paths::compare(&Path::default(), o, n, &mut changes);
                for change in &mut changes {
                    change.replaces = change.path.is_type()
                        || differing
                            .iter()
                            .any(|d| change.path.overlaps(&d.under("Properties")));
                }
                ResourceDiff {
                    logical_id: id.clone(),
                    replaced: changes.iter().any(|c| c.replaces),
                    type_name,
                    kind: Kind::Modified,
                    changes,
                }
            }
            _ => continue,
        };
        resources.push(diff);
    }
    let mut parts = Vec::new();
    for name in ["Parameters", "Conditions", "Mappings", "Rules", "Outputs"] {
        let (o, n) = (section(old, name), section(new, name));
        let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
        for key in keys {
            let (kind, changes) = match (o.get(key), n.get(key)) {
                (None, Some(_)) => (Kind::Added, Vec::new()),
                (Some(_), None) => (Kind::Removed, Vec::new()),
                (Some(a), Some(b)) if a != b => {
                    let mut changes = Vec::new();
                    paths::compare(&Path::default(), a, b, &mut changes);
                    (Kind::Modified, changes)
                }
                _ => continue,
            };
            parts.push(PartDiff {
                section: name.to_owned(),
                name: key.clone(),
                kind,
                changes,
            });
        }
    }
    for name in [
        "Transform",
        "Description",
        "AWSTemplateFormatVersion",
        "Metadata",
    ] {
        let (o, n) = (old.get(name), new.get(name));
        if o != n {
            let kind = match (o, n) {
                (None, _) => Kind::Added,
                (_, None) => Kind::Removed,
                _ => Kind::Modified,
            };
            parts.push(PartDiff {
                section: name.to_owned(),
                name: String::new(),
                kind,
                changes: vec![ValueChange {
                    path: Path::default(),
                    old: o.cloned(),
                    new: n.cloned(),
                    replaces: false,
                }],
            });
        }
    }
    TemplateDiff {
        resources,
        parts,
        security: security::changes(old, new),
    }
}

/// [`diff_with`] the generated types' create-only properties.
pub fn diff(old: &Json, new: &Json) -> TemplateDiff {
    diff_with(old, new, &crate::aws::create_only_properties)
}

impl TemplateDiff {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.parts.is_empty()
    }

    /// Resources CloudFormation would replace.
    pub fn replacements(&self) -> impl Iterator<Item = &ResourceDiff> {
        self.resources.iter().filter(|r| r.replaced)
    }

    /// The diff as one JSON value, for scripts.
    pub fn to_json(&self) -> Json {
        let change = |c: &ValueChange| serde_json::json!({"path": c.path.to_string(), "old": c.old, "new": c.new, "replaces": c.replaces});
        let kind = |k: Kind| format!("{k:?}").to_lowercase();
        serde_json::json!({
            "resources": self.resources.iter().map(|r| serde_json::json!({
                "logical_id": r.logical_id, "type": r.type_name, "change": kind(r.kind),
                "replaced": r.replaced, "changes": r.changes.iter().map(change).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "parts": self.parts.iter().map(|p| serde_json::json!({
                "section": p.section, "name": p.name, "change": kind(p.kind),
                "changes": p.changes.iter().map(change).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "security": self.security.iter().map(SecurityChange::to_json).collect::<Vec<_>>(),
        })
    }
}

fn short(value: &Option<Json>) -> String {
    match value {
        None => "(none)".into(),
        Some(v) => {
            let text = serde_json::to_string(v).unwrap_or_default();
            if text.chars().count() > 120 {
                format!("{}...", text.chars().take(117).collect::<String>())
            } else {
                text
            }
        }
    }
}

impl fmt::Display for TemplateDiff {
    /// Resources, then other parts, then the security changes; `(no
    /// changes)` when nothing differs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "(no changes)");
        }
        if !self.resources.is_empty() {
            writeln!(f, "Resources")?;
        }
        for r in &self.resources {
            let replaced = if r.replaced { "  [replaced]" } else { "" };
            writeln!(
                f,
                "[{}] {} {}{replaced}",
                r.kind.mark(),
                r.type_name,
                r.logical_id
            )?;
            for c in &r.changes {
                let replaces = if c.replaces { "  (replaces)" } else { "" };
                writeln!(
                    f,
                    "    {}: {} -> {}{replaces}",
                    c.path,
                    short(&c.old),
                    short(&c.new)
                )?;
            }
        }
        for p in &self.parts {
            writeln!(f, "[{}] {} {}", p.kind.mark(), p.section, p.name)?;
            for c in &p.changes {
                writeln!(f, "    {}: {} -> {}", c.path, short(&c.old), short(&c.new))?;
            }
        }
        if !self.security.is_empty() {
            writeln!(f, "\nSecurity-relevant changes")?;
            write!(f, "{}", security::table(&self.security))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
