//! Every part of the library in one template that cfn-lint accepts without a
//! warning: parameters, conditions, mappings, every intrinsic, resource
//! attributes, a raw resource, outputs with exports.
//! `cargo run -p infra --example kitchen_sink [-- --yaml]` prints it.

use infra::aws::lambda::function::{Architecture, Code, Environment, Runtime};
use infra::aws::s3::bucket::{
    BucketEncryption, PublicAccessBlockConfiguration, ServerSideEncryptionByDefault,
    ServerSideEncryptionRule, SseAlgorithm,
};
use infra::aws::{iam, lambda, logs, s3, sns, sqs, ssm};
use infra::policy::{PolicyDocument, Principal, Statement};
use infra::{
    fns, pseudo, sub, Attributes, Condition, DeletionPolicy, Mapping, Output, Parameter,
    RawResource, Tag, Template, ValidationErrors, Value,
};
use serde_json::json;

fn main() -> std::process::ExitCode {
    match template() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(errors) => {
            // Display names each problem on its own line (Debug would not).
            eprintln!("{errors}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn template() -> Result<(), ValidationErrors> {
    let mut t = Template::new();
    t.set_description("Kitchen sink: every feature of the typed library");

    let stage = t.parameter(
        "Stage",
        Parameter::string()
            .description("Deployment stage")
            .allowed_values(["prod", "test"])
            .default_value("test"),
    );
    let memory = t.parameter(
        "MemorySize",
        Parameter::integer()
            .min_value(128)
            .max_value(10240)
            .default_value(256),
    );
    let origins = t.parameter(
        "AllowedOrigins",
        Parameter::comma_delimited_list()
            .default_value(["https://example.com", "https://www.example.com"]),
    );
    let shared = t.parameter(
        "SharedExport",
        Parameter::string()
            .default_value("shared-topic-arn")
            .min_length(1),
    );

    let prod = t.condition("IsProd", Condition::equals(&stage, "prod"));
    let east = t.condition(
        "InUsEast1",
        Condition::equals(pseudo::region(), "us-east-1"),
    );
    let prod_east = t.condition(
        "ProdInUsEast1",
        Condition::and([Condition::is(&prod), Condition::is(&east)]),
    );
    let relaxed = t.condition(
        "Relaxed",
        Condition::not(Condition::or([
            Condition::is(&prod),
            Condition::is(&prod_east),
        ])),
    );

    let retention = t.mapping(
        "Retention",
        Mapping::new()
            .entry("prod", [("Days", "90")])
            .entry("test", [("Days", "7")]),
    );

    let bucket = t.add_with(
        "Archive",
        s3::Bucket::new()
            .bucket_encryption(BucketEncryption::new(vec![ServerSideEncryptionRule::new()
                .server_side_encryption_by_default(ServerSideEncryptionByDefault::new(
                    SseAlgorithm::Aes256,
                ))]))
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::new()
                    .block_public_acls(true)
                    .block_public_policy(true)
                    .ignore_public_acls(true)
                    .restrict_public_buckets(true),
            )
            .tags(vec![Tag::new("stage", &stage)]),
        Attributes::new()
            .deletion_policy(DeletionPolicy::Retain)
            .update_replace_policy(DeletionPolicy::Retain),
    );

    let topic = t.add_with(
        "Alerts",
        sns::Topic::new().display_name(sub!("alerts-", pseudo::stack_name())),
        Attributes::new().condition(&prod),
    );
    let dead = t.add(
        "DeadLetters",
        sqs::Queue::new().message_retention_period(1_209_600),
    );
    let queue = t.add(
        "Jobs",
        sqs::Queue::new()
            .visibility_timeout(fns::if_(&prod, 120, 60))
            .redrive_policy(json!({
                "deadLetterTargetArn": infra::ToJson::to_json(&dead.arn()),
                "maxReceiveCount": 5,
            })),
    );

    let log_group = t.add(
        "WorkerLogs",
        logs::LogGroup::new()
            .log_group_name(fns::join("/", ["/aws/lambda", "kitchen-sink-worker"]))
            .retention_in_days(
                retention
                    .find(&stage, "Days")
                    .cast::<i64>()
                    .unwrap_or(Value::Lit(7)),
            ),
    );

    let trust = PolicyDocument::new().statement(
        Statement::allow()
            .action("sts:AssumeRole")
            .principal(Principal::service("lambda.amazonaws.com")),
    );
    let access = PolicyDocument::new()
        .statement(
            Statement::allow()
                .actions([
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                ])
                .resource(queue.arn()),
        )
        .statement(
            Statement::allow()
                .action("s3:PutObject")
                .resource(sub!(bucket.arn(), "/*")),
        )
        .statement(
            Statement::allow()
                .actions(["logs:CreateLogStream", "logs:PutLogEvents"])
                .resource(log_group.arn()),
        );
    let role = t.add(
        "WorkerRole",
        iam::Role::new(trust).policies(vec![iam::role::Policy::new(access, "worker")]),
    );

    let worker = t.add(
        "Worker",
        lambda::Function::new(
            Code::new().zip_file("def handler(event, context):\n    return event\n"),
            role.arn(),
        )
        .runtime(Runtime::Python312)
        .handler("index.handler")
        .architectures(vec![Architecture::Arm64])
        .memory_size(&memory)
        .timeout(30)
        .environment(Environment::new().variables([
            ("BUCKET", bucket.reference()),
            ("FIRST_ORIGIN", fns::select(0, &origins)),
            ("ORIGINS", fns::join_list(",", &origins)),
            ("FIRST_AZ", fns::select(0, fns::get_azs(pseudo::region()))),
            ("SHARED", fns::import_value(&shared)),
            (
                "TOPIC",
                fns::if_(&prod, topic.reference(), Value::no_value()),
            ),
            (
                "HOST_PART",
                fns::select(1, fns::split(".", "api.example.com")),
            ),
        ]))
        .logging_config(lambda::function::LoggingConfig::new().log_group(&log_group)),
    );
    // The mapping polls with the role's permissions: create it after the role.
    t.add_with(
        "WorkerSource",
        lambda::EventSourceMapping::new(&worker)
            .event_source_arn(queue.arn())
            .batch_size(10)
            .function_response_types(vec![
                lambda::event_source_mapping::FunctionResponseType::ReportBatchItemFailures,
            ]),
        Attributes::new().depends_on(&role),
    );

    t.add_with(
        "Subnets",
        ssm::Parameter::new(
            ssm::parameter::Type::String,
            fns::join_list(",", fns::cidr("10.0.0.0/16", 4, 8)),
        )
        .description(fns::base64("carved subnets")),
        Attributes::new().condition(&relaxed),
    );
    t.add(
        "Marker",
        RawResource::new("AWS::CloudFormation::WaitConditionHandle", json!({})),
    );

    t.output(
        "BucketName",
        Output::new(bucket.reference()).export(sub!(pseudo::stack_name(), "-Bucket")),
    );
    t.output(
        "QueueUrl",
        Output::new(queue.queue_url()).description("Where jobs go"),
    );
    t.output("TopicArn", Output::new(topic.reference()).condition(&prod));
    t.output("WorkerArn", Output::new(worker.arn()));
    t.output(
        "Partition",
        Output::new(sub!(
            pseudo::partition(),
            "/",
            pseudo::url_suffix(),
            "/",
            pseudo::account_id()
        )),
    );
    t.output("Zones", Output::new(fns::join_list(",", fns::get_azs(""))));

    let rendered = t.render()?;
    if std::env::args().any(|a| a == "--yaml") {
        print!("{}", rendered.yaml_text());
    } else {
        print!("{}", rendered.json_text());
    }
    Ok(())
}
