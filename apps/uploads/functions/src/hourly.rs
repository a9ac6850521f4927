//! The hourly report: EventBridge invokes it once an hour (`rate(1 hour)`
//! fires at an offset from when the rule was made, not on the hour) with a
//! scheduled event whose `time` is when the rule fired
//! (<https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-scheduled.html>);
//! it reads the totals of the clock hour before that time and writes them
//! as that hour's report (an hour without uploads gets a report of zeros).
//! The report holds the totals as they are when it runs: an upload indexed
//! late (a retried message) is in the hour's totals, and in a report made
//! again, not in one already made.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use uploads_model::table;

/// Why no report was written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The event has no `time` EventBridge would have set.
    #[error("the scheduled event has no RFC 3339 `time`: {0}")]
    NoTime(String),
    /// DynamoDB refused a read or the write.
    #[error("{0}")]
    Table(String),
}

/// One hour's report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The hour reported on (`2026-12-01T17`).
    pub hour: String,
    /// Uploads in that hour.
    pub uploads: i64,
    /// Bytes uploaded in that hour.
    pub bytes: i64,
}

#[derive(Deserialize)]
struct Scheduled {
    time: String,
}

/// The hour before the one `event` fired in.
pub fn hour_before(event: &serde_json::Value) -> Result<String, ReportError> {
    let scheduled: Scheduled =
        serde_json::from_value(event.clone()).map_err(|e| ReportError::NoTime(e.to_string()))?;
    let fired: DateTime<Utc> = DateTime::parse_from_rfc3339(&scheduled.time)
        .map_err(|e| ReportError::NoTime(format!("{}: {e}", scheduled.time)))?
        .with_timezone(&Utc);
    Ok((fired - Duration::hours(1))
        .format("%Y-%m-%dT%H")
        .to_string())
}

/// The handler, with its table.
#[derive(Debug, Clone)]
pub struct Hourly {
    db: aws_sdk_dynamodb::Client,
    table: String,
}

impl Hourly {
    /// Reports into `table`.
    pub fn new(db: aws_sdk_dynamodb::Client, table: String) -> Self {
        Hourly { db, table }
    }

    /// Reports on the hour before `event` fired.
    pub async fn handle(&self, event: serde_json::Value) -> Result<Report, ReportError> {
        self.report(&hour_before(&event)?).await
    }

    /// Reads `hour`'s totals and writes its report.
    pub async fn report(&self, hour: &str) -> Result<Report, ReportError> {
        let totals = self
            .db
            .get_item()
            .table_name(&self.table)
            .key(table::PK, AttributeValue::S(table::hour_pk(hour)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                ReportError::Table(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
            })?;
        let number = |name: &str| -> i64 {
            totals
                .item()
                .and_then(|i| i.get(name))
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        let report = Report {
            hour: hour.to_owned(),
            uploads: number(table::UPLOADS),
            bytes: number(table::BYTES),
        };
        self.db
            .put_item()
            .table_name(&self.table)
            .item(table::PK, AttributeValue::S(table::report_pk(hour)))
            .item(table::KEY, AttributeValue::S(hour.to_owned()))
            .item(
                table::UPLOADS,
                AttributeValue::N(report.uploads.to_string()),
            )
            .item(table::BYTES, AttributeValue::N(report.bytes.to_string()))
            .send()
            .await
            .map_err(|e| {
                ReportError::Table(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
            })?;
        tracing::info!(
            hour,
            uploads = report.uploads,
            bytes = report.bytes,
            "reported"
        );
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hour_before_the_rule_fired_is_reported() {
        let event = serde_json::json!({"source": "aws.events", "time": "2026-12-01T00:00:00Z"});
        assert_eq!(hour_before(&event).unwrap(), "2026-11-30T23");
        let err = hour_before(&serde_json::json!({"time": "noon"})).unwrap_err();
        assert!(err.to_string().contains("noon"), "{err}");
        assert!(hour_before(&serde_json::json!({})).is_err());
    }
}
