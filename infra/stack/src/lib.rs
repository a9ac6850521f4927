//! The visitor counter's infrastructure, written only with the `infra`
//! library's public API.
//!
//! Two stages: [`Stage::Prod`] is the whole system (CloudFront, the Lambda@Edge
//! recorder, the site bucket, the queue, tables, functions and both APIs);
//! [`Stage::Test`] is the counters alone, which deploy in about a minute and
//! delete cleanly, for integration tests.

pub mod bootstrap;
mod config;
pub mod manifest;
pub mod monitoring;
pub mod site_files;
mod stack;

pub use config::{
    AlarmConfig, ConfigError, CpuArchitecture, FunctionSize, IpStorage, StackConfig,
    LOG_RETENTION_DAYS,
};
pub use stack::{build, logical_ids, outputs, parameters, roles, StackError, Stage};
