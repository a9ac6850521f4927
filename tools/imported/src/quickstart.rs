//! `tools/imported/inputs/quickstart.json` rebuilt through infra's typed API,
//! written by `UPDATE_IMPORTS=1 cargo test -p infra-import --test fixtures`.
//! Needs infra's features `dynamodb`, `iam`, `lambda`, `sqs`. `template()`
//! builds a template that renders equal to the input (in canonical order).

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
    let inbox = t.add("Inbox", aws::sqs::Queue::new().visibility_timeout(60));
    let visits = t.add(
        "Visits",
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
    let worker_role = t.add(
        "WorkerRole",
        aws::iam::Role::new(infra::json_object([
            (
                "Statement",
                Json::Array(vec![infra::json_object([
                    ("Action", json!("sts:AssumeRole")),
                    ("Effect", json!("Allow")),
                    ("Principal", json!({"Service": "lambda.amazonaws.com"})),
                ])]),
            ),
            ("Version", json!("2012-10-17")),
        ]))
        .policies(vec![aws::iam::role::Policy::new(
            infra::json_object([
                (
                    "Statement",
                    Json::Array(vec![
                        infra::json_object([
                            (
                                "Action",
                                json!([
                                    "sqs:ReceiveMessage",
                                    "sqs:DeleteMessage",
                                    "sqs:GetQueueAttributes"
                                ]),
                            ),
                            ("Effect", json!("Allow")),
                            ("Resource", inbox.arn().to_json()),
                        ]),
                        infra::json_object([
                            ("Action", json!("dynamodb:UpdateItem")),
                            ("Effect", json!("Allow")),
                            ("Resource", visits.arn().to_json()),
                        ]),
                    ]),
                ),
                ("Version", json!("2012-10-17")),
            ]),
            "access",
        )]),
    );
    let worker = t.add(
        "Worker",
        aws::lambda::Function::new(
            aws::lambda::function::Code::new()
                .s3_bucket("my-artifacts")
                .s3_key("worker.zip"),
            worker_role.arn(),
        )
        .environment(
            aws::lambda::function::Environment::new()
                .variables([("TABLE_NAME", visits.reference().into_type::<Json>())]),
        )
        .handler("bootstrap")
        .runtime(aws::lambda::function::Runtime::ProvidedAl2023),
    );
    t.add(
        "WorkerSource",
        aws::lambda::EventSourceMapping::new(worker.reference())
            .batch_size(10)
            .event_source_arn(inbox.arn()),
    );
    t.output("QueueUrl", Output::new(inbox.queue_url()));
    t
}
