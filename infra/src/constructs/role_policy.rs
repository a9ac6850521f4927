//! The one inline policy a construct's role carries, grown by grants.

use crate::aws::iam;
use crate::policy::{PolicyDocument, Statement};
use crate::{Handle, Template, ToJson, Value};
use serde_json::json;

/// An execution role and the statements granted to it. Every grant rewrites
/// the role's inline policy, so the template always holds exactly what was
/// granted, in the order it was granted.
#[derive(Debug, Clone)]
pub struct RolePolicy {
    role: Handle<iam::Role>,
    name: String,
    document: PolicyDocument,
}

impl RolePolicy {
    /// A policy named `name` on `role`, with no statements yet.
    pub fn new(role: Handle<iam::Role>, name: impl Into<String>) -> Self {
        RolePolicy {
            role,
            name: name.into(),
            document: PolicyDocument::new(),
        }
    }

    /// The role.
    pub fn role(&self) -> &Handle<iam::Role> {
        &self.role
    }

    /// The statements granted so far.
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }

    /// Adds `statement` (merged into one with the same actions) and writes
    /// the policy into the role.
    pub fn add(&mut self, template: &mut Template, statement: Statement) {
        self.document.merge(statement);
        let policies =
            json!([{ "PolicyName": self.name, "PolicyDocument": self.document.to_json() }]);
        template.override_property(&self.role, "Policies", policies);
    }
}

/// Where a construct's execution role lives and what bounds it: a path
/// (`/app/`) lets a deployer's policy scope role management to the app's
/// roles, and a permissions boundary caps what any grant can give.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleOptions {
    /// The role's path (`/app/`); `/` when unset.
    pub path: Option<String>,
    /// The ARN of the managed policy that bounds the role.
    pub permissions_boundary: Option<Value<String>>,
}

impl RoleOptions {
    /// `role` with these options.
    pub(crate) fn apply(&self, mut role: iam::Role) -> iam::Role {
        if let Some(path) = &self.path {
            role = role.path(path.clone());
        }
        if let Some(boundary) = &self.permissions_boundary {
            role = role.permissions_boundary(boundary.clone());
        }
        role
    }
}

/// Something that can be granted permissions: a function's execution role.
pub trait Grantee {
    /// Adds a statement to the grantee's policy.
    fn grant(&mut self, template: &mut Template, statement: Statement);
}

impl Grantee for RolePolicy {
    fn grant(&mut self, template: &mut Template, statement: Statement) {
        self.add(template, statement);
    }
}
