//! `cargo xtask sync`: a test stack kept in step with the working tree, as
//! SAM Accelerate does. A change to a function's code rebuilds the
//! functions and replaces the code of each whose zip changed, directly
//! (no change set); a change to the stack deploys it through a change set
//! (a fresh `cargo xtask deploy`, which rebuilds the stack crate); Ctrl-C
//! ends the watch and tears the stack down unless `--keep`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use stack_deploy::guard::{guard, GuardOptions, TestStack};
use stack_deploy::sync::{update_function_code, Snapshot};
use visitor_stack::Stage;

use crate::build::BINARIES;
use crate::deploy::{self, DeployOptions, Target, TargetArgs};
use crate::signals;
use crate::stack_config::{ConfigArgs, Load as _};
use crate::workspace;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Options of `cargo xtask sync`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Watched (polled every --interval-ms):
  code   lambdas/functions, lambdas/model   -> rebuild, then UpdateFunctionCode for each changed zip
  stack  infra/src, infra/stack, lambdas/edge-recorder, the configuration file
                                           -> cargo xtask deploy (a change set)

Examples:
  cargo xtask sync --watch                           # on a fresh embedded emulator
  cargo xtask sync --watch --aws --stack resume-dev  # a test stack on AWS, torn down on Ctrl-C
  cargo xtask sync --watch --endpoint http://127.0.0.1:5000 --keep")]
pub struct Args {
    /// Keep watching after the first deploy; without it, sync deploys once and keeps the stack.
    #[arg(long)]
    pub watch: bool,
    /// The stack [default: a tagged <app>-test-... stack, collected by `gc` if left].
    #[arg(long)]
    pub stack: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Keep the stack when the watch ends.
    #[arg(long)]
    pub keep: bool,
    /// How often to look for changes, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub interval_ms: u64,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// What a change is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A function's code.
    Code,
    /// The stack (or its configuration).
    Stack,
}

fn roots(config: &ConfigArgs) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let root = workspace::root()?;
    let code = ["lambdas/functions", "lambdas/model"]
        .map(|p| root.join(p))
        .to_vec();
    let mut stack: Vec<PathBuf> = [
        "infra/src",
        "infra/stack/src",
        "infra/stack/Cargo.toml",
        "lambdas/edge-recorder/index.py",
    ]
    .map(|p| root.join(p))
    .to_vec();
    stack.push(
        config
            .config
            .clone()
            .unwrap_or_else(|| root.join(crate::stack_config::DEFAULT_FILE)),
    );
    Ok((code, stack))
}

/// Whether `changed` touches the stack (which wins) or only code.
pub fn classify(changed: &[PathBuf], stack_roots: &[PathBuf]) -> Change {
    if changed
        .iter()
        .any(|p| stack_roots.iter().any(|r| p.starts_with(r)))
    {
        Change::Stack
    } else {
        Change::Code
    }
}

fn target_flags(target: &Target) -> Vec<String> {
    match target {
        Target::Embedded(moto) => vec!["--endpoint".into(), moto.endpoint().to_owned()],
        Target::Endpoint(url) => vec!["--endpoint".into(), url.clone()],
        Target::Aws(place) => {
            let mut flags = vec!["--aws".to_owned()];
            if let Some(p) = &place.profile {
                flags.extend(["--profile".to_owned(), p.clone()]);
            }
            if let Some(r) = &place.region {
                flags.extend(["--region".to_owned(), r.clone()]);
            }
            flags
        }
    }
}

/// Each function's zip hash (its artifact key) and bytes, built for `target`.
fn packages(
    target: &Target,
    config: &visitor_stack::StackConfig,
) -> Result<BTreeMap<&'static str, deploy::artifacts::Package>> {
    let cache = workspace::target_dir()?.join("artifacts");
    deploy::function_binaries(target, config)?
        .into_iter()
        .map(|(function, path)| Ok((function, deploy::package(&path, &cache)?)))
        .collect()
}

