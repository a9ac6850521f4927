//! The queue consumer: a batch of visits becomes as few DynamoDB writes as
//! possible, and no failure of a single write loses or doubles a count.
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
//! learns its pages' new view counts from its path additions (`ALL_NEW`,
//! no extra read), then merges them into that item: one consistent read and,
//! when the list changes, one conditional write on the item's version.
//! Counts only grow, so merging by maximum makes the update idempotent and
//! order-free: a late or repeated merge never lowers a count.
//!
//! # The protocol: commit, add, hand over
//!
//! A batch is aggregated first: one update per distinct visitor, one per
//! distinct path, and one for the totals, so a batch of 10 requests from
//! two page views costs about nine writes, and a batch of 100 about a third
//! of a write per request (the naive design, three updates per request,
//! costs three write units per request). Three steps:
//!
//! 1. **Commit** ([`commit`]): each visitor's update is conditional on none
//!    of the batch's visit digests being among the item's recent ones
//!    (`recent`). SQS delivers at least once; a redelivered visit fails the
//!    condition, one consistent read (a fifth of a write) tells which visits
//!    were counted, and only the others go on. A visit counts once its
//!    commit lands, and the call that landed it is the one that adds it
//!    everywhere else. The update also appends a random token to `recent`
//!    (marked `~`, after the visits' digests) and, with the visitor's first
//!    page view, writes it into `first_view`: a call whose update landed
//!    but whose reply was lost (a timeout, a server error; the SDK's retry
//!    then fails the condition on the update's own digests) reads its token
//!    back and knows the visits are its own, and whether they made a unique
//!    visitor, however many other calls committed since (within the list's
//!    memory, below). If it cannot read the item either, it hands the
//!    visits over as a *visits repair* carrying the token (step 3).
//! 2. **Add** ([`addition`]): each path's and the totals' increments are one
//!    update that also sets the batch's *writer attribute* (`w_` and ten
//!    characters) to the batch's random *stamp*, conditional on the
//!    attribute not holding that stamp yet. A writer identity is used by one
//!    batch at a time (a Lambda execution environment runs one invocation at
//!    a time, and concurrent batches in one process take different ones),
//!    so between two of its additions to an item nobody else touches its
//!    attribute: sending the same addition again, after a lost reply, a
//!    timeout or a throttle, applies it at most once, and a failed condition
//!    says it was applied. It is retried with backoff (five attempts) until
//!    the invocation's deadline, less three seconds.
//! 3. **Hand over** ([`repair`]): an addition still unresolved then is sent,
//!    exactly as it was (writer attribute and stamp included), to the visit
//!    queue as a repair message, and its writer identity is retired so that
//!    attribute keeps the stamp. The batch's visit messages are then done:
//!    each visit is committed, and every part of it not yet added sits in a
//!    repair. A repair is applied like any addition; if it fails again, its
//!    message is reported failed and SQS delivers it again (after the
//!    visibility timeout; after the queue's `maxReceiveCount` deliveries it
//!    waits in the dead-letter queue for a redrive). A visits repair (a
//!    commit whose outcome is unknown) is checked first: if its token is in
//!    `recent`, the visits are counted as that commit's; if not, they are
//!    committed again like new ones (a redelivery that committed them in
//!    the meantime makes them duplicates). Its additions carry a writer
//!    attribute and stamp of its own, so a second delivery of the repair
//!    adds nothing again. A top pages merge that fails is handed over as
//!    the pages to merge again (their counts read back when the repair
//!    runs).
//!
//! Visits whose commit fails are reported in `batchItemFailures` and come
//! back; malformed messages too, and end in the dead-letter queue.
//!
//! A repair is applied only while its writer's mark is surely kept (writer
//! attributes are pruned a day after their writer began): one redriven
//! from the dead-letter queue later than that is logged as "count lost"
//! with what it held, and not applied, rather than risk counting twice.
//! The dead-letter alarm tells the owner within minutes.
//!
//! What is not covered: the function dying (killed, out of memory) between
//! a commit and the hand over of its additions; SQS refusing a repair four
//! times after DynamoDB refused its addition (a count lost, logged as "count
//! lost" with what it held, and counted in the batch's `lost`); and a
//! commit that times out, is read back as not landed, and lands after that
//! read, or an addition that lands after its writer moved on to another
//! batch (DynamoDB ends a request long before the SDK's retries and the
//! read that follow a timeout are done, and the processor's own timeout on
//! an addition ends its attempts, so that addition is handed over and its
//! writer retired). `lambdas/functions/tests/faults.rs`
//! checks the rest: random throttles, timeouts and lost replies on every
//! request to the three tables, redeliveries in any order and concurrent
//! batches end with exact counts.
//!
//! # What it costs
//!
//! Without faults: the same writes as before the protocol, one per visitor,
//! path and totals, plus the occasional trim and top pages write; the
//! writer attribute (22 bytes) and a token of 9 bytes per commit in
//! `recent` rarely move an item over a 1 KB write unit. A writer attribute stays on an item until
//! a day after its writer began (every writer is replaced after six hours),
//! then the next addition from an environment that saw it removes it, or an
//! extra write does once four have gathered: an item carries about one
//! attribute per execution environment of the last day. With faults: each
//! retry costs its write (a failed condition is billed as a write), and a
//! repair costs one SQS message and its write.
//!
//! # How many visits the memory covers
//!
//! The item remembers at least [`RECENT_IDS`] visits (and the tokens of the
//! commits among them): a redelivery arriving
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
//! Items written before digests held whole visit IDs; the first update of
//! such an item drops them. A visit committed by that older version and
//! redelivered after the upgrade counts twice (only messages in flight
//! during the deploy can be). An item with page views from before
//! `first_view` existed gets it from its next view; if that commit's reply
//! is lost, the visitor is counted as new once more.

