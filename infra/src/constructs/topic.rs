//! An SNS topic, its grants, and queues subscribed to it.

use crate::aws::{sns, sqs};
use crate::constructs::error::ConstructError;
use crate::constructs::perms;
use crate::constructs::queue::Queue;
use crate::constructs::role_policy::Grantee;
use crate::policy::{PolicyDocument, Principal, Statement};
use crate::{Attributes, Handle, Json, Template, ToJson, Value};

/// An SNS topic. Adds `<id>`.
///
/// The topic is not encrypted: SNS encrypts with a KMS key, and an S3
/// bucket notification cannot publish to a topic encrypted with the AWS
/// managed key (`alias/aws/sns`), whose policy no service can be granted
/// (<https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse>).
#[derive(Debug, Clone)]
pub struct Topic {
    /// The topic.
    pub topic: Handle<sns::Topic>,
}

/// How a queue receives a topic's messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueSubscription {
    /// Deliver the message as published, without SNS's JSON envelope.
    pub raw_message_delivery: bool,
    /// Deliver only messages whose attributes match this filter policy.
    pub filter_policy: Option<Json>,
}

impl QueueSubscription {
    /// Every message, as published (no SNS envelope).
    pub fn raw() -> Self {
        QueueSubscription {
            raw_message_delivery: true,
            filter_policy: None,
        }
    }
}

impl Topic {
    /// Adds the topic under `id`, shown as `display_name` if given.
    pub fn new(template: &mut Template, id: &str, display_name: Option<Value<String>>) -> Self {
        let mut topic = sns::Topic::new();
        if let Some(name) = display_name {
            topic = topic.display_name(name);
        }
        Topic {
            topic: template.add(id, topic),
        }
    }

    /// The topic's ARN (`Ref` of an `AWS::SNS::Topic`).
    pub fn arn(&self) -> Value<String> {
        self.topic.reference()
    }

    /// Publishing to the topic.
    pub fn grant_publish(&self, template: &mut Template, grantee: &mut impl Grantee) {
        grantee.grant(
            template,
            Statement::allow()
                .actions(perms::TOPIC_PUBLISH.iter().copied())
                .resource(self.arn()),
        );
    }

    /// Subscribes `queue` to the topic. Adds `<id>` (the subscription) and
    /// `<id>QueuePolicy`, which lets SNS send to the queue for this topic
    /// only (`aws:SourceArn`), as AWS documents for SNS to SQS fan-out
    /// (<https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html>).
    ///
    /// A queue has one policy, and a second `AWS::SQS::QueuePolicy` on it
    /// would replace the first; subscribing a queue that already has one in
    /// the template is an error.
    pub fn subscribe_queue(
        &self,
        template: &mut Template,
        id: &str,
        queue: &Queue,
        options: QueueSubscription,
    ) -> Result<Handle<sns::Subscription>, ConstructError> {
        let url = queue.url().to_json();
        if let Some(existing) = template.resources().find(|r| {
            r.resource_type() == sqs::QueuePolicy::TYPE
                && r.properties()["Queues"]
                    .as_array()
                    .is_some_and(|queues| queues.contains(&url))
        }) {
            return Err(ConstructError::QueueHasPolicy {
                queue: queue.queue.logical_id().to_owned(),
                policy: existing.logical_id().to_owned(),
            });
        }
        let policy = PolicyDocument::new().statement(
            Statement::allow()
                .action("sqs:SendMessage")
                .principal(Principal::service("sns.amazonaws.com"))
                .resource(queue.arn())
                .condition("ArnEquals", "aws:SourceArn", [self.arn()]),
        );
        let queue_policy = template.add(
            &format!("{id}QueuePolicy"),
            sqs::QueuePolicy::new(policy, vec![queue.url()]),
        );
        let mut subscription = sns::Subscription::new("sqs", self.arn())
            .endpoint(queue.arn())
            .raw_message_delivery(options.raw_message_delivery);
        if let Some(filter) = options.filter_policy {
            subscription = subscription.filter_policy(filter);
        }
        // After the policy: SNS cannot deliver to the queue before it
        // allows it, and would drop what it tried to send meanwhile.
        Ok(template.add_with(
            id,
            subscription,
            Attributes::new().depends_on(&queue_policy),
        ))
    }
}
