//! `cargo xtask bench`: speed and cost, measured on the embedded emulator
//! and set against the naive design of the original notes. Prints a table
//! (and with `--json` one JSON object as the last line) and writes
//! `bench/report.md` with a chart (`bench/wru.svg`) under the cargo target
//! directory.

mod edit_synth;
mod init;
mod naive;
mod progress;
mod queue_run;
mod reads;
mod report;
mod workload;
mod writes;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use aws_lambda_events::sqs::SqsEvent;
use futures::stream::{self, StreamExt};
use visitor_functions::processor::{IpStorage, Processor, Settings};
use visitor_model::message::VisitMessage;
use visitor_model::provision::{create_tables, TableNames};
use visitor_stack::{StackConfig, Stage};

use crate::build::{self, Arch, BINARIES};
use crate::deploy::{self, DeployOptions, Target};
use crate::pyenv::PyEnv;
use crate::sdk_error::sdk_error;
use crate::workspace;
use progress::Progress;
use report::Metrics;
use workload::{Shape, Workload};
use writes::WriteLog;

/// The workload's seed.
const SEED: u64 = 20_261_122;
/// Batch sizes charted.
const BATCH_SIZES: [usize; 5] = [1, 5, 10, 25, 100];
/// Invocations running at once (Lambda runs several batches in parallel).
const CONCURRENCY: usize = 4;

/// Options of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Workload: 2,000 page views by 1,000 client IPs (Zipf, s = 1.1) over 200 pages (Zipf), each\nfollowed by 4 asset requests: 10,000 messages in the edge recorder's format, from a fixed seed.\nThe exactness run sends them through a real queue with 5% delivered a second time.\nThe full run also builds the release functions (cargo-lambda) and cycles a test stack;\nit takes about 35 minutes on two cores (more the first time), printing its progress every ten seconds while it counts.\nResults: a table on stdout; report.md and wru.svg in bench/ under the cargo target directory\n(target/ unless CARGO_TARGET_DIR says otherwise; the run prints where).\n\nExamples:\n  cargo xtask bench\n  cargo xtask bench --json | tail -n 1 | jq .wru_per_request\n  cargo xtask bench --smoke        # a tiny workload, no release build (part of cargo xtask test)\n  cargo xtask bench --cost-units   # only what `cargo xtask cost` prices; writes cost/measured.json\n  cargo xtask bench --functions    # only the release zips' sizes and start-up times (minutes)"
)]
pub struct Args {
    /// Print the figures as one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
    /// A tiny workload; skips the release build and the test stack cycle.
    #[arg(long, conflicts_with_all = ["cost_units", "functions"])]
    pub smoke: bool,
    /// Measure only what `cargo xtask cost` prices (write and read units,
    /// invocation times, stored bytes) on the full workload and write
    /// cost/measured.json; a full run writes it too.
    #[arg(long, conflicts_with = "functions")]
    pub cost_units: bool,
    /// Measure only the release functions: build them (cargo-lambda), the
    /// size of each zip and each binary's start-up time.
    #[arg(long)]
    pub functions: bool,
}

/// How much a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Everything, on the full workload.
    Full,
    /// Everything but the release build and the test stack, on a tiny workload.
    Smoke,
    /// What `cargo xtask cost` prices, on the full workload.
    CostUnits,
    /// The release functions' zip sizes and start-up times only.
    Functions,
}

pub fn run(args: &Args) -> Result<()> {
    let scope = match (args.smoke, args.cost_units, args.functions) {
        (true, _, _) => Scope::Smoke,
        (false, true, _) => Scope::CostUnits,
        (false, false, true) => Scope::Functions,
        (false, false, false) => Scope::Full,
    };
    let env = PyEnv::ensure()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let metrics = crate::signals::block_on(&runtime, async {
        let moto = emulator::Moto::start_from(&env.bin_dir())?;
        crate::out::say!("embedded emulator (moto) at {}", moto.endpoint());
        measure(&moto, scope).await
    })?;
    if scope == Scope::Functions {
        print!("{}", metrics.functions_table());
        if args.json {
            println!("{}", metrics.functions_json());
        }
        return metrics.check_zip_limit();
    }
    if scope != Scope::Smoke {
        let units = cost_units(&metrics)?;
        let file = units.save(&workspace::root()?)?;
        crate::out::say!("the units `cargo xtask cost` prices: {}", file.display());
        if scope == Scope::CostUnits {
            if args.json {
                println!("{}", serde_json::to_string(&units)?);
            }
            return Ok(());
        }
    }
    let dir = workspace::target_dir()?.join("bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    std::fs::write(dir.join("report.md"), metrics.markdown(&machine(), &date))?;
    std::fs::write(dir.join("wru.svg"), metrics.chart())?;
    print!("{}", metrics.table());
    crate::out::say!(
        "report: {} (chart: {})",
        dir.join("report.md").display(),
        dir.join("wru.svg").display()
    );
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    }
    ensure!(metrics.exact, "the counts were not exact (see the table)");
    ensure!(
        metrics.counts_reads_bounded(),
        "the counts API's reads grow with the paths table or exceed 2 units: {:?}",
        metrics.counts_read_units_by_path_items
    );
    metrics.check_zip_limit()
}

