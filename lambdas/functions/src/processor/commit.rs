//! The visitor commit: one conditional update per visitor and batch, the
//! point after which a visit counts (see the processor's documentation).

use std::hash::{BuildHasher, RandomState};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use visitor_model::tables::visitors;

use super::{Processor, Visit, RECENT_IDS, RECENT_IDS_MAX};
use crate::classify::Kind;
use crate::dynamo::{describe_sdk_error as describe, get_str, get_u64, n, s, Item};

/// What a visitor's commit decided.
#[derive(Debug, Default)]
pub(super) struct VisitorCommit {
    /// The visit IDs this call committed (the others were counted before).
    pub fresh: Vec<String>,
    /// Whether this commit brought the visitor's first page view.
    pub new_visitor: bool,
}

/// Why a commit did not finish.
#[derive(Debug)]
pub(super) enum CommitError {
    /// It did not land: the visits are still to commit.
    Failed(String),
    /// It may have landed with `token`: nothing here could read it back.
    Unknown {
        /// The commit's token.
        token: String,
        /// What failed.
        error: String,
        /// The visits that commit held (the others were counted before).
        visit_ids: Vec<String>,
    },
}

/// What [`Processor::visitor_state`] reads.
#[derive(Debug)]
struct VisitorState {
    recent: Vec<String>,
    first_view: Option<String>,
}

impl VisitorState {
    /// Whether the commit with `token` landed (within the memory's reach).
    fn landed(&self, token: &str) -> bool {
        let marked = marked(token);
        self.recent.contains(&marked)
    }
}

