//! Recorded AWS calls and the authorizations AWS makes for them.
//!
//! A [`Call`] is one request an SDK sent, as a recorder wrote it: one JSON
//! object per line, the same shape from Rust (an SDK interceptor) and from
//! Python (botocore's event hooks):
//!
//! ```json
//! {"principal":"processor","service":"DynamoDB","operation":"GetItem",
//!  "method":"POST","uri":"http://127.0.0.1:5000/","params":{"TableName":["visits"]}}
//! ```
//!
//! `service` is the SDK's service ID (the same in every AWS SDK: `DynamoDB`,
//! `SQS`, `ApiGatewayManagementApi`, ...); `params` holds the request's
//! top-level string fields (an object field lists its keys, which is how a
//! batch request names its tables).
//!
//! [`OPERATIONS`] is the one table that says which IAM action each
//! operation needs and which resource it touches; an operation missing from
//! it is an error, never a guess. Most actions are the operation's name; the
//! exceptions (S3 `ListObjectsV2` is `s3:ListBucket`, `PostToConnection` is
//! `execute-api:ManageConnections`, ...) come from the service
//! authorization reference,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::access::eval::Context;

/// One recorded AWS request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Who made it (a function's name, or a role's logical ID).
    pub principal: String,
    /// The SDK's service ID (`DynamoDB`).
    pub service: String,
    /// The operation (`GetItem`).
    pub operation: String,
    /// The HTTP method.
    pub method: String,
    /// The request's URI.
    pub uri: String,
    /// Top-level string fields of the request (object fields: their keys).
    pub params: BTreeMap<String, Vec<String>>,
}

/// A record that is not a [`Call`], or a call this module cannot map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The record is not of the documented shape.
    #[error("not a call record ({problem}): {record}")]
    Malformed {
        /// What is wrong.
        problem: String,
        /// The record, shortened.
        record: String,
    },
    /// [`OPERATIONS`] has no entry for the operation.
    #[error("{service} {operation} is not in infra::access::calls::OPERATIONS: add the IAM action and resource it needs (see the service authorization reference)")]
    UnknownOperation {
        /// The service ID.
        service: String,
        /// The operation.
        operation: String,
    },
    /// The request lacks what names its resource.
    #[error("{service} {operation}: cannot tell the resource from the request ({problem})")]
    NoResource {
        /// The service ID.
        service: String,
        /// The operation.
        operation: String,
        /// What was missing.
        problem: String,
    },
}

impl Call {
    /// Reads one record.
    pub fn from_json(record: &Json) -> Result<Call, CallError> {
        let malformed = |problem: &str| CallError::Malformed {
            problem: problem.to_owned(),
            record: record.to_string().chars().take(200).collect(),
        };
        let text = |key: &str| {
            record
                .get(key)
                .and_then(Json::as_str)
                .map(str::to_owned)
                .ok_or_else(|| malformed(&format!("`{key}` is not a string")))
        };
        let mut params = BTreeMap::new();
        if let Some(map) = record.get("params") {
            let map = map
                .as_object()
                .ok_or_else(|| malformed("`params` is not an object"))?;
            for (key, values) in map {
                let values = values
                    .as_array()
                    .and_then(|v| v.iter().map(|s| s.as_str().map(str::to_owned)).collect())
                    .ok_or_else(|| malformed("a `params` value is not a list of strings"))?;
                params.insert(key.clone(), values);
            }
        }
        Ok(Call {
            principal: text("principal")?,
            service: text("service")?,
            operation: text("operation")?,
            method: text("method")?,
            uri: text("uri")?,
            params,
        })
    }

    /// Reads a recorder's file: one record per line, blank lines skipped.
    pub fn parse_lines(text: &str) -> Result<Vec<Call>, CallError> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let record: Json =
                    serde_json::from_str(line).map_err(|e| CallError::Malformed {
                        problem: e.to_string(),
                        record: line.chars().take(200).collect(),
                    })?;
                Call::from_json(&record)
            })
            .collect()
    }

    /// The record, as recorders write it.
    pub fn to_json(&self) -> Json {
        json!({
            "principal": self.principal,
            "service": self.service,
            "operation": self.operation,
            "method": self.method,
            "uri": self.uri,
            "params": self.params,
        })
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn no_resource(&self, problem: impl Into<String>) -> CallError {
        CallError::NoResource {
            service: self.service.clone(),
            operation: self.operation.clone(),
            problem: problem.into(),
        }
    }
}

