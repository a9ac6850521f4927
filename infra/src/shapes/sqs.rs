//! `AWS::SQS::Queue`'s JSON properties
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html>).

use crate::json::{Json, JsonMap, ToJson};
use crate::value::Value;

/// `RedrivePolicy`: where messages go after `max_receive_count` receives
/// without a delete (`deadLetterTargetArn`, `maxReceiveCount`, 1 to 1,000:
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html>).
#[derive(Debug, Clone, PartialEq)]
pub struct RedrivePolicy {
    /// The dead-letter queue's ARN.
    pub dead_letter_target_arn: Value<String>,
    /// Receives before a message moves there.
    pub max_receive_count: Value<i64>,
}

impl RedrivePolicy {
    /// Messages received `max_receive_count` times move to the queue `dead_letter_target_arn`.
    pub fn new(
        dead_letter_target_arn: impl Into<Value<String>>,
        max_receive_count: impl Into<Value<i64>>,
    ) -> Self {
        Self {
            dead_letter_target_arn: dead_letter_target_arn.into(),
            max_receive_count: max_receive_count.into(),
        }
    }
}

impl ToJson for RedrivePolicy {
    fn to_json(&self) -> Json {
        let mut out = JsonMap::new();
        out.insert(
            "deadLetterTargetArn".into(),
            self.dead_letter_target_arn.to_json(),
        );
        out.insert("maxReceiveCount".into(), self.max_receive_count.to_json());
        Json::Object(out)
    }
}

impl From<RedrivePolicy> for Value<Json> {
    fn from(policy: RedrivePolicy) -> Self {
        Value::Lit(policy.to_json())
    }
}

/// Which source queues may use this queue as their dead-letter queue.
#[derive(Debug, Clone, PartialEq)]
pub enum RedrivePermission {
    /// Any queue (SQS's default).
    AllowAll,
    /// No queue.
    DenyAll,
    /// Only these queues (1 to 10 ARNs).
    ByQueue(Vec<Value<String>>),
}

/// `RedriveAllowPolicy` of a dead-letter queue (`redrivePermission`,
/// `sourceQueueArns`).
#[derive(Debug, Clone, PartialEq)]
pub struct RedriveAllowPolicy(pub RedrivePermission);

impl ToJson for RedriveAllowPolicy {
    fn to_json(&self) -> Json {
        let mut out = JsonMap::new();
        let permission = match &self.0 {
            RedrivePermission::AllowAll => "allowAll",
            RedrivePermission::DenyAll => "denyAll",
            RedrivePermission::ByQueue(queues) => {
                out.insert(
                    "sourceQueueArns".into(),
                    Json::Array(queues.iter().map(ToJson::to_json).collect()),
                );
                "byQueue"
            }
        };
        out.insert("redrivePermission".into(), Json::String(permission.into()));
        Json::Object(out)
    }
}

impl From<RedriveAllowPolicy> for Value<Json> {
    fn from(policy: RedriveAllowPolicy) -> Self {
        Value::Lit(policy.to_json())
    }
}
