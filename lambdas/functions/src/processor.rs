//! The queue consumer: a batch of visits becomes as few DynamoDB writes as
//! possible.
//!
//! # What counts
//!
//! Each request is classified ([`crate::classify`]): a person's `GET` of a
//! page the site has is a view (it raises `visits`, the page's views and
//! the visitor's page views, and a visitor's first view makes them a unique
//! visitor); a person's other requests for what the site serves (assets, a
//! `HEAD`) raise `requests` and their path's request count; a crawler's or
//! tool's raise only `bot_requests`, and a request for a path the site does
//! not serve only `other_requests`: neither stores its path. Every request
//! still goes through its visitor's commit below, which is what makes a
//! redelivery count once (so an address that only ever sent bot requests
//! has a visitor item, with no page views: it is not a unique visitor).
//!
//! The most viewed pages live in one item (`top_pages` in the totals table,
//! at most [`totals::TOP_KEPT`] pages), so the counts API reads a bounded
//! number of items however many paths there are. Each batch with views
//! learns its pages' new view counts from its path updates (`UPDATED_NEW`,
//! no extra read), then merges them into that item: one consistent read and,
//! when the list changes, one conditional write on the item's version.
//! Counts only grow, so merging by maximum makes the update idempotent and
//! order-free: a late or repeated merge never lowers a count. If it fails
//! after its retries, the next batch that views those pages repairs it.
//!
//! # Why this design is the cheap one
//!
//! The naive design writes three items per request (visitor, path, totals):
//! three write units per request. Here a batch is aggregated first: one
//! update per distinct visitor, one per distinct path, and one for the
//! totals, so a batch of 10 requests from two page views costs about nine
//! writes, and a batch of 100 about a third of a write per request.
//!
//! SQS delivers at least once, so a visit can arrive twice. The two usual
//! cures cost more than the counting itself: a marker item per message adds a
//! write per request, and a transaction (marker plus counters) costs double
//! every write it holds. Instead the visitor item, which each visit updates
//! anyway, keeps short digests of its latest visit IDs (`recent`), and its
//! update is conditional on none of the batch's digests being there. A
//! redelivered visit fails that condition; one consistent read of the item
//! (reads cost a fifth of a write) tells which visits were already counted,
//! and only the others go on to the path and totals updates. Duplicates cost
//! a read, not a write.
//!
//! The item remembers at least [`RECENT_IDS`] visits: a redelivery arriving
//! after more than that many later visits from the same visitor would count
//! again. SQS redelivers a message once its visibility timeout runs out (six
//! times the processor's timeout: three minutes with the stack's default of
//! 30 s), or a multiple of it if the delivery fails again; only a visitor
//! making more than 128 requests in that time could see a redelivery count
//! twice. The benchmark's heaviest client (a sixth of all traffic) makes
//! about 50 in three minutes.
//!
//! The list is bounded by count, not time: it grows to [`RECENT_IDS_MAX`]
//! and is trimmed back to [`RECENT_IDS`], and it never empties while the
//! visitor keeps coming back. Digests of 8 characters (48 bits) keep the
//! item under 1 KB, one write unit per update, until the visitor's hundredth
//! request or so (about twenty page views with their assets, over the
//! item's whole life), and under 2 KB, two units, after that. The chance
//! that a new visit is taken for a remembered one is below one in a billion.
//!
//! The visitor item is the commit point: a visit counts once its visitor
//! update succeeds. Each update also writes a fresh random token (`commit`):
//! if the update landed but its reply was lost (a timeout, a server error)
//! and the SDK's retry then failed the condition on the update's own
//! digests, or the retries ran out, the item still holds this call's token,
//! and the visits count. (Should another invocation
//! update the same visitor between the lost reply and the read, the visits
//! are taken for duplicates: the visitor item counts them, the path and
//! totals do not.) The path and totals updates that follow are retried with
//! backoff; if the function died between the two, a redelivery would find
//! the visit committed and skip it, leaving the path and totals one short.
//! That window (a crash between two consecutive writes of one invocation) is
//! the price of not paying a transaction on every batch.
//!
//! Items written before digests held whole visit IDs; the first update of
//! such an item drops them. A visit committed by that older version and
//! redelivered after the upgrade counts twice (only messages in flight
//! during the deploy can be).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use sha2::{Digest, Sha256};
use visitor_model::clients::{self, MissingEnv};
use visitor_model::message::VisitMessage;
use visitor_model::tables::{paths, totals, visitors};
use visitor_model::{env, paths as page};