impl Processor {
    /// Commits a visitor's visits: counts and timestamps, conditional on none
    /// of the visit IDs having been committed before. Returns which IDs were
    /// new and whether the visitor was. With `prior`, the token of an
    /// earlier call's commit of these visits whose outcome that call could
    /// not learn: if it landed, these visits are that commit's.
    pub(super) async fn commit_visitor(
        &self,
        key: &str,
        visits: &[Visit],
        prior: Option<&str>,
    ) -> Result<VisitorCommit, CommitError> {
        let mut pending: Vec<&Visit> = visits.iter().collect();
        if let Some(prior) = prior {
            let state = self
                .visitor_state(key)
                .await
                .map_err(|error| CommitError::Unknown {
                    token: prior.to_owned(),
                    error,
                    visit_ids: pending.iter().map(|v| v.visit_id.clone()).collect(),
                })?;
            if state.landed(prior) {
                return Ok(VisitorCommit {
                    fresh: pending.iter().map(|v| v.visit_id.clone()).collect(),
                    new_visitor: views_of(&pending) > 0
                        && state.first_view.as_deref() == Some(prior),
                });
            }
        }
        for _ in 0..3 {
            if pending.is_empty() {
                return Ok(VisitorCommit::default());
            }
            let token = token();
            let committed = |new_visitor| VisitorCommit {
                fresh: pending.iter().map(|v| v.visit_id.clone()).collect(),
                new_visitor,
            };
            let error = match self.update_visitor(key, &pending, &token).await {
                Ok(old) => {
                    let mut recent = remembered(&old);
                    recent.extend(pending.iter().map(|v| v.digest.clone()));
                    recent.push(marked(&token));
                    self.trim_recent(key, &recent).await;
                    // A visitor is new with their first view (whatever
                    // requests their address made before).
                    let new = get_u64(&old, visitors::PAGE_VIEWS) == 0 && views_of(&pending) > 0;
                    return Ok(committed(new));
                }
                Err(e) => e,
            };
            // Whatever failed, an attempt of this update may have landed with
            // its reply lost (the SDK retries timeouts and server errors): then
            // the item holds this call's token, and the visits are ours.
            let conflict = matches!(
                &error,
                SdkError::ServiceError(e)
                    if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_))
            );
            let state = match self.visitor_state(key).await {
                Ok(state) => state,
                Err(read) => {
                    return Err(CommitError::Unknown {
                        token,
                        error: format!("{}; reading it back: {read}", describe(&error)),
                        visit_ids: pending.iter().map(|v| v.visit_id.clone()).collect(),
                    })
                }
            };
            if state.landed(&token) {
                self.trim_recent(key, &state.recent).await;
                let new = views_of(&pending) > 0 && state.first_view.as_deref() == Some(&token);
                return Ok(committed(new));
            }
            if !conflict {
                return Err(CommitError::Failed(describe(&error)));
            }
            // Some of these visits were committed before: keep the others.
            pending.retain(|v| !state.recent.contains(&v.digest));
        }
        Err(CommitError::Failed(
            "the visitor item kept changing under concurrent updates".into(),
        ))
    }

    async fn update_visitor(
        &self,
        key: &str,
        visits: &[&Visit],
        token: &str,
    ) -> Result<Item, SdkError<UpdateItemError>> {
        let first = visits
            .iter()
            .map(|v| v.message.time.as_str())
            .min()
            .unwrap_or_default();
        let last = visits
            .iter()
            .map(|v| v.message.time.as_str())
            .max()
            .unwrap_or_default();
        let pages = views_of(visits);
        // A dedupe bucket (no addresses stored) need only outlive redeliveries.
        let days = match self.settings.ip_storage {
            super::IpStorage::None => 2,
            _ => i64::from(self.settings.ip_retention_days),
        };
        let expires = parse_time(last).unwrap_or_else(Utc::now).timestamp() + days * 86_400;
        let mut set = String::from(
            "#first = if_not_exists(#first, :first), #last = :last, #exp = :exp, \
             #recent = list_append(if_not_exists(#recent, :empty), :ids)",
        );
        if pages > 0 {
            set.push_str(", #fv = if_not_exists(#fv, :token)");
        }
        let mut condition = String::from("attribute_not_exists(#pk)");
        let mut request = self
            .db
            .update_item()
            .table_name(&self.settings.visitors_table)
            .key(visitors::PK, s(key))
            .update_expression(format!("SET {set} ADD #count :n, #visits :pages"))
            .expression_attribute_names("#pk", visitors::PK)
            .expression_attribute_names("#first", visitors::FIRST_SEEN)
            .expression_attribute_names("#last", visitors::LAST_SEEN)
            .expression_attribute_names("#exp", visitors::EXPIRES_AT)
            .expression_attribute_names("#recent", visitors::RECENT)
            .expression_attribute_names("#count", visitors::COUNT)
            .expression_attribute_names("#visits", visitors::PAGE_VIEWS)
            .expression_attribute_values(":first", s(first))
            .expression_attribute_values(":last", s(last))
            .expression_attribute_values(":exp", n(expires))
            .expression_attribute_values(":empty", AttributeValue::L(Vec::new()))
            .expression_attribute_values(
                ":ids",
                AttributeValue::L(
                    visits
                        .iter()
                        .map(|v| s(v.digest.clone()))
                        .chain([s(marked(token))])
                        .collect(),
                ),
            )
            .expression_attribute_values(":n", n(visits.len()))
            .expression_attribute_values(":pages", n(pages))
            .return_values(ReturnValue::UpdatedOld);
        if pages > 0 {
            request = request
                .expression_attribute_names("#fv", visitors::FIRST_VIEW)
                .expression_attribute_values(":token", s(token));
        }
        condition.push_str(" OR (");
        for (i, visit) in visits.iter().enumerate() {
            if i > 0 {
                condition.push_str(" AND ");
            }
            condition.push_str(&format!("NOT contains(#recent, :id{i})"));
            request =
                request.expression_attribute_values(format!(":id{i}"), s(visit.digest.clone()));
        }
        condition.push(')');
        let output = request.condition_expression(condition).send().await?;
        Ok(output.attributes.unwrap_or_default())
    }

    /// The visitor item as a consistent read sees it: its remembered
    /// digests and commit tokens, and the token of its first view.
    async fn visitor_state(&self, key: &str) -> Result<VisitorState, String> {
        let output = self
            .db
            .get_item()
            .table_name(&self.settings.visitors_table)
            .key(visitors::PK, s(key))
            .projection_expression("#recent, #fv")
            .expression_attribute_names("#recent", visitors::RECENT)
            .expression_attribute_names("#fv", visitors::FIRST_VIEW)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let item = output.item.unwrap_or_default();
        Ok(VisitorState {
            recent: remembered(&item),
            first_view: get_str(&item, visitors::FIRST_VIEW).map(str::to_owned),
        })
    }

    /// Keeps the remembered digests bounded after a commit that left them
    /// as `recent` (oldest first): past [`RECENT_IDS_MAX`] digests the
    /// oldest entries go, back to [`RECENT_IDS`] digests, and entries of the
    /// older format (whole visit IDs, which no digest matches) go at once.
    ///
    /// Conditional on the list being as this commit left it up to the last
    /// entry removed (that entry still in its place, the list no shorter):
    /// appends by others only lengthen it, and if another invocation
    /// trimmed first, this trim does nothing rather than cut digests still
    /// needed. Best effort: the trim bounds the item's size (and so its
    /// write cost), not the counts.
    async fn trim_recent(&self, key: &str, recent: &[String]) {
        // Entries of the older format are neither digests nor tokens (they
        // were 36-character message IDs or 56-character request IDs), and
        // they sit before every digest.
        let legacy = recent
            .iter()
            .take_while(|d| !is_digest(d) && !is_token(d))
            .count();
        // Past RECENT_IDS_MAX digests, the oldest entries go (digests and
        // the tokens between them) until RECENT_IDS digests are left.
        let digests = recent.iter().filter(|e| is_digest(e)).count();
        let mut overflow = 0;
        if digests > RECENT_IDS_MAX {
            let mut dropped = 0;
            while dropped < digests - RECENT_IDS {
                if is_digest(&recent[overflow]) {
                    dropped += 1;
                }
                overflow += 1;
            }
        }
        let count = legacy.max(overflow);
        let Some(edge) = count.checked_sub(1).and_then(|i| recent.get(i)) else {
            return;
        };
        let removals: Vec<String> = (0..count).map(|i| format!("#recent[{i}]")).collect();
        let result = self
            .db
            .update_item()
            .table_name(&self.settings.visitors_table)
            .key(visitors::PK, s(key))
            .update_expression(format!("REMOVE {}", removals.join(", ")))
            .condition_expression(format!(
                "size(#recent) >= :seen AND #recent[{}] = :edge",
                count - 1
            ))
            .expression_attribute_names("#recent", visitors::RECENT)
            .expression_attribute_values(":seen", n(recent.len()))
            .expression_attribute_values(":edge", s(edge.clone()))
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                tracing::debug!("another invocation trimmed the recent visits first");
            }
            Err(e) => {
                tracing::warn!(error = %describe(&e), "could not trim a visitor's recent visits");
            }
        }
    }
}

