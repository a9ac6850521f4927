//! Stamped additions to the path and totals items: each applied exactly
//! once however often it is sent (see the processor's documentation).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use visitor_model::repair::{Addition, AggregateItem};
use visitor_model::tables::{aggregates, paths, totals};

use super::commit::{base64url, from_base64url, random_bits};
use super::Processor;
use crate::dynamo::{describe_sdk_error as describe, n, s, Item};

/// Attempts of one addition within a batch, before it is handed over.
const ATTEMPTS: u32 = 5;
/// Hours a writer identity is used before a new one replaces it.
const WRITER_HOURS: u64 = 6;
/// Hours after its writer began that a writer attribute may be removed: a
/// repair is resolved long before (the visit queue retries it at most
/// `maxReceiveCount` times, one visibility timeout apart, then keeps it in
/// its dead-letter queue).
pub(super) const PRUNE_AFTER_HOURS: u64 = 24;
/// Stale writer attributes on one item that make the processor remove them
/// at once (fewer wait for its next addition to the item).
const PRUNE_AT_ONCE: usize = 4;
/// Items whose stale writer attributes are remembered for the next addition.
const PRUNE_MEMORY: usize = 1024;

/// How an addition ended.
#[derive(Debug)]
pub(super) enum Applied {
    /// Applied by this call: the item as it now is.
    Now(Item),
    /// Applied before (an earlier attempt whose reply was lost, or a
    /// repair's earlier delivery): its stamp was there.
    Before,
}

/// One writer identity: the attribute its additions stamp.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    /// `w_` + the hour it began (4 characters) + 6 random characters.
    pub attr: String,
    hour: u64,
}

impl Writer {
    fn new(hour: u64) -> Writer {
        Writer {
            attr: format!(
                "{}{}{}",
                aggregates::WRITER_PREFIX,
                base64url(hour, 4),
                base64url(random_bits(), 6)
            ),
            hour,
        }
    }
}

/// The hour a writer attribute's writer began, if `attr` is one.
pub(super) fn writer_hour(attr: &str) -> Option<u64> {
    let rest = attr.strip_prefix(aggregates::WRITER_PREFIX)?;
    (rest.len() == 10).then(|| from_base64url(&rest[..4]))?
}

/// Writer identities not in use. A batch takes one and gives it back when
/// done, so no two batches at once share one: each writer's additions to
/// an item happen one after the other, which is what lets its attribute
/// tell its latest addition. A writer whose addition was handed over is
/// never given back: its attribute must keep that addition's stamp until
/// the repair has run.
#[derive(Debug, Default)]
pub(super) struct Writers {
    idle: Mutex<Vec<Writer>>,
    /// Stale writer attributes seen on items, removed by the next addition.
    stale: Mutex<HashMap<AggregateItem, Vec<String>>>,
}

impl Writers {
    pub(super) fn take(&self) -> Writer {
        let now = hour_now();
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(writer) = idle.pop() {
            if now.saturating_sub(writer.hour) < WRITER_HOURS {
                return writer;
            }
        }
        Writer::new(now)
    }

    /// A writer for one repair only: never in the pool.
    pub(super) fn one_off() -> Writer {
        Writer::new(hour_now())
    }

    pub(super) fn give_back(&self, writer: Writer) {
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(writer);
    }

    fn stale_for(&self, item: &AggregateItem) -> Vec<String> {
        self.stale
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(item)
            .unwrap_or_default()
    }

    fn remember_stale(&self, item: &AggregateItem, attrs: Vec<String>) {
        let mut stale = self.stale.lock().unwrap_or_else(|p| p.into_inner());
        if stale.len() >= PRUNE_MEMORY {
            stale.clear();
        }
        stale.insert(item.clone(), attrs);
    }
}

/// Hours since the Unix epoch.
pub(super) fn hour_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 3600)
        .unwrap_or(0)
}

/// Whether a repair stamped by writer `attr` comes too late to be applied
/// safely at `now` (hours since the epoch): its writer began so long ago
/// that the attribute, which is what makes applying it twice apply it
/// once, may have been pruned (an hour before [`PRUNE_AFTER_HOURS`], for
/// the hour's rounding). An attribute that is no writer's counts as late.
pub(super) fn too_late_to_repair(attr: &str, now: u64) -> bool {
    writer_hour(attr).is_none_or(|h| now + 1 > h + PRUNE_AFTER_HOURS)
}

/// The writer attributes of `item` whose writers began more than
/// [`PRUNE_AFTER_HOURS`] before `now` (hours since the epoch).
pub(super) fn stale_writers(item: &Item, now: u64) -> Vec<String> {
    let mut stale: Vec<String> = item
        .keys()
        .filter(|a| writer_hour(a).is_some_and(|h| h + PRUNE_AFTER_HOURS < now))
        .cloned()
        .collect();
    stale.sort();
    stale
}

