//! The two stages, from one configuration.

use infra::aws::dynamodb::table::StreamViewType;
use infra::constructs::{
    dynamodb_event_source, rate_limit_acl, sqs_event_source, AccessLogs, EdgeFunction,
    EdgeFunctionProps, FunctionCode, HttpApi, HttpApiProps, KeyAttribute, Queue, QueueProps,
    RoleOptions, RustFunction, RustFunctionProps, SecurityHeaders, SiteCertificate, SqsSource,
    StaticSite, StaticSiteProps, StreamSource, Table, TableProps, WebSocketApi, WebSocketApiProps,
};
use infra::{fns, pseudo, sub, DeletionPolicy, Output, Parameter, Template, Value};
use visitor_model::{env, tables};

use infra::aws::lambda::function::Architecture;

use crate::config::{CpuArchitecture, FunctionSize, IpStorage, StackConfig};
use crate::manifest::{self, AppTable, FunctionSpec};

/// Which system to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Everything, site and CloudFront included (us-east-1 only).
    Prod,
    /// The counters only: queue, tables, functions, APIs.
    Test,
}

impl Stage {
    /// `prod` or `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prod => "prod",
            Stage::Test => "test",
        }
    }

    /// Every stage.
    pub const ALL: [Stage; 2] = [Stage::Prod, Stage::Test];
}

/// Why a stack could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A construct was misused (a bug in this crate).
    #[error(transparent)]
    Construct(#[from] infra::constructs::ConstructError),
}

/// Parameter names deploy fills in.
pub mod parameters {
    /// The bucket holding function zips.
    pub const ARTIFACT_BUCKET: &str = "ArtifactBucket";
    /// The code key parameter of each Rust function: `<Function>CodeKey`.
    pub fn code_key(function: &str) -> String {
        format!("{function}CodeKey")
    }
}

/// Where the app's roles live and what bounds them: every role of both
/// stages sits under [`roles::path`] and carries the managed policy
/// [`roles::boundary_name`] as its permissions boundary. The bootstrap stack
/// creates that policy, and lets CloudFormation create or widen only roles
/// under the path that carry it, so a change set cannot make an
/// administrator.
pub mod roles {
    /// `/<app>/`.
    pub fn path(app: &str) -> String {
        format!("/{app}/")
    }

    /// `<app>-role-boundary`.
    pub fn boundary_name(app: &str) -> String {
        format!("{app}-role-boundary")
    }
}

/// The role options every role of the stack gets.
fn role_options(config: &StackConfig) -> RoleOptions {
    RoleOptions {
        path: Some(roles::path(&config.app_name)),
        permissions_boundary: Some(sub!(
            "arn:",
            pseudo::partition(),
            ":iam::",
            pseudo::account_id(),
            ":policy/",
            roles::boundary_name(&config.app_name).as_str()
        )),
    }
}

/// Logical IDs other code looks resources up by.
pub mod logical_ids {
    /// The totals table (the counters and the top pages item).
    pub const TOTALS: &str = "Totals";
    /// The paths table (one item per path the site serves).
    pub const PATHS: &str = "Paths";
}

/// Output names, what deploy prints and tests read.
pub mod outputs {
    /// The site's URL (prod).
    pub const SITE_URL: &str = "SiteUrl";
    /// The site bucket (prod).
    pub const SITE_BUCKET: &str = "SiteBucket";
    /// The distribution's ID (prod).
    pub const DISTRIBUTION_ID: &str = "DistributionId";
    /// The HTTP API's base URL.
    pub const API_URL: &str = "ApiUrl";
    /// The WebSocket URL browsers connect to.
    pub const WEBSOCKET_URL: &str = "WebSocketUrl";
    /// The WebSocket management endpoint.
    pub const WEBSOCKET_MANAGEMENT_URL: &str = "WebSocketManagementUrl";
    /// The visit queue's URL.
    pub const QUEUE_URL: &str = "QueueUrl";
    /// The visit queue's name.
    pub const QUEUE_NAME: &str = "QueueName";
    /// The dead-letter queue's URL.
    pub const DEAD_LETTER_QUEUE_URL: &str = "DeadLetterQueueUrl";
    /// The totals table.
    pub const TOTALS_TABLE: &str = "TotalsTable";
    /// The per-visitor table.
    pub const VISITORS_TABLE: &str = "VisitorsTable";
    /// The per-path table.
    pub const PATHS_TABLE: &str = "PathsTable";
    /// The connections table.
    pub const CONNECTIONS_TABLE: &str = "ConnectionsTable";
    /// The edge recorder's function name (prod).
    pub const EDGE_FUNCTION: &str = "EdgeRecorderFunction";
    /// The CloudWatch dashboard's console URL.
    pub const DASHBOARD_URL: &str = "DashboardUrl";
    /// The SNS topic the alarms notify.
    pub const ALARM_TOPIC: &str = "AlarmTopic";
    /// A Rust function's name: `<Function>Function`.
    pub fn function(name: &str) -> String {
        format!("{name}Function")
    }
}