/// What `cargo xtask cost` prices, from a run's figures.
fn cost_units(m: &Metrics) -> Result<crate::cost::units::CostUnits> {
    let commit = std::process::Command::new("git")
        .args(["describe", "--always", "--dirty=+changes"])
        .current_dir(workspace::root()?)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    Ok(crate::cost::units::CostUnits {
        measured: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        commit,
        machine: machine(),
        requests_per_view: (1 + workload::ASSETS_PER_VIEW) as f64,
        wru_per_request_by_batch_size: m.wru_by_batch_size.clone(),
        naive_wru_per_request: m.naive_wru_per_request,
        processor_ms_by_batch_size: m.processor_ms_by_batch_size.clone(),
        counts_read_units_per_request: m.counts_read_units_per_request,
        counts_ms_per_request: m.counts_ms_per_request,
        stored_bytes_per_view: m.stored_bytes_per_view,
    })
}

async fn measure(moto: &emulator::Moto, scope: Scope) -> Result<Metrics> {
    let sdk = moto.sdk_config().await;
    let smoke = scope == Scope::Smoke;
    if scope == Scope::Functions {
        let mut m = Metrics::default();
        let binaries = release_functions(&mut m)?;
        start_times(&mut m, &binaries, moto.endpoint(), 7).await?;
        return Ok(m);
    }
    let shape = if smoke { Shape::SMOKE } else { Shape::FULL };
    let work = workload::generate(shape, SEED);
    let mut m = Metrics {
        requests: work.messages.len(),
        smoke,
        wru_source: "computed from the write requests issued, each charged one unit per started KB of its item (size at the end of the run); moto reports a flat 1.0 per write".into(),
        ..Metrics::default()
    };

    if scope != Scope::CostUnits {
        crate::out::say!("synth: building and rendering the prod template");
        m.synth_ms = median(&synth_times(if smoke { 3 } else { 20 })?);
        crate::out::say!(
            "edit to template: `cargo xtask synth --stage test` after an edit to the stack"
        );
        let edits = edit_synth::edit_synth_s(if smoke { 1 } else { 3 }).await?;
        m.edit_synth_s = median(&edits);
        eprintln!("    {edits:.2?} s, median {:.2} s", m.edit_synth_s);
    }

    for batch in BATCH_SIZES {
        let run = ours_write_units(&sdk, &work, batch).await?;
        let units = run.written.units;
        let per = units as f64 / work.messages.len() as f64;
        crate::out::say!(
            "batch size {batch:>3}: {units} write units, {per:.3} per request, {:.1} ms an invocation",
            run.median_ms
        );
        m.wru_by_batch_size.insert(batch, per);
        m.processor_ms_by_batch_size.insert(batch, run.median_ms);
        if batch == 10 {
            m.stored_bytes_per_view = run.written.stored_bytes as f64 / shape.page_views as f64;
        }
    }
    m.wru_per_request = m.wru_by_batch_size[&10];
    m.wru_per_request_b100 = m.wru_by_batch_size[&100];
    let naive = naive_write_units(&sdk, &work).await?;
    m.naive_wru_per_request = naive as f64 / work.messages.len() as f64;
    crate::out::say!(
        "naive design: {naive} write units, {:.3} per request",
        m.naive_wru_per_request
    );

    for items in PATH_ITEMS {
        let (per, ms) = counts_read_units(&sdk, &work, items).await?;
        crate::out::say!(
            "counts API with {items} path items: {per:.2} read units, {ms:.1} ms per request"
        );
        m.counts_read_units_by_path_items.insert(items, per);
        if items == PATH_ITEMS[0] {
            m.counts_ms_per_request = ms;
        }
    }
    m.counts_read_units_per_request = m.counts_read_units_by_path_items[&PATH_ITEMS[1]];
    if scope == Scope::CostUnits {
        return Ok(m);
    }

    let names = tables(&sdk, "exact").await?;
    let processor = processor(aws_sdk_dynamodb::Client::new(&sdk), &names);
    let queued = queue_run::run(&sdk, &processor, &names, &work, SEED ^ 0xD0B1E).await?;
    m.exact = queued.exact;
    m.processor_requests_per_s = queued.requests_per_s;
    m.queue_run = queued.delivery;
    crate::out::say!(
        "queue to tables: {:.0} requests/s, exact: {}",
        queued.requests_per_s,
        queued.exact
    );

    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    m.noop_deploy_s = noop_deploy(&target, &config).await?;
    crate::out::say!("redeploy with nothing changed: {:.2} s", m.noop_deploy_s);

    let binaries: Vec<(&str, PathBuf)> = if smoke {
        m.init_build = "debug".into();
        let dir = workspace::target_dir()?.join("debug");
        BINARIES.iter().map(|(f, b)| (*f, dir.join(b))).collect()
    } else {
        m.test_stack_cycle_s = Some(test_stack_cycle(&target, &config).await?);
        release_functions(&mut m)?
    };
    start_times(
        &mut m,
        &binaries,
        moto.endpoint(),
        if smoke { 2 } else { 7 },
    )
    .await?;
    Ok(m)
}

