//! The wiring constructs on their own: a topic fanning out to a queue, a
//! bucket notifying a topic, a schedule invoking a function, and alarms on a
//! queue's and a function's metrics. Each test reads the rendered template
//! as CloudFormation will, checking the policies and ordering AWS needs.

use infra::constructs::{
    ConstructError, FunctionCode, FunctionMetric, NotifyingBucket, NotifyingBucketProps, Queue,
    QueueMetric, QueueProps, QueueSubscription, RateUnit, RustFunction, RustFunctionProps,
    Schedule, ScheduleExpr, Topic, Watch,
};
use infra::{Template, Value};
use serde_json::{json, Value as Json};

fn rendered(t: &Template) -> Json {
    t.render().expect("a valid template").json().clone()
}

fn function(t: &mut Template, id: &str) -> RustFunction {
    RustFunction::new(
        t,
        id,
        RustFunctionProps::new(FunctionCode {
            bucket: Value::Lit("artifacts".into()),
            key: Value::Lit("code.zip".into()),
        }),
    )
}

#[test]
fn a_subscribed_queue_lets_only_its_topic_send() {
    let mut t = Template::new();
    let topic = Topic::new(&mut t, "Uploads", None);
    let queue = Queue::new(&mut t, "Work", QueueProps::default());
    topic
        .subscribe_queue(
            &mut t,
            "WorkSubscription",
            &queue,
            QueueSubscription {
                raw_message_delivery: true,
                filter_policy: None,
            },
        )
        .unwrap();
    let r = &rendered(&t)["Resources"];
    assert_eq!(
        r["WorkSubscription"]["Properties"],
        json!({
            "Protocol": "sqs",
            "TopicArn": {"Ref": "Uploads"},
            "Endpoint": {"Fn::GetAtt": ["Work", "Arn"]},
            "RawMessageDelivery": true,
        })
    );
    assert_eq!(
        r["WorkSubscription"]["DependsOn"],
        json!(["WorkSubscriptionQueuePolicy"]),
        "SNS delivers only once the queue allows it"
    );
    let policy = &r["WorkSubscriptionQueuePolicy"]["Properties"];
    assert_eq!(policy["Queues"], json!([{"Ref": "Work"}]));
    assert_eq!(
        policy["PolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Resource": {"Fn::GetAtt": ["Work", "Arn"]},
            "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "Uploads"}}},
        }])
    );
}

#[test]
fn a_second_policy_on_one_queue_is_refused() {
    let mut t = Template::new();
    let first = Topic::new(&mut t, "First", None);
    let second = Topic::new(&mut t, "Second", None);
    let queue = Queue::new(&mut t, "Work", QueueProps::default());
    first
        .subscribe_queue(&mut t, "One", &queue, QueueSubscription::default())
        .unwrap();
    let err = second
        .subscribe_queue(&mut t, "Two", &queue, QueueSubscription::default())
        .unwrap_err();
    assert_eq!(
        err,
        ConstructError::QueueHasPolicy {
            queue: "Work".into(),
            policy: "OneQueuePolicy".into()
        }
    );
    assert!(err.to_string().contains("would replace it"), "{err}");
}

