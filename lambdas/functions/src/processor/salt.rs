//! Daily salts for `ip_storage = "hashed"`: the processor makes each UTC
//! day's salt itself, keeps it in one item of the visitors table, and
//! deletes it an hour after the day ends. Until then an address's key can
//! be recomputed (so one visitor has one item a day, and `forget` finds
//! it); after that, the stored keys of that day cannot be linked to an
//! address any more: an IPv4 address is one of 2^32, trivially tried
//! against a known salt, never against a deleted one. A visitor is
//! therefore unique per day.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, NaiveDate, Utc};
use visitor_model::tables::visitors;

use super::commit::random_bits;
use super::Processor;
use crate::dynamo::{describe_sdk_error as describe, get_str, n, s};

/// How long after its day ends a salt still hashes late visits (messages
/// redelivered or delayed across midnight), before it is deleted.
pub const GRACE: Duration = Duration::from_secs(3600);
/// How often one processor deletes the salt whose time is up.
const CLEANUP_EVERY: Duration = Duration::from_secs(15 * 60);

/// The visitors table key of a day's salt (never an address: `~`).
pub fn salt_key(day: NaiveDate) -> String {
    format!("{}{}", visitors::SALT_PREFIX, day.format("%Y-%m-%d"))
}

/// The days whose salts may still exist at `now`: today, and yesterday
/// within [`GRACE`] after midnight.
pub fn live_days(now: DateTime<Utc>) -> Vec<NaiveDate> {
    let today = now.date_naive();
    let mut days = vec![today];
    if let Some(yesterday) = today.pred_opt() {
        if now - chrono::Duration::from_std(GRACE).unwrap_or_default()
            < today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
        {
            days.push(yesterday);
        }
    }
    days
}

/// Salts fetched, by day, and when the last deletion ran.
#[derive(Debug, Default)]
pub(super) struct Salts {
    known: Mutex<BTreeMap<NaiveDate, String>>,
    cleaned: Mutex<Option<Instant>>,
}

impl Processor {
    /// The salt for visits of `day`: created if the day is live, read if it
    /// is past (and `None` if already deleted).
    pub(super) async fn salt(&self, day: NaiveDate) -> Result<Option<String>, String> {
        self.clean_salts().await;
        if let Some(salt) = self
            .salts
            .known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&day)
        {
            return Ok(Some(salt.clone()));
        }
        let key = salt_key(day);
        let salt = if live_days(Utc::now()).contains(&day) {
            let fresh: String = (0..4).map(|_| format!("{:016x}", random_bits())).collect();
            // Expiry: the table's TTL removes it if no processor does.
            let expires = day
                .succ_opt()
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp())
                .unwrap_or(0);
            let output = self
                .db
                .update_item()
                .table_name(&self.settings.visitors_table)
                .key(visitors::PK, s(&key))
                .update_expression(
                    "SET #salt = if_not_exists(#salt, :salt), #exp = if_not_exists(#exp, :exp)",
                )
                .expression_attribute_names("#salt", visitors::SALT)
                .expression_attribute_names("#exp", visitors::EXPIRES_AT)
                .expression_attribute_values(":salt", s(fresh))
                .expression_attribute_values(":exp", n(expires))
                .return_values(ReturnValue::AllNew)
                .send()
                .await
                .map_err(|e| describe(&e))?;
            output
                .attributes
                .as_ref()
                .and_then(|i| get_str(i, visitors::SALT))
                .map(str::to_owned)
        } else {
            read_salt(&self.db, &self.settings.visitors_table, day).await?
        };
        if let Some(salt) = &salt {
            let mut known = self.salts.known.lock().unwrap_or_else(|p| p.into_inner());
            let live = live_days(Utc::now());
            known.retain(|d, _| live.contains(d));
            known.insert(day, salt.clone());
        }
        Ok(salt)
    }

    /// Deletes the salts of the three days whose grace ended last (at most
    /// every 15 minutes per processor; best effort: the next run or the
    /// table's TTL does it).
    async fn clean_salts(&self) {
        {
            let mut cleaned = self.salts.cleaned.lock().unwrap_or_else(|p| p.into_inner());
            if cleaned.is_some_and(|t| t.elapsed() < CLEANUP_EVERY) {
                return;
            }
            *cleaned = Some(Instant::now());
        }
        let grace = chrono::Duration::from_std(GRACE).unwrap_or_default();
        let last = (Utc::now() - chrono::Duration::days(1) - grace).date_naive();
        for past in last.iter_days().rev().take(3) {
            if let Err(e) = self
                .db
                .delete_item()
                .table_name(&self.settings.visitors_table)
                .key(visitors::PK, s(salt_key(past)))
                .send()
                .await
            {
                tracing::warn!(error = %describe(&e), day = %past, "an old salt was not deleted yet");
            }
        }
    }
}

/// A day's salt as the visitors table holds it (`None` once deleted).
pub async fn read_salt(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    day: NaiveDate,
) -> Result<Option<String>, String> {
    let item = db
        .get_item()
        .table_name(table)
        .key(visitors::PK, s(salt_key(day)))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| describe(&e))?
        .item
        .unwrap_or_default();
    Ok(get_str(&item, visitors::SALT).map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn yesterday_is_live_for_an_hour_after_midnight() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let yesterday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(live_days(at(0, 30)), vec![today, yesterday]);
        assert_eq!(live_days(at(1, 1)), vec![today]);
        assert_eq!(salt_key(today), "~salt:2026-12-01");
    }
}
