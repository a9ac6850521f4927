//! `tools/imported/inputs/sam_app.yaml` rebuilt through infra's typed API,
//! written by `cargo xtask import tools/imported/inputs/sam_app.yaml`. Needs
//! infra's features `apigatewayv2`, `dynamodb`, `iam`, `lambda`, `sqs`.
//! `template()` builds a template that renders equal to the input (in canonical
//! order).

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
    t.set_description("Visitor counter (SAM)");
    let artifact_bucket = t.parameter(
        "ArtifactBucket",
        Parameter::string().description("The bucket holding the functions' zips"),
    );
    let serverless_http_api = t.add(
        "ServerlessHttpApi",
        aws::apigatewayv2::Api::new()
            .body(infra::json_object([
                ("info", json!({"title": pseudo::stack_name().to_json(), "version": "1.0"})),
                ("openapi", json!("3.0.1")),
                ("paths", infra::json_object([
                    ("/counts", infra::json_object([
                        ("get", infra::json_object([
                            ("responses", json!({})),
                            ("x-amazon-apigateway-integration", infra::json_object([
                                ("httpMethod", json!("POST")),
                                ("payloadFormatVersion", json!("2.0")),
                                ("type", json!("aws_proxy")),
                                ("uri", fns::sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${CountsFunction.Arn}/invocations").to_json()),
                            ])),
                        ])),
                    ])),
                ])),
                ("tags", json!([{"name": "httpapi:createdBy", "x-amazon-apigateway-tag-value": "SAM"}])),
                ("x-amazon-apigateway-cors", json!({"allowMethods": ["GET"], "allowOrigins": ["*"]})),
            ])),
    );
    t.add(
        "ServerlessHttpApiApiGatewayDefaultStage",
        aws::apigatewayv2::Stage::new(serverless_http_api.reference(), "$default")
            .auto_deploy(true)
            .tags([("httpapi:createdBy", "SAM")]),
    );
    let visit_queue = t.add(
        "VisitQueue",
        aws::sqs::Queue::new()
            .message_retention_period(1209600)
            .visibility_timeout(60),
    );
    let visits_table = t.add(
        "VisitsTable",
        aws::dynamodb::Table::new(vec![aws::dynamodb::table::KeySchema::new(
            "pk",
            aws::dynamodb::table::KeyType::Hash,
        )])
        .attribute_definitions(vec![aws::dynamodb::table::AttributeDefinition::new(
            "pk",
            aws::dynamodb::table::AttributeType::S,
        )])
        .billing_mode(aws::dynamodb::table::BillingMode::PayPerRequest),
    );
    let counts_function_role = t.add(
        "CountsFunctionRole",
        aws::iam::Role::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", json!(["sts:AssumeRole"])),
                        ("Effect", json!("Allow")),
                        ("Principal", json!({"Service": ["lambda.amazonaws.com"]})),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
        )
        .managed_policy_arns(vec!["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])
        .policies(vec![aws::iam::role::Policy::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "dynamodb:GetItem",
                            "dynamodb:Scan",
                            "dynamodb:Query",
                            "dynamodb:BatchGetItem",
                            "dynamodb:DescribeTable",
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", Json::Array(vec![
                            fns::sub_with("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}", [("tableName", visits_table.reference())]).to_json(),
                            fns::sub_with("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*", [("tableName", visits_table.reference())]).to_json(),
                        ])),
                    ]),
                ])),
            ]),
            "CountsFunctionRolePolicy0",
        )])
        .tags(vec![infra::Tag::new("lambda:createdBy", "SAM")]),
    );
    let counts_function = t.add(
        "CountsFunction",
        aws::lambda::Function::new(
            aws::lambda::function::Code::new()
                .s3_bucket(artifact_bucket.reference())
                .s3_key("counts.zip"),
            counts_function_role.arn(),
        )
        .architectures(vec![aws::lambda::function::Architecture::Arm64])
        .environment(
            aws::lambda::function::Environment::new()
                .variables([("TABLE_NAME", visits_table.reference().into_type::<Json>())]),
        )
        .handler("bootstrap")
        .memory_size(128)
        .runtime(aws::lambda::function::Runtime::ProvidedAl2023)
        .tags(vec![infra::Tag::new("lambda:createdBy", "SAM")])
        .timeout(10),
    );
    t.add(
        "CountsFunctionCountsPermission",
        aws::lambda::Permission::new(
            "lambda:InvokeFunction",
            counts_function.reference(),
            "apigateway.amazonaws.com",
        )
        .source_arn(fns::sub_with("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/GET/counts", [("__ApiId__", serverless_http_api.reference()), ("__Stage__", Value::<String>::from("*"))])),
    );
    let processor_function_role = t.add(
        "ProcessorFunctionRole",
        aws::iam::Role::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", json!(["sts:AssumeRole"])),
                        ("Effect", json!("Allow")),
                        ("Principal", json!({"Service": ["lambda.amazonaws.com"]})),
                    ]),
                ])),
                ("Version", json!("2012-10-17")),
            ]),
        )
        .managed_policy_arns(vec!["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"])
        .policies(vec![aws::iam::role::Policy::new(
            infra::json_object([
                ("Statement", Json::Array(vec![
                    infra::json_object([
                        ("Action", Json::from(vec![
                            "dynamodb:GetItem",
                            "dynamodb:DeleteItem",
                            "dynamodb:PutItem",
                            "dynamodb:Scan",
                            "dynamodb:Query",
                            "dynamodb:UpdateItem",
                            "dynamodb:BatchWriteItem",
                            "dynamodb:BatchGetItem",
                            "dynamodb:DescribeTable",
                            "dynamodb:ConditionCheckItem",
                        ])),
                        ("Effect", json!("Allow")),
                        ("Resource", Json::Array(vec![
                            fns::sub_with("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}", [("tableName", visits_table.reference())]).to_json(),
                            fns::sub_with("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*", [("tableName", visits_table.reference())]).to_json(),
                        ])),
                    ]),
                ])),
            ]),
            "ProcessorFunctionRolePolicy0",
        )])
        .tags(vec![infra::Tag::new("lambda:createdBy", "SAM")]),
    );
    let processor_function = t.add(
        "ProcessorFunction",
        aws::lambda::Function::new(
            aws::lambda::function::Code::new()
                .s3_bucket(artifact_bucket.reference())
                .s3_key("processor.zip"),
            processor_function_role.arn(),
        )
        .architectures(vec![aws::lambda::function::Architecture::Arm64])
        .environment(
            aws::lambda::function::Environment::new()
                .variables([("TABLE_NAME", visits_table.reference().into_type::<Json>())]),
        )
        .handler("bootstrap")
        .memory_size(128)
        .runtime(aws::lambda::function::Runtime::ProvidedAl2023)
        .tags(vec![infra::Tag::new("lambda:createdBy", "SAM")])
        .timeout(10),
    );
    t.add(
        "ProcessorFunctionVisits",
        aws::lambda::EventSourceMapping::new(processor_function.reference())
            .batch_size(10)
            .event_source_arn(visit_queue.arn()),
    );
    t.output(
        "CountsUrl",
        Output::new(fns::sub(
            "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/counts",
        ))
        .description("The counts API"),
    );
    t
}
