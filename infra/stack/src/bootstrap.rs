//! The bootstrap stack: the artifact bucket every deploy uploads to and,
//! for continuous deployment from GitHub Actions, the GitHub OIDC identity
//! provider (or an existing one), a deploy role that only one repository's
//! branch can assume, and the role CloudFormation uses to change the site's
//! stack. The execution role's actions are the ones the resource types of
//! the `prod` stack declare in their registry schemas (no wildcard action);
//! the deploy role can run change sets on that one stack, pass only the
//! execution role, write artifacts and the site, and invalidate the CDN.
//! A diff role that pull requests of the repository can assume reads the
//! prod stack's template, for the deployed diff in CI's job summary.
//! It also names the account's API Gateway logging role in its Region,
//! which the WebSocket API's access logs need.

use std::collections::BTreeSet;

use infra::aws::s3;
use infra::aws::s3::bucket::{LifecycleConfiguration, NoncurrentVersionExpiration, Rule};
use infra::aws::{apigateway, iam};
use infra::constructs::private_bucket;
use infra::policy::{PolicyDocument, Principal, Statement};
use infra::{fns, pseudo, sub, Attributes, DeletionPolicy, Output, Template, Value};

use crate::config::StackConfig;
use crate::stack::{build, roles, StackError, Stage};

/// The GitHub OIDC issuer.
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// Output names of the bootstrap stack.
pub mod outputs {
    /// The artifact bucket.
    pub const ARTIFACT_BUCKET: &str = "ArtifactBucket";
    /// The role GitHub Actions assumes.
    pub const DEPLOY_ROLE: &str = "DeployRoleArn";
    /// The role CloudFormation uses for the site's stack.
    pub const EXECUTION_ROLE: &str = "ExecutionRoleArn";
    /// The permissions boundary of every role of the site's stacks.
    pub const ROLE_BOUNDARY: &str = "RoleBoundaryArn";
    /// The role the account's API Gateway settings name (a bootstrap stack
    /// without this output predates it: the WebSocket stage's access logs
    /// would fail to deploy).
    pub const API_GATEWAY_LOGS_ROLE: &str = "ApiGatewayLogsRoleArn";
    /// The read-only role a pull request's CI job assumes to diff against
    /// the deployed prod stack.
    pub const DIFF_ROLE: &str = "DiffRoleArn";
}

/// The repository secret `.github/workflows/ci.yml` reads the diff role's
/// ARN from (unset: CI shows the snapshot diff instead).
pub const DIFF_ROLE_SECRET: &str = "AWS_DIFF_ROLE_ARN";

/// The repository secret `.github/workflows/deploy.yml` reads the deploy
/// role's ARN from.
pub const DEPLOY_ROLE_SECRET: &str = "AWS_DEPLOY_ROLE_ARN";

/// What the diff role may do: read the prod stack's state and template
/// (`stack_deploy::deployed::template`), nothing else.
pub const DIFF_ACTIONS: [&str; 2] = [
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
];

/// Who may deploy from GitHub Actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubDeploy {
    /// `OWNER/NAME`.
    pub repo: String,
    /// The GitHub environment whose jobs may assume the deploy role
    /// ([`DEPLOY_ENVIRONMENT`] unless chosen otherwise).
    ///
    /// A job that names an environment gets the OIDC subject
    /// `repo:OWNER/NAME:environment:ENV` instead of the ref-based one
    /// (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims>).
    /// Trusting the environment, not a branch, lets the repository guard
    /// deploys with the environment's protection rules: its deployment
    /// branch policy (only `main`) and required reviewers
    /// (<https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment>).
    pub environment: String,
    /// An OIDC provider for GitHub that the account already has (one per
    /// account and issuer); `None` creates it.
    pub existing_provider_arn: Option<String>,
}

/// Why a bootstrap stack could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The repository is not `OWNER/NAME`.
    #[error("`{0}` is not a GitHub repository: give it as OWNER/NAME")]
    Repo(String),
    /// The environment name is unusable.
    #[error("`{0}` is not a GitHub environment name: use letters, digits, `-`, `_` and `.`")]
    Environment(String),
    /// A resource type of the site's stack has no schema permissions.
    #[error(
        "no registry schema lists the permissions of {0}; add its service to the generated ones"
    )]
    Permissions(String),
    /// A schema asks for a wildcard action.
    #[error("{0} would need the wildcard action {1}")]
    Wildcard(String, String),
    /// The site's stack could not be built.
    #[error(transparent)]
    Stack(#[from] StackError),
    /// A stage's template did not render (a bug in this crate).
    #[error("rendering a stage for its role boundary: {0}")]
    Render(String),
}