use crate::classify::{classify, Kind};
use crate::dynamo::{describe_sdk_error as describe, get_str, get_u64, n, s, Item};

/// Visit IDs a visitor item remembers at least; a redelivery older than
/// this many later visits from the same visitor would count again.
pub const RECENT_IDS: usize = 128;
/// Visit IDs a visitor item holds at most: past this, the oldest are trimmed
/// back to [`RECENT_IDS`] (a write every few dozen visits, not every one).
pub const RECENT_IDS_MAX: usize = 160;
/// How many updates run at once.
const CONCURRENCY: usize = 16;
/// Attempts for the path and totals updates (after the visitor commit).
const AGGREGATE_ATTEMPTS: u32 = 5;

/// How client IPs are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpStorage {
    /// As they arrive.
    Raw,
    /// As a salted SHA-256 hash.
    Hashed {
        /// The salt.
        salt: String,
    },
}

/// The processor's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The totals table.
    pub totals_table: String,
    /// The visitors table.
    pub visitors_table: String,
    /// The paths table.
    pub paths_table: String,
    /// How IPs are stored.
    pub ip_storage: IpStorage,
    /// Days a visitor record lives after the last visit.
    pub ip_retention_days: u32,
}

/// Why the processor cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A variable is missing.
    #[error(transparent)]
    Env(#[from] MissingEnv),
    /// A variable has a value the processor does not accept.
    #[error("environment variable {name} is {value:?}: {problem}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is accepted.
        problem: &'static str,
    },
}

impl Settings {
    /// Reads the settings the stack sets.
    pub fn from_env() -> Result<Self, SetupError> {
        let storage = clients::required_env(env::IP_STORAGE).unwrap_or_else(|_| "raw".into());
        let ip_storage = match storage.as_str() {
            "raw" => IpStorage::Raw,
            "hashed" => IpStorage::Hashed {
                salt: clients::required_env(env::IP_SALT)?,
            },
            _ => {
                return Err(SetupError::Invalid {
                    name: env::IP_STORAGE,
                    value: storage,
                    problem: "use raw or hashed",
                })
            }
        };
        let days = clients::required_env(env::IP_RETENTION_DAYS).unwrap_or_else(|_| "365".into());
        let ip_retention_days = days.parse().map_err(|_| SetupError::Invalid {
            name: env::IP_RETENTION_DAYS,
            value: days.clone(),
            problem: "use a whole number of days",
        })?;
        Ok(Settings {
            totals_table: clients::required_env(env::TOTALS_TABLE)?,
            visitors_table: clients::required_env(env::VISITORS_TABLE)?,
            paths_table: clients::required_env(env::PATHS_TABLE)?,
            ip_storage,
            ip_retention_days,
        })
    }
}

/// What one batch did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Visits counted now.
    pub counted: usize,
    /// Visits skipped as already counted (redeliveries, or twice in the batch).
    pub duplicates: usize,
    /// Messages reported back as failed (malformed, or their visitor update failed).
    pub failed: Vec<String>,
    /// Page views among the counted visits.
    pub page_views: u64,
    /// New unique visitors.
    pub new_visitors: u64,
    /// Requests by crawlers and tools among the counted ones.
    pub bot_requests: u64,
    /// Requests for paths the site does not serve among the counted ones.
    pub other_requests: u64,
}

/// The processor: a DynamoDB client and its settings.
#[derive(Debug, Clone)]
pub struct Processor {
    db: Client,
    settings: Settings,
}

/// A parsed visit and the SQS message it came in.
#[derive(Debug, Clone)]
struct Visit {
    message_id: String,
    visit_id: String,
    digest: String,
    kind: Kind,
    message: VisitMessage,
}

/// What one batch adds to one path's item.
#[derive(Debug, Clone, Copy, Default)]
struct PathDelta {
    requests: u64,
    views: u64,
    page: bool,
}

impl Processor {
    /// A processor with an explicit client and settings.
    pub fn new(db: Client, settings: Settings) -> Self {
        Processor { db, settings }
    }

