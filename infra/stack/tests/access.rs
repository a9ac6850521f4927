//! The bootstrap stack's roles, evaluated: CloudFormation's execution role
//! can do everything a create, update and delete of the `prod` stage needs,
//! and cannot make an administrator (no role without the boundary, no role
//! outside the app's path, not the deploy role, not the boundary itself).

use infra::access::calls::Place;
use infra::access::eval::{evaluate, Context, Decision, Request};
use infra::access::principals::{roles, Deployment, Role};
use visitor_stack::bootstrap::{bootstrap, GitHubDeploy, UNLISTED_PERMISSIONS};
use visitor_stack::{build, StackConfig, Stage};

const ACCOUNT: &str = "123456789012";
const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/resume-role-boundary";
const APP_ROLE: &str = "arn:aws:iam::123456789012:role/resume/resume-prod-ProcessorRole-1A2B3C";
const DEPLOY_ROLE: &str = "arn:aws:iam::123456789012:role/resume-bootstrap-DeployRole-9Z8Y7X";

fn bootstrap_roles() -> std::collections::BTreeMap<String, Role> {
    let config = StackConfig::default();
    let github = GitHubDeploy {
        repo: "octo/resume".into(),
        environment: visitor_stack::bootstrap::DEPLOY_ENVIRONMENT.into(),
        existing_provider_arn: None,
    };
    let template = bootstrap(&config, Some(&github)).expect("bootstrap builds");
    let rendered = template.render().expect("renders");
    let deployment = Deployment::new(Place::new("aws", "us-east-1", ACCOUNT), "resume-bootstrap")
        .physical("Artifacts", "resume-bootstrap-artifacts-1")
        .physical("RoleBoundary", BOUNDARY)
        .physical("ExecutionRole", "resume-bootstrap-ExecutionRole-1")
        .physical("DeployRole", "resume-bootstrap-DeployRole-9Z8Y7X")
        .physical(
            "GitHubOidc",
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        );
    roles(rendered.json(), &deployment).expect("the roles resolve")
}

fn decide(role: &Role, action: &str, resource: &str, context: &Context) -> Decision {
    evaluate(
        &role.policies,
        role.boundary.as_deref(),
        &Request {
            action,
            resource,
            context,
        },
    )
    .unwrap_or_else(|e| panic!("{action} on {resource}: {e}"))
}

fn with_boundary(arn: &str) -> Context {
    Context::new().with("iam:PermissionsBoundary", arn)
}

#[test]
fn the_execution_role_creates_roles_only_with_the_boundary() {
    let roles = bootstrap_roles();
    let exec = &roles["ExecutionRole"];
    let none = Context::new();
    assert!(
        !decide(exec, "iam:CreateRole", APP_ROLE, &none).is_allowed(),
        "CreateRole without a boundary must be denied"
    );
    let other = with_boundary("arn:aws:iam::aws:policy/AdministratorAccess");
    assert!(!decide(exec, "iam:CreateRole", APP_ROLE, &other).is_allowed());
    assert!(decide(exec, "iam:CreateRole", APP_ROLE, &with_boundary(BOUNDARY)).is_allowed());
    assert!(!decide(exec, "iam:PutRolePolicy", APP_ROLE, &none).is_allowed());
    assert!(
        !decide(exec, "iam:DeleteRolePermissionsBoundary", APP_ROLE, &none).is_allowed(),
        "removing the boundary would undo it"
    );
}

#[test]
fn the_execution_role_cannot_touch_roles_outside_the_app() {
    let roles = bootstrap_roles();
    let exec = &roles["ExecutionRole"];
    let bounded = with_boundary(BOUNDARY);
    let outside = "arn:aws:iam::123456789012:role/SomeoneElsesRole";
    assert!(!decide(exec, "iam:AttachRolePolicy", outside, &bounded).is_allowed());
    assert!(!decide(exec, "iam:UpdateAssumeRolePolicy", outside, &bounded).is_allowed());
    assert!(!decide(exec, "iam:PutRolePolicy", DEPLOY_ROLE, &bounded).is_allowed());
    assert!(!decide(exec, "iam:UpdateAssumeRolePolicy", DEPLOY_ROLE, &bounded).is_allowed());
    let to_lambda = Context::new().with("iam:PassedToService", "lambda.amazonaws.com");
    assert!(!decide(exec, "iam:PassRole", DEPLOY_ROLE, &to_lambda).is_allowed());
    assert!(decide(exec, "iam:PassRole", APP_ROLE, &to_lambda).is_allowed());
    let to_ec2 = Context::new().with("iam:PassedToService", "ec2.amazonaws.com");
    assert!(!decide(exec, "iam:PassRole", APP_ROLE, &to_ec2).is_allowed());
    for action in [
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:SetDefaultPolicyVersion",
    ] {
        assert!(
            !decide(exec, action, BOUNDARY, &Context::new()).is_allowed(),
            "{action} on the boundary must be denied"
        );
    }
}

