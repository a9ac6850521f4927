//! The action lists behind every grant: one table, reviewed in one place.

/// Reading items from a DynamoDB table and its indexes.
pub const TABLE_READ: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
];

/// Writing items to a DynamoDB table.
pub const TABLE_WRITE: &[&str] = &[
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];

/// Reading a DynamoDB table's stream: what Lambda's event source mapping
/// needs of the function's role
/// (<https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html>).
pub const TABLE_STREAM_READ: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

/// One kind of access to a DynamoDB table's items: a grant names exactly
/// the kinds its code uses, each one IAM action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemAccess {
    /// `GetItem`.
    Get,
    /// `BatchGetItem`.
    BatchGet,
    /// `Query` (on the table and its indexes).
    Query,
    /// `Scan` (on the table and its indexes).
    Scan,
    /// `ConditionCheckItem`.
    ConditionCheck,
    /// `PutItem`.
    Put,
    /// `UpdateItem`.
    Update,
    /// `DeleteItem`.
    Delete,
    /// `BatchWriteItem`.
    BatchWrite,
    /// `DescribeTable`.
    Describe,
}

impl ItemAccess {
    /// The IAM action.
    pub fn action(self) -> &'static str {
        match self {
            ItemAccess::Get => "dynamodb:GetItem",
            ItemAccess::BatchGet => "dynamodb:BatchGetItem",
            ItemAccess::Query => "dynamodb:Query",
            ItemAccess::Scan => "dynamodb:Scan",
            ItemAccess::ConditionCheck => "dynamodb:ConditionCheckItem",
            ItemAccess::Put => "dynamodb:PutItem",
            ItemAccess::Update => "dynamodb:UpdateItem",
            ItemAccess::Delete => "dynamodb:DeleteItem",
            ItemAccess::BatchWrite => "dynamodb:BatchWriteItem",
            ItemAccess::Describe => "dynamodb:DescribeTable",
        }
    }

    /// Whether the access reaches the table's indexes too.
    pub fn reaches_indexes(self) -> bool {
        matches!(self, ItemAccess::Query | ItemAccess::Scan)
    }
}

/// Sending messages to an SQS queue whose URL the sender knows
/// (`SendMessageBatch` is authorized as `SendMessage`).
pub const QUEUE_SEND: &[&str] = &["sqs:SendMessage"];

/// Consuming messages from an SQS queue: what Lambda's event source mapping
/// needs of the function's role, no more
/// (<https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html>, "Execution
/// role permissions").
pub const QUEUE_CONSUME: &[&str] = &[
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
];

/// Writing a function's logs into its own log group.
pub const LOGS_WRITE: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];

/// Writing Lambda@Edge logs, whose groups appear in each region that runs it.
pub const EDGE_LOGS_WRITE: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// Posting to (and dropping) WebSocket connections through API Gateway.
pub const WEBSOCKET_MANAGE: &[&str] = &["execute-api:ManageConnections"];

/// CloudFront reading site objects through origin access control.
pub const SITE_READ: &[&str] = &["s3:GetObject"];

/// Publishing to an SNS topic.
pub const TOPIC_PUBLISH: &[&str] = &["sns:Publish"];

/// Reading objects from an S3 bucket (`HeadObject` is authorized as
/// `GetObject`).
pub const BUCKET_READ: &[&str] = &["s3:GetObject"];