/// Where calls were made: the partition, region and account ARNs are built
/// with, and URI prefixes to read as others (an emulator's loopback endpoint
/// as the AWS endpoint it stands for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// `aws`.
    pub partition: String,
    /// `us-east-1`.
    pub region: String,
    /// The account ID.
    pub account: String,
    /// `(prefix, replacement)`: a URI starting with `prefix` is read as if it
    /// started with `replacement`.
    pub aliases: Vec<(String, String)>,
}

impl Place {
    /// `partition`, `region`, `account`, no aliases.
    pub fn new(partition: &str, region: &str, account: &str) -> Self {
        Place {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            aliases: Vec::new(),
        }
    }

    /// Reads URIs starting with `prefix` as starting with `replacement`.
    pub fn alias(mut self, prefix: impl Into<String>, replacement: impl Into<String>) -> Self {
        self.aliases.push((prefix.into(), replacement.into()));
        self
    }

    fn uri<'a>(&self, uri: &'a str) -> std::borrow::Cow<'a, str> {
        for (prefix, replacement) in &self.aliases {
            if let Some(rest) = uri.strip_prefix(prefix.as_str()) {
                return format!("{replacement}{rest}").into();
            }
        }
        uri.into()
    }
}

/// What names the resource an operation touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceOf {
    /// A DynamoDB table: `TableName`, or the keys of `RequestItems`.
    Table,
    /// A DynamoDB stream: `StreamArn`.
    Stream,
    /// An SQS queue: `QueueUrl`.
    QueueUrl,
    /// An SQS queue by `QueueName`.
    QueueName,
    /// An S3 object: bucket and key from the URI.
    Object,
    /// An S3 bucket from the URI.
    Bucket,
    /// A WebSocket connection: API, stage and ID from the management URI.
    Connection,
    /// A CloudFormation stack: `StackName`.
    Stack,
    /// A Lambda function: `FunctionName` or the URI's `/functions/<name>`.
    Function,
    /// A CloudFront distribution from the URI's `/distribution/<id>`.
    Distribution,
    /// An action that takes no resource (`*`).
    Any,
}

/// One row of [`OPERATIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The SDK's service ID.
    pub service: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The IAM action it needs; `None` when AWS authorizes it without one.
    pub action: Option<&'static str>,
    /// The resource it touches.
    pub resource: ResourceOf,
}

const fn op(
    service: &'static str,
    operation: &'static str,
    action: &'static str,
    resource: ResourceOf,
) -> Operation {
    Operation {
        service,
        operation,
        action: Some(action),
        resource,
    }
}

use ResourceOf as R;

