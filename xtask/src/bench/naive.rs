//! The design of the original notes, to measure against: every request
//! updates the visitor, the path and the totals on its own (three writes per
//! request, no batching, no redelivery check).

use anyhow::Result;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use futures::stream::{self, TryStreamExt};
use visitor_model::message::VisitMessage;
use visitor_model::provision::TableNames;
use visitor_model::tables::{paths, totals, visitors};

use super::progress::Progress;
use crate::sdk_error::sdk_error;

/// Requests in flight at once.
const CONCURRENCY: usize = 8;

/// Counts `messages` one request at a time, adding each to `progress`.
pub async fn process(
    db: &aws_sdk_dynamodb::Client,
    tables: &TableNames,
    messages: &[VisitMessage],
    progress: &Progress,
) -> Result<()> {
    stream::iter(messages.iter().map(Ok))
        .try_for_each_concurrent(CONCURRENCY, |m| async move {
            let old = db
                .update_item()
                .table_name(&tables.visitors)
                .key(visitors::PK, AttributeValue::S(m.ip.clone()))
                .update_expression("ADD #count :one SET #last = :time")
                .expression_attribute_names("#count", visitors::COUNT)
                .expression_attribute_names("#last", visitors::LAST_SEEN)
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":time", AttributeValue::S(m.time.clone()))
                .return_values(ReturnValue::UpdatedOld)
                .send()
                .await
                .map_err(sdk_error)?;
            let new_visitor = old
                .attributes()
                .is_none_or(|a| !a.contains_key(visitors::COUNT));
            let path = visitor_model::paths::normalize(&m.path);
            db.update_item()
                .table_name(&tables.paths)
                .key(paths::PK, AttributeValue::S(path))
                .update_expression("ADD #count :one")
                .expression_attribute_names("#count", paths::COUNT)
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .send()
                .await
                .map_err(sdk_error)?;
            let page = u64::from(visitor_model::paths::is_page(&m.path));
            db.update_item()
                .table_name(&tables.totals)
                .key(totals::PK, AttributeValue::S(totals::SITE.into()))
                .update_expression("ADD #visits :page, #unique :new")
                .expression_attribute_names("#visits", totals::VISITS)
                .expression_attribute_names("#unique", totals::UNIQUE_VISITORS)
                .expression_attribute_values(":page", AttributeValue::N(page.to_string()))
                .expression_attribute_values(
                    ":new",
                    AttributeValue::N(u64::from(new_visitor).to_string()),
                )
                .send()
                .await
                .map_err(sdk_error)?;
            progress.add(1);
            Ok(())
        })
        .await
}
