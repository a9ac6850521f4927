//! What watches the stack once deployed: alarms on everything that can go
//! wrong without a visitor noticing at once, a topic they notify (an
//! address from `alarm_email` subscribed), a metric of page views taken from
//! the processor's logs, and a dashboard of the same figures.
//!
//! Metrics and their dimensions, as AWS documents them:
//! SQS `ApproximateNumberOfMessagesVisible` and
//! `ApproximateAgeOfOldestMessage` by `QueueName`
//! (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html>);
//! Lambda `Errors` and `Throttles` by `FunctionName`
//! (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html>);
//! API Gateway (HTTP APIs) `5xx` and `Latency` by `ApiId` and `Stage`, `5xx`
//! averaging to the share of requests that failed
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html>);
//! CloudFront `LambdaExecutionError` and `LambdaValidationError` by
//! `DistributionId` and `Region = Global`, in us-east-1 only
//! (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html>).

use infra::aws::logs;
use infra::aws::logs::metric_filter::MetricTransformation;
use infra::aws::{cloudfront, cloudwatch};
use infra::constructs::{Alerts, HttpApi, Queue, RustFunction, Watch};
use infra::{fns, pseudo, sub, Handle, Output, Template, Value};

use crate::config::StackConfig;
use crate::stack::outputs;

/// The namespace of the stack's own metrics.
pub const NAMESPACE: &str = "VisitorCounter";
/// Page views counted, from the processor's "batch processed" log lines.
pub const PAGE_VIEWS_METRIC: &str = "PageViews";

/// What the alarms watch.
pub struct Watched<'a> {
    /// The visit queue and its dead-letter queue.
    pub queue: &'a Queue,
    /// The Rust functions, by logical ID.
    pub functions: Vec<(&'a str, &'a RustFunction)>,
    /// The processor (its logs give the page views metric).
    pub processor: &'a RustFunction,
    /// The counts API.
    pub api: &'a HttpApi,
    /// The distribution running the edge function (prod).
    pub distribution: Option<&'a Handle<cloudfront::Distribution>>,
}

