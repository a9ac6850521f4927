//! `cargo xtask test-stack --app uploads`: the second application's test
//! stack, run through the engine's guard (`stack_deploy::guard`) as any
//! application's would be: its functions built and zipped, the template
//! applied under a unique tagged name, a suite against the outputs, and
//! the stack deleted whatever happened.
//!
//! The suite drives the pipeline the template wired: an object put into
//! the inbox bucket must reach the work queue through the topic (moto sends
//! S3's notifications and SNS's deliveries as AWS does, so a missing
//! notification, subscription or raw delivery fails here) and be indexed
//! into the stack's table by the indexer; the hourly report then runs on
//! the schedule's event. The emulator runs no function: `stack_serve` runs
//! the built binaries under `cargo lambda watch` and polls the queue into
//! the indexer as Lambda's event source mapping would, the same calls
//! `cargo xtask local --app uploads` makes (`local/uploads.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use infra::constructs::CodeParameters;
use stack_deploy::guard::{guard, BoxError, GuardOptions, TestStack};
use stack_serve::{serve, RustFunctions, ServeRequest, Served};

use crate::deploy::{artifacts, Target};
use crate::pyenv::PyEnv;
use crate::{local, signals, workspace};

/// Longest wait for an upload to be indexed: the first invocation builds
/// the indexer under `cargo lambda watch`.
const INDEXED_WITHIN: Duration = Duration::from_secs(300);

/// The bucket the zips go to on an emulator.
const ARTIFACTS: &str = "uploads-artifacts";

/// Deploys, checks and tears down the uploads stack on `target`.
pub async fn test_stack(target: &Target, keep: bool, timeout: Duration) -> Result<()> {
    if !target.is_emulated() {
        bail!("the uploads app's test stack runs on an emulator (the embedded one, or --endpoint); on AWS its functions would need a release build and an artifact bucket it does not make yet");
    }
    let sdk = target.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let stack = TestStack::new("uploads");
    crate::out::say!("test stack {} on {}", stack.name, target.describe());
    let show = crate::test_stack::show;
    let deploy = || async {
        deploy_emulated(&sdk, &stack.name, &stack.tags, timeout)
            .await
            .map_err(BoxError::from)
    };
    let log = workspace::target_dir()?
        .join("test-stack")
        .join(format!("{}.log", stack.name));
    let endpoint = target.endpoint().unwrap_or_default();
    let suite = |outputs| async {
        let served = serve_functions(&sdk, endpoint, &stack.name, &log, false).await?;
        suite(&sdk, &served, outputs).await.map_err(BoxError::from)
    };
    let cancel = signals::Cancel::new();
    let options = GuardOptions {
        keep,
        teardown_timeout: timeout,
    };
    guard(
        &cfn,
        &stack,
        options,
        deploy,
        suite,
        || cancel.next(),
        &show,
    )
    .await
    .map_err(|e| cancel.error(e))?;
    crate::out::say!("the uploads pipeline works end to end");
    Ok(())
}

/// Builds and uploads the functions, then applies the template on an
/// emulator as `stack` (tagged `tags`), with what moto's CloudFormation
/// skips made afterwards; the stack's outputs.
pub async fn deploy_emulated(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    tags: &BTreeMap<String, String>,
    timeout: Duration,
) -> Result<BTreeMap<String, String>> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let parameters = upload_functions(sdk).await?;
    let template = uploads_stack::build()?.render()?;
    // The event source mapping would make moto try Docker on every
    // message: it is taken out, and stack_serve polls as Lambda would.
    let emulated = stack_local::emulate::for_emulator(template.json());
    let body = emulated.template.to_string();
    let request = crate::deploy::ApplyRequest {
        stack,
        template: &body,
        parameters: &parameters,
        tags,
        timeout,
        emulator: true,
        role_arn: None,
        store: None,
    };
    let applied = crate::deploy::apply(&cfn, &request, true).await?;
    let physical = stack_serve::physical_ids(&cfn, stack).await?;
    let wired = emulator::wiring::complete(sdk, &physical, &emulated.template).await?;
    crate::out::say!(
        "made what moto's CloudFormation skips: {} subscriptions, {} bucket notifications",
        wired.subscriptions.len(),
        wired.notifying_buckets.len()
    );
    Ok(applied.outputs().clone())
}

/// Serves the deployed stack's functions and event sources (what the
/// emulator does not run); their output goes to `log`, and a line per
/// invocation is printed when `invocations` (local mode).
pub async fn serve_functions(
    sdk: &aws_config::SdkConfig,
    endpoint: &str,
    stack: &str,
    log: &Path,
    invocations: bool,
) -> Result<Served> {
    let env = PyEnv::ensure()?;
    crate::out::say!(
        "starting the functions (cargo lambda watch; output in {})",
        log.display()
    );
    let served = serve(&ServeRequest {
        sdk,
        endpoint,
        stack,
        template: &uploads_stack::build()?,
        functions: &functions()?,
        tools: &local::tools(&env)?,
        log,
        extra_env: BTreeMap::new(),
        http_addr: ([127, 0, 0, 1], 0).into(),
        events: local::print_events(invocations),
    })
    .await
    .context("serving the uploads functions")?;
    Ok(served)
}