/// Every operation the project's code calls, with its IAM action and
/// resource. Sources: the service authorization reference's action tables
/// for DynamoDB, SQS, S3, API Gateway (execute-api), CloudFormation, Lambda,
/// CloudFront and STS.
pub const OPERATIONS: &[Operation] = &[
    op(
        "DynamoDB",
        "BatchGetItem",
        "dynamodb:BatchGetItem",
        R::Table,
    ),
    op(
        "DynamoDB",
        "BatchWriteItem",
        "dynamodb:BatchWriteItem",
        R::Table,
    ),
    op(
        "DynamoDB",
        "ConditionCheckItem",
        "dynamodb:ConditionCheckItem",
        R::Table,
    ),
    op("DynamoDB", "CreateTable", "dynamodb:CreateTable", R::Table),
    op("DynamoDB", "DeleteItem", "dynamodb:DeleteItem", R::Table),
    op(
        "DynamoDB",
        "DescribeTable",
        "dynamodb:DescribeTable",
        R::Table,
    ),
    op("DynamoDB", "GetItem", "dynamodb:GetItem", R::Table),
    op("DynamoDB", "ListTables", "dynamodb:ListTables", R::Any),
    op("DynamoDB", "PutItem", "dynamodb:PutItem", R::Table),
    op("DynamoDB", "Query", "dynamodb:Query", R::Table),
    op("DynamoDB", "Scan", "dynamodb:Scan", R::Table),
    op("DynamoDB", "UpdateItem", "dynamodb:UpdateItem", R::Table),
    op(
        "DynamoDB Streams",
        "DescribeStream",
        "dynamodb:DescribeStream",
        R::Stream,
    ),
    op(
        "DynamoDB Streams",
        "GetShardIterator",
        "dynamodb:GetShardIterator",
        R::Stream,
    ),
    op(
        "DynamoDB Streams",
        "ListStreams",
        "dynamodb:ListStreams",
        R::Any,
    ),
    op(
        "SQS",
        "ChangeMessageVisibility",
        "sqs:ChangeMessageVisibility",
        R::QueueUrl,
    ),
    // The batch forms are authorized as their single forms.
    op(
        "SQS",
        "ChangeMessageVisibilityBatch",
        "sqs:ChangeMessageVisibility",
        R::QueueUrl,
    ),
    op("SQS", "DeleteMessage", "sqs:DeleteMessage", R::QueueUrl),
    op(
        "SQS",
        "DeleteMessageBatch",
        "sqs:DeleteMessage",
        R::QueueUrl,
    ),
    op(
        "SQS",
        "GetQueueAttributes",
        "sqs:GetQueueAttributes",
        R::QueueUrl,
    ),
    op("SQS", "GetQueueUrl", "sqs:GetQueueUrl", R::QueueName),
    op("SQS", "ReceiveMessage", "sqs:ReceiveMessage", R::QueueUrl),
    op("SQS", "SendMessage", "sqs:SendMessage", R::QueueUrl),
    op("SQS", "SendMessageBatch", "sqs:SendMessage", R::QueueUrl),
    // One action covers every management call; the resource's method part
    // (POST, GET, DELETE) tells them apart.
    op(
        "ApiGatewayManagementApi",
        "DeleteConnection",
        "execute-api:ManageConnections",
        R::Connection,
    ),
    op(
        "ApiGatewayManagementApi",
        "GetConnection",
        "execute-api:ManageConnections",
        R::Connection,
    ),
    op(
        "ApiGatewayManagementApi",
        "PostToConnection",
        "execute-api:ManageConnections",
        R::Connection,
    ),
    op("S3", "DeleteObject", "s3:DeleteObject", R::Object),
    op("S3", "DeleteObjects", "s3:DeleteObject", R::Object),
    op("S3", "GetObject", "s3:GetObject", R::Object),
    op("S3", "HeadBucket", "s3:ListBucket", R::Bucket),
    op("S3", "HeadObject", "s3:GetObject", R::Object),
    op("S3", "ListObjectsV2", "s3:ListBucket", R::Bucket),
    op("S3", "PutObject", "s3:PutObject", R::Object),
    op(
        "CloudFormation",
        "CreateChangeSet",
        "cloudformation:CreateChangeSet",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "DeleteChangeSet",
        "cloudformation:DeleteChangeSet",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "DeleteStack",
        "cloudformation:DeleteStack",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "DescribeChangeSet",
        "cloudformation:DescribeChangeSet",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "DescribeStackEvents",
        "cloudformation:DescribeStackEvents",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "DescribeStackResources",
        "cloudformation:DescribeStackResources",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "DescribeStacks",
        "cloudformation:DescribeStacks",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "ExecuteChangeSet",
        "cloudformation:ExecuteChangeSet",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "GetTemplate",
        "cloudformation:GetTemplate",
        R::Stack,
    ),
    op(
        "CloudFormation",
        "ListStackResources",
        "cloudformation:ListStackResources",
        R::Stack,
    ),
    op(
        "CloudFront",
        "CreateInvalidation",
        "cloudfront:CreateInvalidation",
        R::Distribution,
    ),
    op(
        "Lambda",
        "GetFunctionConfiguration",
        "lambda:GetFunctionConfiguration",
        R::Function,
    ),
    op("Lambda", "Invoke", "lambda:InvokeFunction", R::Function),
    // "No permissions are required to perform this operation."
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    Operation {
        service: "STS",
        operation: "GetCallerIdentity",
        action: None,
        resource: R::Any,
    },
];

