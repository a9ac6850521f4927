//! A Python function for Lambda@Edge: inline code with its values filled by
//! `Fn::Sub` (Lambda@Edge has no environment variables), a role that both
//! `lambda` and `edgelambda` may assume, and a published version.

use crate::aws::lambda::function::{Code, Runtime};
use crate::aws::{iam, lambda};
use crate::constructs::perms;
use crate::constructs::role_policy::{Grantee, RoleOptions, RolePolicy};
use crate::policy::{PolicyDocument, Principal, Statement};
use crate::{pseudo, sub, Handle, Template, Value};

/// Settings of an [`EdgeFunction`].
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeFunctionProps {
    /// The Python source (`index.py`); build it with [`crate::fns::sub_with`] to
    /// bake in values known only at deploy time, such as a queue URL.
    pub source: Value<String>,
    /// The handler (default `index.handler`).
    pub handler: String,
    /// Timeout in seconds (viewer triggers allow at most 5).
    pub timeout_s: i64,
    /// Memory in MB (viewer triggers allow at most 128).
    pub memory_mb: i64,
    /// A description.
    pub description: Option<String>,
    /// The execution role's path and permissions boundary.
    pub role: RoleOptions,
}

impl EdgeFunctionProps {
    /// Defaults for a viewer-request trigger running `source`.
    pub fn new(source: Value<String>) -> Self {
        EdgeFunctionProps {
            source,
            handler: "index.handler".into(),
            timeout_s: 5,
            memory_mb: 128,
            description: None,
            role: RoleOptions::default(),
        }
    }
}

/// A Lambda@Edge function. Adds `<id>Role`, `<id>` and `<id>Version`; the
/// stack must be in us-east-1.
#[derive(Debug, Clone)]
pub struct EdgeFunction {
    /// The function.
    pub function: Handle<lambda::Function>,
    /// The published version CloudFront associates.
    pub version: Handle<lambda::Version>,
    policy: RolePolicy,
}

impl EdgeFunction {
    /// Adds the function's resources under `id`.
    pub fn new(template: &mut Template, id: &str, props: EdgeFunctionProps) -> Self {
        let trust =
            PolicyDocument::new().statement(Statement::allow().action("sts:AssumeRole").principal(
                Principal::Service(vec![
                    "lambda.amazonaws.com".into(),
                    "edgelambda.amazonaws.com".into(),
                ]),
            ));
        let role = template.add(
            &format!("{id}Role"),
            props.role.apply(iam::Role::new(trust)),
        );
        let mut policy = RolePolicy::new(role.clone(), format!("{id}LeastPrivilege"));
        // Replicas log to `/aws/lambda/us-east-1.<name>` in whichever region
        // served the request, so the group is named by pattern, not by ARN.
        policy.add(
            template,
            Statement::allow()
                .actions(perms::EDGE_LOGS_WRITE.iter().copied())
                .resource(sub!(
                    "arn:",
                    pseudo::partition(),
                    ":logs:*:",
                    pseudo::account_id(),
                    ":log-group:/aws/lambda/us-east-1.*"
                )),
        );
        let mut function = lambda::Function::new(Code::new().zip_file(props.source), role.arn())
            .runtime(Runtime::Python312)
            .handler(props.handler)
            .memory_size(props.memory_mb)
            .timeout(props.timeout_s);
        if let Some(d) = props.description {
            function = function.description(d);
        }
        let function = template.add(id, function);
        let version = template.add(&format!("{id}Version"), lambda::Version::new(&function));
        EdgeFunction {
            function,
            version,
            policy,
        }
    }

    /// The execution role.
    pub fn role(&self) -> &Handle<iam::Role> {
        self.policy.role()
    }

    /// The versioned ARN CloudFront's `LambdaFunctionAssociations` take.
    pub fn version_arn(&self) -> Value<String> {
        self.version.reference()
    }

    /// What has been granted so far.
    pub fn policy(&self) -> &PolicyDocument {
        self.policy.document()
    }
}

impl Grantee for EdgeFunction {
    fn grant(&mut self, template: &mut Template, statement: Statement) {
        self.policy.add(template, statement);
    }
}
