//! Event sources: a queue or a table stream driving a function. Wiring one
//! grants the function what polling needs.

use crate::aws::lambda;
use crate::aws::lambda::event_source_mapping::{FunctionResponseType, ScalingConfig};
use crate::constructs::error::ConstructError;
use crate::constructs::function::RustFunction;
use crate::constructs::queue::Queue;
use crate::constructs::table::Table;
use crate::{Handle, Template};

/// How a function reads a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct SqsSource {
    /// Messages per invocation (1 to 10,000; above 10 needs a batching window).
    pub batch_size: i64,
    /// Seconds to gather a batch before invoking (0 to 300).
    pub max_batching_window_s: Option<i64>,
    /// Report failed message IDs (`batchItemFailures`) instead of failing the batch.
    pub report_batch_item_failures: bool,
    /// At most this many concurrent invocations (2 to 1,000).
    pub max_concurrency: Option<i64>,
}

impl Default for SqsSource {
    fn default() -> Self {
        SqsSource {
            batch_size: 10,
            max_batching_window_s: None,
            report_batch_item_failures: true,
            max_concurrency: None,
        }
    }
}

/// Where a stream reader starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartingPosition {
    /// Only new records.
    Latest,
    /// Everything the stream still holds.
    TrimHorizon,
}

/// How a function reads a DynamoDB stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSource {
    /// Where to start.
    pub starting_position: StartingPosition,
    /// Records per invocation.
    pub batch_size: i64,
    /// Retries of a failing batch before it is skipped.
    pub max_retry_attempts: i64,
    /// Split a failing batch in two and retry the halves.
    pub bisect_on_error: bool,
    /// Skip records older than this (seconds), if set.
    pub max_record_age_s: Option<i64>,
    /// Seconds to gather a batch before invoking.
    pub max_batching_window_s: Option<i64>,
}

impl Default for StreamSource {
    fn default() -> Self {
        StreamSource {
            starting_position: StartingPosition::Latest,
            batch_size: 100,
            max_retry_attempts: 3,
            bisect_on_error: true,
            max_record_age_s: None,
            max_batching_window_s: None,
        }
    }
}

/// `queue` drives `function`; `function` is granted consume on the queue.
pub fn sqs_event_source(
    template: &mut Template,
    id: &str,
    queue: &Queue,
    function: &mut RustFunction,
    source: SqsSource,
) -> Handle<lambda::EventSourceMapping> {
    queue.grant_consume(template, function);
    let mut mapping = lambda::EventSourceMapping::new(function.name())
        .event_source_arn(queue.arn())
        .batch_size(source.batch_size);
    if let Some(window) = source.max_batching_window_s {
        mapping = mapping.maximum_batching_window_in_seconds(window);
    }
    if source.report_batch_item_failures {
        mapping =
            mapping.function_response_types(vec![FunctionResponseType::ReportBatchItemFailures]);
    }
    if let Some(n) = source.max_concurrency {
        mapping = mapping.scaling_config(ScalingConfig::new().maximum_concurrency(n));
    }
    template.add(id, mapping)
}

/// `table`'s stream drives `function`; `function` is granted stream read.
pub fn dynamodb_event_source(
    template: &mut Template,
    id: &str,
    table: &Table,
    function: &mut RustFunction,
    source: StreamSource,
) -> Result<Handle<lambda::EventSourceMapping>, ConstructError> {
    let stream = table.stream_arn()?;
    table.grant_stream_read(template, function)?;
    let mut mapping = lambda::EventSourceMapping::new(function.name())
        .event_source_arn(stream)
        .starting_position(match source.starting_position {
            StartingPosition::Latest => "LATEST",
            StartingPosition::TrimHorizon => "TRIM_HORIZON",
        })
        .batch_size(source.batch_size)
        .maximum_retry_attempts(source.max_retry_attempts)
        .bisect_batch_on_function_error(source.bisect_on_error);
    if let Some(age) = source.max_record_age_s {
        mapping = mapping.maximum_record_age_in_seconds(age);
    }
    if let Some(window) = source.max_batching_window_s {
        mapping = mapping.maximum_batching_window_in_seconds(window);
    }
    Ok(template.add(id, mapping))
}
