//! `cargo xtask test-stack`: deploy the `test` stage under a unique name, run
//! the integration suite against it, and tear it down whatever happened (a
//! failed check, a panic, Ctrl-C). On an emulator the functions, APIs and
//! event sources the emulator cannot run are served here (`stack_serve`).

pub mod client;
pub mod suite;

use crate::stack_config::Load as _;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use stack_deploy::guard::{guard, BoxError, GuardError, GuardOptions, GuardStep, TestStack};
use visitor_stack::{outputs, StackConfig, Stage};

use crate::deploy::{self, DeployOptions, Target, TargetArgs};
use crate::pyenv::PyEnv;
use crate::stack_config::ConfigArgs;
use crate::synth::AppArg;
use crate::{access, signals, workspace};
use stack_serve::{serve, ServeRequest};

pub use suite::Check;

/// Options of `cargo xtask test-stack`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The stack is named <app>-test-<utc time>-<random> and tagged with the run and its\ncreation time, so `cargo xtask gc` finds it if this command is killed.\n\nExamples:\n  cargo xtask test-stack                        # embedded emulator, nothing to set up\n  cargo xtask test-stack --endpoint http://127.0.0.1:5000\n  cargo xtask test-stack --aws --keep           # real AWS; keep the stack to look at\n  cargo xtask test-stack --app uploads          # the second application (emulator)"
)]
pub struct Args {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Keep the stack afterwards (for debugging); `cargo xtask destroy` removes it.
    #[arg(long)]
    pub keep: bool,
    /// Longest wait for the stack to deploy or delete, in minutes.
    #[arg(long, default_value_t = 45)]
    pub timeout_minutes: u64,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Also print the result as one JSON object on standard output (the
    /// stack, whether it passed, each check with its time and error).
    #[arg(long)]
    pub json: bool,
    /// Which application's test stack: the visitor counter's (test stage)
    /// or the uploads pipeline's (apps/uploads; emulator only).
    #[arg(long, value_enum, default_value_t = AppArg::Visitor)]
    pub app: AppArg,
}

/// What one run is.
pub struct Run<'a> {
    /// Where.
    pub target: &'a Target,
    /// The stack's name.
    pub stack: String,
    /// The stack's configuration.
    pub config: &'a StackConfig,
    /// Deploy choices (tags are added here).
    pub options: DeployOptions,
    /// The checks.
    pub checks: Vec<Check>,
    /// Keep the stack afterwards.
    pub keep: bool,
    /// Check the functions' calls against their roles, and the log lines
    /// each wrote, after the checks (on an emulator; the full suite is what
    /// makes the calls and the lines worth checking).
    pub check_access: bool,
    /// Where each check's result goes, when someone reports them (`--json`).
    pub results: Option<&'a std::sync::Mutex<Vec<CheckResult>>>,
}

/// One check's result, for `--json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckResult {
    /// The check.
    pub name: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// How long it took.
    pub seconds: f32,
    /// Why it failed.
    pub error: Option<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    if args.app == AppArg::Uploads {
        if args.json {
            anyhow::bail!("--json reports the visitor counter's suite; --app uploads prints its checks as lines");
        }
        if args.config.given() {
            anyhow::bail!("--app uploads has no stack configuration: drop the configuration flags (they configure the visitor counter)");
        }
        return runtime.block_on(async {
            let target = args.target.resolve()?;
            let timeout = Duration::from_secs(args.timeout_minutes * 60);
            crate::uploads::test_stack(&target, args.keep, timeout).await
        });
    }
    let config = args.config.load()?;
    let results = std::sync::Mutex::new(Vec::new());
    let started = Instant::now();
    let stack = unique_name(&config.app_name);
    let outcome = runtime.block_on(async {
        let target = args.target.resolve()?;
        let timeout = Duration::from_secs(args.timeout_minutes * 60);
        test_stack(Run {
            target: &target,
            stack: stack.clone(),
            config: &config,
            options: DeployOptions {
                yes: true,
                timeout,
                ..DeployOptions::default()
            },
            checks: suite::all(),
            keep: args.keep,
            check_access: true,
            results: Some(&results),
        })
        .await
    });
    if args.json {
        let checks = results.into_inner().unwrap_or_else(|p| p.into_inner());
        println!(
            "{}",
            serde_json::json!({
                "stack": stack,
                "passed": outcome.is_ok(),
                "seconds": started.elapsed().as_secs_f64(),
                "checks": checks,
                "error": outcome.as_ref().err().map(|e| format!("{e:#}")),
            })
        );
    }
    outcome
}

/// `<app>-test-<utc time>-<random>` (the engine's test-stack name).
pub fn unique_name(app: &str) -> String {
    stack_deploy::guard::TestStack::new(app).name
}