/// Each function's physical name in `stack`.
async fn physical_names(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<BTreeMap<&'static str, String>> {
    let resources = cfn
        .describe_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .map_err(crate::sdk_error::sdk_error)
        .with_context(|| format!("listing stack {stack}'s resources"))?;
    BINARIES
        .iter()
        .map(|(function, _)| {
            let name = resources
                .stack_resources()
                .iter()
                .find(|r| r.logical_resource_id() == Some(*function))
                .and_then(|r| r.physical_resource_id())
                .with_context(|| format!("stack {stack} has no function {function}"))?;
            Ok((*function, name.to_owned()))
        })
        .collect()
}

pub fn run(args: &Args) -> Result<()> {
    let config = args.config.load()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let cancel = signals::Cancel::new();
    let result = runtime.block_on(async {
        let target = args.target.resolve()?;
        let sdk = target.sdk_config().await;
        let stack = match &args.stack {
            Some(name) => TestStack::named(name.clone()),
            None => TestStack::new(&config.app_name),
        };
        let mut options = DeployOptions {
            yes: true,
            timeout: Duration::from_secs(45 * 60),
            ..DeployOptions::default()
        };
        options.tags.extend(stack.tags.clone());
        let started = Instant::now();
        let first = || async {
            let deployed = deploy::deploy(&target, Stage::Test, &stack.name, &config, &options).await?;
            crate::out::say!("stack {} in step after {:.1}s", stack.name, started.elapsed().as_secs_f64());
            Ok::<_, BoxError>(deployed.outputs)
        };
        if !args.watch {
            first().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::out::say!("kept stack {0}; `cargo xtask sync --watch --stack {0}` keeps it in step, `cargo xtask destroy --stack {0}` deletes it", stack.name);
            return Ok(());
        }
        let cfn = crate::clients::cloudformation(&sdk, None);
        let watch = |_outputs| async { watch(args, &target, &config, &cfn, &stack.name, &sdk).await.map_err(BoxError::from) };
        guard(
            &cfn,
            &stack,
            GuardOptions {
                keep: args.keep,
                teardown_timeout: options.timeout,
            },
            first,
            watch,
            || cancel.next(),
            &show,
        )
        .await
        .map_err(|e| match e {
            // Ctrl-C is how a watch ends: say so, keep the signal's exit code.
            e @ stack_deploy::guard::GuardError::Cancelled { .. } => {
                cancel.error(e).context("the watch ended")
            }
            e => cancel.error(e),
        })
    });
    result
}

/// What the guard does, as sync names it (its "suite" is the watch).
fn show(step: stack_deploy::guard::GuardStep<'_>) {
    use stack_deploy::guard::{GuardStep, Phase};
    match step {
        GuardStep::Began(Phase::Suite) => {}
        other => crate::test_stack::show(other),
    }
}

