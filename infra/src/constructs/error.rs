/// A construct used in a way its resources cannot support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstructError {
    /// Stream access was asked of a table created without a stream.
    #[error("table `{0}` has no stream: set `TableProps::stream` to read its stream")]
    NoStream(String),
    /// A queue subscribed to a topic already has a queue policy, which the
    /// subscription's policy would replace.
    #[error(
        "queue `{queue}` already has a policy (`{policy}`); a second AWS::SQS::QueuePolicy would replace it: subscribe the queue to one topic, or write one policy for every sender"
    )]
    QueueHasPolicy {
        /// The queue's logical ID.
        queue: String,
        /// The policy's logical ID.
        policy: String,
    },
    /// A topic that a bucket notifies already has a topic policy, which the
    /// bucket's policy would replace.
    #[error(
        "topic `{topic}` already has a policy (`{policy}`); a second AWS::SNS::TopicPolicy would replace it: let one bucket notify it, or write one policy for every publisher"
    )]
    TopicHasPolicy {
        /// The topic's logical ID.
        topic: String,
        /// The policy's logical ID.
        policy: String,
    },
    /// A schedule expression EventBridge would reject.
    #[error("schedule `{expression}`: {problem}")]
    Schedule {
        /// The expression.
        expression: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A bucket name S3 would reject.
    #[error("bucket name `{name}`: {problem}")]
    BucketName {
        /// The name.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
}
