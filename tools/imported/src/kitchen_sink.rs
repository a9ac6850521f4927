//! `tools/imported/inputs/kitchen_sink.json` rebuilt through infra's typed API,
//! written by `UPDATE_IMPORTS=1 cargo test -p infra-import --test fixtures`.
//! Needs infra's features `cloudformation`, `iam`, `lambda`, `logs`, `s3`,
//! `sns`, `sqs`, `ssm`. `template()` builds a template that renders equal to
//! the input (in canonical order).

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
    t.set_description("Kitchen sink: every feature of the typed library");
    let allowed_origins = t.parameter(
        "AllowedOrigins",
        Parameter::comma_delimited_list()
            .default_value(["https://example.com", "https://www.example.com"]),
    );
    let memory_size = t.parameter(
        "MemorySize",
        Parameter::integer()
            .default_value(256)
            .max_value(10240)
            .min_value(128),
    );
    let shared_export = t.parameter(
        "SharedExport",
        Parameter::string()
            .default_value("shared-topic-arn")
            .min_length(1),
    );
    let stage = t.parameter(
        "Stage",
        Parameter::string()
            .allowed_values(["prod", "test"])
            .default_value("test")
            .description("Deployment stage"),
    );
    let retention = t.mapping(
        "Retention",
        Mapping::new()
            .entry("prod", [("Days", "90")])
            .entry("test", [("Days", "7")]),
    );
    let in_us_east1 = t.condition(
        "InUsEast1",
        Condition::equals(pseudo::region(), "us-east-1"),
    );
    let is_prod = t.condition("IsProd", Condition::equals(stage.reference(), "prod"));
    let prod_in_us_east1 = t.condition(
        "ProdInUsEast1",
        Condition::and([Condition::is(&is_prod), Condition::is(&in_us_east1)]),
    );
    let relaxed = t.condition(
        "Relaxed",
        Condition::not(Condition::or([
            Condition::is(&is_prod),
            Condition::is(&prod_in_us_east1),
        ])),
    );
    let alerts = t.add_with(
        "Alerts",
        aws::sns::Topic::new().display_name(fns::sub("alerts-${AWS::StackName}")),
        Attributes::new().condition(&is_prod),
    );
    let archive = t.add_with(
        "Archive",
        aws::s3::Bucket::new()
            .bucket_encryption(aws::s3::bucket::BucketEncryption::new(vec![
                aws::s3::bucket::ServerSideEncryptionRule::new().server_side_encryption_by_default(
                    aws::s3::bucket::ServerSideEncryptionByDefault::new(
                        aws::s3::bucket::SseAlgorithm::Aes256,
                    ),
                ),
            ]))
            .public_access_block_configuration(
                aws::s3::bucket::PublicAccessBlockConfiguration::new()
                    .block_public_acls(true)
                    .block_public_policy(true)
                    .ignore_public_acls(true)
                    .restrict_public_buckets(true),
            )
            .tags(vec![infra::Tag::new("stage", stage.reference())]),
        Attributes::new()
            .deletion_policy(DeletionPolicy::Retain)
            .update_replace_policy(DeletionPolicy::Retain),
    );
    let dead_letters = t.add(
        "DeadLetters",
        aws::sqs::Queue::new().message_retention_period(1209600),
    );
    let jobs = t.add(
        "Jobs",
        aws::sqs::Queue::new()
            .redrive_policy(infra::json_object([
                ("deadLetterTargetArn", dead_letters.arn().to_json()),
                ("maxReceiveCount", json!(5)),
            ]))
            .visibility_timeout(fns::if_::<i64>(&is_prod, 120, 60)),
    );
    t.add("Marker", aws::cloudformation::WaitConditionHandle::new());
    t.add_with(
        "Subnets",
        aws::ssm::Parameter::new(
            aws::ssm::parameter::Type::String,
            fns::join_list(",", fns::cidr("10.0.0.0/16", 4, 8)),
        )
        .description(fns::base64("carved subnets")),
        Attributes::new().condition(&relaxed),
    );
    let worker_logs = t.add(
        "WorkerLogs",
        aws::logs::LogGroup::new()
            .log_group_name(fns::join("/", vec!["/aws/lambda", "kitchen-sink-worker"]))
            .retention_in_days(retention.find(stage.reference(), "Days").into_type::<i64>()),
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
                            ("Resource", jobs.arn().to_json()),
                        ]),
                        infra::json_object([
                            ("Action", json!("s3:PutObject")),
                            ("Effect", json!("Allow")),
                            ("Resource", fns::sub("${Archive.Arn}/*").to_json()),
                        ]),
                        infra::json_object([
                            (
                                "Action",
                                json!(["logs:CreateLogStream", "logs:PutLogEvents"]),
                            ),
                            ("Effect", json!("Allow")),
                            ("Resource", worker_logs.arn().to_json()),
                        ]),
                    ]),
                ),
                ("Version", json!("2012-10-17")),
            ]),
            "worker",
        )]),
    );
    let worker = t.add(
        "Worker",
        aws::lambda::Function::new(
            aws::lambda::function::Code::new()
                .zip_file("def handler(event, context):\n    return event\n"),
            worker_role.arn(),
        )
        .architectures(vec![aws::lambda::function::Architecture::Arm64])
        .environment(aws::lambda::function::Environment::new().variables([
            ("BUCKET", archive.reference().into_type::<Json>()),
            (
                "FIRST_AZ",
                fns::select::<Json>(
                    0,
                    fns::get_azs(pseudo::region()).into_type::<Vec<Value<Json>>>(),
                ),
            ),
            (
                "FIRST_ORIGIN",
                fns::select::<Json>(
                    0,
                    allowed_origins.reference().into_type::<Vec<Value<Json>>>(),
                ),
            ),
            (
                "HOST_PART",
                fns::select::<Json>(
                    1,
                    fns::split(".", "api.example.com").into_type::<Vec<Value<Json>>>(),
                ),
            ),
            (
                "ORIGINS",
                fns::join_list(",", allowed_origins.reference()).into_type::<Json>(),
            ),
            (
                "SHARED",
                fns::import_value(shared_export.reference()).into_type::<Json>(),
            ),
            (
                "TOPIC",
                fns::if_::<Json>(
                    &is_prod,
                    alerts.reference().into_type::<Json>(),
                    Value::<Json>::no_value(),
                ),
            ),
        ]))
        .handler("index.handler")
        .logging_config(
            aws::lambda::function::LoggingConfig::new().log_group(worker_logs.reference()),
        )
        .memory_size(memory_size.reference())
        .runtime(aws::lambda::function::Runtime::Python312)
        .timeout(30),
    );
    t.add_with(
        "WorkerSource",
        aws::lambda::EventSourceMapping::new(worker.reference())
            .batch_size(10)
            .event_source_arn(jobs.arn())
            .function_response_types(vec![
                aws::lambda::event_source_mapping::FunctionResponseType::ReportBatchItemFailures,
            ]),
        Attributes::new().depends_on(&worker_role),
    );
    t.output(
        "BucketName",
        Output::new(archive.reference()).export(fns::sub("${AWS::StackName}-Bucket")),
    );
    t.output(
        "Partition",
        Output::new(fns::sub(
            "${AWS::Partition}/${AWS::URLSuffix}/${AWS::AccountId}",
        )),
    );
    t.output(
        "QueueUrl",
        Output::new(jobs.queue_url()).description("Where jobs go"),
    );
    t.output(
        "TopicArn",
        Output::new(alerts.reference()).condition(&is_prod),
    );
    t.output("WorkerArn", Output::new(worker.arn()));
    t.output("Zones", Output::new(fns::join_list(",", fns::get_azs(""))));
    t
}