/// Where the app's functions are: its crate and the binaries its stack
/// declares.
fn functions() -> Result<RustFunctions> {
    Ok(RustFunctions {
        package_dir: workspace::root()?.join("apps/uploads/functions"),
        binaries: uploads_stack::FUNCTIONS
            .iter()
            .map(|(id, binary)| (id.to_string(), binary.to_string()))
            .collect(),
    })
}

/// Builds the functions, uploads their zips; the code parameters.
async fn upload_functions(sdk: &aws_config::SdkConfig) -> Result<BTreeMap<String, String>> {
    // Async, so a signal during the build is taken by the guard's race.
    let status = tokio::process::Command::new(workspace::cargo())
        .args([
            "build",
            "--quiet",
            "--package",
            uploads_stack::FUNCTIONS_PACKAGE,
            "--bins",
        ])
        .current_dir(workspace::root()?)
        .kill_on_drop(true)
        .status()
        .await
        .context("building the uploads functions")?;
    ensure!(
        status.success(),
        "building the uploads functions failed ({status})"
    );
    let s3 = aws_sdk_s3::Client::new(sdk);
    if s3.head_bucket().bucket(ARTIFACTS).send().await.is_err() {
        s3.create_bucket()
            .bucket(ARTIFACTS)
            .send()
            .await
            .map_err(crate::sdk_error::sdk_error)
            .context("creating the artifact bucket")?;
    }
    let dir: PathBuf = workspace::target_dir()?.join("debug");
    let cache = workspace::target_dir()?.join("artifacts");
    let mut parameters =
        BTreeMap::from([(CodeParameters::BUCKET.to_owned(), ARTIFACTS.to_owned())]);
    for (id, binary) in uploads_stack::FUNCTIONS {
        let package = artifacts::package_cached(&dir.join(binary), &cache)?;
        artifacts::upload(&s3, ARTIFACTS, &package).await?;
        parameters.insert(CodeParameters::key_parameter(id), package.key);
    }
    Ok(parameters)
}

/// An upload through the stack's own bucket, topic and queue, indexed into
/// its table by the served indexer, and the hourly report on it.
pub async fn suite(
    sdk: &aws_config::SdkConfig,
    served: &Served,
    outputs: BTreeMap<String, String>,
) -> Result<()> {
    use uploads_stack::outputs as out;
    let output = |name: &str| {
        outputs
            .get(name)
            .cloned()
            .with_context(|| format!("the stack has no output {name}: {outputs:?}"))
    };
    let (bucket, table) = (output(out::BUCKET)?, output(out::TABLE)?);
    let s3 = aws_sdk_s3::Client::new(sdk);
    let db = aws_sdk_dynamodb::Client::new(sdk);
    let key = "reports/q4 2026.csv";
    s3.put_object()
        .bucket(&bucket)
        .key(key)
        .body(vec![b'x'; 1234].into())
        .send()
        .await
        .map_err(crate::sdk_error::sdk_error)
        .context("uploading to the inbox")?;
    eprintln!("    ok      an upload to {bucket}");

    // Through the topic, the queue and the served indexer.
    let started = Instant::now();
    let hour = loop {
        let items = db
            .scan()
            .table_name(&table)
            .send()
            .await
            .map_err(crate::sdk_error::sdk_error)?;
        let indexed = items.items().iter().any(|i| {
            i.get(uploads_model::table::KEY)
                .and_then(|k| k.as_s().ok())
                .is_some_and(|k| k == key)
        });
        let hour = items.items().iter().find_map(|i| {
            let pk = i.get(uploads_model::table::PK)?.as_s().ok()?;
            pk.strip_prefix("hour#").map(str::to_owned)
        });
        if let (true, Some(hour)) = (indexed, hour) {
            break hour;
        }
        if started.elapsed() > INDEXED_WITHIN {
            bail!(
                "the upload was not indexed within {}s: the bucket's notification, the topic's subscription or its raw delivery is not wired, or the indexer failed (its output is in the functions' log)",
                INDEXED_WITHIN.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    eprintln!(
        "    ok      the topic and the queue brought it to the indexer, which indexed it under its decoded key ({:.1}s)",
        started.elapsed().as_secs_f64()
    );

    // The schedule's run at the end of the upload's hour reports on it.
    let fires =
        chrono::NaiveDateTime::parse_from_str(&format!("{hour}:00:00"), "%Y-%m-%dT%H:%M:%S")
            .with_context(|| format!("the index's hour {hour} is not YYYY-MM-DDTHH"))?
            .and_utc()
            + chrono::Duration::hours(1);
    let rule = served
        .physical_id(uploads_stack::SCHEDULE)
        .unwrap_or(uploads_stack::SCHEDULE);
    let rule_arn = format!(
        "arn:aws:events:{}:{}:rule/{rule}",
        emulator::REGION,
        emulator::ACCOUNT
    );
    let event = stack_serve::scheduled_event(&rule_arn, fires);
    let report = served
        .invoke(uploads_stack::HOURLY, event)
        .await
        .map_err(|e| anyhow::anyhow!("the hourly report failed: {e}"))?;
    ensure!(
        (
            report["hour"].as_str(),
            report["uploads"].as_i64(),
            report["bytes"].as_i64()
        ) == (Some(hour.as_str()), Some(1), Some(1234)),
        "the hourly report is off: {report}"
    );
    eprintln!("    ok      the hourly report on {hour}: 1 upload, 1234 bytes");
    Ok(())
}