/// How many of `visits` are views.
fn views_of<V: std::borrow::Borrow<Visit>>(visits: &[V]) -> u64 {
    visits
        .iter()
        .filter(|v| v.borrow().kind == Kind::View)
        .count() as u64
}

/// The digests (or, in items of the older format, visit IDs) a visitor
/// item remembers, oldest first.
fn remembered(item: &Item) -> Vec<String> {
    match item.get(visitors::RECENT) {
        Some(AttributeValue::L(list)) => {
            list.iter().filter_map(|v| v.as_s().ok().cloned()).collect()
        }
        _ => Vec::new(),
    }
}

/// 48 random bits, as 8 characters: a commit's token, a batch's stamp.
/// `RandomState` is seeded from the operating system once per thread and
/// moves on with every use; two tokens are equal with a chance of one in
/// 2^48.
pub(super) fn token() -> String {
    base64url_48(random_bits())
}

/// 64 random bits (see [`token`]).
pub(super) fn random_bits() -> u64 {
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// What the visitor item remembers of a visit ID: 48 bits of its SHA-256,
/// as 8 URL-safe base64 characters.
pub fn visit_digest(visit_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(visit_id.as_bytes());
    base64url_48(
        hash.iter()
            .take(6)
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
    )
}

pub(super) const BASE64URL: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The low `6 * chars` bits of `bits` as `chars` URL-safe base64 characters.
pub(super) fn base64url(bits: u64, chars: u32) -> String {
    (0..chars)
        .map(|i| char::from(BASE64URL[((bits >> (6 * (chars - 1 - i))) & 63) as usize]))
        .collect()
}

/// The value of `text` read as URL-safe base64 digits, if it is.
pub(super) fn from_base64url(text: &str) -> Option<u64> {
    text.bytes().try_fold(0u64, |acc, b| {
        let digit = BASE64URL.iter().position(|&c| c == b)?;
        Some((acc << 6) | digit as u64)
    })
}

fn base64url_48(bits: u64) -> String {
    base64url(bits, 8)
}

/// A commit token as `recent` holds it.
fn marked(token: &str) -> String {
    format!("{}{token}", visitors::TOKEN_MARK)
}

/// Whether a remembered entry is a commit token.
fn is_token(entry: &str) -> bool {
    entry
        .strip_prefix(visitors::TOKEN_MARK)
        .is_some_and(is_digest)
}

/// Whether a remembered entry is a digest (and not a whole visit ID, as
/// versions before digests stored).
fn is_digest(entry: &str) -> bool {
    entry.len() == 8 && entry.bytes().all(|b| BASE64URL.contains(&b))
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_visit_digest_is_eight_url_safe_characters_fixed_by_the_id() {
        let id = "EXAMPLE2QWI3Jz4Hbv7zYkNhh3Hf0Tbf1rvBrl2jUcnOxBFRgCEltUA==";
        let digest = visit_digest(id);
        assert_eq!(digest.len(), 8);
        assert!(digest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(digest, visit_digest(id));
        let distinct: HashSet<String> = (0..10_000)
            .map(|i| visit_digest(&format!("visit-{i}")))
            .collect();
        assert_eq!(distinct.len(), 10_000);
    }

    #[test]
    fn base64url_digits_round_trip() {
        assert_eq!(base64url(0, 4), "AAAA");
        assert_eq!(from_base64url(&base64url(492_123, 4)), Some(492_123));
        assert_eq!(from_base64url("a~"), None);
    }
}