mod addition;
mod commit;
mod repair;
pub mod salt;
mod top;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodb::Client;
use futures::stream::{self, StreamExt};
use sha2::{Digest, Sha256};
use visitor_model::clients::{self, MissingEnv};
use visitor_model::message::VisitMessage;
use visitor_model::repair::{Addition, AggregateItem, Repair, RepairMessage};
use visitor_model::tables::{paths, totals};
use visitor_model::{env, paths as page};

use crate::classify::{classify, Kind};
use addition::{too_late_to_repair, Applied, Writers};
use commit::{CommitError, VisitorCommit};

pub use commit::visit_digest;
pub use repair::RepairQueue;
pub use top::{merge_top, top_pages_of};

/// Visit IDs a visitor item remembers at least; a redelivery older than
/// this many later visits from the same visitor would count again.
pub const RECENT_IDS: usize = 128;
/// Visit IDs a visitor item holds at most: past this, the oldest are trimmed
/// back to [`RECENT_IDS`] (a write every few dozen visits, not every one).
pub const RECENT_IDS_MAX: usize = 160;
/// How many updates run at once.
const CONCURRENCY: usize = 16;
/// How long a batch may take when the caller gives no deadline.
const DEFAULT_BUDGET: Duration = Duration::from_secs(20);
/// Time kept back from the invocation's deadline for handing over.
const HAND_OVER_RESERVE: Duration = Duration::from_secs(3);

