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
    // The Display text a `main` prints names each problem.
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

#[test]
fn language_extensions_need_their_transform() {
    use infra::{fns, transforms, Output};
    let mut t = Template::new();
    let queue = t.add("Q", sqs::Queue::new());
    let names = vec![infra::Value::from("a".to_owned()), queue.arn()];
    t.output(
        "Count",
        Output::new(fns::join(
            ",",
            vec![fns::to_json_string(serde_json::json!({"n": 1}))],
        )),
    );
    t.add(
        "Delayed",
        sqs::Queue::new().delay_seconds(fns::length(names)),
    );
    let errors = t.validate().unwrap_err().to_string();
    assert!(
        errors.contains(
            "output `Count`: Fn::ToJsonString needs the AWS::LanguageExtensions transform"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("resource `Delayed`: Fn::Length needs"),
        "{errors}"
    );
    t.transform(transforms::LANGUAGE_EXTENSIONS);
    t.transform(transforms::LANGUAGE_EXTENSIONS);
    let rendered = t.render().unwrap();
    assert_eq!(rendered.json()["Transform"], "AWS::LanguageExtensions");
    t.transform(transforms::SERVERLESS);
    assert_eq!(
        t.render().unwrap().json()["Transform"],
        serde_json::json!(["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"])
    );
}

#[test]
fn counts_and_integer_parameters_fit_every_number() {
    let mut t = Template::new();
    let threshold = t.parameter("Threshold", infra::Parameter::<i64>::integer());
    let names: Vec<&str> = vec!["a", "b"];
    t.add(
        "Q",
        sqs::Queue::new()
            .visibility_timeout(names.len())
            .maximum_message_size(1024_u64),
    );
    t.add(
        "A",
        cloudwatch::Alarm::new()
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .evaluation_periods(names.len())
            .threshold(&threshold)
            .namespace("AWS/SQS")
            .metric_name("ApproximateNumberOfMessagesVisible")
            .statistic(Statistic::Maximum)
            .period(60_i64),
    );
    let rendered = t.render().unwrap();
    let json = rendered.json();
    assert_eq!(json["Resources"]["Q"]["Properties"]["VisibilityTimeout"], 2);
    assert_eq!(
        json["Resources"]["A"]["Properties"]["Threshold"],
        serde_json::json!({"Ref": "Threshold"})
    );
}

#[test]
fn a_value_the_schema_does_not_know_yet_can_be_let_through() {
    let mut t = Template::new();
    t.add_with(
        "Q",
        sqs::Queue::new().visibility_timeout(-1),
        infra::Attributes::new().unchecked("VisibilityTimeout"),
    );
    assert_eq!(t.validate(), Ok(()));
    let mut t = Template::new();
    t.add_with(
        "Q",
        sqs::Queue::new().visibility_timeout(-1),
        infra::Attributes::new().unchecked("Visibility"),
    );
    assert_eq!(
        property_errors(&t).len(),
        1,
        "a prefix of a name is not its path"
    );
}