/// Handler permissions of the `prod` stage's types that the stack never
/// needs, with why; everything else must be allowed.
const NOT_NEEDED: &[(&str, &str, &str)] = &[
    (
        "AWS::IAM::Role",
        "iam:DeleteRolePermissionsBoundary",
        "the stack never removes a boundary; CloudFormation may not",
    ),
    (
        "AWS::DynamoDB::Table",
        "iam:CreateServiceLinkedRole",
        "for global tables and contributor insights, which the tables do not use",
    ),
    (
        "AWS::ApiGatewayV2::Integration",
        "iam:PassRole",
        "for integration credentials, which the APIs do not set",
    ),
    (
        "AWS::S3::Bucket",
        "iam:PassRole",
        "for a replication role, which the site bucket does not have",
    ),
];

#[test]
fn the_execution_role_can_create_update_and_delete_prod() {
    let roles = bootstrap_roles();
    let exec = &roles["ExecutionRole"];
    let prod = build(Stage::Prod, &StackConfig::default()).expect("prod builds");
    let mut checked = 0;
    for resource in prod.resources() {
        let kind = resource.resource_type();
        for action in infra::aws::handler_permissions(kind).expect("schema permissions") {
            if NOT_NEEDED.iter().any(|(t, a, _)| *t == kind && a == action) {
                continue;
            }
            let (target, context) = match *action {
                "iam:PassRole" => (
                    APP_ROLE,
                    Context::new().with("iam:PassedToService", "lambda.amazonaws.com"),
                ),
                a if a.starts_with("iam:") && a.contains("Role") && a != "iam:ListRoles" => {
                    (APP_ROLE, with_boundary(BOUNDARY))
                }
                _ => ("*", Context::new()),
            };
            let decision = decide(exec, action, target, &context);
            assert!(
                decision.is_allowed(),
                "{kind} needs {action} on {target}: {decision}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} permissions checked");
    // What the schemas leave out: associating the edge function's versions.
    let version = "arn:aws:lambda:us-east-1:123456789012:function:resume-prod-EdgeRecorder-AB12:3";
    for action in [
        "lambda:GetFunction",
        "lambda:EnableReplication",
        "lambda:DisableReplication",
    ] {
        assert!(
            decide(exec, action, version, &Context::new()).is_allowed(),
            "{action}"
        );
    }
    let other = "arn:aws:lambda:us-east-1:123456789012:function:not-ours:1";
    assert!(!decide(exec, "lambda:EnableReplication", other, &Context::new()).is_allowed());
    let replicator = "arn:aws:iam::123456789012:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator";
    let slr = Context::new().with("iam:AWSServiceName", "replicator.lambda.amazonaws.com");
    assert!(decide(exec, "iam:CreateServiceLinkedRole", replicator, &slr).is_allowed());
    let admin_slr = "arn:aws:iam::123456789012:role/aws-service-role/ops.example.amazonaws.com/X";
    assert!(!decide(exec, "iam:CreateServiceLinkedRole", admin_slr, &slr).is_allowed());
    assert!(UNLISTED_PERMISSIONS
        .iter()
        .all(|(_, source)| source.contains("https://docs.aws.amazon.com/")));
}

/// Every role of both stages is bounded, under the app's path, and its
/// grants fit inside the boundary.
#[test]
fn every_role_is_bounded_and_fits_its_boundary() {
    let config = StackConfig::default();
    let boundary = visitor_stack::bootstrap::role_boundary(&config).expect("boundary");
    let boundary_doc = infra::ToJson::to_json(&boundary);
    for stage in Stage::ALL {
        let rendered = build(stage, &config)
            .expect("builds")
            .render()
            .expect("renders");
        let template = rendered.json();
        let mut deployment =
            Deployment::new(Place::new("aws", "us-east-1", ACCOUNT), "resume-prod")
                .managed_policy(BOUNDARY, boundary_doc.clone());
        for (id, _) in template["Resources"].as_object().expect("resources") {
            deployment = deployment
                .physical(id, format!("resume-prod-{id}-X"))
                .attribute(
                    id,
                    "StreamArn",
                    format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{id}/stream/1"),
                );
        }
        let roles = roles(template, &deployment).expect("roles resolve");
        assert!(!roles.is_empty());
        for (id, role) in &roles {
            let props = &template["Resources"][id]["Properties"];
            assert_eq!(props["Path"], "/resume/", "{id}");
            assert!(role.unmodelled.is_empty(), "{id}: {:?}", role.unmodelled);
            let boundary = role
                .boundary
                .as_deref()
                .unwrap_or_else(|| panic!("{id} has no boundary"));
            for policy in &role.policies {
                for statement in policy.statements() {
                    for action in statement.actions() {
                        let context = Context::new();
                        let request = Request {
                            action,
                            resource: "*",
                            context: &context,
                        };
                        let decision = evaluate(boundary, None, &request).expect("evaluates");
                        assert!(
                            decision.is_allowed(),
                            "{stage:?} {id}: the boundary does not allow {action}: {decision}"
                        );
                    }
                }
            }
        }
    }
}
