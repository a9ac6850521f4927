//! An SQS queue with a dead-letter queue, and its grants.

use crate::aws::sqs;
use crate::constructs::perms;
use crate::constructs::role_policy::Grantee;
use crate::policy::Statement;
use crate::shapes::sqs::RedrivePolicy;
use crate::{Handle, Template, Value};

/// Settings of a [`Queue`].
#[derive(Debug, Clone, PartialEq)]
pub struct QueueProps {
    /// How long a received message stays invisible (seconds). AWS advises at
    /// least six times the consumer's timeout.
    pub visibility_timeout_s: i64,
    /// How long messages are kept (seconds; default 4 days).
    pub retention_s: i64,
    /// Receives before a message moves to the dead-letter queue.
    pub max_receive_count: i64,
    /// How long the dead-letter queue keeps messages (default 14 days).
    pub dead_letter_retention_s: i64,
}

impl Default for QueueProps {
    fn default() -> Self {
        QueueProps {
            visibility_timeout_s: 60,
            retention_s: 4 * 24 * 3600,
            max_receive_count: 5,
            dead_letter_retention_s: 14 * 24 * 3600,
        }
    }
}

/// A queue and its dead-letter queue, both encrypted with SQS-managed keys.
/// Adds `<id>DeadLetters` and `<id>`.
#[derive(Debug, Clone)]
pub struct Queue {
    /// The queue.
    pub queue: Handle<sqs::Queue>,
    /// Where messages go after `max_receive_count` receives.
    pub dead_letters: Handle<sqs::Queue>,
}

impl Queue {
    /// Adds the queues under `id`.
    pub fn new(template: &mut Template, id: &str, props: QueueProps) -> Self {
        let dead_letters = template.add(
            &format!("{id}DeadLetters"),
            sqs::Queue::new()
                .message_retention_period(props.dead_letter_retention_s)
                .sqs_managed_sse_enabled(true),
        );
        let queue = template.add(
            id,
            sqs::Queue::new()
                .visibility_timeout(props.visibility_timeout_s)
                .message_retention_period(props.retention_s)
                .sqs_managed_sse_enabled(true)
                .redrive_policy(RedrivePolicy::new(
                    dead_letters.arn(),
                    props.max_receive_count,
                )),
        );
        Queue {
            queue,
            dead_letters,
        }
    }

    /// The queue's URL (`Ref`).
    pub fn url(&self) -> Value<String> {
        self.queue.reference()
    }

    /// The queue's ARN.
    pub fn arn(&self) -> Value<String> {
        self.queue.arn()
    }

    /// The queue's name: `Fn::GetAtt QueueName`, which CloudFormation
    /// documents though the registry schema's read-only properties leave
    /// it out
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html#aws-resource-sqs-queue-return-values>).
    pub fn name(&self) -> Value<String> {
        self.queue.attribute("QueueName")
    }

    /// The dead-letter queue's name (as [`Queue::name`]).
    pub fn dead_letters_name(&self) -> Value<String> {
        self.dead_letters.attribute("QueueName")
    }

    /// Sending messages.
    pub fn grant_send(&self, template: &mut Template, grantee: &mut impl Grantee) {
        grantee.grant(
            template,
            Statement::allow()
                .actions(perms::QUEUE_SEND.iter().copied())
                .resource(self.arn()),
        );
    }

    /// Receiving and deleting messages.
    pub fn grant_consume(&self, template: &mut Template, grantee: &mut impl Grantee) {
        grantee.grant(
            template,
            Statement::allow()
                .actions(perms::QUEUE_CONSUME.iter().copied())
                .resource(self.arn()),
        );
    }
}