impl Processor {
    /// Applies `addition` exactly once: retried with backoff until
    /// `deadline`, each attempt conditional on the stamp not being there
    /// yet. An error means unresolved: maybe applied, maybe not, and safe
    /// to send again as it is.
    pub(super) async fn add(
        &self,
        addition: &Addition,
        deadline: Instant,
    ) -> Result<Applied, String> {
        let prune = self.writers.stale_for(&addition.item);
        let mut delay = Duration::from_millis(50);
        let mut last = String::from("no time left to try");
        for _ in 0..ATTEMPTS {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(left, self.add_once(addition, &prune)).await {
                Ok(Ok(Applied::Now(item))) => {
                    self.prune(&addition.item, &item).await;
                    return Ok(Applied::Now(item));
                }
                Ok(Ok(Applied::Before)) => return Ok(Applied::Before),
                Ok(Err(e)) => last = describe(&e),
                Err(_) => {
                    last = "timed out (it may still land; its stamp makes that harmless)".into()
                }
            }
            if Instant::now() + delay >= deadline {
                break;
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        Err(last)
    }

    async fn add_once(
        &self,
        addition: &Addition,
        prune: &[String],
    ) -> Result<Applied, SdkError<UpdateItemError>> {
        let (table, pk, key) = match &addition.item {
            AggregateItem::Path { path, .. } => {
                (&self.settings.paths_table, paths::PK, path.as_str())
            }
            AggregateItem::Totals => (&self.settings.totals_table, totals::PK, totals::SITE),
        };
        let mut request = self
            .db
            .update_item()
            .table_name(table)
            .key(pk, s(key))
            .condition_expression("attribute_not_exists(#w) OR #w <> :stamp")
            .expression_attribute_names("#w", &addition.writer)
            .expression_attribute_values(":stamp", s(&addition.stamp))
            .return_values(ReturnValue::AllNew);
        let mut adds = Vec::new();
        for (i, (attr, amount)) in addition.add.iter().enumerate() {
            adds.push(format!("#a{i} :a{i}"));
            request = request
                .expression_attribute_names(format!("#a{i}"), attr)
                .expression_attribute_values(format!(":a{i}"), n(*amount));
        }
        let mut set = String::from("#w = :stamp");
        if let AggregateItem::Path { page, .. } = &addition.item {
            set.push_str(", #page = :page");
            request = request
                .expression_attribute_names("#page", paths::PAGE)
                .expression_attribute_values(":page", AttributeValue::Bool(*page));
        }
        let mut expression = format!("SET {set}");
        if !adds.is_empty() {
            expression.push_str(&format!(" ADD {}", adds.join(", ")));
        }
        let mut removals = Vec::new();
        for attr in prune.iter().filter(|a| **a != addition.writer) {
            let name = format!("#p{}", removals.len());
            request = request.expression_attribute_names(&name, attr);
            removals.push(name);
        }
        if !removals.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removals.join(", ")));
        }
        match request.update_expression(expression).send().await {
            Ok(output) => Ok(Applied::Now(output.attributes.unwrap_or_default())),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(Applied::Before)
            }
            Err(e) => Err(e),
        }
    }

    /// Removes the writer attributes of `item` that are past their time:
    /// at once when there are several, else with the next addition.
    async fn prune(&self, which: &AggregateItem, item: &Item) {
        let stale = stale_writers(item, hour_now());
        if stale.is_empty() {
            return;
        }
        if stale.len() < PRUNE_AT_ONCE {
            self.writers.remember_stale(which, stale);
            return;
        }
        let (table, pk, key) = match which {
            AggregateItem::Path { path, .. } => {
                (&self.settings.paths_table, paths::PK, path.as_str())
            }
            AggregateItem::Totals => (&self.settings.totals_table, totals::PK, totals::SITE),
        };
        let mut request = self.db.update_item().table_name(table).key(pk, s(key));
        let mut removals = Vec::new();
        for (i, attr) in stale.iter().enumerate() {
            removals.push(format!("#p{i}"));
            request = request.expression_attribute_names(format!("#p{i}"), attr);
        }
        if let Err(e) = request
            .update_expression(format!("REMOVE {}", removals.join(", ")))
            .send()
            .await
        {
            tracing::debug!(error = %describe(&e), "stale writer attributes not removed yet");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_attributes_carry_their_hour_and_go_a_day_later() {
        let writer = Writer::new(492_000);
        assert_eq!(writer.attr.len(), 12);
        assert_eq!(writer_hour(&writer.attr), Some(492_000));
        assert_eq!(writer_hour("visits"), None);
        assert_eq!(writer_hour("w_short"), None);
        let item: Item = [
            (writer.attr.clone(), s("stamp")),
            (Writer::new(492_030).attr, s("stamp")),
            ("count".to_owned(), n(3)),
        ]
        .into_iter()
        .collect();
        assert!(stale_writers(&item, 492_020).is_empty());
        assert_eq!(stale_writers(&item, 492_025), vec![writer.attr.clone()]);
        // Repairs stop an hour before their writer's mark may go.
        assert!(!too_late_to_repair(&writer.attr, 492_023));
        assert!(too_late_to_repair(&writer.attr, 492_024));
        assert!(too_late_to_repair("visits", 492_000));
    }

    #[test]
    fn a_writer_in_use_is_not_handed_to_another_batch() {
        let writers = Writers::default();
        let a = writers.take();
        let b = writers.take();
        assert_ne!(a.attr, b.attr);
        let a_attr = a.attr.clone();
        writers.give_back(a);
        assert_eq!(writers.take().attr, a_attr);
    }
}