/// One authorization a call needs: an action on a resource, with the
/// request context AWS supplies.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The IAM action.
    pub action: String,
    /// The resource ARN (`*` for actions without one).
    pub resource: String,
    /// Context keys of the request.
    pub context: Context,
}

/// The row of [`OPERATIONS`] for `call`.
pub fn operation(call: &Call) -> Result<&'static Operation, CallError> {
    OPERATIONS
        .iter()
        .find(|o| o.service == call.service && o.operation == call.operation)
        .ok_or_else(|| CallError::UnknownOperation {
            service: call.service.clone(),
            operation: call.operation.clone(),
        })
}

/// The authorizations AWS makes for `call` (none for an operation that
/// needs no permission; several for a batch over several tables, and for a
/// change set that passes a role).
pub fn authorizations(call: &Call, place: &Place) -> Result<Vec<Authorization>, CallError> {
    let row = operation(call)?;
    let Some(action) = row.action else {
        return Ok(Vec::new());
    };
    let mut out: Vec<Authorization> = resources(call, row.resource, place)?
        .into_iter()
        .map(|resource| Authorization {
            action: action.to_owned(),
            resource,
            context: Context::new(),
        })
        .collect();
    // A change set created with a service role passes that role to
    // CloudFormation: the caller needs iam:PassRole on it.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    if call.service == "CloudFormation" {
        // A template passed by URL is read with the caller's credentials.
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
        // ("TemplateURL ... located in an Amazon S3 bucket"; an object the
        // caller cannot read fails with "TemplateURL must reference a valid
        // S3 object to which you have access").
        if let Some(url) = call.param("TemplateURL") {
            let (bucket, key) = s3_object_of_url(url)
                .ok_or_else(|| call.no_resource("a TemplateURL that names no S3 object"))?;
            out.push(Authorization {
                action: "s3:GetObject".into(),
                resource: format!("arn:{}:s3:::{bucket}/{key}", place.partition),
                context: Context::new(),
            });
        }
        if let Some(role) = call.param("RoleARN") {
            out.push(Authorization {
                action: "iam:PassRole".into(),
                resource: role.to_owned(),
                context: Context::new().with("iam:PassedToService", "cloudformation.amazonaws.com"),
            });
        }
    }
    Ok(out)
}

/// The bucket and key of an S3 object URL, virtual-hosted
/// (`https://BUCKET.s3.REGION.amazonaws.com/KEY`) or path style
/// (`https://s3.REGION.amazonaws.com/BUCKET/KEY`).
fn s3_object_of_url(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    if host.starts_with("s3.") || host.starts_with("s3-") {
        let (bucket, key) = path.split_once('/')?;
        return Some((bucket.to_owned(), key.to_owned()));
    }
    let bucket = host.split(".s3.").next().filter(|b| *b != host)?;
    Some((bucket.to_owned(), path.to_owned()))
}