/// Deploys, checks and tears down through the engine's guard
/// (`stack_deploy::guard`); `Ok` only when every check passed and nothing
/// was left behind.
pub async fn test_stack(mut run: Run<'_>) -> Result<()> {
    let cancel = signals::Cancel::new();
    let sdk = run.target.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let stack = TestStack::named(run.stack.clone());
    run.options.tags.extend(stack.tags.clone());
    crate::out::say!("test stack {} on {}", run.stack, run.target.describe());
    let run = &run;

    // What the stack made, for the check that its tables and queues went.
    let seen = std::sync::Mutex::new(BTreeMap::new());
    let deploy = || async {
        let deployed = deploy::deploy(
            run.target,
            Stage::Test,
            &run.stack,
            run.config,
            &run.options,
        )
        .await?;
        Ok::<_, BoxError>(deployed.outputs)
    };
    let suite = |outputs: BTreeMap<String, String>| async {
        *seen.lock().unwrap_or_else(|p| p.into_inner()) = outputs.clone();
        check(run, &sdk, outputs).await.map_err(BoxError::from)
    };
    let options = GuardOptions {
        keep: run.keep,
        teardown_timeout: run.options.timeout,
    };
    let outcome = guard(
        &cfn,
        &stack,
        options,
        deploy,
        suite,
        || cancel.next(),
        &show,
    )
    .await;
    // Tables and queues are checked only once the stack was deleted.
    let deleted = !run.keep
        && !matches!(
            &outcome,
            Err(GuardError::TeardownCancelled { .. } | GuardError::Teardown { .. })
        );
    let outcome = outcome.map_err(|e| cancel.error(e));
    if let Err(e) = &outcome {
        crate::out::say!("FAILED: {e:#}");
    }
    if deleted {
        let outputs = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Err(left) = leftovers(&sdk, &outputs).await {
            // The run's own error (and its exit code) comes first.
            return Err(match outcome {
                Ok(()) => left,
                Err(e) => e.context(format!("and after the teardown: {left:#}")),
            });
        }
    }
    outcome
}

/// What the guard does, as a line each (both apps' test stacks).
pub fn show(step: GuardStep<'_>) {
    match step {
        GuardStep::Began(phase) => crate::out::say!("{phase}"),
        GuardStep::Kept(name) => crate::out::say!(
            "kept stack {name} (--keep); remove it with `cargo xtask destroy --stack {name}`"
        ),
        GuardStep::TornDown(name) => crate::out::say!("stack {name} is gone"),
    }
}

/// The suite on a deployed stack: on an emulator, the functions and what
/// else it cannot run are served here first.
async fn check(
    run: &Run<'_>,
    sdk: &aws_config::SdkConfig,
    deployed: BTreeMap<String, String>,
) -> Result<()> {
    // Where the functions' output goes, when they run here (on an emulator).
    let log = workspace::target_dir()?
        .join("test-stack")
        .join(format!("{}.log", run.stack));
    let mut served = None;
    let calls = access::calls_file(&run.stack)?;
    let template = visitor_stack::build(Stage::Test, run.config)?;
    let outputs = match run.target.endpoint() {
        Some(endpoint) => {
            let env = PyEnv::ensure()?;
            let log_dir = log.with_extension("logs");
            crate::local::clear_dir(&log_dir)?;
            crate::out::say!(
                "starting the functions (cargo lambda watch; output in {}, each function's log in {})",
                log.display(),
                log.with_extension("logs").display()
            );
            let serving = served.insert(
                serve(&ServeRequest {
                    sdk,
                    endpoint,
                    stack: &run.stack,
                    template: &template,
                    functions: &crate::local::counter_functions()?,
                    tools: &crate::local::tools(&env)?,
                    log: &log,
                    extra_env: BTreeMap::from([
                        (
                            access_record::FILE_VAR.to_owned(),
                            calls.to_string_lossy().into_owned(),
                        ),
                        (
                            visitor_model::env::LOCAL_LOG_DIR.to_owned(),
                            log_dir.to_string_lossy().into_owned(),
                        ),
                    ]),
                    http_addr: ([127, 0, 0, 1], 0).into(),
                    events: crate::local::print_events(false),
                })
                .await
                .context("serving what the emulator does not run")?,
            );
            serving.outputs(&deployed)
        }
        None => deployed.clone(),
    };

    let ctx = suite::Ctx {
        sdk: sdk.clone(),
        run: stack_deploy::guard::random_hex(12),
        ip_storage: run.config.ip_storage,
        template: template.render()?.json().clone(),
        outputs,
    };
    crate::out::say!("running {} checks", run.checks.len());
    let mut failed = Vec::new();
    for check in &run.checks {
        let started = Instant::now();
        let result = (check.run)(&ctx).await;
        let took = started.elapsed().as_secs_f32();
        if let Some(results) = run.results {
            results
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(CheckResult {
                    name: check.name,
                    passed: result.is_ok(),
                    seconds: took,
                    error: result.as_ref().err().map(|e| format!("{e:#}")),
                });
        }
        match result {
            Ok(()) => crate::out::detail!(
                "    {}      {} ({took:.1}s)",
                crate::out::paint("32", "ok"),
                check.name
            ),
            Err(e) => {
                eprintln!(
                    "    {}  {} ({took:.1}s)\n            {e:#}",
                    crate::out::paint("31", "FAILED"),
                    check.name
                );
                failed.push(check.name);
            }
        }
    }
    if !failed.is_empty() {
        let logs = match run.target.endpoint() {
            Some(_) => format!("; the functions' output is in {}", log.display()),
            None => String::new(),
        };
        bail!(
            "{} of {} checks failed: {}{logs}",
            failed.len(),
            run.checks.len(),
            failed.join("; ")
        );
    }
    crate::out::say!("all {} checks passed", run.checks.len());
    if served.is_some() && run.check_access {
        check_logs(&log.with_extension("logs")).await?;
    }
    match &served {
        Some(_) if !run.check_access => Ok(()),
        Some(served) => check_access(run, sdk, &template, served, &calls).await,
        None => {
            crate::out::say!("access: not checked here (on AWS, IAM itself enforces the policies)");
            Ok(())
        }
    }
}