    /// A processor configured from the environment.
    pub async fn from_env() -> Result<Self, SetupError> {
        let settings = Settings::from_env()?;
        let config = clients::sdk_config().await;
        Ok(Processor::new(clients::dynamodb(&config), settings))
    }

    /// Handles one SQS batch: the IDs of the messages to retry come back as
    /// `batchItemFailures`; everything else is deleted from the queue.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        let outcome = self.process(event).await;
        tracing::info!(
            counted = outcome.counted,
            duplicates = outcome.duplicates,
            failed = outcome.failed.len(),
            page_views = outcome.page_views,
            new_visitors = outcome.new_visitors,
            bot_requests = outcome.bot_requests,
            other_requests = outcome.other_requests,
            "batch processed"
        );
        let mut response = SqsBatchResponse::default();
        for id in outcome.failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
        response
    }

    /// Processes a batch and says what happened.
    pub async fn process(&self, event: SqsEvent) -> BatchOutcome {
        let mut outcome = BatchOutcome::default();
        let mut seen = HashSet::new();
        let mut by_visitor: BTreeMap<String, Vec<Visit>> = BTreeMap::new();
        for record in event.records {
            let message_id = record.message_id.unwrap_or_default();
            let body = record.body.unwrap_or_default();
            let message = match VisitMessage::parse(&body) {
                Ok(m) => m,
                Err(e) => {
                    // Reported, so SQS redelivers it and, after the queue's
                    // maxReceiveCount, moves it to the dead-letter queue.
                    tracing::warn!(message_id = %message_id, error = %e, "malformed message");
                    if !message_id.is_empty() {
                        outcome.failed.push(message_id);
                    }
                    continue;
                }
            };
            let visit_id = if message.id.is_empty() {
                message_id.clone()
            } else {
                message.id.clone()
            };
            if !seen.insert(visit_id.clone()) {
                outcome.duplicates += 1;
                continue;
            }
            let key = self.visitor_key(&message.ip);
            by_visitor.entry(key).or_default().push(Visit {
                message_id,
                digest: visit_digest(&visit_id),
                visit_id,
                kind: classify(&message),
                message,
            });
        }

        let results: Vec<(Vec<Visit>, Result<VisitorCommit, String>)> = stream::iter(by_visitor)
            .map(|(key, visits)| async move {
                let result = self.commit_visitor(&key, &visits).await;
                (visits, result)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;

        let mut path_counts: HashMap<String, PathDelta> = HashMap::new();
        let mut requests = 0u64;
        for (visits, result) in results {
            match result {
                Ok(commit) => {
                    outcome.duplicates += visits.len() - commit.fresh.len();
                    if commit.new_visitor {
                        outcome.new_visitors += 1;
                    }
                    for visit in visits.iter().filter(|v| commit.fresh.contains(&v.visit_id)) {
                        outcome.counted += 1;
                        let mut delta = |views| {
                            let entry = path_counts
                                .entry(page::normalize(&visit.message.path))
                                .or_insert(PathDelta {
                                    page: page::is_page(&visit.message.path),
                                    ..PathDelta::default()
                                });
                            entry.requests += 1;
                            entry.views += views;
                            requests += 1;
                        };
                        match visit.kind {
                            Kind::View => {
                                delta(1);
                                outcome.page_views += 1;
                            }
                            Kind::Request => delta(0),
                            Kind::Bot => outcome.bot_requests += 1,
                            Kind::Other => outcome.other_requests += 1,
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(%error, visits = visits.len(), "visitor update failed; the visits will be retried");
                    outcome
                        .failed
                        .extend(visits.into_iter().map(|v| v.message_id));
                }
            }
        }

        let path_updates = stream::iter(path_counts)
            .map(|(path, delta)| async move {
                let result = self.add_to_path(&path, delta).await;
                (path, result)
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>();
        let totals_update = self.add_to_totals(&outcome, requests);
        let (path_results, totals_result) = futures::join!(path_updates, totals_update);
        let mut viewed = Vec::new();
        for (path, result) in path_results {
            match result {
                Ok(Some(views)) => viewed.push((path, views)),
                Ok(None) => {}
                Err(error) => tracing::error!(%path, %error, "path count lost after retries"),
            }
        }
        if let Err(error) = totals_result {
            tracing::error!(%error, "totals update lost after retries");
        }
        if !viewed.is_empty() {
            if let Err(error) = self.merge_top_pages(&viewed).await {
                tracing::warn!(%error, "top pages not updated; the next batch viewing them repairs it");
            }
        }
        outcome
    }

    /// The key a visitor is stored under: the IP, or its salted hash.
    pub fn visitor_key(&self, ip: &str) -> String {
        visitor_key(&self.settings.ip_storage, ip)
    }

    /// Commits a visitor's visits: counts and timestamps, conditional on none
    /// of the visit IDs having been committed before. Returns which IDs were
    /// new and whether the visitor was.
    async fn commit_visitor(&self, key: &str, visits: &[Visit]) -> Result<VisitorCommit, String> {
        let mut pending: Vec<&Visit> = visits.iter().collect();
        for _ in 0..3 {
            if pending.is_empty() {
                return Ok(VisitorCommit::default());
            }
            let token = commit_token();
            let committed = |new_visitor| VisitorCommit {
                fresh: pending.iter().map(|v| v.visit_id.clone()).collect(),
                new_visitor,
            };
            let error = match self.update_visitor(key, &pending, &token).await {
                Ok(old) => {
                    let mut recent = remembered(&old);
                    recent.extend(pending.iter().map(|v| v.digest.clone()));
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
                Err(read) if conflict => return Err(read),
                Err(_) => return Err(describe(&error)),
            };
            if state.commit.as_deref() == Some(token.as_str()) {
                self.trim_recent(key, &state.recent).await;
                let views = views_of(&pending);
                return Ok(committed(views > 0 && state.page_views == views));
            }
            if !conflict {
                return Err(describe(&error));
            }
            // Some of these visits were committed before: keep the others.
            pending.retain(|v| !state.recent.contains(&v.digest));
        }
        Err("the visitor item kept changing under concurrent updates".into())
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
        let expires = parse_time(last).unwrap_or_else(Utc::now).timestamp()
            + i64::from(self.settings.ip_retention_days) * 86_400;
        let mut condition = String::from("attribute_not_exists(#pk)");
        let mut request = self
            .db
            .update_item()
            .table_name(&self.settings.visitors_table)
            .key(visitors::PK, s(key))
            .update_expression(
                "SET #first = if_not_exists(#first, :first), #last = :last, #exp = :exp, \
                 #recent = list_append(if_not_exists(#recent, :empty), :ids), #commit = :token \
                 ADD #count :n, #visits :pages",
            )
            .expression_attribute_names("#pk", visitors::PK)
            .expression_attribute_names("#first", visitors::FIRST_SEEN)
            .expression_attribute_names("#last", visitors::LAST_SEEN)
            .expression_attribute_names("#exp", visitors::EXPIRES_AT)
            .expression_attribute_names("#recent", visitors::RECENT)
            .expression_attribute_names("#commit", visitors::COMMIT)
            .expression_attribute_names("#count", visitors::COUNT)
            .expression_attribute_names("#visits", visitors::PAGE_VIEWS)
            .expression_attribute_values(":first", s(first))
            .expression_attribute_values(":last", s(last))
            .expression_attribute_values(":exp", n(expires))
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":empty", AttributeValue::L(Vec::new()))
            .expression_attribute_values(
                ":ids",
                AttributeValue::L(visits.iter().map(|v| s(v.digest.clone())).collect()),
            )
            .expression_attribute_values(":n", n(visits.len()))
            .expression_attribute_values(":pages", n(pages))
            .return_values(ReturnValue::UpdatedOld);
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
    /// digests, the token of its latest commit and its page views.
    async fn visitor_state(&self, key: &str) -> Result<VisitorState, String> {
        let output = self
            .db
            .get_item()
            .table_name(&self.settings.visitors_table)
            .key(visitors::PK, s(key))
            .projection_expression("#recent, #commit, #visits")
            .expression_attribute_names("#recent", visitors::RECENT)
            .expression_attribute_names("#commit", visitors::COMMIT)
            .expression_attribute_names("#visits", visitors::PAGE_VIEWS)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let item = output.item.unwrap_or_default();
        Ok(VisitorState {
            recent: remembered(&item),
            commit: get_str(&item, visitors::COMMIT).map(str::to_owned),
            page_views: get_u64(&item, visitors::PAGE_VIEWS),
        })
    }

    /// Keeps the remembered digests bounded after a commit that left them
    /// as `recent` (oldest first): past [`RECENT_IDS_MAX`] the oldest go,
    /// back to [`RECENT_IDS`], and entries of the older format (whole visit
    /// IDs, which no digest matches) go at once.
    ///
    /// Conditional on the list being as this commit left it up to the last
    /// entry removed (that entry still in its place, the list no shorter):
    /// appends by others only lengthen it, and if another invocation
    /// trimmed first, this trim does nothing rather than cut digests still
    /// needed. Best effort: the trim bounds the item's size (and so its
    /// write cost), not the counts.
    async fn trim_recent(&self, key: &str, recent: &[String]) {
        // Entries of the older format are never 8 base64url characters
        // (they were 36-character message IDs or 56-character request IDs),
        // and they sit before every digest.
        let legacy = recent.iter().take_while(|d| !is_digest(d)).count();
        let overflow = if recent.len() > RECENT_IDS_MAX {
            recent.len() - RECENT_IDS
        } else {
            0
        };
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

    /// Adds a batch's requests (and, for a page, views) to a path's item;
    /// a page's new view count comes back (for the top pages).
    async fn add_to_path(&self, path: &str, delta: PathDelta) -> Result<Option<u64>, String> {
        retry(|| async {
            let mut update = self
                .db
                .update_item()
                .table_name(&self.settings.paths_table)
                .key(paths::PK, s(path))
                .expression_attribute_names("#count", paths::COUNT)
                .expression_attribute_names("#page", paths::PAGE)
                .expression_attribute_values(":n", n(delta.requests))
                .expression_attribute_values(":page", AttributeValue::Bool(delta.page));
            update = if delta.views > 0 {
                update
                    .update_expression("ADD #count :n, #views :v SET #page = :page")
                    .expression_attribute_names("#views", paths::VIEWS)
                    .expression_attribute_values(":v", n(delta.views))
                    .return_values(ReturnValue::UpdatedNew)
            } else {
                update.update_expression("ADD #count :n SET #page = :page")
            };
            let output = update.send().await.map_err(|e| describe(&e))?;
            Ok((delta.views > 0)
                .then(|| get_u64(&output.attributes.unwrap_or_default(), paths::VIEWS)))
        })
        .await
    }

    async fn add_to_totals(&self, outcome: &BatchOutcome, requests: u64) -> Result<(), String> {
        if requests + outcome.bot_requests + outcome.other_requests == 0 {
            return Ok(());
        }
        retry(|| async {
            self.db
                .update_item()
                .table_name(&self.settings.totals_table)
                .key(totals::PK, s(totals::SITE))
                .update_expression("ADD #visits :v, #unique :u, #requests :r, #bots :b, #other :o")
                .expression_attribute_names("#visits", totals::VISITS)
                .expression_attribute_names("#unique", totals::UNIQUE_VISITORS)
                .expression_attribute_names("#requests", totals::REQUESTS)
                .expression_attribute_names("#bots", totals::BOT_REQUESTS)
                .expression_attribute_names("#other", totals::OTHER_REQUESTS)
                .expression_attribute_values(":v", n(outcome.page_views))
                .expression_attribute_values(":u", n(outcome.new_visitors))
                .expression_attribute_values(":r", n(requests))
                .expression_attribute_values(":b", n(outcome.bot_requests))
                .expression_attribute_values(":o", n(outcome.other_requests))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| describe(&e))
        })
        .await
    }

    /// Merges pages' new view counts into the top pages item (see the
    /// module's documentation): read, merge by maximum, write if changed,
    /// conditional on the version read; again on a conflict.
    async fn merge_top_pages(&self, viewed: &[(String, u64)]) -> Result<(), String> {
        let mut last = String::new();
        for _ in 0..AGGREGATE_ATTEMPTS {
            let current = self
                .db
                .get_item()
                .table_name(&self.settings.totals_table)
                .key(totals::PK, s(totals::TOP_PAGES))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| describe(&e))?
                .item;
            let version = current.as_ref().map(|i| get_u64(i, totals::VERSION));
            let pages = current.as_ref().map(top_pages_of).unwrap_or_default();
            let merged = merge_top(&pages, viewed, totals::TOP_KEPT);
            if merged == pages {
                return Ok(());
            }
            let map: HashMap<String, AttributeValue> =
                merged.iter().map(|(p, v)| (p.clone(), n(*v))).collect();
            let mut put = self
                .db
                .put_item()
                .table_name(&self.settings.totals_table)
                .item(totals::PK, s(totals::TOP_PAGES))
                .item(totals::PAGES, AttributeValue::M(map))
                .item(totals::VERSION, n(version.unwrap_or(0) + 1));
            put = match version {
                Some(v) => put
                    .condition_expression("#version = :read")
                    .expression_attribute_names("#version", totals::VERSION)
                    .expression_attribute_values(":read", n(v)),
                None => put
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", totals::PK),
            };
            match put.send().await {
                Ok(_) => return Ok(()),
                Err(e) => last = describe(&e),
            }
        }
        Err(last)
    }
}

/// The key a visitor with address `ip` is stored under with `storage`: the
/// address itself, or the first 16 bytes of SHA-256 over the salt and the
/// address, as hex.
pub fn visitor_key(storage: &IpStorage, ip: &str) -> String {
    match storage {
        IpStorage::Raw => ip.to_owned(),
        IpStorage::Hashed { salt } => {
            let digest = Sha256::new()
                .chain_update(salt.as_bytes())
                .chain_update(ip.as_bytes())
                .finalize();
            digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
        }
    }
}

/// The pages and views of a top pages item.
pub fn top_pages_of(item: &Item) -> BTreeMap<String, u64> {
    match item.get(totals::PAGES) {
        Some(AttributeValue::M(map)) => map
            .iter()
            .filter_map(|(p, v)| Some((p.clone(), v.as_n().ok()?.parse().ok()?)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// `current` with `viewed` merged in (each page's count the larger of the
/// two), cut to the `keep` most viewed (ties by path).
pub fn merge_top(
    current: &BTreeMap<String, u64>,
    viewed: &[(String, u64)],
    keep: usize,
) -> BTreeMap<String, u64> {
    let mut all = current.clone();
    for (path, views) in viewed {
        let entry = all.entry(path.clone()).or_insert(0);
        *entry = (*entry).max(*views);
    }
    let mut ranked: Vec<(String, u64)> = all.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(keep);
    ranked.into_iter().collect()
}

#[derive(Debug, Default)]
struct VisitorCommit {
    fresh: Vec<String>,
    new_visitor: bool,
}

/// What [`Processor::visitor_state`] reads.
#[derive(Debug)]
struct VisitorState {
    recent: Vec<String>,
    commit: Option<String>,
    page_views: u64,
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

/// A token for one visitor update: 48 random bits, as 8 characters.
/// `RandomState` is seeded from the operating system once per thread and
/// moves on with every use; two updates of one item share a token with a
/// chance of one in 2^48.
fn commit_token() -> String {
    let bits = RandomState::new().hash_one(std::time::SystemTime::now());
    base64url_48(bits >> 16)
}

/// What the visitor item remembers of a visit ID: 48 bits of its SHA-256,
/// as 8 URL-safe base64 characters.
pub fn visit_digest(visit_id: &str) -> String {
    let hash = Sha256::digest(visit_id.as_bytes());
    base64url_48(
        hash.iter()
            .take(6)
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
    )
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The low 48 bits of `bits` as 8 URL-safe base64 characters.
fn base64url_48(bits: u64) -> String {
    (0..8)
        .map(|i| char::from(BASE64URL[((bits >> (42 - 6 * i)) & 63) as usize]))
        .collect()
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

async fn retry<T, F, Fut>(mut op: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut delay = Duration::from_millis(50);
    let mut last = String::new();
    for _ in 0..AGGREGATE_ATTEMPTS {
        match op().await {
            Ok(value) => return Ok(value),
            Err(e) => last = e,
        }
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_pages_merge_by_maximum_and_keep_the_most_viewed() {
        let current: BTreeMap<String, u64> = [("/".to_owned(), 10), ("/a".to_owned(), 4)]
            .into_iter()
            .collect();
        // A late merge with an older count never lowers one.
        let merged = merge_top(&current, &[("/".into(), 7), ("/b".into(), 5)], 2);
        assert_eq!(
            merged,
            [("/".to_owned(), 10), ("/b".to_owned(), 5)]
                .into_iter()
                .collect()
        );
        // Merging the same thing twice changes nothing.
        assert_eq!(merge_top(&merged, &[("/b".into(), 5)], 2), merged);
    }

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
}