/// The GitHub environment `.github/workflows/deploy.yml`'s deploy job runs
/// in, and the one bootstrap trusts by default.
pub const DEPLOY_ENVIRONMENT: &str = "production";

/// The audience `aws-actions/configure-aws-credentials` asks GitHub for
/// (its `audience` input's default), which the trust policy requires.
pub const GITHUB_AUDIENCE: &str = "sts.amazonaws.com";

/// The OIDC `sub` claim of a job of `owner/name` that runs in `environment`.
pub fn github_subject(owner: &str, name: &str, environment: &str) -> String {
    format!("repo:{owner}/{name}:environment:{environment}")
}

/// The OIDC `sub` claim of a job of `owner/name` that a pull request
/// started and that names no environment
/// (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#filtering-for-pull_request-events>).
/// GitHub gives no token to a pull request from a fork: its
/// `id-token: write` becomes `none`
/// (<https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token>),
/// so only branches of the repository itself can assume the diff role.
pub fn pull_request_subject(owner: &str, name: &str) -> String {
    format!("repo:{owner}/{name}:pull_request")
}

/// A role for GitHub's OIDC tokens with `subject`, allowed `policy`.
fn github_role(
    provider: &Value<String>,
    subject: String,
    description: String,
    policy: PolicyDocument,
    policy_name: &str,
) -> iam::Role {
    iam::Role::new(
        PolicyDocument::new().statement(
            Statement::allow()
                .action("sts:AssumeRoleWithWebIdentity")
                .principal(Principal::federated(provider.clone()))
                .condition(
                    "StringEquals",
                    &format!("{GITHUB_ISSUER}:aud"),
                    [GITHUB_AUDIENCE],
                )
                .condition("StringEquals", &format!("{GITHUB_ISSUER}:sub"), [subject]),
        ),
    )
    .description(description)
    .max_session_duration(3600)
    .policies(vec![Value::from(iam::role::Policy::new(
        policy,
        policy_name,
    ))])
}

/// `<app>-bootstrap`.
pub fn stack_name(app: &str) -> String {
    format!("{app}-bootstrap")
}

/// `<app>-prod`: the stack the deploy role may change.
pub fn prod_stack_name(app: &str) -> String {
    format!("{app}-prod")
}

