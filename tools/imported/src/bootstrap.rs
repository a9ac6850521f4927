//! `snapshots/bootstrap.snap` rebuilt through infra's typed API, written by
//! `UPDATE_IMPORTS=1 cargo test -p infra-import --test fixtures`. Needs infra's
//! features `apigateway`, `iam`, `s3`. `template()` builds a template that
//! renders equal to the input (in canonical order).

#![allow(unused_imports)]

use std::collections::BTreeMap;

use infra::aws;
use infra::{
    fns, pseudo, Attributes, Condition, DeletionPolicy, Json, Mapping, Output, Parameter,
    RawResource, Template, ToJson, Value,
};
use serde_json::json;

/// The template, built.
pub fn template() -> Template {
    let mut t = Template::new();
    t.set_description(
        "Artifact bucket and deployment roles for the visitor counter (cargo xtask bootstrap)",
    );
    let api_gateway_logs_role = t.add_with(
        "ApiGatewayLogsRole",
        aws::iam::Role::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", json!("sts:AssumeRole")),
                        ("Effect", json!("Allow")),
                        ("Principal", json!({"Service": "apigateway.amazonaws.com"})),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
        )
        .description("API Gateway writes the WebSocket API's access logs with this role")
        .managed_policy_arns(vec![fns::sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")]),
        Attributes::new()
            .deletion_policy(DeletionPolicy::Retain)
            .update_replace_policy(DeletionPolicy::Retain),
    );
    t.add_with(
        "ApiGatewayAccount",
        aws::apigateway::Account::new().cloud_watch_role_arn(api_gateway_logs_role.arn()),
        Attributes::new()
            .deletion_policy(DeletionPolicy::Retain)
            .update_replace_policy(DeletionPolicy::Retain),
    );
    let artifacts = t.add(
        "Artifacts",
        aws::s3::Bucket::new()
            .bucket_encryption(aws::s3::bucket::BucketEncryption::new(vec![
                aws::s3::bucket::ServerSideEncryptionRule::new().server_side_encryption_by_default(
                    aws::s3::bucket::ServerSideEncryptionByDefault::new(
                        aws::s3::bucket::SseAlgorithm::Aes256,
                    ),
                ),
            ]))
            .lifecycle_configuration(aws::s3::bucket::LifecycleConfiguration::new(vec![
                aws::s3::bucket::Rule::new(aws::s3::bucket::RuleStatus::Enabled)
                    .id("expire-noncurrent")
                    .noncurrent_version_expiration(
                        aws::s3::bucket::NoncurrentVersionExpiration::new(30),
                    ),
            ]))
            .ownership_controls(aws::s3::bucket::OwnershipControls::new(vec![
                aws::s3::bucket::OwnershipControlsRule::new()
                    .object_ownership(aws::s3::bucket::ObjectOwnership::BucketOwnerEnforced),
            ]))
            .public_access_block_configuration(
                aws::s3::bucket::PublicAccessBlockConfiguration::new()
                    .block_public_acls(true)
                    .block_public_policy(true)
                    .ignore_public_acls(true)
                    .restrict_public_buckets(true),
            ),
    );
    let git_hub_oidc = t.add(
        "GitHubOidc",
        aws::iam::OidcProvider::new()
            .client_id_list(vec!["sts.amazonaws.com"])
            .url("https://token.actions.githubusercontent.com"),
    );
    let diff_role = t.add(
        "DiffRole",
        aws::iam::Role::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", json!("sts:AssumeRoleWithWebIdentity")),
                        ("Condition", infra::json_object([
                            ("StringEquals", infra::json_object([
                                ("token.actions.githubusercontent.com:aud", json!("sts.amazonaws.com")),
                                ("token.actions.githubusercontent.com:sub", json!("repo:octo/resume:pull_request")),
                            ])),
                        ])),
                        ("Effect", json!("Allow")),
                        ("Principal", json!({"Federated": git_hub_oidc.reference().to_json()})),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
        )
        .description("Pull requests of octo/resume compare their template with the prod stack")
        .max_session_duration(3600)
        .policies(vec![aws::iam::role::Policy::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", json!(["cloudformation:DescribeStacks", "cloudformation:GetTemplate"])),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/resume-prod/*").to_json()),
                        ("Sid", json!("ReadTheSiteStack")),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
            "ReadTheSiteStack",
        )]),
    );
    let role_boundary = t.add(
        "RoleBoundary",
        aws::iam::ManagedPolicy::new(infra::json_object([
            (
                "Statement",
                Json::Array(vec![infra::json_object([
                    (
                        "Action",
                        Json::from(vec![
                            "dynamodb:DeleteItem",
                            "dynamodb:DescribeStream",
                            "dynamodb:GetItem",
                            "dynamodb:GetRecords",
                            "dynamodb:GetShardIterator",
                            "dynamodb:ListStreams",
                            "dynamodb:PutItem",
                            "dynamodb:Scan",
                            "dynamodb:UpdateItem",
                            "execute-api:ManageConnections",
                            "logs:CreateLogGroup",
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "sqs:DeleteMessage",
                            "sqs:GetQueueAttributes",
                            "sqs:ReceiveMessage",
                            "sqs:SendMessage",
                        ]),
                    ),
                    ("Effect", json!("Allow")),
                    ("Resource", json!("*")),
                    ("Sid", json!("AtMostWhatTheStacksGrant")),
                ])]),
            ),
            ("Version", json!("2012-10-17")),
        ]))
        .description("The most any role of the site's stacks may do (their permissions boundary)")
        .managed_policy_name("resume-role-boundary"),
    );
    let execution_role = t.add(
        "ExecutionRole",
        aws::iam::Role::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", json!("sts:AssumeRole")),
                        ("Effect", json!("Allow")),
                        ("Principal", json!({"Service": "cloudformation.amazonaws.com"})),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
        )
        .description("CloudFormation changes the site's stack with this role")
        .policies(vec![aws::iam::role::Policy::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "apigateway:DELETE",
                            "apigateway:GET",
                            "apigateway:PATCH",
                            "apigateway:POST",
                            "apigateway:PUT",
                            "cloudfront:CreateConnectionGroup",
                            "cloudfront:CreateDistribution",
                            "cloudfront:CreateOriginAccessControl",
                            "cloudfront:CreateResponseHeadersPolicy",
                            "cloudfront:DeleteDistribution",
                            "cloudfront:DeleteOriginAccessControl",
                            "cloudfront:DeleteResponseHeadersPolicy",
                            "cloudfront:GetConnectionGroup",
                            "cloudfront:GetDistribution",
                            "cloudfront:GetDistributionConfig",
                            "cloudfront:GetOriginAccessControl",
                            "cloudfront:GetResponseHeadersPolicy",
                            "cloudfront:GetVpcOrigin",
                            "cloudfront:ListDistributions",
                            "cloudfront:ListOriginAccessControls",
                            "cloudfront:ListResponseHeadersPolicies",
                            "cloudfront:ListTagsForResource",
                            "cloudfront:TagResource",
                            "cloudfront:UntagResource",
                            "cloudfront:UpdateDistribution",
                            "cloudfront:UpdateDistributionWithStagingConfig",
                            "cloudfront:UpdateOriginAccessControl",
                            "cloudfront:UpdateResponseHeadersPolicy",
                            "cloudwatch:DeleteAlarms",
                            "cloudwatch:DeleteDashboards",
                            "cloudwatch:DescribeAlarms",
                            "cloudwatch:GetDashboard",
                            "cloudwatch:ListDashboards",
                            "cloudwatch:ListTagsForResource",
                            "cloudwatch:PutDashboard",
                            "cloudwatch:PutMetricAlarm",
                            "cloudwatch:TagResource",
                            "cloudwatch:UntagResource",
                            "dynamodb:AssociateTableReplica",
                            "dynamodb:BatchWriteItem",
                            "dynamodb:CreateTable",
                            "dynamodb:CreateTableReplica",
                            "dynamodb:DeleteItem",
                            "dynamodb:DeleteResourcePolicy",
                            "dynamodb:DeleteTable",
                            "dynamodb:DescribeContinuousBackups",
                            "dynamodb:DescribeContributorInsights",
                            "dynamodb:DescribeImport",
                            "dynamodb:DescribeKinesisStreamingDestination",
                            "dynamodb:DescribeTable",
                            "dynamodb:DescribeTimeToLive",
                            "dynamodb:DisableKinesisStreamingDestination",
                            "dynamodb:EnableKinesisStreamingDestination",
                            "dynamodb:GetItem",
                            "dynamodb:GetResourcePolicy",
                            "dynamodb:ImportTable",
                            "dynamodb:ListTables",
                            "dynamodb:ListTagsOfResource",
                            "dynamodb:PutItem",
                            "dynamodb:PutResourcePolicy",
                            "dynamodb:Query",
                            "dynamodb:Scan",
                            "dynamodb:TagResource",
                            "dynamodb:UntagResource",
                            "dynamodb:UpdateContinuousBackups",
                            "dynamodb:UpdateContributorInsights",
                            "dynamodb:UpdateItem",
                            "dynamodb:UpdateKinesisStreamingDestination",
                            "dynamodb:UpdateTable",
                            "dynamodb:UpdateTimeToLive",
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DescribeSecurityGroups",
                            "ec2:DescribeSubnets",
                            "ec2:DescribeVpcs",
                            "elasticfilesystem:DescribeMountTargets",
                            "firehose:TagDeliveryStream",
                            "iam:ListRoles",
                            "kinesis:DescribeStream",
                            "kinesis:PutRecords",
                            "kms:CreateGrant",
                            "kms:Decrypt",
                            "kms:DescribeKey",
                            "kms:Encrypt",
                            "kms:GenerateDataKey",
                            "kms:ListAliases",
                            "kms:RevokeGrant",
                            "lambda:AddPermission",
                            "lambda:CreateEventSourceMapping",
                            "lambda:CreateFunction",
                            "lambda:DeleteEventSourceMapping",
                            "lambda:DeleteFunction",
                            "lambda:DeleteFunctionCodeSigningConfig",
                            "lambda:DeleteFunctionConcurrency",
                            "lambda:GetCodeSigningConfig",
                            "lambda:GetEventSourceMapping",
                            "lambda:GetFunction",
                            "lambda:GetFunctionCodeSigningConfig",
                            "lambda:GetFunctionConfiguration",
                            "lambda:GetFunctionRecursionConfig",
                            "lambda:GetFunctionScalingConfig",
                            "lambda:GetLayerVersion",
                            "lambda:GetPolicy",
                            "lambda:GetProvisionedConcurrencyConfig",
                            "lambda:GetRuntimeManagementConfig",
                            "lambda:ListEventSourceMappings",
                            "lambda:ListFunctions",
                            "lambda:ListTags",
                            "lambda:ListVersionsByFunction",
                            "lambda:PassCapacityProvider",
                            "lambda:PublishVersion",
                            "lambda:PutFunctionCodeSigningConfig",
                            "lambda:PutFunctionConcurrency",
                            "lambda:PutFunctionRecursionConfig",
                            "lambda:PutFunctionScalingConfig",
                            "lambda:PutProvisionedConcurrencyConfig",
                            "lambda:PutRuntimeManagementConfig",
                            "lambda:RemovePermission",
                            "lambda:TagResource",
                            "lambda:UntagResource",
                            "lambda:UpdateEventSourceMapping",
                            "lambda:UpdateFunctionCode",
                            "lambda:UpdateFunctionConfiguration",
                            "logs:AssociateKmsKey",
                            "logs:CreateLogDelivery",
                            "logs:CreateLogGroup",
                            "logs:CreateLogStream",
                            "logs:DeleteDataProtectionPolicy",
                            "logs:DeleteIndexPolicy",
                            "logs:DeleteLogGroup",
                            "logs:DeleteMetricFilter",
                            "logs:DeleteResourcePolicy",
                            "logs:DeleteRetentionPolicy",
                            "logs:DescribeIndexPolicies",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                            "logs:DescribeMetricFilters",
                            "logs:DescribeResourcePolicies",
                            "logs:DisassociateKmsKey",
                            "logs:GetDataProtectionPolicy",
                            "logs:ListTagsForResource",
                            "logs:PutBearerTokenAuthentication",
                            "logs:PutDataProtectionPolicy",
                            "logs:PutIndexPolicy",
                            "logs:PutLogEvents",
                            "logs:PutLogGroupDeletionProtection",
                            "logs:PutMetricFilter",
                            "logs:PutResourcePolicy",
                            "logs:PutRetentionPolicy",
                            "logs:TagResource",
                            "logs:UntagResource",
                            "s3:CreateBucket",
                            "s3:CreateBucketMetadataTableConfiguration",
                            "s3:DeleteBucket",
                            "s3:DeleteBucketMetadataTableConfiguration",
                            "s3:DeleteBucketPolicy",
                            "s3:DeleteBucketWebsite",
                            "s3:DeleteObject",
                            "s3:GetAccelerateConfiguration",
                            "s3:GetAnalyticsConfiguration",
                            "s3:GetBucketAbac",
                            "s3:GetBucketAcl",
                            "s3:GetBucketCORS",
                            "s3:GetBucketLogging",
                            "s3:GetBucketMetadataTableConfiguration",
                            "s3:GetBucketNotification",
                            "s3:GetBucketObjectLockConfiguration",
                            "s3:GetBucketOwnershipControls",
                            "s3:GetBucketPolicy",
                            "s3:GetBucketPublicAccessBlock",
                            "s3:GetBucketTagging",
                            "s3:GetBucketVersioning",
                            "s3:GetBucketWebsite",
                            "s3:GetEncryptionConfiguration",
                            "s3:GetIntelligentTieringConfiguration",
                            "s3:GetInventoryConfiguration",
                            "s3:GetLifecycleConfiguration",
                            "s3:GetMetricsConfiguration",
                            "s3:GetObject",
                            "s3:GetObjectVersion",
                            "s3:GetReplicationConfiguration",
                            "s3:ListAllMyBuckets",
                            "s3:ListBucket",
                            "s3:ListTagsForResource",
                            "s3:PutAccelerateConfiguration",
                            "s3:PutAnalyticsConfiguration",
                            "s3:PutBucketAbac",
                            "s3:PutBucketAcl",
                            "s3:PutBucketCORS",
                            "s3:PutBucketLogging",
                            "s3:PutBucketNotification",
                            "s3:PutBucketObjectLockConfiguration",
                            "s3:PutBucketOwnershipControls",
                            "s3:PutBucketPolicy",
                            "s3:PutBucketPublicAccessBlock",
                            "s3:PutBucketTagging",
                            "s3:PutBucketVersioning",
                            "s3:PutBucketWebsite",
                            "s3:PutEncryptionConfiguration",
                            "s3:PutIntelligentTieringConfiguration",
                            "s3:PutInventoryConfiguration",
                            "s3:PutLifecycleConfiguration",
                            "s3:PutMetricsConfiguration",
                            "s3:PutObjectAcl",
                            "s3:PutReplicationConfiguration",
                            "s3:TagResource",
                            "s3:UntagResource",
                            "s3:UpdateBucketMetadataAnnotationTableConfiguration",
                            "s3:UpdateBucketMetadataInventoryTableConfiguration",
                            "s3:UpdateBucketMetadataJournalTableConfiguration",
                            "s3:getObject",
                            "s3files:ListMountTargets",
                            "s3tables:CreateNamespace",
                            "s3tables:CreateTable",
                            "s3tables:CreateTableBucket",
                            "s3tables:GetTable",
                            "s3tables:GetTableMetadataLocation",
                            "s3tables:PutTableBucketPolicy",
                            "s3tables:PutTableEncryption",
                            "s3tables:PutTablePolicy",
                            "s3tables:UpdateTableMetadataLocation",
                            "sns:CreateTopic",
                            "sns:DeleteTopic",
                            "sns:GetDataProtectionPolicy",
                            "sns:GetTopicAttributes",
                            "sns:ListSubscriptionsByTopic",
                            "sns:ListTagsForResource",
                            "sns:ListTopics",
                            "sns:PutDataProtectionPolicy",
                            "sns:SetTopicAttributes",
                            "sns:Subscribe",
                            "sns:TagResource",
                            "sns:Unsubscribe",
                            "sns:UntagResource",
                            "sqs:CreateQueue",
                            "sqs:DeleteQueue",
                            "sqs:GetQueueAttributes",
                            "sqs:GetQueueUrl",
                            "sqs:ListQueueTags",
                            "sqs:ListQueues",
                            "sqs:SetQueueAttributes",
                            "sqs:TagQueue",
                            "sqs:UntagQueue",
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", json!("*")),
                        ("Sid", json!("ManageTheStacksResources")),
                    ]),
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "iam:AttachRolePolicy",
                            "iam:CreateRole",
                            "iam:PutRolePermissionsBoundary",
                            "iam:PutRolePolicy",
                        ])),
                        ("Condition", infra::json_object([
                            ("StringEquals", json!({"iam:PermissionsBoundary": role_boundary.reference().to_json()})),
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/resume/*").to_json()),
                        ("Sid", json!("CreateAndWidenOnlyBoundedAppRoles")),
                    ]),
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "iam:DeleteRole",
                            "iam:DeleteRolePolicy",
                            "iam:DetachRolePolicy",
                            "iam:GetRole",
                            "iam:GetRolePolicy",
                            "iam:ListAttachedRolePolicies",
                            "iam:ListRolePolicies",
                            "iam:TagRole",
                            "iam:UntagRole",
                            "iam:UpdateAssumeRolePolicy",
                            "iam:UpdateRole",
                            "iam:UpdateRoleDescription",
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/resume/*").to_json()),
                        ("Sid", json!("ManageOnlyAppRoles")),
                    ]),
                    infra::json_object([
                        ("Action", json!("iam:PassRole")),
                        ("Condition", json!({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/resume/*").to_json()),
                        ("Sid", json!("PassOnlyAppRolesToLambda")),
                    ]),
                    infra::json_object([
                        ("Action", json!("s3:GetObject")),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::join("", vec![artifacts.arn(), Value::<String>::from("/*")]).to_json()),
                        ("Sid", json!("ReadArtifacts")),
                    ]),
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "logs:CreateLogDelivery",
                            "logs:DeleteLogDelivery",
                            "logs:DescribeLogGroups",
                            "logs:DescribeResourcePolicies",
                            "logs:GetLogDelivery",
                            "logs:ListLogDeliveries",
                            "logs:PutResourcePolicy",
                            "logs:UpdateLogDelivery",
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", json!("*")),
                        ("Sid", json!("DeliverApiAccessLogs")),
                    ]),
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "lambda:GetFunction",
                            "lambda:EnableReplication*",
                            "lambda:DisableReplication*",
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", Json::Array(vec![
                            fns::sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:resume-prod-*").to_json(),
                            fns::join("", vec![fns::sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:resume-prod-*"), Value::<String>::from(":*")]).to_json(),
                        ])),
                        ("Sid", json!("ReplicateTheEdgeFunction")),
                    ]),
                    infra::json_object([
                        ("Action", json!("iam:CreateServiceLinkedRole")),
                        ("Condition", infra::json_object([
                            ("StringEquals", json!({"iam:AWSServiceName": "replicator.lambda.amazonaws.com"})),
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator").to_json()),
                        ("Sid", json!("CreateTheReplicatorRole")),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
            "ManageTheSiteStack",
        )]),
    );
    let deploy_role = t.add(
        "DeployRole",
        aws::iam::Role::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", json!("sts:AssumeRoleWithWebIdentity")),
                        ("Condition", infra::json_object([
                            ("StringEquals", infra::json_object([
                                ("token.actions.githubusercontent.com:aud", json!("sts.amazonaws.com")),
                                ("token.actions.githubusercontent.com:sub", json!("repo:octo/resume:environment:production")),
                            ])),
                        ])),
                        ("Effect", json!("Allow")),
                        ("Principal", json!({"Federated": git_hub_oidc.reference().to_json()})),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
        )
        .description("GitHub Actions jobs of octo/resume in environment production deploy the site")
        .max_session_duration(3600)
        .policies(vec![aws::iam::role::Policy::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "cloudformation:CreateChangeSet",
                            "cloudformation:DeleteChangeSet",
                            "cloudformation:DescribeChangeSet",
                            "cloudformation:DescribeStackEvents",
                            "cloudformation:DescribeStacks",
                            "cloudformation:ExecuteChangeSet",
                            "cloudformation:GetTemplate",
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/resume-prod/*").to_json()),
                        ("Sid", json!("ChangeTheSiteStack")),
                    ]),
                    infra::json_object([
                        ("Action", json!("cloudformation:DescribeStacks")),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*").to_json()),
                        ("Sid", json!("ReadTheBootstrapStack")),
                    ]),
                    infra::json_object([
                        ("Action", json!("iam:PassRole")),
                        ("Condition", infra::json_object([
                            ("StringEquals", json!({"iam:PassedToService": "cloudformation.amazonaws.com"})),
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", execution_role.arn().to_json()),
                        ("Sid", json!("PassOnlyTheExecutionRole")),
                    ]),
                    infra::json_object([
                        ("Action", json!("dynamodb:ListTables")),
                        ("Effect", json!("Allow")),
                        ("Resource", json!("*")),
                        ("Sid", json!("FindRetainedTables")),
                    ]),
                    infra::json_object([
                        ("Action", json!(["s3:GetObject", "s3:PutObject"])),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("${Artifacts.Arn}/*").to_json()),
                        ("Sid", json!("UploadArtifacts")),
                    ]),
                    infra::json_object([
                        ("Action", json!(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"])),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:s3:::resume-prod-sitebucket-*/*").to_json()),
                        ("Sid", json!("PublishTheSite")),
                    ]),
                    infra::json_object([
                        ("Action", json!("s3:ListBucket")),
                        ("Effect", json!("Allow")),
                        ("Resource", Json::Array(vec![
                            artifacts.arn().to_json(),
                            fns::sub("arn:${AWS::Partition}:s3:::resume-prod-sitebucket-*").to_json(),
                        ])),
                        ("Sid", json!("ListBuckets")),
                    ]),
                    infra::json_object([
                        ("Action", json!("cloudfront:CreateInvalidation")),
                        ("Effect", json!("Allow")),
                        ("Resource", fns::sub("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*").to_json()),
                        ("Sid", json!("InvalidateTheSite")),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
            "DeployTheSite",
        )]),
    );
    t.output(
        "ApiGatewayLogsRoleArn",
        Output::new(api_gateway_logs_role.arn()).description(
            "The account's API Gateway logging role in this Region (WebSocket access logs)",
        ),
    );
    t.output(
        "ArtifactBucket",
        Output::new(artifacts.reference()).description("Where function zips go"),
    );
    t.output(
        "DeployRoleArn",
        Output::new(deploy_role.arn())
            .description("Set as the AWS_DEPLOY_ROLE_ARN secret of the repository"),
    );
    t.output(
        "DiffRoleArn",
        Output::new(diff_role.arn())
            .description("Set as the AWS_DIFF_ROLE_ARN secret of the repository"),
    );
    t.output(
        "ExecutionRoleArn",
        Output::new(execution_role.arn()).description("CloudFormation's role for the site's stack"),
    );
    t.output(
        "RoleBoundaryArn",
        Output::new(role_boundary.reference())
            .description("Permissions boundary of the site's roles"),
    );
    t
}