/// How client IPs are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpStorage {
    /// As they arrive.
    Raw,
    /// As a SHA-256 hash salted with a salt the caller holds (what
    /// `forget` computes keys with; the stack's `hashed` is [`IpStorage::DailySalt`]).
    Hashed {
        /// The salt.
        salt: String,
    },
    /// As a SHA-256 hash salted with the salt of the visit's UTC day, which
    /// the processor makes and deletes an hour after the day ends
    /// ([`salt`]): a visitor is unique per day.
    DailySalt,
    /// Not at all: no visitor items, only counts. Redeliveries are caught
    /// by 64 buckets of recent visit digests (by the digest's first
    /// character), and unique visitors are not counted.
    None,
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
            "hashed" => IpStorage::DailySalt,
            "none" => IpStorage::None,
            _ => {
                return Err(SetupError::Invalid {
                    name: env::IP_STORAGE,
                    value: storage,
                    problem: "use raw, hashed or none",
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
    /// Additions (and top pages merges) handed over as repair messages.
    pub handed_over: usize,
    /// Repair messages of this batch applied (or found applied before).
    pub repaired: usize,
    /// Additions neither applied nor handed over (both DynamoDB and SQS
    /// failed them): counts lost, each logged with what it held.
    pub lost: usize,
}

/// The processor: a DynamoDB client, its settings, and where repairs go.
#[derive(Debug)]
pub struct Processor {
    db: Client,
    settings: Settings,
    repairs: Option<RepairQueue>,
    writers: Writers,
    salts: salt::Salts,
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

/// One visitor's visits to commit together, and the token of an earlier
/// commit of them that may have landed (from a repair).
#[derive(Debug)]
struct Group {
    key: String,
    prior: Option<String>,
    /// A visits repair's own writer attribute and stamp.
    own: Option<(String, String)>,
    visits: Vec<Visit>,
}

/// What counted visits add to the paths and the totals.
#[derive(Debug, Default)]
struct Tally {
    paths: BTreeMap<String, PathDelta>,
    requests: u64,
    page_views: u64,
    new_visitors: u64,
    bot_requests: u64,
    other_requests: u64,
}

impl Tally {
    fn count(&mut self, visit: &Visit) {
        let mut path = |views| {
            let entry = self
                .paths
                .entry(page::normalize(&visit.message.path))
                .or_insert(PathDelta {
                    page: page::is_page(&visit.message.path),
                    ..PathDelta::default()
                });
            entry.requests += 1;
            entry.views += views;
        };
        match visit.kind {
            Kind::View => {
                path(1);
                self.requests += 1;
                self.page_views += 1;
            }
            Kind::Request => {
                path(0);
                self.requests += 1;
            }
            Kind::Bot => self.bot_requests += 1,
            Kind::Other => self.other_requests += 1,
        }
    }

    /// The additions: one per path, one for the totals (if anything).
    fn additions(self, writer: &str, stamp: &str) -> Vec<Addition> {
        let stamped = |item, add| Addition {
            item,
            add,
            writer: writer.to_owned(),
            stamp: stamp.to_owned(),
        };
        let mut out: Vec<Addition> = self
            .paths
            .into_iter()
            .map(|(path, delta)| {
                let mut add = BTreeMap::from([(paths::COUNT.to_owned(), delta.requests)]);
                if delta.views > 0 {
                    add.insert(paths::VIEWS.to_owned(), delta.views);
                }
                stamped(
                    AggregateItem::Path {
                        path,
                        page: delta.page,
                    },
                    add,
                )
            })
            .collect();
        let totals_add: BTreeMap<String, u64> = [
            (totals::VISITS, self.page_views),
            (totals::UNIQUE_VISITORS, self.new_visitors),
            (totals::REQUESTS, self.requests),
            (totals::BOT_REQUESTS, self.bot_requests),
            (totals::OTHER_REQUESTS, self.other_requests),
        ]
        .into_iter()
        .filter(|(_, amount)| *amount > 0)
        .map(|(attr, amount)| (attr.to_owned(), amount))
        .collect();
        if !totals_add.is_empty() {
            out.push(stamped(AggregateItem::Totals, totals_add));
        }
        out
    }
}

/// A repair message of the batch and its SQS message ID.
#[derive(Debug)]
struct Received {
    message_id: String,
    repair: Repair,
}

impl Processor {
    /// A processor with an explicit client and settings, and no repair
    /// queue (see [`Processor::with_repair_queue`]).
    pub fn new(db: Client, settings: Settings) -> Self {
        Processor {
            db,
            settings,
            repairs: None,
            writers: Writers::default(),
            salts: salt::Salts::default(),
        }
    }

    /// The same processor, handing over to `queue` what a batch cannot
    /// finish. Without one, such a count is lost (and logged).
    pub fn with_repair_queue(mut self, queue: RepairQueue) -> Self {
        self.repairs = Some(queue);
        self
    }

    /// A processor configured from the environment, the visit queue
    /// ([`env::VISITS_QUEUE_URL`]) its repair queue.
    pub async fn from_env() -> Result<Self, SetupError> {
        let settings = Settings::from_env()?;
        let url = clients::required_env(env::VISITS_QUEUE_URL)?;
        let config = clients::sdk_config().await;
        Ok(
            Processor::new(clients::dynamodb(&config), settings).with_repair_queue(RepairQueue {
                sqs: clients::sqs(&config),
                url,
            }),
        )
    }

    /// Handles one SQS batch: the IDs of the messages to retry come back as
    /// `batchItemFailures`; everything else is deleted from the queue.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        self.handle_until(event, Instant::now() + DEFAULT_BUDGET)
            .await
    }

    /// [`Processor::handle`] for an invocation that ends at `deadline`
    /// (Lambda's): retries stop three seconds before it, to hand over.
    pub async fn handle_until(&self, event: SqsEvent, deadline: Instant) -> SqsBatchResponse {
        let outcome = self.process_until(event, deadline).await;
        tracing::info!(
            counted = outcome.counted,
            duplicates = outcome.duplicates,
            failed = outcome.failed.len(),
            page_views = outcome.page_views,
            new_visitors = outcome.new_visitors,
            bot_requests = outcome.bot_requests,
            other_requests = outcome.other_requests,
            handed_over = outcome.handed_over,
            repaired = outcome.repaired,
            lost = outcome.lost,
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
        self.process_until(event, Instant::now() + DEFAULT_BUDGET)
            .await
    }

    /// [`Processor::process`] with the invocation's deadline.
    pub async fn process_until(&self, event: SqsEvent, deadline: Instant) -> BatchOutcome {
        let deadline = deadline
            .checked_sub(HAND_OVER_RESERVE)
            .unwrap_or(deadline)
            .max(Instant::now() + Duration::from_millis(500));
        let mut outcome = BatchOutcome::default();
        let mut seen = HashSet::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut received = Vec::new();
        let mut bodies = Vec::new();
        let hour = addition::hour_now();
        for record in event.records {
            let message_id = record.message_id.unwrap_or_default();
            let body = record.body.unwrap_or_default();
            match RepairMessage::parse(&body) {
                Some(Ok(m))
                    if m.repair
                        .writer()
                        .is_some_and(|w| too_late_to_repair(w, hour)) =>
                {
                    // Applied now it might count twice; not applied, its
                    // counts are lost: logged with what it held.
                    tracing::error!(message_id = %message_id, repair = ?m.repair, "count lost: a repair older than its writer's mark (a day) is not applied, so that it cannot count twice; redrive the dead-letter queue within a day");
                    outcome.lost += 1;
                }
                Some(Ok(m)) => received.push(Received {
                    message_id,
                    repair: m.repair,
                }),
                Some(Err(error)) => {
                    tracing::warn!(message_id = %message_id, %error, "malformed repair message");
                    if !message_id.is_empty() {
                        outcome.failed.push(message_id);
                    }
                }
                None => bodies.push((message_id, body)),
            }
        }
        // A repair's visits first: a visit both in a repair and delivered
        // again is the repair's (whose commit may have landed). Two
        // deliveries of one repair (the same commit token) are one group:
        // both would find the token and count the visits. Repairs of the
        // same visits with different tokens (one handed over again after
        // its own commit's outcome was lost) are groups of their own: at
        // most one of their commits landed, so at most one counts them.
        let mut repairs = Vec::new();
        let mut tokens = HashSet::new();
        for r in received {
            match r.repair {
                Repair::Visits {
                    key,
                    token,
                    writer,
                    stamp,
                    messages,
                } => {
                    let mut visits: Vec<Visit> = Vec::new();
                    if tokens.insert((key.clone(), token.clone())) {
                        for message in messages {
                            seen.insert(message.id.clone());
                            if visits.iter().all(|v| v.visit_id != message.id) {
                                visits.push(self.visit(
                                    r.message_id.clone(),
                                    message.id.clone(),
                                    message,
                                ));
                            }
                        }
                    }
                    if !visits.is_empty() {
                        groups.push(Group {
                            key,
                            prior: Some(token),
                            own: Some((writer, stamp)),
                            visits,
                        });
                    }
                    outcome.repaired += 1;
                }
                other => repairs.push(Received {
                    message_id: r.message_id,
                    repair: other,
                }),
            }
        }
        let mut by_visitor: BTreeMap<String, Vec<Visit>> = BTreeMap::new();
        for (message_id, body) in bodies {
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
            let key = match self.key_for(&message, &visit_id).await {
                Ok(key) => key,
                Err(error) => {
                    tracing::error!(%error, "no salt for the visit's day; it will be retried");
                    outcome.failed.push(message_id);
                    continue;
                }
            };
            by_visitor
                .entry(key)
                .or_default()
                .push(self.visit(message_id, visit_id, message));
        }
        groups.extend(by_visitor.into_iter().map(|(key, visits)| Group {
            key,
            prior: None,
            own: None,
            visits,
        }));

        let results: Vec<(Group, Result<VisitorCommit, CommitError>)> = stream::iter(groups)
            .map(|group| async move {
                let result = self
                    .commit_visitor(&group.key, &group.visits, group.prior.as_deref())
                    .await;
                (group, result)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;

        // What the counted visits add, by stamp: the batch's own (`None`),
        // and each visits repair's, which carries its own writer and stamp
        // so that a second delivery of it adds nothing again.
        let mut tallies: BTreeMap<Option<(String, String)>, Tally> = BTreeMap::new();
        // A visits repair's writer → its messages: if one of its additions
        // can be neither applied nor handed over, the repair itself comes
        // back (its next delivery adds again under the same stamp).
        let mut repair_messages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let fail = |outcome: &mut BatchOutcome, visits: Vec<Visit>| {
            for v in visits {
                if !outcome.failed.contains(&v.message_id) {
                    outcome.failed.push(v.message_id);
                }
            }
        };
        for (group, result) in results {
            let visits = group.visits;
            match result {
                Ok(commit) => {
                    outcome.duplicates += visits.len() - commit.fresh.len();
                    if let Some((writer, _)) = &group.own {
                        let ids = repair_messages.entry(writer.clone()).or_default();
                        ids.extend(visits.iter().map(|v| v.message_id.clone()));
                    }
                    let tally = tallies.entry(group.own).or_default();
                    if commit.new_visitor && self.settings.ip_storage != IpStorage::None {
                        outcome.new_visitors += 1;
                        tally.new_visitors += 1;
                    }
                    for visit in visits.iter().filter(|v| commit.fresh.contains(&v.visit_id)) {
                        outcome.counted += 1;
                        match visit.kind {
                            Kind::View => outcome.page_views += 1,
                            Kind::Bot => outcome.bot_requests += 1,
                            Kind::Other => outcome.other_requests += 1,
                            Kind::Request => {}
                        }
                        tally.count(visit);
                    }
                }
                Err(CommitError::Failed(error)) => {
                    tracing::error!(%error, visits = visits.len(), "visitor update failed; the visits will be retried");
                    fail(&mut outcome, visits);
                }
                Err(CommitError::Unknown {
                    token,
                    error,
                    visit_ids,
                }) => {
                    outcome.duplicates += visits.len() - visit_ids.len();
                    let messages = visits
                        .iter()
                        .filter(|v| visit_ids.contains(&v.visit_id))
                        .map(|v| VisitMessage {
                            id: v.visit_id.clone(),
                            ..v.message.clone()
                        })
                        .collect();
                    // A writer of its own, used by this repair only; a
                    // visits repair handed over again keeps its own, which
                    // its earlier deliveries may have added with already.
                    let (writer, stamp) = group
                        .own
                        .clone()
                        .unwrap_or_else(|| (Writers::one_off().attr, commit::token()));
                    let repair = Repair::Visits {
                        key: group.key.clone(),
                        token,
                        writer,
                        stamp,
                        messages,
                    };
                    match self.hand_over(repair).await {
                        Ok(()) => {
                            tracing::warn!(%error, visits = visits.len(), "visitor commit unresolved; handed over");
                            outcome.handed_over += 1;
                        }
                        Err(send) => {
                            tracing::error!(%error, %send, visits = visits.len(), "visitor commit unresolved and not handed over; the visits will be retried and may be taken for duplicates");
                            fail(&mut outcome, visits);
                        }
                    }
                }
            }
        }

        let writer = self.writers.take();
        let batch_stamp = commit::token();
        let mut additions: Vec<Addition> = Vec::new();
        for (own, tally) in tallies {
            let (writer, stamp) = own.unwrap_or_else(|| (writer.attr.clone(), batch_stamp.clone()));
            additions.extend(tally.additions(&writer, &stamp));
        }

        // The batch's additions and its repairs' go out together.
        let mut work: Vec<(Option<String>, Addition)> =
            additions.into_iter().map(|a| (None, a)).collect();
        let mut refresh: Vec<(String, String)> = Vec::new();
        for r in repairs {
            match r.repair {
                Repair::Add(addition) => work.push((Some(r.message_id), addition)),
                Repair::TopPages { paths } => {
                    outcome.repaired += 1;
                    refresh.extend(paths.into_iter().map(|p| (r.message_id.clone(), p)));
                }
                Repair::Visits { .. } => {}
            }
        }
        let applied: Vec<(Option<String>, Addition, Result<Applied, String>)> = stream::iter(work)
            .map(|(source, addition)| async move {
                let result = self.add(&addition, deadline).await;
                (source, addition, result)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;

        // Pages whose new count came back, and pages to read it for (the
        // message each came from, if a repair).
        let mut viewed: Vec<(String, u64)> = Vec::new();
        let mut retired = false;
        for (source, addition, result) in applied {
            let page = match &addition.item {
                AggregateItem::Path { path, .. } if addition.add.contains_key(paths::VIEWS) => {
                    Some(path.clone())
                }
                _ => None,
            };
            match (result, source) {
                (Ok(applied), source) => {
                    if source.is_some() {
                        outcome.repaired += 1;
                    }
                    match (applied, page) {
                        (Applied::Now(item), Some(path)) => {
                            viewed.push((path, crate::dynamo::get_u64(&item, paths::VIEWS)));
                        }
                        (Applied::Before, Some(path)) => {
                            refresh.push((source.unwrap_or_default(), path));
                        }
                        _ => {}
                    }
                }
                (Err(error), Some(message_id)) => {
                    tracing::warn!(%error, ?addition, "repair failed again; SQS will deliver it again");
                    outcome.failed.push(message_id);
                }
                (Err(error), None) => {
                    let from_repair = repair_messages.get(&addition.writer);
                    // Only the batch's own writer is the pool's to retire.
                    retired |= addition.writer == writer.attr;
                    match (
                        self.hand_over(Repair::Add(addition.clone())).await,
                        from_repair,
                    ) {
                        (Ok(()), _) => {
                            tracing::warn!(%error, item = ?addition.item, "addition handed over as a repair");
                            outcome.handed_over += 1;
                        }
                        (Err(send), Some(messages)) => {
                            tracing::warn!(%error, %send, item = ?addition.item, "a visits repair's addition failed and could not be handed over; SQS delivers the repair again");
                            for id in messages {
                                if !outcome.failed.contains(id) {
                                    outcome.failed.push(id.clone());
                                }
                            }
                        }
                        (Err(send), None) => {
                            tracing::error!(%error, %send, ?addition, "count lost: the addition failed and its repair could not be sent");
                            outcome.lost += 1;
                        }
                    }
                }
            }
        }
        if retired {
            tracing::info!(writer = %writer.attr, "writer retired: its attribute keeps a repair's stamp");
        } else {
            self.writers.give_back(writer);
        }

        // Counts that did not come back are read (consistently) before the
        // merge; a page whose count cannot be read is merged by a repair.
        let mut pending_top: Vec<(String, String)> = Vec::new();
        for (source, path) in refresh {
            match self.page_views(&path).await {
                Ok(views) => viewed.push((path, views)),
                Err(error) => {
                    tracing::warn!(%path, %error, "page count not read for the top pages");
                    pending_top.push((source, path));
                }
            }
        }
        if !viewed.is_empty() {
            if let Err(error) = self.merge_top_pages(&viewed).await {
                tracing::warn!(%error, "top pages not merged; handed over");
                pending_top.extend(viewed.into_iter().map(|(p, _)| (String::new(), p)));
            }
        }
        // Repairs' pages: their messages come back. The batch's own: a repair.
        let mut own = Vec::new();
        for (source, path) in pending_top {
            if source.is_empty() {
                own.push(path);
            } else if !outcome.failed.contains(&source) {
                outcome.failed.push(source);
            }
        }
        if !own.is_empty() {
            own.sort();
            own.dedup();
            match self
                .hand_over(Repair::TopPages { paths: own.clone() })
                .await
            {
                Ok(()) => outcome.handed_over += 1,
                Err(send) => {
                    // The counts themselves are safe; the next batch viewing
                    // these pages merges them.
                    tracing::error!(%send, paths = ?own, "top pages merge not handed over");
                }
            }
        }
        outcome
    }

    fn visit(&self, message_id: String, visit_id: String, message: VisitMessage) -> Visit {
        Visit {
            message_id,
            digest: visit_digest(&visit_id),
            visit_id,
            kind: classify(&message),
            message,
        }
    }

    /// The key a visit's visitor item has: the address, its hash with the
    /// caller's salt or the salt of the visit's day (today's, if that one
    /// is gone), or, storing no addresses, the visit's dedupe bucket.
    async fn key_for(&self, message: &VisitMessage, visit_id: &str) -> Result<String, String> {
        match &self.settings.ip_storage {
            IpStorage::Raw | IpStorage::Hashed { .. } => {
                Ok(visitor_key(&self.settings.ip_storage, &message.ip).unwrap_or_default())
            }
            IpStorage::None => Ok(format!(
                "{}{}",
                visitor_model::tables::visitors::BUCKET_PREFIX,
                &visit_digest(visit_id)[..1]
            )),
            IpStorage::DailySalt => {
                let day = chrono::DateTime::parse_from_rfc3339(&message.time)
                    .map(|t| t.with_timezone(&chrono::Utc).date_naive())
                    .unwrap_or_else(|_| chrono::Utc::now().date_naive());
                let salt = match self.salt(day).await? {
                    Some(salt) => salt,
                    None => self
                        .salt(chrono::Utc::now().date_naive())
                        .await?
                        .ok_or("today's salt could not be made")?,
                };
                Ok(hashed_key(&salt, &message.ip))
            }
        }
    }
}

/// The key a visitor with address `ip` is stored under with `storage`: the
/// address itself, or its hash with the given salt; `None` for the storage
/// kinds whose key needs a day's salt or holds no address.
pub fn visitor_key(storage: &IpStorage, ip: &str) -> Option<String> {
    match storage {
        IpStorage::Raw => Some(ip.to_owned()),
        IpStorage::Hashed { salt } => Some(hashed_key(salt, ip)),
        IpStorage::DailySalt | IpStorage::None => None,
    }
}

/// The first 16 bytes of SHA-256 over `salt` and `ip`, as hex.
pub fn hashed_key(salt: &str, ip: &str) -> String {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(ip.as_bytes())
        .finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