/// What `cargo xtask logs --dir DIR` reads after a run on the emulator:
/// every Rust function wrote its own file, each line with its time, and
/// the processor logged the batches it counted.
async fn check_logs(dir: &std::path::Path) -> Result<()> {
    let sources = crate::build::BINARIES
        .iter()
        .map(|(id, binary)| stack_logs::Source {
            name: (*id).to_owned(),
            place: stack_logs::Place::File(visitor_model::env::local_log_file(dir, binary)),
        })
        .collect();
    let batch = stack_logs::Reader::new(sources, stack_logs::Query::default())
        .next()
        .await;
    if let Some((name, error)) = batch.errors.into_iter().next() {
        return Err(anyhow::Error::new(error).context(format!("reading {name}'s log")));
    }
    let lines = batch.lines;
    for (id, _) in crate::build::BINARIES {
        let own = lines.iter().filter(|l| l.source == id).count();
        if own == 0 || lines.iter().any(|l| l.source == id && l.time_ms == 0) {
            bail!("{id} wrote no timed log lines to {}", dir.display());
        }
    }
    if !lines.iter().any(|l| {
        l.source == "Processor" && stack_logs::readable(&l.text).contains("batch processed")
    }) {
        bail!("the processor logged no batch in {}", dir.display());
    }
    crate::out::say!(
        "logs: {} timed lines from {} functions in {} (cargo xtask logs --dir reads them)",
        lines.len(),
        crate::build::BINARIES.len(),
        dir.display()
    );
    Ok(())
}

/// The functions' recorded calls against their roles; then the same calls
/// against the roles with the processor's `dynamodb:GetItem` taken away,
/// which must fail with that line: the check cannot pass by accident.
async fn check_access(
    run: &Run<'_>,
    sdk: &aws_config::SdkConfig,
    template: &infra::Template,
    served: &stack_serve::Served,
    calls: &std::path::Path,
) -> Result<()> {
    let template = template.render()?.json().clone();
    let (deployment, place) = access::deployment(sdk, &run.stack, &template, served).await?;
    // The roles' permissions boundary lives in the bootstrap stack.
    let boundary = visitor_stack::bootstrap::role_boundary(run.config)?;
    let deployment = deployment.managed_policy(
        &access::boundary_arn(&place, run.config),
        infra::ToJson::to_json(&boundary),
    );
    let recorded = access::read_calls(calls)?;
    let report = access::check_calls(&template, &deployment, &place, &recorded)?;
    let file = access::write_report("test-stack", &report)?;
    access::judge(&report, &file)?;

    let (role, action) = ("ProcessorRole", "dynamodb:GetItem");
    let narrowed = access::without_action(&template, role, action);
    let broken = access::check_calls(&narrowed, &deployment, &place, &recorded)?;
    match broken
        .denied
        .iter()
        .find(|d| d.role == role && d.action == action)
    {
        Some(denial) => {
            crate::out::say!("access self-test: without {action}, {role} fails as it must:\n    {denial}");
            Ok(())
        }
        None => bail!(
            "the access check did not notice {action} missing from {role}: either the suite no longer exercises the processor's read-back, or the check is broken ({})",
            broken.summary()
        ),
    }
}

/// Fails when a table or queue named in the outputs still exists.
async fn leftovers(sdk: &aws_config::SdkConfig, outputs: &BTreeMap<String, String>) -> Result<()> {
    let db = aws_sdk_dynamodb::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let mut left = Vec::new();
    for name in [
        outputs::TOTALS_TABLE,
        outputs::VISITORS_TABLE,
        outputs::PATHS_TABLE,
        outputs::CONNECTIONS_TABLE,
    ]
    .iter()
    .filter_map(|o| outputs.get(*o))
    {
        if db.describe_table().table_name(name).send().await.is_ok() {
            left.push(format!("table {name}"));
        }
    }
    for url in [outputs::QUEUE_URL, outputs::DEAD_LETTER_QUEUE_URL]
        .iter()
        .filter_map(|o| outputs.get(*o))
    {
        if sqs
            .get_queue_attributes()
            .queue_url(url)
            .send()
            .await
            .is_ok()
        {
            left.push(format!("queue {url}"));
        }
    }
    if !left.is_empty() {
        bail!("the stack is gone but left {}", left.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