/// Adds the topic, the alarms, the page views metric and the dashboard
/// (its URL in the outputs).
pub fn add(t: &mut Template, config: &StackConfig, watched: Watched<'_>) -> Alerts {
    let a = config.alarms;
    let period = i64::from(a.period_s);
    let mut alerts = Alerts::new(t, "Alarms", config.alarm_email.as_deref());
    let dead_letters = watched.queue.dead_letters_name();
    let visits = watched.queue.name();
    alerts.watch(
        t,
        "DeadLetters",
        Watch::metric(
            "Visit messages are in the dead-letter queue: the processor refused them (see its logs)",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            vec![("QueueName", dead_letters.clone())],
            60,
        )
        .max_above(0.0),
    );
    alerts.watch(
        t,
        "QueueAge",
        Watch::metric(
            format!(
                "A visit has waited over {} s in the queue: the processor is failing or throttled",
                a.queue_age_s
            ),
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            vec![("QueueName", visits.clone())],
            period,
        )
        .max_above(f64::from(a.queue_age_s)),
    );
    for (name, function) in &watched.functions {
        for (metric, threshold, what) in [
            ("Errors", f64::from(a.function_errors), "failed"),
            ("Throttles", 1.0, "was throttled"),
        ] {
            alerts.watch(
                t,
                &format!("{name}{metric}"),
                Watch::metric(
                    format!("{name} {what} (Lambda {metric}) in the last {period} s"),
                    "AWS/Lambda",
                    metric,
                    vec![("FunctionName", function.name())],
                    period,
                )
                .sum_at_least(threshold),
            );
        }
    }
    let api_dimensions = || {
        vec![
            ("ApiId", watched.api.api.reference()),
            ("Stage", Value::Lit("$default".to_owned())),
        ]
    };
    alerts.watch(
        t,
        "CountsApi5xx",
        Watch::metric(
            format!(
                "Over {:.0}% of counts API requests failed (5xx) in the last {period} s",
                a.api_5xx_rate * 100.0
            ),
            "AWS/ApiGateway",
            "5xx",
            api_dimensions(),
            period,
        )
        .average_above(a.api_5xx_rate),
    );
    if let Some(distribution) = watched.distribution {
        for metric in ["LambdaExecutionError", "LambdaValidationError"] {
            alerts.watch(
                t,
                &format!("Edge{metric}"),
                Watch::metric(
                    format!(
                        "The edge recorder failed ({metric}): visits are served but not recorded"
                    ),
                    "AWS/CloudFront",
                    metric,
                    vec![
                        ("DistributionId", distribution.reference()),
                        ("Region", Value::Lit("Global".to_owned())),
                    ],
                    period,
                )
                .sum_at_least(f64::from(a.edge_errors)),
            );
        }
    }

    // Page views: the processor logs each batch's as JSON.
    t.add(
        "PageViewsMetric",
        logs::MetricFilter::new(
            "{ $.fields.message = \"batch processed\" }",
            watched.processor.log_group.reference(),
            vec![Value::Lit(
                MetricTransformation::new(PAGE_VIEWS_METRIC, NAMESPACE, "$.fields.page_views")
                    .default_value(0.0),
            )],
        ),
    );

    let dashboard = t.add(
        "Dashboard",
        cloudwatch::Dashboard::new(dashboard_body(&watched))
            .dashboard_name(sub!(pseudo::stack_name(), "-counter")),
    );
    t.output(
        outputs::DASHBOARD_URL,
        Output::new(sub!(
            "https://",
            pseudo::region(),
            ".console.aws.amazon.com/cloudwatch/home?region=",
            pseudo::region(),
            "#dashboards:name=",
            dashboard.reference()
        ))
        .description("CloudWatch dashboard"),
    );
    t.output(
        outputs::ALARM_TOPIC,
        Output::new(alerts.topic.reference()).description("Topic the alarms notify"),
    );
    alerts
}

/// The dashboard: page views a minute, the queue's age and dead letters,
/// each function's errors, and the counts API's latency.
fn dashboard_body(watched: &Watched<'_>) -> Value<String> {
    let widget = |title: &str, metrics: Vec<serde_json::Value>, stat: &str, x: u32, y: u32| {
        serde_json::json!({
            "type": "metric", "x": x, "y": y, "width": 12, "height": 6,
            "properties": {
                "title": title, "region": "${AWS::Region}", "stat": stat,
                "period": 60, "view": "timeSeries", "metrics": metrics,
            }
        })
    };
    // `${Id}` and `${Id.Attr}` fill each name in (Fn::Sub).
    let reference = |id: &str| format!("${{{id}}}");
    let queue_name = |id: &str| format!("${{{id}.QueueName}}");
    let errors: Vec<serde_json::Value> = watched
        .functions
        .iter()
        .map(|(_, f)| {
            serde_json::json!([
                "AWS/Lambda",
                "Errors",
                "FunctionName",
                reference(f.function.logical_id())
            ])
        })
        .collect();
    let body = serde_json::json!({ "widgets": [
        widget("Page views a minute", vec![serde_json::json!([NAMESPACE, PAGE_VIEWS_METRIC])], "Sum", 0, 0),
        widget("Oldest waiting visit (s)", vec![serde_json::json!(["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue_name(watched.queue.queue.logical_id())])], "Maximum", 12, 0),
        widget("Dead letters", vec![serde_json::json!(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue_name(watched.queue.dead_letters.logical_id())])], "Maximum", 0, 6),
        widget("Function errors", errors, "Sum", 12, 6),
        widget("Counts API latency (ms, p90)", vec![serde_json::json!(["AWS/ApiGateway", "Latency", "ApiId", reference(watched.api.api.logical_id()), "Stage", "$default"])], "p90", 0, 12),
    ]});
    fns::sub(body.to_string())
}
