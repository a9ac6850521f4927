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

/// Reading a DynamoDB table's stream (what an event source mapping needs).
pub const TABLE_STREAM_READ: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

/// Sending messages to an SQS queue.
pub const QUEUE_SEND: &[&str] = &[
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
];

/// Consuming messages from an SQS queue (what an event source mapping needs).
pub const QUEUE_CONSUME: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
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