async fn watch(
    args: &Args,
    target: &Target,
    config: &visitor_stack::StackConfig,
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    sdk: &aws_config::SdkConfig,
) -> Result<()> {
    let lambda = aws_sdk_lambda::Client::new(sdk);
    let (code_roots, stack_roots) = roots(&args.config)?;
    let all: Vec<PathBuf> = code_roots.iter().chain(&stack_roots).cloned().collect();
    let mut names = physical_names(cfn, stack).await?;
    let mut current: BTreeMap<&str, String> = packages(target, config)?
        .into_iter()
        .map(|(f, p)| (f, p.key))
        .collect();
    let mut seen = Snapshot::take(&all)?;
    crate::out::say!(
        "watching the functions' code and the stack; Ctrl-C ends the watch{}",
        if args.keep {
            " and keeps the stack"
        } else {
            " and deletes the stack"
        }
    );
    loop {
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
        if Snapshot::take(&all)?.changed_since(&seen).is_empty() {
            continue;
        }
        // Editors write in steps: wait for the tree to settle.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = Snapshot::take(&all)?;
        let changed = now.changed_since(&seen);
        seen = now;
        let started = Instant::now();
        match classify(&changed, &stack_roots) {
            Change::Stack => {
                crate::out::say!("the stack changed ({}): deploying it", changed[0].display());
                let mut command = std::process::Command::new(workspace::cargo());
                command
                    .args([
                        "xtask", "deploy", "--stage", "test", "--stack", stack, "--yes",
                    ])
                    .args(target_flags(target))
                    .args(args.config.to_args())
                    .current_dir(workspace::root()?);
                let status = tokio::task::spawn_blocking(move || command.status())
                    .await?
                    .context("running cargo xtask deploy")?;
                if status.success() {
                    crate::out::say!("stack deployed in {:.1}s", started.elapsed().as_secs_f64());
                    names = physical_names(cfn, stack).await?;
                    current = packages(target, config)?
                        .into_iter()
                        .map(|(f, p)| (f, p.key))
                        .collect();
                } else {
                    eprintln!(
                        "warning: the deploy failed ({status}); fix the stack and save again"
                    );
                }
            }
            Change::Code => {
                crate::out::say!(
                    "code changed ({}): rebuilding the functions",
                    changed[0].display()
                );
                let built = match packages(target, config) {
                    Ok(built) => built,
                    Err(e) => {
                        eprintln!("warning: {e:#}; fix the code and save again");
                        continue;
                    }
                };
                let build_s = started.elapsed().as_secs_f64();
                let mut updated = Vec::new();
                for (function, package) in built {
                    if current.get(function) == Some(&package.key) {
                        continue;
                    }
                    let Some(name) = names.get(function) else {
                        bail!("function {function} is not in stack {stack}");
                    };
                    update_function_code(&lambda, name, package.bytes).await?;
                    current.insert(function, package.key);
                    updated.push(function);
                }
                if updated.is_empty() {
                    crate::out::say!("rebuilt in {build_s:.1}s: no function's code changed");
                } else {
                    crate::out::say!(
                        "updated {} in {:.1}s (build {build_s:.1}s)",
                        updated.join(", "),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_change_wins_over_code() {
        let (code, stack) = roots(&ConfigArgs::default()).unwrap();
        let processor = code[0].join("src/processor/mod.rs");
        let stage = stack[1].join("stack.rs");
        assert_eq!(
            classify(std::slice::from_ref(&processor), &stack),
            Change::Code
        );
        assert_eq!(classify(&[processor, stage], &stack), Change::Stack);
        assert_eq!(
            classify(&[stack[4].clone()], &stack),
            Change::Stack,
            "the configuration file"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_function_s_code_is_replaced_without_a_change_set() {
        let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
        let target = Target::Endpoint(moto.endpoint().to_owned());
        let config = visitor_stack::StackConfig::default();
        deploy::deploy(
            &target,
            Stage::Test,
            "sy",
            &config,
            &crate::deploy::tests::options(),
        )
        .await
        .unwrap();
        let sdk = moto.sdk_config().await;
        let cfn = aws_sdk_cloudformation::Client::new(&sdk);
        let names = physical_names(&cfn, "sy").await.unwrap();
        let lambda = aws_sdk_lambda::Client::new(&sdk);
        let function = &names["Processor"];
        let before = lambda
            .get_function()
            .function_name(function)
            .send()
            .await
            .unwrap();
        let events = |cfn: aws_sdk_cloudformation::Client| async move {
            cfn.describe_stack_events()
                .stack_name("sy")
                .send()
                .await
                .unwrap()
                .stack_events()
                .len()
        };
        let events_before = events(cfn.clone()).await;
        let dir = std::env::temp_dir().join(format!("xtask-sync-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("bootstrap"), "#!/bin/sh\n# a new processor\n").unwrap();
        let zip =
            stack_deploy::artifacts::package_cached(&dir.join("bootstrap"), &dir.join("cache"))
                .unwrap();
        let sha = update_function_code(&lambda, function, zip.bytes)
            .await
            .unwrap();
        let after = lambda
            .get_function()
            .function_name(function)
            .send()
            .await
            .unwrap();
        let code_sha = |f: &aws_sdk_lambda::operation::get_function::GetFunctionOutput| {
            f.configuration()
                .and_then(|c| c.code_sha256())
                .unwrap_or_default()
                .to_owned()
        };
        assert_ne!(code_sha(&before), code_sha(&after));
        assert_eq!(code_sha(&after), sha);
        assert_eq!(
            events(cfn.clone()).await,
            events_before,
            "no stack operation ran"
        );
    }
}
