//! `cargo xtask test-stack --app uploads`: the second application's test
//! stack, run through the engine's guard (`stack_deploy::guard`) as any
//! application's would be: its functions built and zipped, the template
//! applied under a unique tagged name, a suite against the outputs, and
//! the stack deleted whatever happened.
//!
//! The suite drives the pipeline the template wired: an object put into
//! the inbox bucket must reach the work queue through the topic (moto sends
//! S3's notifications and SNS's deliveries as AWS does, so a missing
//! notification, subscription or raw delivery fails here); the indexer and
//! the hourly report then run on what arrived and write to the stack's
//! table. The emulator runs no function, so they run in this process, from
//! the same library their binaries wrap.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use infra::constructs::CodeParameters;
use stack_deploy::guard::{guard, BoxError, GuardOptions, TestStack};
use uploads_functions::{hourly::Hourly, indexer::Indexer};

use crate::deploy::{artifacts, Target};
use crate::{signals, workspace};

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
    eprintln!("==> test stack {} on {}", stack.name, target.describe());
    let show = crate::test_stack::show;
    let deploy = || async {
        let parameters = upload_functions(&sdk).await?;
        let template = uploads_stack::build()?.render()?;
        // The event source mapping would make moto try Docker on every
        // message: it is taken out, and the suite polls as Lambda would.
        let emulated = stack_local::emulate::for_emulator(template.json());
        let body = emulated.template.to_string();
        let request = crate::deploy::ApplyRequest {
            stack: &stack.name,
            template: &body,
            parameters: &parameters,
            tags: &stack.tags,
            yes: true,
            timeout,
            emulator: true,
            role_arn: None,
            store: None,
        };
        let applied = crate::deploy::apply(&cfn, &request).await?;
        let physical = crate::local::serve::physical_ids(&cfn, &stack.name).await?;
        let wired = emulator::wiring::complete(&sdk, &physical, &emulated.template).await?;
        eprintln!(
            "==> made what moto's CloudFormation skips: {} subscriptions, {} bucket notifications",
            wired.subscriptions.len(),
            wired.notifying_buckets.len()
        );
        Ok::<_, BoxError>(applied.outputs().clone())
    };
    let suite = |outputs| async { suite(&sdk, outputs).await.map_err(BoxError::from) };
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
    eprintln!("==> the uploads pipeline works end to end");
    Ok(())
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
/// its table and reported on.
async fn suite(sdk: &aws_config::SdkConfig, outputs: BTreeMap<String, String>) -> Result<()> {
    use uploads_stack::outputs as out;
    let output = |name: &str| {
        outputs
            .get(name)
            .cloned()
            .with_context(|| format!("the stack has no output {name}: {outputs:?}"))
    };
    let (bucket, table, queue_url) = (
        output(out::BUCKET)?,
        output(out::TABLE)?,
        output(out::QUEUE_URL)?,
    );
    let s3 = aws_sdk_s3::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let db = aws_sdk_dynamodb::Client::new(sdk);
    s3.put_object()
        .bucket(&bucket)
        .key("reports/q4 2026.csv")
        .body(vec![b'x'; 1234].into())
        .send()
        .await
        .map_err(crate::sdk_error::sdk_error)
        .context("uploading to the inbox")?;
    eprintln!("    ok      an upload to {bucket}");

    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(crate::sdk_error::sdk_error)?
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .context("the work queue has no ARN")?;
    let source = emulator::sqs_source::SqsSourceConfig {
        queue_url,
        queue_arn,
        batch_size: 10,
        batching_window: Duration::from_millis(500),
        report_batch_item_failures: true,
    };
    let indexer = Indexer::new(db.clone(), table.clone());
    let mut delivered = 0;
    for _ in 0..10 {
        let outcome = emulator::sqs_source::poll_once(&sqs, &source, |event| async {
            let event = serde_json::from_value(event).map_err(|e| e.to_string())?;
            serde_json::to_value(indexer.handle(event).await).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| anyhow::anyhow!("polling the work queue: {e}"))?;
        ensure!(
            outcome.retried == 0,
            "the indexer refused a message: {outcome:?}"
        );
        delivered += outcome.delivered;
        if delivered > 0 && outcome.delivered == 0 {
            break;
        }
    }
    ensure!(
        delivered > 0,
        "nothing reached the work queue: the bucket's notification, the topic's subscription or its raw delivery is not wired"
    );
    eprintln!("    ok      the topic delivered {delivered} notifications to the queue, indexed");

    let items = db
        .scan()
        .table_name(&table)
        .send()
        .await
        .map_err(crate::sdk_error::sdk_error)?;
    let hour = items
        .items()
        .iter()
        .find_map(|i| {
            let pk = i.get(uploads_model::table::PK)?.as_s().ok()?;
            pk.strip_prefix("hour#").map(str::to_owned)
        })
        .context("the index has no hour's totals")?;
    ensure!(
        items.items().iter().any(|i| i
            .get(uploads_model::table::KEY)
            .and_then(|k| k.as_s().ok())
            .is_some_and(|k| k == "reports/q4 2026.csv")),
        "the upload is not in the index under its decoded key"
    );
    let report = Hourly::new(db, table).report(&hour).await?;
    ensure!(
        (report.uploads, report.bytes) == (1, 1234),
        "the hourly report is off: {report:?}"
    );
    eprintln!("    ok      the hourly report on {hour}: 1 upload, 1234 bytes");
    Ok(())
}
