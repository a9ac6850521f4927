//! Alarms that reach a person: an SNS topic, optionally an e-mail
//! subscription to it (the address confirms it by mail), and CloudWatch
//! alarms that notify the topic when they fire and again when they return
//! to OK on their own.

use crate::aws::cloudwatch::alarm::{ComparisonOperator, Dimension, Statistic, TreatMissingData};
use crate::aws::{cloudwatch, sns};
use crate::{pseudo, sub, Handle, Template, Value};

/// What one alarm watches, and when it fires.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// What firing means, for the person reading the notification.
    pub description: String,
    /// The metric's namespace (`AWS/Lambda`).
    pub namespace: String,
    /// The metric (`Errors`).
    pub metric: String,
    /// Its dimensions.
    pub dimensions: Vec<(String, Value<String>)>,
    /// The statistic over each period.
    pub statistic: Statistic,
    /// The period in seconds (a multiple of 60).
    pub period_s: i64,
    /// Consecutive periods that must breach.
    pub evaluation_periods: i64,
    /// The threshold.
    pub threshold: f64,
    /// How the statistic compares to it.
    pub comparison: ComparisonOperator,
}

/// A queue's metrics in `AWS/SQS`, by the queue's name
/// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueMetric {
    /// `ApproximateAgeOfOldestMessage`: seconds the oldest message has waited.
    OldestMessageAge,
    /// `ApproximateNumberOfMessagesVisible`: messages waiting to be received.
    MessagesVisible,
    /// `NumberOfMessagesSent`: messages added.
    MessagesSent,
}

impl QueueMetric {
    /// The metric's name.
    pub fn name(self) -> &'static str {
        match self {
            QueueMetric::OldestMessageAge => "ApproximateAgeOfOldestMessage",
            QueueMetric::MessagesVisible => "ApproximateNumberOfMessagesVisible",
            QueueMetric::MessagesSent => "NumberOfMessagesSent",
        }
    }
}

/// A function's metrics in `AWS/Lambda`, by the function's name
/// (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionMetric {
    /// `Errors`: invocations that failed.
    Errors,
    /// `Throttles`: invocations refused for lack of concurrency.
    Throttles,
    /// `Invocations`: every invocation.
    Invocations,
    /// `Duration`: milliseconds per invocation.
    Duration,
}

impl FunctionMetric {
    /// The metric's name.
    pub fn name(self) -> &'static str {
        match self {
            FunctionMetric::Errors => "Errors",
            FunctionMetric::Throttles => "Throttles",
            FunctionMetric::Invocations => "Invocations",
            FunctionMetric::Duration => "Duration",
        }
    }
}

impl Watch {
    /// A watch on a queue's `metric` (the queue by name:
    /// `Queue::name`, `Queue::dead_letters_name`).
    pub fn queue(
        description: impl Into<String>,
        queue_name: Value<String>,
        metric: QueueMetric,
        period_s: i64,
    ) -> Watch {
        Watch::metric(
            description,
            "AWS/SQS",
            metric.name(),
            vec![("QueueName", queue_name)],
            period_s,
        )
    }

    /// A watch on a function's `metric` (the function by name:
    /// `RustFunction::name`).
    pub fn function(
        description: impl Into<String>,
        function_name: Value<String>,
        metric: FunctionMetric,
        period_s: i64,
    ) -> Watch {
        Watch::metric(
            description,
            "AWS/Lambda",
            metric.name(),
            vec![("FunctionName", function_name)],
            period_s,
        )
    }

    /// A watch on `metric` over periods of `period_s`, to be finished by
    /// one of the conditions below.
    pub fn metric(
        description: impl Into<String>,
        namespace: &str,
        metric: &str,
        dimensions: Vec<(&str, Value<String>)>,
        period_s: i64,
    ) -> Watch {
        Watch {
            description: description.into(),
            namespace: namespace.to_owned(),
            metric: metric.to_owned(),
            dimensions: dimensions
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            statistic: Statistic::Sum,
            period_s,
            evaluation_periods: 1,
            threshold: 0.0,
            comparison: ComparisonOperator::GreaterThanOrEqualToThreshold,
        }
    }

    /// Fires when the sum over a period reaches `threshold` (a count of
    /// errors, throttles, ...). Missing data (nothing happened) is OK.
    pub fn sum_at_least(self, threshold: f64) -> Watch {
        self.when(
            Statistic::Sum,
            ComparisonOperator::GreaterThanOrEqualToThreshold,
            threshold,
        )
    }

    /// Fires when the maximum over a period passes `threshold` (a queue's
    /// depth or age).
    pub fn max_above(self, threshold: f64) -> Watch {
        self.when(
            Statistic::Maximum,
            ComparisonOperator::GreaterThanThreshold,
            threshold,
        )
    }

    /// Fires when the average passes `threshold` (API Gateway's `5xx`
    /// averages to the share of requests that failed).
    pub fn average_above(self, threshold: f64) -> Watch {
        self.when(
            Statistic::Average,
            ComparisonOperator::GreaterThanThreshold,
            threshold,
        )
    }

    fn when(self, statistic: Statistic, comparison: ComparisonOperator, threshold: f64) -> Watch {
        Watch {
            statistic,
            comparison,
            threshold,
            ..self
        }
    }
}

/// A topic and the alarms that notify it. Adds `<id>Topic`, with an address
/// `<id>Email`, and one `<id><name>` alarm per [`Alerts::watch`].
#[derive(Debug, Clone)]
pub struct Alerts {
    id: String,
    /// The topic every alarm notifies.
    pub topic: Handle<sns::Topic>,
    /// The alarms, by logical ID.
    pub alarms: Vec<(String, Handle<cloudwatch::Alarm>)>,
}

impl Alerts {
    /// The topic, subscribed by `email` if given.
    pub fn new(template: &mut Template, id: &str, email: Option<&str>) -> Self {
        let topic = template.add(
            &format!("{id}Topic"),
            sns::Topic::new().display_name(sub!(pseudo::stack_name(), " alarms")),
        );
        if let Some(address) = email {
            template.add(
                &format!("{id}Email"),
                sns::Subscription::new("email", topic.reference()).endpoint(address.to_owned()),
            );
        }
        Alerts {
            id: id.to_owned(),
            topic,
            alarms: Vec::new(),
        }
    }

    /// An alarm `<id><name>` on `watch` that notifies the topic on ALARM and
    /// on OK.
    pub fn watch(
        &mut self,
        template: &mut Template,
        name: &str,
        watch: Watch,
    ) -> Handle<cloudwatch::Alarm> {
        let logical = format!("{}{name}", self.id);
        let alarm = template.add(
            &logical,
            cloudwatch::Alarm::new()
                .alarm_name(sub!(pseudo::stack_name(), "-", name))
                .alarm_description(watch.description)
                .namespace(watch.namespace)
                .metric_name(watch.metric)
                .dimensions(
                    watch
                        .dimensions
                        .into_iter()
                        .map(|(k, v)| Value::Lit(Dimension::new(k, v)))
                        .collect::<Vec<_>>(),
                )
                .statistic(watch.statistic)
                .period(watch.period_s)
                .evaluation_periods(watch.evaluation_periods)
                .threshold(watch.threshold)
                .comparison_operator(watch.comparison)
                .treat_missing_data(TreatMissingData::NotBreaching)
                .alarm_actions(vec![self.topic.reference()])
                .ok_actions(vec![self.topic.reference()]),
        );
        self.alarms.push((logical, alarm.clone()));
        alarm
    }
}
