//! `tools/imported/inputs/hello_sam.yaml` rebuilt through infra's typed API,
//! written by `cargo xtask import tools/imported/inputs/hello_sam.yaml`. Needs
//! infra's features `dynamodb`, `iam`, `lambda`. `template()` builds a template
//! that renders equal to the input (in canonical order).

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
    let visits = t.add(
        "Visits",
        aws::dynamodb::Table::new(vec![aws::dynamodb::table::KeySchema::new(
            "id",
            aws::dynamodb::table::KeyType::Hash,
        )])
        .attribute_definitions(vec![aws::dynamodb::table::AttributeDefinition::new(
            "id",
            aws::dynamodb::table::AttributeType::S,
        )])
        .billing_mode(aws::dynamodb::table::BillingMode::PayPerRequest),
    );
    let counter_role = t.add(
        "CounterRole",
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
                            fns::sub_with("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}", [("tableName", visits.reference())]).to_json(),
                            fns::sub_with("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*", [("tableName", visits.reference())]).to_json(),
                        ])),
                    ]),
                ])),
            ]),
            "CounterRolePolicy0",
        )])
        .tags(vec![infra::Tag::new("lambda:createdBy", "SAM")]),
    );
    t.add(
        "Counter",
        aws::lambda::Function::new(
            aws::lambda::function::Code::new()
                .s3_bucket("artifacts")
                .s3_key("counter.zip"),
            counter_role.arn(),
        )
        .environment(
            aws::lambda::function::Environment::new()
                .variables([("TABLE", visits.reference().into_type::<Json>())]),
        )
        .handler("bootstrap")
        .runtime(aws::lambda::function::Runtime::ProvidedAl2023)
        .tags(vec![infra::Tag::new("lambda:createdBy", "SAM")]),
    );
    t
}