/// The edge recorder's Python source; deploy-time values are `${...}` names.
const EDGE_RECORDER_SOURCE: &str = include_str!("../../../lambdas/edge-recorder/index.py");

/// Seconds a WebSocket connection record lives (API Gateway closes idle ones
/// after 10 minutes and every connection after 2 hours).
const CONNECTION_TTL_SECONDS: i64 = 2 * 3600;

/// Builds the template of `stage` from `config`.
pub fn build(stage: Stage, config: &StackConfig) -> Result<Template, StackError> {
    config.validate()?;
    let mut t = Template::new();
    t.set_description(format!(
        "{}: visitor counter ({} stage), generated by visitor-stack; do not edit",
        config.app_name,
        stage.as_str()
    ));
    // prod keeps its data (tables, site bucket) when the stack is deleted,
    // but not when its first creation fails and rolls back: such tables are
    // empty, and kept they would only stand in the next create's way.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
    let retain = if stage == Stage::Prod {
        DeletionPolicy::RetainExceptOnCreate
    } else {
        DeletionPolicy::Delete
    };

    let bucket = t.parameter(
        parameters::ARTIFACT_BUCKET,
        Parameter::string()
            .description("Bucket holding the function zips")
            .min_length(3),
    );
    let processor_timeout = i64::from(config.processor.timeout_s);
    let queue = Queue::new(
        &mut t,
        "Visits",
        QueueProps {
            // AWS's advice for a Lambda consumer: six times its timeout.
            visibility_timeout_s: 6 * processor_timeout,
            ..QueueProps::default()
        },
    );
    let table = |t: &mut Template,
                 id: &str,
                 pk: &str,
                 ttl: Option<&str>,
                 stream: Option<StreamViewType>| {
        Table::new(
            t,
            id,
            TableProps {
                ttl_attribute: ttl.map(str::to_owned),
                stream,
                point_in_time_recovery: stage == Stage::Prod,
                deletion_policy: retain,
                ..TableProps::new(KeyAttribute::string(pk))
            },
        )
    };
    let totals = table(
        &mut t,
        logical_ids::TOTALS,
        tables::totals::PK,
        None,
        Some(StreamViewType::NewImage),
    );
    let visitors = table(
        &mut t,
        "Visitors",
        tables::visitors::PK,
        Some(tables::visitors::EXPIRES_AT),
        None,
    );
    let paths = table(&mut t, logical_ids::PATHS, tables::paths::PK, None, None);
    let connections = table(
        &mut t,
        "Connections",
        tables::connections::PK,
        Some(tables::connections::EXPIRES_AT),
        None,
    );

    let function = |t: &mut Template,
                    spec: FunctionSpec,
                    size: FunctionSize,
                    vars: Vec<(&str, Value<String>)>| {
        let id = spec.logical_id;
        let key = t.parameter(
            &parameters::code_key(id),
            Parameter::string()
                .description(format!("Object key of the {id} zip"))
                .min_length(1),
        );
        let mut props = RustFunctionProps::new(FunctionCode {
            bucket: bucket.reference(),
            key: key.reference(),
        })
        .architecture(match config.architecture {
            CpuArchitecture::Arm64 => Architecture::Arm64,
            CpuArchitecture::X86_64 => Architecture::X8664,
        })
        .memory_mb(i64::from(size.memory_mb))
        .timeout_s(i64::from(size.timeout_s))
        .log_retention_days(i64::from(config.log_retention_days))
        .description(format!("{}: {}", config.app_name, spec.description))
        .role(role_options(config));
        if let Some(n) = size.reserved_concurrency {
            props = props.reserved_concurrency(i64::from(n));
        }
        for (name, value) in vars {
            props = props.env(name, value);
        }
        RustFunction::new(t, id, props)
    };

    let mut processor = function(
        &mut t,
        manifest::PROCESSOR,
        config.processor,
        processor_env(config, &queue, &totals, &visitors, &paths),
    );
    let mut counts = function(
        &mut t,
        manifest::COUNTS_API,
        config.api_functions,
        vec![
            (env::TOTALS_TABLE, totals.name()),
            (env::PATHS_TABLE, paths.name()),
            (
                env::ALLOWED_ORIGINS,
                Value::Lit(config.cors_origins().join(",")),
            ),
        ],
    );
    let mut connect = function(
        &mut t,
        manifest::CONNECT,
        config.api_functions,
        vec![
            (env::CONNECTIONS_TABLE, connections.name()),
            (
                env::CONNECTION_TTL_SECONDS,
                Value::Lit(CONNECTION_TTL_SECONDS.to_string()),
            ),
        ],
    );

    // What each function does with each table, from the manifest.
    let grant_tables = |t: &mut Template, spec: &FunctionSpec, function: &mut RustFunction| {
        for access in spec.tables {
            if access.only_with_hashed_ips && config.ip_storage != IpStorage::Hashed {
                continue;
            }
            let table = match access.table {
                AppTable::Visitors => &visitors,
                AppTable::Paths => &paths,
                AppTable::Totals => &totals,
                AppTable::Connections => &connections,
            };
            table.grant(t, function, access.items);
        }
    };
    grant_tables(&mut t, &manifest::PROCESSOR, &mut processor);
    // The processor hands what a batch could not finish back to its queue.
    queue.grant_send(&mut t, &mut processor);
    sqs_event_source(
        &mut t,
        "ProcessorSource",
        &queue,
        &mut processor,
        SqsSource {
            batch_size: 10,
            max_batching_window_s: Some(1),
            max_concurrency: Some(i64::from(config.processor_max_concurrency)),
            ..SqsSource::default()
        },
    );
    grant_tables(&mut t, &manifest::COUNTS_API, &mut counts);
    grant_tables(&mut t, &manifest::CONNECT, &mut connect);

    // Both API stages' access logs; the address only where ip_storage keeps
    // addresses as they are.
    let access_logs = AccessLogs {
        retention_days: i64::from(config.log_retention_days),
        source_ip: config.ip_storage == IpStorage::Raw,
    };
    let api = HttpApi::new(
        &mut t,
        "Api",
        HttpApiProps {
            name: sub!(pseudo::stack_name(), "-api"),
            cors_origins: config.cors_origins(),
            throttle_rate: config.api_rate_limit,
            throttle_burst: i64::from(config.api_burst_limit),
            access_logs: Some(access_logs.clone()),
        },
    );
    api.add_route(&mut t, "Counts", "GET /api/counts", &counts);

    let live = WebSocketApi::new(
        &mut t,
        "Live",
        WebSocketApiProps {
            name: sub!(pseudo::stack_name(), "-live"),
            stage_name: "live".into(),
            throttle_rate: config.api_rate_limit,
            throttle_burst: i64::from(config.api_burst_limit),
            // The bootstrap stack names the account's API Gateway logging
            // role, which WebSocket access logs need.
            access_logs: Some(access_logs),
        },
    );
    for (name, key) in [
        ("Connect", "$connect"),
        ("Disconnect", "$disconnect"),
        ("Default", "$default"),
    ] {
        live.add_route(&mut t, name, key, &connect);
    }
    let mut broadcaster = function(
        &mut t,
        manifest::BROADCASTER,
        config.api_functions,
        vec![
            (env::CONNECTIONS_TABLE, connections.name()),
            (env::TOTALS_TABLE, totals.name()),
            (env::WEBSOCKET_ENDPOINT, live.management_url()),
        ],
    );
    grant_tables(&mut t, &manifest::BROADCASTER, &mut broadcaster);
    live.grant_manage_connections(&mut t, &mut broadcaster);
    dynamodb_event_source(
        &mut t,
        "BroadcasterSource",
        &totals,
        &mut broadcaster,
        StreamSource {
            batch_size: 10,
            max_record_age_s: Some(300),
            // Coalesces broadcasts: records of the totals item (one shard)
            // wait up to a second for each other, so open pages get at most
            // one message a second however fast visits come.
            // (MaximumBatchingWindowInSeconds,
            // https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html)
            max_batching_window_s: Some(1),
            ..StreamSource::default()
        },
    )?;

    let mut distribution = None;
    if stage == Stage::Prod {
        let source = fns::sub_with(
            EDGE_RECORDER_SOURCE,
            [
                ("QueueUrl", queue.url()),
                (
                    "SkipPrefixes",
                    Value::Lit(
                        serde_json::to_string(&config.skip_paths).unwrap_or_else(|_| "[]".into()),
                    ),
                ),
                (
                    "SitePaths",
                    Value::Lit(
                        serde_json::to_string(&config.site_paths).unwrap_or_else(|_| "[]".into()),
                    ),
                ),
                ("SendReferer", Value::Lit(config.record_referer.to_string())),
            ],
        );
        let mut recorder = EdgeFunction::new(
            &mut t,
            "EdgeRecorder",
            EdgeFunctionProps {
                description: Some(format!(
                    "{}: records each visit to the queue",
                    config.app_name
                )),
                role: role_options(config),
                ..EdgeFunctionProps::new(source)
            },
        );
        queue.grant_send(&mut t, &mut recorder);
        let certificate = match (&config.certificate_arn, &config.hosted_zone_id) {
            (Some(arn), _) => SiteCertificate::Existing(Value::Lit(arn.clone())),
            (None, Some(zone)) => SiteCertificate::Dns {
                hosted_zone_id: zone.clone(),
            },
            (None, None) => SiteCertificate::None,
        };
        // Optional (it costs about $6 a month): an IP flooding the site is
        // blocked at the edge, before the recorder or the queue see it.
        let firewall = config
            .waf_rate_limit
            .map(|limit| rate_limit_acl(&mut t, "SiteFirewall", i64::from(limit)).arn());
        let site = StaticSite::new(
            &mut t,
            "Site",
            StaticSiteProps {
                domain_names: config.domain_names.clone(),
                certificate,
                api_domain: Some(api.domain_name()),
                viewer_request_function: Some(recorder.version_arn()),
                deletion_policy: retain,
                web_acl_arn: firewall,
                // The page's only other origin is the live counts socket
                // (the counts API is under /api/* of the site itself).
                security_headers: Some(SecurityHeaders {
                    connect_sources: vec![live.origin()],
                }),
                access_log_days: config.cloudfront_log_days.map(i64::from),
                ..StaticSiteProps::default()
            },
        );
        t.output(
            outputs::SITE_URL,
            Output::new(site.url()).description("The site"),
        );
        t.output(
            outputs::SITE_BUCKET,
            Output::new(site.bucket.reference()).description("Bucket the site is served from"),
        );
        t.output(
            outputs::DISTRIBUTION_ID,
            Output::new(site.distribution.reference()).description("CloudFront distribution"),
        );
        t.output(
            outputs::EDGE_FUNCTION,
            Output::new(recorder.function.reference()).description("Lambda@Edge recorder"),
        );
        distribution = Some(site.distribution);
    }

    t.output(
        outputs::API_URL,
        Output::new(api.url()).description("Counts API base URL"),
    );
    t.output(
        outputs::WEBSOCKET_URL,
        Output::new(live.url()).description("Live counts WebSocket"),
    );
    t.output(
        outputs::WEBSOCKET_MANAGEMENT_URL,
        Output::new(live.management_url()).description("Endpoint PostToConnection calls"),
    );
    t.output(
        outputs::QUEUE_URL,
        Output::new(queue.url()).description("Visit queue"),
    );
    t.output(
        outputs::QUEUE_NAME,
        Output::new(fns::select(5, fns::split(":", queue.arn()))).description("Visit queue name"),
    );
    t.output(
        outputs::DEAD_LETTER_QUEUE_URL,
        Output::new(queue.dead_letters.reference()).description("Visits that failed"),
    );
    for (name, table) in [
        (outputs::TOTALS_TABLE, &totals),
        (outputs::VISITORS_TABLE, &visitors),
        (outputs::PATHS_TABLE, &paths),
        (outputs::CONNECTIONS_TABLE, &connections),
    ] {
        t.output(name, Output::new(table.name()));
    }
    let functions = vec![
        (manifest::PROCESSOR.logical_id, &processor),
        (manifest::COUNTS_API.logical_id, &counts),
        (manifest::CONNECT.logical_id, &connect),
        (manifest::BROADCASTER.logical_id, &broadcaster),
    ];
    for (name, f) in &functions {
        t.output(&outputs::function(name), Output::new(f.name()));
    }
    crate::monitoring::add(
        &mut t,
        config,
        crate::monitoring::Watched {
            queue: &queue,
            functions,
            processor: &processor,
            api: &api,
            distribution: distribution.as_ref(),
        },
    );
    Ok(t)
}

fn processor_env(
    config: &StackConfig,
    queue: &Queue,
    totals: &Table,
    visitors: &Table,
    paths: &Table,
) -> Vec<(&'static str, Value<String>)> {
    let vars = vec![
        (env::TOTALS_TABLE, totals.name()),
        (env::VISITORS_TABLE, visitors.name()),
        (env::PATHS_TABLE, paths.name()),
        (env::VISITS_QUEUE_URL, queue.url()),
        (
            env::IP_STORAGE,
            Value::Lit(config.ip_storage.as_str().to_owned()),
        ),
        (
            env::IP_RETENTION_DAYS,
            Value::Lit(config.ip_retention_days.to_string()),
        ),
    ];
    vars
}