fn valid_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The bootstrap template; with `github`, the deployment roles too.
pub fn bootstrap(
    config: &StackConfig,
    github: Option<&GitHubDeploy>,
) -> Result<Template, BootstrapError> {
    let mut t = Template::new();
    t.set_description(
        "Artifact bucket and deployment roles for the visitor counter (cargo xtask bootstrap)",
    );
    let bucket = t.add(
        "Artifacts",
        private_bucket().lifecycle_configuration(LifecycleConfiguration::new(vec![Rule::new(
            s3::bucket::RuleStatus::Enabled,
        )
        .id("expire-noncurrent")
        .noncurrent_version_expiration(NoncurrentVersionExpiration::new(30))])),
    );
    t.output(
        outputs::ARTIFACT_BUCKET,
        Output::new(bucket.reference()).description("Where function zips go"),
    );
    let boundary = t.add(
        "RoleBoundary",
        iam::ManagedPolicy::new(role_boundary(config)?)
            .managed_policy_name(roles::boundary_name(&config.app_name))
            .description(
                "The most any role of the site's stacks may do (their permissions boundary)",
            ),
    );
    t.output(
        outputs::ROLE_BOUNDARY,
        Output::new(boundary.reference()).description("Permissions boundary of the site's roles"),
    );
    api_gateway_logging(&mut t);
    let Some(github) = github else {
        return Ok(t);
    };
    let (owner, name) = github
        .repo
        .split_once('/')
        .filter(|(o, n)| valid_name(o) && valid_name(n))
        .ok_or_else(|| BootstrapError::Repo(github.repo.clone()))?;
    if !valid_name(&github.environment) {
        return Err(BootstrapError::Environment(github.environment.clone()));
    }

    let provider: Value<String> = match &github.existing_provider_arn {
        Some(arn) => arn.clone().into(),
        None => t
            .add(
                "GitHubOidc",
                iam::OidcProvider::new()
                    .url(format!("https://{GITHUB_ISSUER}"))
                    .client_id_list(vec![Value::from(GITHUB_AUDIENCE.to_owned())]),
            )
            .reference(),
    };

    let execution = t.add(
        "ExecutionRole",
        iam::Role::new(
            PolicyDocument::new().statement(
                Statement::allow()
                    .action("sts:AssumeRole")
                    .principal(Principal::service("cloudformation.amazonaws.com")),
            ),
        )
        .description("CloudFormation changes the site's stack with this role")
        .policies(vec![Value::from(iam::role::Policy::new(
            execution_policy(config, &bucket.arn(), &boundary.reference())?,
            "ManageTheSiteStack",
        ))]),
    );

    let prod = prod_stack_name(&config.app_name);
    let site_buckets = format!("{}-sitebucket-*", prod.to_ascii_lowercase());
    let prod_stack_arn = fns::sub(format!(
        "arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{prod}/*"
    ));
    let deploy = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("ChangeTheSiteStack")
                .actions([
                    "cloudformation:CreateChangeSet",
                    "cloudformation:DeleteChangeSet",
                    "cloudformation:DescribeChangeSet",
                    "cloudformation:DescribeStackEvents",
                    "cloudformation:DescribeStacks",
                    "cloudformation:ExecuteChangeSet",
                    "cloudformation:GetTemplate",
                ])
                .resource(prod_stack_arn.clone()),
        )
        .statement(
            Statement::allow()
                .sid("ReadTheBootstrapStack")
                .action("cloudformation:DescribeStacks")
                .resource(fns::sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*")),
        )
        .statement(
            Statement::allow()
                .sid("PassOnlyTheExecutionRole")
                .action("iam:PassRole")
                .resource(execution.arn())
                .condition("StringEquals", "iam:PassedToService", ["cloudformation.amazonaws.com"]),
        )
        .statement(
            // Before creating the prod stack, deploy looks for the tables an
            // earlier prod stack retained, by name. ListTables has no
            // resource-level permissions, so it takes `*`:
            // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
            Statement::allow()
                .sid("FindRetainedTables")
                .action("dynamodb:ListTables")
                .resource("*"),
        )
        .statement(
            Statement::allow()
                .sid("UploadArtifacts")
                .actions(["s3:GetObject", "s3:PutObject"])
                .resource(fns::sub("${Artifacts.Arn}/*")),
        )
        .statement(
            Statement::allow()
                .sid("PublishTheSite")
                .actions(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"])
                .resource(fns::sub(format!("arn:${{AWS::Partition}}:s3:::{site_buckets}/*"))),
        )
        .statement(
            Statement::allow()
                .sid("ListBuckets")
                .action("s3:ListBucket")
                .resources([
                    bucket.arn(),
                    fns::sub(format!("arn:${{AWS::Partition}}:s3:::{site_buckets}")),
                ]),
        )
        .statement(
            Statement::allow()
                .sid("InvalidateTheSite")
                .action("cloudfront:CreateInvalidation")
                .resource(fns::sub("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*")),
        );
    let role = t.add(
        "DeployRole",
        github_role(
            &provider,
            github_subject(owner, name, &github.environment),
            format!(
                "GitHub Actions jobs of {owner}/{name} in environment {} deploy the site",
                github.environment
            ),
            deploy,
            "DeployTheSite",
        ),
    );
    let diff = t.add(
        "DiffRole",
        github_role(
            &provider,
            pull_request_subject(owner, name),
            format!("Pull requests of {owner}/{name} compare their template with the prod stack"),
            PolicyDocument::new().statement(
                Statement::allow()
                    .sid("ReadTheSiteStack")
                    .actions(DIFF_ACTIONS)
                    .resource(prod_stack_arn.clone()),
            ),
            "ReadTheSiteStack",
        ),
    );
    t.output(
        outputs::DIFF_ROLE,
        Output::new(diff.arn()).description(format!(
            "Set as the {DIFF_ROLE_SECRET} secret of the repository"
        )),
    );
    t.output(
        outputs::DEPLOY_ROLE,
        Output::new(role.arn()).description(format!(
            "Set as the {DEPLOY_ROLE_SECRET} secret of the repository"
        )),
    );
    t.output(
        outputs::EXECUTION_ROLE,
        Output::new(execution.arn()).description("CloudFormation's role for the site's stack"),
    );
    Ok(t)
}

/// What the site's roles may do at most: every action either stage grants
/// any of its roles, on any resource (each role's own policy names the
/// resources). A grant beyond it would be refused by IAM, so widening a
/// grant means updating the bootstrap stack too, which shows in review.
pub fn role_boundary(config: &StackConfig) -> Result<PolicyDocument, BootstrapError> {
    let mut actions = BTreeSet::new();
    for stage in Stage::ALL {
        let template = build(stage, config)?;
        let rendered = template
            .render()
            .map_err(|e| BootstrapError::Render(e.to_string()))?;
        for role in rendered.json()["Resources"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, r)| r["Type"] == "AWS::IAM::Role")
            .map(|(_, r)| r)
        {
            for policy in role["Properties"]["Policies"]
                .as_array()
                .into_iter()
                .flatten()
            {
                for statement in policy["PolicyDocument"]["Statement"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|s| s["Effect"] == "Allow")
                {
                    match &statement["Action"] {
                        serde_json::Value::String(a) => {
                            actions.insert(a.clone());
                        }
                        serde_json::Value::Array(list) => {
                            actions
                                .extend(list.iter().filter_map(|a| a.as_str().map(str::to_owned)));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(PolicyDocument::new().statement(
        Statement::allow()
            .sid("AtMostWhatTheStacksGrant")
            .actions(actions)
            .resource("*"),
    ))
}

/// Role actions CloudFormation may take only on the app's roles (under
/// [`roles::path`]); those that create a role or widen what it may do need
/// the boundary attached too ([`ROLE_WIDENING`]).
const ROLE_ACTIONS: &[&str] = &[
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:TagRole",
    "iam:UntagRole",
    // The key `iam:PermissionsBoundary` is not in this action's request
    // context (IAM's service authorization reference), so it is scoped by
    // path alone.
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/// Role actions allowed only with [`roles::boundary_name`] as the role's
/// boundary (`iam:PermissionsBoundary`,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html>).
const ROLE_WIDENING: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
];

/// Role actions the schemas list that CloudFormation never gets: removing
/// a boundary would undo it.
const ROLE_NEVER: &[&str] = &["iam:DeleteRolePermissionsBoundary"];

/// Actions the registry schemas leave out, as data: each with where AWS
/// says it is needed.
pub const UNLISTED_PERMISSIONS: &[(&str, &str)] = &[
    (
        "lambda:GetFunction",
        "associating a Lambda@Edge version with a distribution: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html",
    ),
    (
        "lambda:EnableReplication*",
        "associating a Lambda@Edge version with a distribution; the trailing * is required (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html)",
    ),
    (
        "lambda:DisableReplication*",
        "removing a Lambda@Edge association; the trailing * is required (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html)",
    ),
    (
        "iam:CreateServiceLinkedRole",
        "the first Lambda@Edge association creates the replicator's service-linked role: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html",
    ),
];

/// The account's API Gateway logging role in the stacks' Region: WebSocket
/// stages (unlike HTTP ones) write access logs with the role the account's
/// API Gateway settings name, one setting per account and Region
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>),
/// trusted by `apigateway.amazonaws.com` with AWS's managed policy for it.
/// An account that already names a role gets this one instead (any role
/// with that policy serves every API in the Region). Both are retained when
/// the stack goes: CloudFormation leaves the account setting in place when
/// it deletes the resource
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html>),
/// and it must not name a deleted role.
fn api_gateway_logging(t: &mut Template) {
    let kept = || {
        Attributes::new()
            .deletion_policy(DeletionPolicy::Retain)
            .update_replace_policy(DeletionPolicy::Retain)
    };
    let role = t.add_with(
        "ApiGatewayLogsRole",
        iam::Role::new(
            PolicyDocument::new().statement(
                Statement::allow()
                    .action("sts:AssumeRole")
                    .principal(Principal::service("apigateway.amazonaws.com")),
            ),
        )
        .description("API Gateway writes the WebSocket API's access logs with this role")
        .managed_policy_arns(vec![sub!(
            "arn:",
            pseudo::partition(),
            ":iam::aws:policy/service-role/",
            API_GATEWAY_LOGS_POLICY
        )]),
        kept(),
    );
    t.add_with(
        "ApiGatewayAccount",
        apigateway::Account::new().cloud_watch_role_arn(role.arn()),
        kept(),
    );
    t.output(
        outputs::API_GATEWAY_LOGS_ROLE,
        Output::new(role.arn()).description(
            "The account's API Gateway logging role in this Region (WebSocket access logs)",
        ),
    );
}

/// AWS's managed policy that lets API Gateway write to CloudWatch Logs.
pub const API_GATEWAY_LOGS_POLICY: &str = "AmazonAPIGatewayPushToCloudWatchLogs";

/// What API Gateway needs of the caller that turns on a stage's access
/// logs, which the `AWS::ApiGatewayV2::Stage` schema does not list; none of
/// them takes a resource ARN
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html>).
pub const ACCESS_LOG_PERMISSIONS: &[&str] = &[
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
];

/// Every action the `prod` stack's resource types declare in their schemas'
/// handlers, plus reading the artifacts the functions are created from; role
/// management only on the app's roles, with the boundary; the Lambda@Edge
/// association permissions the schemas omit, on the stack's functions only.
fn execution_policy(
    config: &StackConfig,
    artifacts_arn: &Value<String>,
    boundary_arn: &Value<String>,
) -> Result<PolicyDocument, BootstrapError> {
    let prod = build(Stage::Prod, config)?;
    let mut actions = BTreeSet::new();
    for resource in prod.resources() {
        let type_name = resource.resource_type();
        let declared = infra::aws::handler_permissions(type_name)
            .ok_or_else(|| BootstrapError::Permissions(type_name.to_owned()))?;
        for action in declared {
            if action.contains('*') {
                return Err(BootstrapError::Wildcard(
                    type_name.to_owned(),
                    (*action).to_owned(),
                ));
            }
            actions.insert(*action);
        }
    }
    let (role_scoped, general): (BTreeSet<&str>, BTreeSet<&str>) = actions
        .into_iter()
        .filter(|a| !ROLE_NEVER.contains(a))
        .partition(|a| {
            ROLE_ACTIONS.contains(a) || ROLE_WIDENING.contains(a) || *a == "iam:PassRole"
        });
    let general: BTreeSet<&str> = general
        .into_iter()
        .filter(|a| *a != "iam:CreateServiceLinkedRole")
        .collect();
    let app_roles = fns::sub(format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{}*",
        roles::path(&config.app_name)
    ));
    let app = &config.app_name;
    let prod_functions = fns::sub(format!(
        "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{app}-prod-*"
    ));
    let mut policy = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("ManageTheStacksResources")
                .actions(general)
                .resource("*"),
        )
        .statement(
            Statement::allow()
                .sid("CreateAndWidenOnlyBoundedAppRoles")
                .actions(
                    ROLE_WIDENING
                        .iter()
                        .copied()
                        .filter(|a| role_scoped.contains(a)),
                )
                .resource(app_roles.clone())
                .condition(
                    "StringEquals",
                    "iam:PermissionsBoundary",
                    [boundary_arn.clone()],
                ),
        )
        .statement(
            Statement::allow()
                .sid("ManageOnlyAppRoles")
                .actions(
                    ROLE_ACTIONS
                        .iter()
                        .copied()
                        .filter(|a| role_scoped.contains(a)),
                )
                .resource(app_roles.clone()),
        )
        .statement(
            Statement::allow()
                .sid("PassOnlyAppRolesToLambda")
                .action("iam:PassRole")
                .resource(app_roles)
                .condition(
                    "StringEquals",
                    "iam:PassedToService",
                    ["lambda.amazonaws.com"],
                ),
        )
        .statement(
            Statement::allow()
                .sid("ReadArtifacts")
                .action("s3:GetObject")
                .resource(fns::join(
                    "",
                    [artifacts_arn.clone(), Value::from("/*".to_owned())],
                )),
        );
    policy = policy.statement(
        Statement::allow()
            .sid("DeliverApiAccessLogs")
            .actions(ACCESS_LOG_PERMISSIONS.iter().copied())
            .resource("*"),
    );
    // Lambda@Edge associations (UNLISTED_PERMISSIONS): the documented
    // exception to the no-wildcard rule, scoped to the stack's functions'
    // versions and to the replicator's service-linked role.
    let unlisted = |prefix: &'static str| {
        UNLISTED_PERMISSIONS
            .iter()
            .map(|(a, _)| *a)
            .filter(move |a| a.starts_with(prefix))
    };
    policy = policy
        .statement(
            Statement::allow()
                .sid("ReplicateTheEdgeFunction")
                .actions(unlisted("lambda:"))
                .resources([prod_functions.clone(), sub_suffix(&prod_functions, ":*")]),
        )
        .statement(
            Statement::allow()
                .sid("CreateTheReplicatorRole")
                .actions(unlisted("iam:"))
                .resource(fns::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator"))
                .condition("StringEquals", "iam:AWSServiceName", ["replicator.lambda.amazonaws.com"]),
        );
    Ok(policy)
}

fn sub_suffix(value: &Value<String>, suffix: &str) -> Value<String> {
    fns::join("", [value.clone(), Value::from(suffix.to_owned())])
}