fn resources(call: &Call, of: ResourceOf, place: &Place) -> Result<Vec<String>, CallError> {
    let p = &place.partition;
    let r = &place.region;
    let a = &place.account;
    let uri = place.uri(&call.uri);
    Ok(match of {
        R::Any => vec!["*".into()],
        R::Table => {
            let names: Vec<&String> = match call.params.get("TableName") {
                Some(names) => names.iter().collect(),
                None => call
                    .params
                    .get("RequestItems")
                    .map(|v| v.iter().collect())
                    .unwrap_or_default(),
            };
            if names.is_empty() {
                return Err(call.no_resource("no TableName or RequestItems"));
            }
            names
                .into_iter()
                .map(|name| match name.starts_with("arn:") {
                    true => name.clone(),
                    false => format!("arn:{p}:dynamodb:{r}:{a}:table/{name}"),
                })
                .collect()
        }
        R::Stream => vec![call
            .param("StreamArn")
            .ok_or_else(|| call.no_resource("no StreamArn"))?
            .to_owned()],
        R::QueueUrl => {
            let url = call
                .param("QueueUrl")
                .ok_or_else(|| call.no_resource("no QueueUrl"))?;
            let url = place.uri(url);
            let path = path_of(&url);
            let mut parts = path.rsplit('/').filter(|s| !s.is_empty());
            let name = parts
                .next()
                .ok_or_else(|| call.no_resource(format!("queue URL {url} has no name")))?;
            let account = parts
                .next()
                .filter(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or(a);
            vec![format!("arn:{p}:sqs:{r}:{account}:{name}")]
        }
        R::QueueName => {
            let name = call
                .param("QueueName")
                .ok_or_else(|| call.no_resource("no QueueName"))?;
            vec![format!("arn:{p}:sqs:{r}:{a}:{name}")]
        }
        R::Object | R::Bucket => {
            let (bucket, key) =
                s3_location(&uri).ok_or_else(|| call.no_resource(format!("no bucket in {uri}")))?;
            match (of, key) {
                (R::Bucket, _) => vec![format!("arn:{p}:s3:::{bucket}")],
                (_, Some(key)) => vec![format!("arn:{p}:s3:::{bucket}/{key}")],
                // DeleteObjects names its keys in the body.
                (_, None) => vec![format!("arn:{p}:s3:::{bucket}/*")],
            }
        }
        R::Connection => {
            // https://<api>.execute-api.<region>.amazonaws.com/<stage>/@connections/<id>
            // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
            let host = host_of(&uri);
            let api = host
                .split_once(".execute-api.")
                .map(|(api, _)| api)
                .ok_or_else(|| call.no_resource(format!("{uri} is not an execute-api endpoint")))?;
            let path = path_of(&uri);
            let (stage, id) = path
                .trim_start_matches('/')
                .split_once("/@connections/")
                .ok_or_else(|| call.no_resource(format!("{uri} names no connection")))?;
            let method = call.method.to_ascii_uppercase();
            vec![format!(
                "arn:{p}:execute-api:{r}:{a}:{api}/{stage}/{method}/@connections/{}",
                decode(id)
            )]
        }
        R::Stack => {
            let name = call
                .param("StackName")
                .ok_or_else(|| call.no_resource("no StackName"))?;
            if name.starts_with("arn:") {
                vec![name.to_owned()]
            } else {
                // A stack's ARN ends in an ID only AWS knows; `*` stands for it.
                vec![format!("arn:{p}:cloudformation:{r}:{a}:stack/{name}/*")]
            }
        }
        R::Function => {
            let name = call
                .param("FunctionName")
                .map(str::to_owned)
                .or_else(|| segment_after(&uri, "functions"))
                .ok_or_else(|| call.no_resource("no FunctionName"))?;
            if name.starts_with("arn:") {
                vec![name]
            } else {
                vec![format!("arn:{p}:lambda:{r}:{a}:function:{name}")]
            }
        }
        R::Distribution => {
            let id = segment_after(&uri, "distribution")
                .ok_or_else(|| call.no_resource(format!("no distribution in {uri}")))?;
            vec![format!("arn:{p}:cloudfront::{a}:distribution/{id}")]
        }
    })
}

/// `host[:port]` of a URI.
fn host_of(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or_default()
}

/// The path of a URI, without its query.
fn path_of(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    path.split('?').next().unwrap_or_default()
}

/// The path segment after `name` (`/functions/<this>/...`), decoded.
fn segment_after(uri: &str, name: &str) -> Option<String> {
    let mut parts = path_of(uri).split('/');
    parts.find(|s| *s == name)?;
    parts.next().filter(|s| !s.is_empty()).map(decode)
}

/// Bucket and key of an S3 request, virtual-hosted (`<bucket>.s3.<...>`) or
/// path-style (`<endpoint>/<bucket>/<key>`).
fn s3_location(uri: &str) -> Option<(String, Option<String>)> {
    let host = host_of(uri);
    let path = path_of(uri).trim_start_matches('/');
    let virtual_bucket = host
        .split_once(".s3.")
        .or_else(|| host.split_once(".s3-"))
        .map(|(bucket, _)| bucket);
    let (bucket, key) = match virtual_bucket {
        Some(bucket) => (bucket.to_owned(), path),
        None => {
            let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
            (decode(bucket), key)
        }
    };
    if bucket.is_empty() {
        return None;
    }
    Some((bucket, (!key.is_empty()).then(|| decode(key))))
}

/// Percent-decoding of a URI part (invalid escapes are kept as written).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(service: &str, operation: &str, uri: &str, params: &[(&str, &str)]) -> Call {
        Call {
            principal: "p".into(),
            service: service.into(),
            operation: operation.into(),
            method: "POST".into(),
            uri: uri.into(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
                .collect(),
        }
    }

    fn place() -> Place {
        Place::new("aws", "us-east-1", "123456789012")
    }

    fn single(call: &Call) -> (String, String) {
        let auth = authorizations(call, &place()).expect("maps");
        assert_eq!(auth.len(), 1, "{auth:?}");
        (auth[0].action.clone(), auth[0].resource.clone())
    }

    #[test]
    fn a_table_operation_touches_the_table() {
        let c = call(
            "DynamoDB",
            "GetItem",
            "http://127.0.0.1:5000/",
            &[("TableName", "visits")],
        );
        assert_eq!(
            single(&c),
            (
                "dynamodb:GetItem".into(),
                "arn:aws:dynamodb:us-east-1:123456789012:table/visits".into()
            )
        );
    }

    #[test]
    fn a_batch_touches_every_table_it_names() {
        let mut c = call("DynamoDB", "BatchGetItem", "http://x/", &[]);
        c.params
            .insert("RequestItems".into(), vec!["a".into(), "b".into()]);
        let auth = authorizations(&c, &place()).expect("maps");
        let resources: Vec<&str> = auth.iter().map(|a| a.resource.as_str()).collect();
        assert_eq!(
            resources,
            [
                "arn:aws:dynamodb:us-east-1:123456789012:table/a",
                "arn:aws:dynamodb:us-east-1:123456789012:table/b"
            ]
        );
    }

    #[test]
    fn a_queue_url_names_account_and_queue() {
        let c = call(
            "SQS",
            "DeleteMessageBatch",
            "http://127.0.0.1:5000/",
            &[(
                "QueueUrl",
                "https://sqs.us-east-1.amazonaws.com/210987654321/visits",
            )],
        );
        assert_eq!(
            single(&c),
            (
                "sqs:DeleteMessage".into(),
                "arn:aws:sqs:us-east-1:210987654321:visits".into()
            )
        );
    }

    #[test]
    fn s3_paths_and_virtual_hosts() {
        let list = call(
            "S3",
            "ListObjectsV2",
            "http://127.0.0.1:5000/site-bucket?list-type=2",
            &[],
        );
        assert_eq!(
            single(&list),
            ("s3:ListBucket".into(), "arn:aws:s3:::site-bucket".into())
        );
        let put = call(
            "S3",
            "PutObject",
            "https://site-bucket.s3.us-east-1.amazonaws.com/css/a%20b.css?x-id=PutObject",
            &[],
        );
        assert_eq!(
            single(&put),
            (
                "s3:PutObject".into(),
                "arn:aws:s3:::site-bucket/css/a b.css".into()
            )
        );
    }

    #[test]
    fn a_connection_is_an_execute_api_arn_with_the_method() {
        let c = call(
            "ApiGatewayManagementApi",
            "PostToConnection",
            "http://127.0.0.1:9000/live/@connections/abc%3D",
            &[],
        );
        let place = place().alias(
            "http://127.0.0.1:9000",
            "https://api123.execute-api.us-east-1.amazonaws.com",
        );
        let auth = authorizations(&c, &place).expect("maps");
        assert_eq!(auth[0].action, "execute-api:ManageConnections");
        assert_eq!(
            auth[0].resource,
            "arn:aws:execute-api:us-east-1:123456789012:api123/live/POST/@connections/abc="
        );
    }

    #[test]
    fn a_change_set_from_a_template_url_reads_the_object() {
        for url in [
            "https://art.s3.us-east-1.amazonaws.com/templates/abc.json",
            "https://s3.us-east-1.amazonaws.com/art/templates/abc.json",
        ] {
            let c = call(
                "CloudFormation",
                "CreateChangeSet",
                "https://cloudformation.us-east-1.amazonaws.com/",
                &[("StackName", "site-prod"), ("TemplateURL", url)],
            );
            let auth = authorizations(&c, &place()).expect("maps");
            assert_eq!(auth.len(), 2, "{url}");
            assert_eq!(auth[1].action, "s3:GetObject");
            assert_eq!(auth[1].resource, "arn:aws:s3:::art/templates/abc.json");
        }
        let c = call(
            "CloudFormation",
            "CreateChangeSet",
            "https://cloudformation.us-east-1.amazonaws.com/",
            &[
                ("StackName", "site-prod"),
                ("TemplateURL", "https://example.com/t.json"),
            ],
        );
        assert!(authorizations(&c, &place()).is_err());
    }

    #[test]
    fn a_change_set_with_a_role_passes_it() {
        let c = call(
            "CloudFormation",
            "CreateChangeSet",
            "https://cloudformation.us-east-1.amazonaws.com/",
            &[
                ("StackName", "site-prod"),
                ("RoleARN", "arn:aws:iam::123456789012:role/exec"),
            ],
        );
        let auth = authorizations(&c, &place()).expect("maps");
        assert_eq!(auth.len(), 2);
        assert_eq!(
            auth[0].resource,
            "arn:aws:cloudformation:us-east-1:123456789012:stack/site-prod/*"
        );
        assert_eq!(auth[1].action, "iam:PassRole");
        assert_eq!(
            auth[1].context.get("iam:PassedToService"),
            Some(&["cloudformation.amazonaws.com".to_owned()][..])
        );
    }

    #[test]
    fn get_caller_identity_needs_nothing_and_unknown_operations_fail() {
        let c = call("STS", "GetCallerIdentity", "https://sts/", &[]);
        assert!(authorizations(&c, &place()).expect("maps").is_empty());
        let c = call("DynamoDB", "TransactWriteItems", "http://x/", &[]);
        assert!(matches!(
            authorizations(&c, &place()),
            Err(CallError::UnknownOperation { .. })
        ));
        let c = call("DynamoDB", "GetItem", "http://x/", &[]);
        assert!(matches!(
            authorizations(&c, &place()),
            Err(CallError::NoResource { .. })
        ));
    }

    #[test]
    fn records_round_trip_and_malformed_ones_are_named() {
        let c = call(
            "SQS",
            "SendMessage",
            "http://x/",
            &[("QueueUrl", "http://x/1/q")],
        );
        let line = c.to_json().to_string();
        assert_eq!(Call::parse_lines(&format!("{line}\n\n")), Ok(vec![c]));
        let err = Call::parse_lines("{\"principal\":1}").expect_err("malformed");
        assert!(
            err.to_string().contains("`principal` is not a string"),
            "{err}"
        );
    }

    /// Every action in the table exists in IAM (the vendored action list).
    #[test]
    fn every_action_exists() {
        let known: Json =
            serde_json::from_str(include_str!("../../schemas/iam-actions.json")).expect("json");
        for row in OPERATIONS {
            let Some(action) = row.action else { continue };
            let (prefix, name) = action.split_once(':').expect("prefix:name");
            let names = known[prefix]
                .as_array()
                .unwrap_or_else(|| panic!("no IAM actions of {prefix} vendored"));
            assert!(
                names
                    .iter()
                    .any(|n| n.as_str() == Some(&name.to_ascii_lowercase())),
                "{action} ({} {}) is not an IAM action",
                row.service,
                row.operation
            );
        }
    }
}
