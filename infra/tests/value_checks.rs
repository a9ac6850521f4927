//! The values CloudFormation would reject are `validate` errors before
//! anything is deployed, each naming the resource, the property path and
//! the rule: the nine mistakes a new user's 14-resource template made
//! (issue 20), then the same template made right, which passes.

use infra::aws::cloudwatch::alarm::{ComparisonOperator, Statistic};
use infra::aws::dynamodb::table::{
    AttributeDefinition, AttributeType, BillingMode, KeySchema, KeyType,
};
use infra::aws::lambda::function::{Code, Runtime};
use infra::aws::{cloudwatch, dynamodb, events, iam, lambda, logs, s3, sns, sqs};
use infra::policy::{PolicyDocument, Principal, Statement};
use infra::{Template, ValidationError};

/// The template, with every mistake when `wrong`.
fn template(wrong: bool) -> Template {
    let pick = |bad: i64, good: i64| if wrong { bad } else { good };
    let mut t = Template::new();
    t.add("Uploads", s3::Bucket::new());
    let topic = t.add("Alerts", sns::Topic::new());
    let queue = t.add("Work", sqs::Queue::new().visibility_timeout(pick(-5, 60)));
    t.add("WorkDlq", sqs::Queue::new());
    let role = t.add(
        "WorkerRole",
        iam::Role::new(
            PolicyDocument::new().statement(
                Statement::allow()
                    .action("sts:AssumeRole")
                    .principal(Principal::service("lambda.amazonaws.com")),
            ),
        ),
    );
    let code = if wrong {
        Code::new()
    } else {
        Code::new().s3_bucket("artifacts").s3_key("worker.zip")
    };
    let worker = t.add(
        "Worker",
        lambda::Function::new(code, role.arn())
            .runtime(Runtime::ProvidedAl2023)
            .handler("bootstrap")
            .memory_size(pick(50, 256))
            .timeout(pick(1_000, 30)),
    );
    t.add(
        "WorkerSource",
        lambda::EventSourceMapping::new(&worker)
            .event_source_arn(queue.arn())
            .batch_size(pick(50_000, 10)),
    );
    t.add(
        "WorkerLogs",
        logs::LogGroup::new().retention_in_days(pick(10, 14)),
    );
    t.add(
        "Table",
        dynamodb::Table::new(vec![KeySchema::new("pk", KeyType::Hash)])
            .attribute_definitions(vec![AttributeDefinition::new("pk", AttributeType::S)])
            .billing_mode(BillingMode::PayPerRequest),
    );
    t.add(
        "Nightly",
        events::Rule::new().schedule_expression("rate(1 day)"),
    );
    let topic_arn = if wrong {
        infra::Value::from("not-an-arn".to_owned())
    } else {
        topic.reference()
    };
    t.add(
        "AlertsByMail",
        sns::Subscription::new("email", topic_arn.clone()).endpoint("me@example.com"),
    );
    let mut alarm = cloudwatch::Alarm::new()
        .namespace("AWS/Lambda")
        .metric_name("Errors")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .alarm_actions(vec![topic_arn]);
    if !wrong {
        alarm = alarm.comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold);
    }
    t.add("WorkerErrors", alarm);
    t.add("Spare", sqs::Queue::new());
    t.add("SpareTopic", sns::Topic::new());
    t
}

fn property_errors(t: &Template) -> Vec<(String, String, String)> {
    match t.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .0
            .into_iter()
            .filter_map(|e| match e {
                ValidationError::Property {
                    resource,
                    path,
                    problem,
                } => Some((resource, path, problem)),
                _ => None,
            })
            .collect(),
    }
}

#[test]
fn each_of_the_nine_mistakes_is_an_error_with_its_path() {
    let found = property_errors(&template(true));
    let expect = [
        (
            "WorkerSource",
            "Properties.BatchSize",
            "50000 is above the maximum 10000",
        ),
        (
            "Worker",
            "Properties.MemorySize",
            "50 is below the minimum 128",
        ),
        (
            "Worker",
            "Properties.Timeout",
            "1000 is above the maximum 900 seconds",
        ),
        (
            "WorkerLogs",
            "Properties.RetentionInDays",
            "10 is not one of 1, 3, 5, 7, 14",
        ),
        (
            "Work",
            "Properties.VisibilityTimeout",
            "-5 is below the minimum 0",
        ),
        (
            "AlertsByMail",
            "Properties.TopicArn",
            "\"not-an-arn\" is not an ARN",
        ),
        (
            "WorkerErrors",
            "Properties.AlarmActions[0]",
            "\"not-an-arn\" is not an ARN",
        ),
        ("Worker", "Properties.Code", "names no code"),
        (
            "WorkerErrors",
            "Properties",
            "`ComparisonOperator` is required",
        ),
    ];
    for (resource, path, problem) in expect {
        assert!(
            found
                .iter()
                .any(|(r, p, m)| r == resource && p == path && m.contains(problem)),
            "no `{problem}` at {resource} {path} in {found:#?}"
        );
    }
    // The Display text a `main` prints names all three.
    let text = template(true).validate().unwrap_err().to_string();
    assert!(
        text.contains(
            "resource `WorkerSource`: Properties.BatchSize: 50000 is above the maximum 10000"
        ),
        "{text}"
    );
}

#[test]
fn the_same_template_made_right_passes() {
    let t = template(false);
    assert_eq!(t.validate(), Ok(()));
}

#[test]
fn intrinsic_values_are_left_for_deploy_time() {
    let mut t = Template::new();
    let size = t.parameter("Size", infra::Parameter::<i64>::integer());
    t.add("Q", sqs::Queue::new().visibility_timeout(&size));
    assert_eq!(property_errors(&t), Vec::new());
}