#[test]
fn a_bucket_waits_for_the_policy_that_lets_it_publish_without_a_cycle() {
    let mut t = Template::new();
    let topic = Topic::new(&mut t, "Uploads", None);
    let name = NotifyingBucketProps::unique_name("uploads").unwrap();
    let bucket = NotifyingBucket::new(
        &mut t,
        "Inbox",
        &topic,
        NotifyingBucketProps {
            suffix: Some(".csv".into()),
            expire_after_days: Some(7),
            ..NotifyingBucketProps::new(name)
        },
    )
    .unwrap();
    // render() checks references for cycles: a GetAtt of the bucket in the
    // policy it depends on would fail here.
    let template = rendered(&t);
    let r = &template["Resources"];
    assert_eq!(r["Inbox"]["DependsOn"], json!(["InboxTopicPolicy"]));
    let uuid = json!({"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]});
    assert_eq!(
        r["Inbox"]["Properties"]["BucketName"],
        json!({"Fn::Sub": ["uploads-${Part0}", {"Part0": uuid}]})
    );
    assert_eq!(
        r["Inbox"]["Properties"]["NotificationConfiguration"],
        json!({"TopicConfigurations": [{
            "Event": "s3:ObjectCreated:*",
            "Topic": {"Ref": "Uploads"},
            "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".csv"}]}},
        }]})
    );
    let statement = &r["InboxTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        statement["Principal"],
        json!({"Service": "s3.amazonaws.com"})
    );
    assert_eq!(statement["Action"], json!("sns:Publish"));
    assert_eq!(statement["Resource"], json!({"Ref": "Uploads"}));
    let source =
        serde_json::to_string(&statement["Condition"]["ArnLike"]["aws:SourceArn"]).unwrap();
    assert!(
        source.contains("arn:${"),
        "the ARN is built from the name: {source}"
    );
    assert!(!source.contains("Fn::GetAtt"), "{source}");
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:SourceAccount"],
        json!({"Ref": "AWS::AccountId"})
    );
    assert_eq!(
        r["Inbox"]["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"],
        json!(7)
    );
    // A second bucket on the same topic would replace its policy.
    let again = NotifyingBucket::new(
        &mut t,
        "Other",
        &topic,
        NotifyingBucketProps::new(Value::Lit("other-bucket".into())),
    )
    .unwrap_err();
    assert!(
        matches!(again, ConstructError::TopicHasPolicy { .. }),
        "{again}"
    );
    let _ = bucket;
}

#[test]
fn a_bucket_name_prefix_s3_would_reject_is_named() {
    for (prefix, problem) in [
        ("Uploads", "lowercase"),
        ("", "1 to 26"),
        ("a-name-much-too-long-for-it", "1 to 26"),
        ("-uploads", "start with"),
    ] {
        let err = NotifyingBucketProps::unique_name(prefix).unwrap_err();
        assert!(err.to_string().contains(problem), "{prefix}: {err}");
    }
}

#[test]
fn a_schedule_invokes_its_function_with_a_permission_for_that_rule_only() {
    let mut t = Template::new();
    let f = function(&mut t, "Summary");
    let hourly = ScheduleExpr::every(1, RateUnit::Hour).unwrap();
    Schedule::new(&mut t, "Hourly", &hourly, &f);
    let r = &rendered(&t)["Resources"];
    assert_eq!(
        r["Hourly"]["Properties"],
        json!({
            "ScheduleExpression": "rate(1 hour)",
            "State": "ENABLED",
            "Targets": [{"Arn": {"Fn::GetAtt": ["Summary", "Arn"]}, "Id": "Function"}],
        })
    );
    assert_eq!(
        r["HourlyPermission"]["Properties"],
        json!({
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": "Summary"},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": ["Hourly", "Arn"]},
        })
    );
}

#[test]
fn schedule_expressions_are_written_as_eventbridge_reads_them() {
    let rate = |n, unit| ScheduleExpr::every(n, unit).unwrap().as_str().to_owned();
    assert_eq!(rate(1, RateUnit::Minute), "rate(1 minute)");
    assert_eq!(rate(5, RateUnit::Minute), "rate(5 minutes)");
    assert_eq!(rate(2, RateUnit::Day), "rate(2 days)");
    assert!(ScheduleExpr::every(0, RateUnit::Hour).is_err());
    assert_eq!(
        ScheduleExpr::cron("0 12 * * ? *").unwrap().as_str(),
        "cron(0 12 * * ? *)"
    );
    for (fields, problem) in [
        ("0 12 * * *", "has 5 fields"),
        ("0 12 * * MON *", "must be `?`"),
        ("0 12 ? * ? *", "must be `?`"),
    ] {
        let err = ScheduleExpr::cron(fields).unwrap_err();
        assert!(err.to_string().contains(problem), "{fields}: {err}");
    }
}

#[test]
fn alarms_watch_a_queue_and_a_function_by_name() {
    let mut t = Template::new();
    let queue = Queue::new(&mut t, "Work", QueueProps::default());
    let f = function(&mut t, "Worker");
    let mut alerts = infra::constructs::Alerts::new(&mut t, "Alarms", None);
    alerts.watch(
        &mut t,
        "Stuck",
        Watch::queue(
            "work waits",
            queue.dead_letters_name(),
            QueueMetric::MessagesVisible,
            300,
        )
        .max_above(0.0),
    );
    alerts.watch(
        &mut t,
        "Failing",
        Watch::function("worker fails", f.name(), FunctionMetric::Errors, 300).sum_at_least(1.0),
    );
    let r = &rendered(&t)["Resources"];
    let stuck = &r["AlarmsStuck"]["Properties"];
    assert_eq!(stuck["Namespace"], "AWS/SQS");
    assert_eq!(stuck["MetricName"], "ApproximateNumberOfMessagesVisible");
    assert_eq!(
        stuck["Dimensions"],
        json!([{"Name": "QueueName", "Value": {"Fn::GetAtt": ["WorkDeadLetters", "QueueName"]}}])
    );
    assert_eq!(stuck["Statistic"], "Maximum");
    let failing = &r["AlarmsFailing"]["Properties"];
    assert_eq!(failing["Namespace"], "AWS/Lambda");
    assert_eq!(failing["MetricName"], "Errors");
    assert_eq!(
        failing["Dimensions"],
        json!([{"Name": "FunctionName", "Value": {"Ref": "Worker"}}])
    );
    assert_eq!(failing["AlarmActions"], json!([{"Ref": "AlarmsTopic"}]));
}
