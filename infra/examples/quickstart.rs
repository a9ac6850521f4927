//! A table, a queue and a function wired together: the README's example.
//! `cargo run -p infra --example quickstart` prints the template.

use infra::aws::dynamodb::table::{
    AttributeDefinition, AttributeType, BillingMode, KeySchema, KeyType,
};
use infra::aws::lambda::function::{Code, Environment, Runtime};
use infra::aws::{dynamodb, iam, lambda, sqs};
use infra::policy::{PolicyDocument, Principal, Statement};
use infra::{Output, Template, ValidationErrors};

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
    let table = t.add(
        "Visits",
        dynamodb::Table::new(vec![KeySchema::new("pk", KeyType::Hash)])
            .attribute_definitions(vec![AttributeDefinition::new("pk", AttributeType::S)])
            .billing_mode(BillingMode::PayPerRequest),
    );
    let queue = t.add("Inbox", sqs::Queue::new().visibility_timeout(60));

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
                .action("dynamodb:UpdateItem")
                .resource(table.arn()),
        );
    let role = t.add(
        "WorkerRole",
        iam::Role::new(trust).policies(vec![iam::role::Policy::new(access, "access")]),
    );

    let worker = t.add(
        "Worker",
        lambda::Function::new(
            Code::new().s3_bucket("my-artifacts").s3_key("worker.zip"),
            role.arn(),
        )
        .runtime(Runtime::ProvidedAl2023)
        .handler("bootstrap")
        .environment(Environment::new().variables([("TABLE_NAME", table.reference())])),
    );
    t.add(
        "WorkerSource",
        lambda::EventSourceMapping::new(&worker)
            .event_source_arn(queue.arn())
            .batch_size(10),
    );
    t.output("QueueUrl", Output::new(queue.queue_url()));

    let rendered = t.render()?;
    if std::env::args().any(|a| a == "--yaml") {
        print!("{}", rendered.yaml_text());
    } else {
        print!("{}", rendered.json_text());
    }
    Ok(())
}
