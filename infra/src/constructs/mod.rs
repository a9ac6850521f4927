//! Constructs: hand-written building blocks that expand to plain
//! CloudFormation resources with least-privilege IAM, in the spirit of CDK's
//! higher layer. Each takes the template and a logical-ID prefix, adds its
//! resources under IDs that start with that prefix, and returns handles.
//!
//! Permissions go with the resource: `table.grant_read_write(&mut t, &mut f)`,
//! `queue.grant_consume(...)`; wiring an event source grants what it needs.
//! Action lists come from one table, [`perms`].

mod alarms;
mod bucket;
mod edge;
mod error;
mod event_source;
mod function;
mod http_api;
mod notifying_bucket;
pub mod perms;
mod queue;
mod role_policy;
mod schedule;
mod site;
mod table;
mod topic;
mod waf;
mod websocket;

pub use alarms::{Alerts, FunctionMetric, QueueMetric, Watch};
pub use bucket::private_bucket;
pub use edge::{EdgeFunction, EdgeFunctionProps};
pub use error::ConstructError;
pub use event_source::{
    dynamodb_event_source, sqs_event_source, SqsSource, StartingPosition, StreamSource,
};
pub use function::{CodeParameters, FunctionCode, RustFunction, RustFunctionProps};
pub use http_api::{AccessLogs, ApiProtocol, HttpApi, HttpApiProps};
pub use notifying_bucket::{NotifyingBucket, NotifyingBucketProps};
pub use perms::ItemAccess;
pub use queue::{Queue, QueueProps};
pub use role_policy::{Grantee, RoleOptions, RolePolicy};
pub use schedule::{RateUnit, Schedule, ScheduleExpr};
pub use site::{SecurityHeaders, SiteCertificate, StaticSite, StaticSiteProps, CSP_BASE};
pub use table::{KeyAttribute, Table, TableProps};
pub use topic::{QueueSubscription, Topic};
pub use waf::{rate_limit_acl, MIN_RATE_LIMIT};
pub use websocket::{WebSocketApi, WebSocketApiProps};
