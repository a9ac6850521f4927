//! A Python function for Lambda@Edge: inline code with its values filled by
//! `Fn::Sub` (Lambda@Edge has no environment variables), a role that both
//! `lambda` and `edgelambda` may assume, and a published version whose
//! logical ID carries a digest of the function, so that every change to the
//! function publishes a new version CloudFront then runs.
//!
//! CloudFront runs the version an association names, never `$LATEST`
//! (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-add-triggers.html>),
//! and an `AWS::Lambda::Version` is published once, when it is created
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-version.html>).
//! A fixed logical ID would keep the first version forever. As CDK's
//! `currentVersion` does, the ID is `<id>Version<digest>`, the digest taken
//! over the function's rendered properties (code with its synth-time `Fn::Sub`
//! values, runtime, handler, memory, timeout, role, description). Values only
//! known at deploy time (a queue URL) cannot be digested; they go into the
//! version's `Description`, a property whose change replaces the version, so
//! a replaced queue publishes a new version too.
//!
//! Old versions are retained (`DeletionPolicy` and `UpdateReplacePolicy`
//! `Retain`): CloudFront's replicas keep running the previous version for a
//! while after the association changes
//! (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-delete-replicas.html>).

use crate::aws::lambda::function::{Code, Runtime};
use crate::aws::{iam, lambda};
use crate::constructs::perms;
use crate::constructs::role_policy::{Grantee, RoleOptions, RolePolicy};
use crate::json::{canonicalize, Json};
use crate::policy::{PolicyDocument, Principal, Statement};
use crate::{fns, pseudo, sub, Attributes, DeletionPolicy, Handle, Resource, Template, Value};
use sha2::{Digest, Sha256};

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

/// A Lambda@Edge function. Adds `<id>Role`, `<id>` and
/// `<id>Version<digest>` (see the module's documentation); the stack must be
/// in us-east-1.
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
        if let Some(d) = &props.description {
            function = function.description(d.clone());
        }
        let digest = digest(&function.properties());
        // The digest goes into the function's own description too: a new
        // digest is then always a change of the function, so the new
        // version's PublishVersion has something to publish (Lambda refuses
        // to publish a function unchanged since its last version, which a
        // change that only renames the version would be).
        // https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html
        function = function.description(match &props.description {
            Some(d) => format!("{d} (code {digest})"),
            None => format!("code {digest}"),
        });
        let properties = function.properties();
        let function = template.add(id, function);
        let version = lambda::Version::new(&function).description(version_description(
            &digest,
            &properties,
            role.arn(),
        ));
        let version = template.add_with(
            &format!("{id}Version{digest}"),
            version,
            Attributes::new()
                .deletion_policy(DeletionPolicy::Retain)
                .update_replace_policy(DeletionPolicy::Retain),
        );
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

/// The first 16 hex digits of SHA-256 over the canonical JSON of a
/// function's properties: stable across runs, changed by any property.
fn digest(properties: &Json) -> String {
    let text = canonicalize(properties).to_string();
    let hash = Sha256::digest(text.as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The version's description: the digest and the values known only at
/// deploy time, the role's ARN and the intrinsic variables of the code's
/// `Fn::Sub` (a queue URL), so that a replaced role or queue replaces the
/// version too. AWS allows 256 characters; a digest, a role ARN and a queue
/// URL take about 200.
fn version_description(digest: &str, properties: &Json, role: Value<String>) -> Value<String> {
    let mut parts = vec![Value::Lit(format!("code {digest}")), role];
    if let Some(code) = properties.pointer("/Code/ZipFile") {
        parts.extend(
            deploy_time_inputs(code)
                .into_iter()
                .map(Value::<String>::raw),
        );
    }
    fns::join(" ", parts)
}

/// The intrinsic values of `{"Fn::Sub": [template, variables]}`, in the
/// variables' order; literal variables are already part of the digest.
fn deploy_time_inputs(code: &Json) -> Vec<Json> {
    let Some(Json::Array(sub)) = code.get("Fn::Sub") else {
        return Vec::new();
    };
    let Some(Json::Object(variables)) = sub.get(1) else {
        return Vec::new();
    };
    variables
        .values()
        .filter(|v| !v.is_string())
        .cloned()
        .collect()
}

impl Grantee for EdgeFunction {
    fn grant(&mut self, template: &mut Template, statement: Statement) {
        self.policy.add(template, statement);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::sqs;

    fn version_id(props: EdgeFunctionProps) -> (String, Json) {
        let mut t = Template::new();
        let edge = EdgeFunction::new(&mut t, "Edge", props);
        let rendered = t.render().unwrap().json().clone();
        let id = edge.version.logical_id().to_owned();
        let version = rendered["Resources"][&id].clone();
        (id, version)
    }

    fn source() -> Value<String> {
        Value::Lit(
            "def handler(event, context):\n    return event['Records'][0]['cf']['request']\n"
                .into(),
        )
    }

    #[test]
    fn every_part_of_the_function_is_in_the_version_id() {
        let (base, version) = version_id(EdgeFunctionProps::new(source()));
        assert_eq!(base, version_id(EdgeFunctionProps::new(source())).0);
        assert!(base.starts_with("EdgeVersion") && base.len() == "EdgeVersion".len() + 16);
        assert_eq!(version["DeletionPolicy"], "Retain");
        assert_eq!(version["UpdateReplacePolicy"], "Retain");
        // The role is known at deploy time only: it is in the description.
        let digest = base.trim_start_matches("EdgeVersion");
        assert_eq!(
            version["Properties"]["Description"],
            serde_json::json!({ "Fn::Join": [" ", [format!("code {digest}"), { "Fn::GetAtt": ["EdgeRole", "Arn"] }]] })
        );
        let changes = [
            EdgeFunctionProps {
                memory_mb: 256,
                ..EdgeFunctionProps::new(source())
            },
            EdgeFunctionProps {
                timeout_s: 3,
                ..EdgeFunctionProps::new(source())
            },
            EdgeFunctionProps {
                handler: "index.other".into(),
                ..EdgeFunctionProps::new(source())
            },
            EdgeFunctionProps::new(Value::Lit("def handler(e, c):\n    return None\n".into())),
        ];
        for props in changes {
            assert_ne!(version_id(props.clone()).0, base, "{props:?}");
        }
    }

    #[test]
    fn deploy_time_values_go_into_the_description() {
        let mut t = Template::new();
        let queue = t.add("Queue", sqs::Queue::new());
        let source = fns::sub_with(
            "URL = '${Url}'\nSKIP = ${Skip}\n",
            [
                ("Url", queue.reference()),
                ("Skip", Value::Lit("[]".into())),
            ],
        );
        let edge = EdgeFunction::new(&mut t, "Edge", EdgeFunctionProps::new(source));
        let rendered = t.render().unwrap().json().clone();
        let id = edge.version.logical_id();
        let description = &rendered["Resources"][id]["Properties"]["Description"];
        let digest = id.trim_start_matches("EdgeVersion");
        assert_eq!(
            description,
            &serde_json::json!({ "Fn::Join": [" ", [
                format!("code {digest}"),
                { "Fn::GetAtt": ["EdgeRole", "Arn"] },
                { "Ref": "Queue" }
            ]] })
        );
        // The function's own description carries the digest: a new digest is
        // always a change of the function.
        assert_eq!(
            rendered["Resources"]["Edge"]["Properties"]["Description"],
            format!("code {digest}")
        );
    }
}