/// The release functions built (cargo-lambda, x86_64) and zipped as a
/// deploy zips them, each zip's size in `m`; the binaries.
fn release_functions(m: &mut Metrics) -> Result<Vec<(&'static str, PathBuf)>> {
    crate::out::say!("building the release functions (cargo-lambda, x86_64)");
    let built = build::build(Arch::X86_64)?;
    let cache = workspace::target_dir()?.join("artifacts");
    for artifact in &built {
        let package = deploy::package(&artifact.path, &cache)?;
        let bytes = package.bytes.len() as u64;
        eprintln!("    {}: {bytes} bytes zipped", artifact.function);
        m.zip_bytes.insert(artifact.function.to_owned(), bytes);
    }
    m.max_zip_bytes = m.zip_bytes.values().copied().max();
    m.init_build = "release".into();
    Ok(built.into_iter().map(|a| (a.function, a.path)).collect())
}

/// Each binary started `runs` times against a Runtime API stand-in (its
/// clients pointed at `endpoint`): the median start-up of each in `m`, and
/// of all starts as `init_ms`.
async fn start_times(
    m: &mut Metrics,
    binaries: &[(&'static str, PathBuf)],
    endpoint: &str,
    runs: usize,
) -> Result<()> {
    let env = function_env(endpoint);
    let mut all = Vec::new();
    for (function, path) in binaries {
        if !path.exists() {
            bail!(
                "{} is not built; run `cargo build -p visitor-functions --bins` first",
                path.display()
            );
        }
        let times = init::init_ms(path, &env, runs).await?;
        crate::out::say!("{function} starts in {:.1} ms (median)", median(&times));
        m.init_ms_by_function
            .insert((*function).to_owned(), median(&times));
        all.extend(times);
    }
    m.init_ms = median(&all);
    Ok(())
}

/// Path items the counts API's reads are measured with: a site's worth,
/// and far more than any site has.
const PATH_ITEMS: [usize; 2] = [200, 100_000];
/// Counts requests averaged at each size.
const COUNTS_REQUESTS: usize = 20;

/// Read units per counts request with `items` path items in the table, and
/// the median milliseconds of a request:
/// the processor counts the workload's first 100 requests (totals, paths,
/// top pages as it leaves them), filler path items make up the rest.
async fn counts_read_units(
    sdk: &aws_config::SdkConfig,
    work: &Workload,
    items: usize,
) -> Result<(f64, f64)> {
    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
    use visitor_model::tables::paths;
    let names = tables(sdk, &format!("reads-{items}")).await?;
    let db = aws_sdk_dynamodb::Client::new(sdk);
    let first: Vec<VisitMessage> = work.messages.iter().take(100).cloned().collect();
    for chunk in bodies(&first)?.chunks(10) {
        processor(db.clone(), &names).handle(event(chunk)).await;
    }
    let existing = db
        .scan()
        .table_name(&names.paths)
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .map_err(sdk_error)?
        .count() as usize;
    let filler: Vec<WriteRequest> = (existing..items)
        .map(|i| {
            let put = PutRequest::builder()
                .item(paths::PK, AttributeValue::S(format!("/filler/{i}")))
                .item(paths::COUNT, AttributeValue::N("1".into()))
                .item(paths::VIEWS, AttributeValue::N("1".into()))
                .item(paths::PAGE, AttributeValue::Bool(true))
                .build()
                .map_err(|e| anyhow::anyhow!("a filler item: {e}"))?;
            Ok(WriteRequest::builder().put_request(put).build())
        })
        .collect::<Result<_>>()?;
    let progress = Progress::new("filler path items", filler.len());
    progress
        .track(
            stream::iter(filler.chunks(25))
                .map(|chunk| {
                    let (db, table, progress) = (&db, &names.paths, &progress);
                    async move {
                        db.batch_write_item()
                            .request_items(table, chunk.to_vec())
                            .send()
                            .await
                            .map_err(sdk_error)
                            .context("writing filler path items")?;
                        progress.add(chunk.len());
                        Ok::<_, anyhow::Error>(())
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect::<Vec<_>>(),
        )
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let log = reads::ReadLog::default();
    let counts = visitor_functions::counts::Counts::new(
        log.client(sdk),
        names.totals.clone(),
        names.paths.clone(),
        Vec::new(),
    );
    let mut times = Vec::with_capacity(COUNTS_REQUESTS);
    for i in 0..COUNTS_REQUESTS {
        let path = work
            .messages
            .get(i)
            .map_or("/", |m| m.path.as_str())
            .to_owned();
        let started = Instant::now();
        counts
            .counts(&visitor_model::paths::normalize(&path))
            .await
            .map_err(|e| anyhow::anyhow!("the counts API: {e}"))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let units = reads::read_units(&db, &log.take()).await? / COUNTS_REQUESTS as f64;
    Ok((units, median(&times)))
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn synth_times(runs: usize) -> Result<Vec<f64>> {
    let config = StackConfig::default();
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let rendered = visitor_stack::build(Stage::Prod, &config)?.render()?;
            std::hint::black_box(rendered.json_text().len());
            Ok(started.elapsed().as_secs_f64() * 1000.0)
        })
        .collect()
}

/// Fresh tables under a prefix of their own.
async fn tables(sdk: &aws_config::SdkConfig, name: &str) -> Result<TableNames> {
    create_tables(&aws_sdk_dynamodb::Client::new(sdk), name)
        .await
        .map_err(sdk_error)
        .with_context(|| format!("creating the {name} tables"))
}

fn processor(db: aws_sdk_dynamodb::Client, t: &TableNames) -> Processor {
    Processor::new(
        db,
        Settings {
            totals_table: t.totals.clone(),
            visitors_table: t.visitors.clone(),
            paths_table: t.paths.clone(),
            ip_storage: IpStorage::Raw,
            ip_retention_days: 365,
        },
    )
}

/// The SQS event Lambda would build for `batch`.
fn event(batch: &[(String, String)]) -> SqsEvent {
    let messages: Vec<aws_sdk_sqs::types::Message> = batch
        .iter()
        .map(|(id, body)| {
            aws_sdk_sqs::types::Message::builder()
                .message_id(id)
                .receipt_handle(id)
                .body(body)
                .build()
        })
        .collect();
    emulator::sqs_source::sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:bench")
}

fn bodies(messages: &[VisitMessage]) -> Result<Vec<(String, String)>> {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| Ok((format!("m{i}"), serde_json::to_string(m)?)))
        .collect()
}

/// Our processor on the workload in batches of `batch`.
struct BatchRun {
    /// What its writes cost and left.
    written: writes::Written,
    /// Median milliseconds of one invocation.
    median_ms: f64,
}

/// Our processor on the workload in batches of `batch`: its write units,
/// what the tables hold after it, and how long an invocation takes.
async fn ours_write_units(
    sdk: &aws_config::SdkConfig,
    work: &Workload,
    batch: usize,
) -> Result<BatchRun> {
    let names = tables(sdk, &format!("ours-b{batch}")).await?;
    let log = WriteLog::default();
    let processor = processor(log.client(sdk), &names);
    let all = bodies(&work.messages)?;
    let progress = Progress::new("messages", all.len());
    let runs = progress
        .track(
            stream::iter(all.chunks(batch))
                .map(|chunk| {
                    let (processor, progress) = (&processor, &progress);
                    async move {
                        let event = event(chunk);
                        let started = Instant::now();
                        let response = processor.handle(event).await;
                        let ms = started.elapsed().as_secs_f64() * 1000.0;
                        progress.add(chunk.len());
                        Ok::<_, anyhow::Error>((response.batch_item_failures.len(), ms))
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect::<Vec<_>>(),
        )
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let failed: usize = runs.iter().map(|(failed, _)| failed).sum();
    ensure!(
        failed == 0,
        "{failed} messages failed in the batch-{batch} run"
    );
    let times: Vec<f64> = runs.iter().map(|(_, ms)| *ms).collect();
    Ok(BatchRun {
        written: writes::write_units(&aws_sdk_dynamodb::Client::new(sdk), &log.take()).await?,
        median_ms: median(&times),
    })
}

async fn naive_write_units(sdk: &aws_config::SdkConfig, work: &Workload) -> Result<u64> {
    let names = tables(sdk, "naive").await?;
    let log = WriteLog::default();
    let progress = Progress::new("messages", work.messages.len());
    progress
        .track(naive::process(
            &log.client(sdk),
            &names,
            &work.messages,
            &progress,
        ))
        .await?;
    Ok(
        writes::write_units(&aws_sdk_dynamodb::Client::new(sdk), &log.take())
            .await?
            .units,
    )
}

/// Deploys the test stage, then times a second deploy with nothing changed.
async fn noop_deploy(target: &Target, config: &StackConfig) -> Result<f64> {
    let options = DeployOptions {
        yes: true,
        timeout: Duration::from_secs(300),
        ..DeployOptions::default()
    };
    deploy::deploy(target, Stage::Test, "bench-noop", config, &options).await?;
    let started = Instant::now();
    let again = deploy::deploy(target, Stage::Test, "bench-noop", config, &options).await?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        !again.changed && again.uploaded == 0,
        "the second deploy changed something"
    );
    Ok(seconds)
}

async fn test_stack_cycle(target: &Target, config: &StackConfig) -> Result<f64> {
    let started = Instant::now();
    crate::test_stack::test_stack(crate::test_stack::Run {
        target,
        stack: crate::test_stack::unique_name(&config.app_name),
        config,
        options: DeployOptions {
            yes: true,
            timeout: Duration::from_secs(600),
            ..DeployOptions::default()
        },
        checks: crate::test_stack::suite::all(),
        keep: false,
        check_access: false,
        results: None,
    })
    .await?;
    Ok(started.elapsed().as_secs_f64())
}

/// What every function needs to start (none of it is called at start-up).
/// The roots bundle of Debian-like machines. The SDK's HTTPS client loads
/// the system's roots when it is built, at start-up (rustls-native-certs:
/// `SSL_CERT_FILE` when set, else the probed file and directory). Here
/// `/etc/ssl/certs` holds a few hundred files read one by one (most of a
/// start-up); Lambda's Amazon Linux 2023 image keeps its roots in one bundle
/// (`/etc/pki/tls/certs/ca-bundle.crt`), so the start-up is measured with
/// one bundle too.
const ROOTS_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn function_env(endpoint: &str) -> BTreeMap<String, String> {
    use visitor_model::env;
    let roots = std::path::Path::new(ROOTS_BUNDLE)
        .exists()
        .then_some(("SSL_CERT_FILE", ROOTS_BUNDLE));
    [
        (env::TOTALS_TABLE, "bench-totals"),
        (env::VISITORS_TABLE, "bench-visitors"),
        (env::PATHS_TABLE, "bench-paths"),
        (env::CONNECTIONS_TABLE, "bench-connections"),
        (env::IP_STORAGE, "raw"),
        (env::IP_RETENTION_DAYS, "365"),
        (env::ALLOWED_ORIGINS, "https://example.com"),
        (env::WEBSOCKET_ENDPOINT, "http://127.0.0.1:9/live"),
        (env::CONNECTION_TTL_SECONDS, "7200"),
        (
            env::VISITS_QUEUE_URL,
            "http://127.0.0.1:9/000000000000/bench-visits",
        ),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", emulator::REGION),
        ("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", emulator::ACCESS_KEY),
    ]
    .into_iter()
    .chain(roots)
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// `Linux 6.1 x86_64, 2 CPUs (model name)`.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::process::Command::new("uname")
        .arg("-srm")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{kernel}, {cpus} CPUs ({model})")
}
