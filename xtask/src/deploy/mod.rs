//! `cargo xtask deploy`: build and package the functions, upload them, and
//! apply a stage's stack through one change set, on the embedded emulator, any
//! AWS-compatible endpoint, or (opt-in) real AWS.

mod apply;
pub use stack_deploy::artifacts;
pub mod bootstrap;
mod destroy;
pub use stack_local::emulate;
pub mod gc;
pub mod site;

use crate::stack_config::Load as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use stack_deploy::place::Place;
use visitor_stack::{parameters, StackConfig, Stage};

pub use apply::TemplateStore;
pub use apply::{apply, outputs as stack_outputs, stack_status, Applied, ApplyRequest};
pub use artifacts::package_cached as package;

use crate::build::{self, Arch, BINARIES};
use crate::pyenv::PyEnv;
use crate::stack_config::ConfigArgs;
use crate::synth::StageArg;
use crate::{clients, workspace};

/// Options of `cargo xtask deploy`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Targets:\n  (default)        a fresh embedded emulator (moto), stopped afterwards: a dry run of the whole path\n  --endpoint URL   any AWS-compatible endpoint, used as it is (not started or stopped)\n  --aws            real AWS through the standard credential chain; prints account and region first\n\nExamples:\n  cargo xtask deploy --stage test --stack resume-dev --yes\n  cargo xtask deploy --aws --stage prod --stack resume\n  cargo xtask deploy --aws --stage prod --yes --outputs-file outputs.json   # what deploy.yml runs"
)]
pub struct Args {
    /// Which stage.
    #[arg(long, value_enum, default_value_t = StageArg::Test)]
    pub stage: StageArg,
    /// The stack's name [default: <app>-<stage>].
    #[arg(long)]
    pub stack: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Make the change set and show it, then stop: it stays on the stack
    /// for review (console, `aws cloudformation describe-change-set`) and
    /// execution (`aws cloudformation execute-change-set`, or deploy again).
    #[arg(long, conflicts_with = "outputs_file")]
    pub no_execute: bool,
    /// Upload to this bucket instead of the bootstrap stack's.
    #[arg(long, value_name = "BUCKET")]
    pub artifact_bucket: Option<String>,
    /// Longest wait for a stack to settle, in minutes.
    #[arg(long, default_value_t = 45)]
    pub timeout_minutes: u64,
    /// Also write the stack's outputs to FILE as a JSON object (output
    /// name to value), for scripts and workflows; written only on success.
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<PathBuf>,
    /// Print the result as one JSON object on standard output (stack,
    /// changed, uploaded, outputs, the change set left by --no-execute, the
    /// invalidation) instead of the outputs table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Options of `cargo xtask gc`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Collects only stacks named <app>-test-... whose visitor:test-run tag names the same stack
(what `cargo xtask test-stack` creates), and only those older than 2h unless --force: a run
can take up to 45 min to deploy and as long to delete with the default timeouts.

Examples:
  cargo xtask gc --aws --dry-run          # list what would go
  cargo xtask gc --aws --older-than 1d"
)]
pub struct GcArgs {
    /// Delete test stacks created longer ago than this (90m, 2h, 1d); at
    /// least 2h unless --force.
    #[arg(long, default_value = "2h", value_name = "AGE")]
    pub older_than: String,
    /// Allow an --older-than under 2h (no test run may be going).
    #[arg(long)]
    pub force: bool,
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON object (`{"dry_run": ..., "stacks": [...]}`) instead of a name per line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run_gc(args: &GcArgs) -> Result<()> {
    let older_than = gc::parse_age(&args.older_than)?;
    gc::check_age(older_than, args.force)?;
    let config = args.config.load()?;
    let target = args.target.existing()?;
    let runtime = tokio::runtime::Runtime::new()?;
    crate::signals::block_on(&runtime, async {
        let sdk = target.sdk_config().await;
        announce(&target, &sdk, None, "collecting test stacks on").await?;
        let removed = gc::collect(&sdk, &config.app_name, older_than, args.dry_run).await?;
        if args.json {
            println!(
                "{}",
                serde_json::json!({"dry_run": args.dry_run, "stacks": removed})
            );
        } else {
            for name in removed {
                println!("{name}");
            }
        }
        Ok(())
    })
}

/// Where a command acts: the embedded emulator unless told otherwise.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// An AWS-compatible endpoint (an emulator someone runs), used as it is.
    #[arg(long, value_name = "URL", conflicts_with = "aws")]
    pub endpoint: Option<String>,
    /// Real AWS through the standard credential chain (explicit opt-in).
    #[arg(long)]
    pub aws: bool,
    /// With --aws: the profile of ~/.aws/config (and credentials) to use
    /// [default: AWS_PROFILE, else `default`].
    #[arg(long, value_name = "NAME", requires = "aws")]
    pub profile: Option<String>,
    /// With --aws: the region, over the profile's and AWS_REGION.
    #[arg(long, value_name = "REGION", requires = "aws")]
    pub region: Option<String>,
}

impl TargetArgs {
    /// The target the flags name; a fresh embedded emulator by default.
    pub fn resolve(&self) -> Result<Target> {
        match (&self.endpoint, self.aws) {
            (Some(url), _) => Ok(Target::Endpoint(url.clone())),
            (None, true) => Ok(Target::Aws(Place {
                profile: self.profile.clone(),
                region: self.region.clone(),
                files: None,
            })),
            (None, false) => {
                let env = PyEnv::ensure()?;
                let moto = emulator::Moto::start_from(&env.bin_dir())?;
                crate::out::say!("embedded emulator (moto) at {}", moto.endpoint());
                Ok(Target::Embedded(moto))
            }
        }
    }

    /// For commands on stacks that already exist: a fresh emulator has none.
    pub fn existing(&self) -> Result<Target> {
        if self.endpoint.is_none() && !self.aws {
            bail!("a fresh embedded emulator holds no stacks: give --endpoint URL (an emulator you run) or --aws");
        }
        self.resolve()
    }
}

/// Options of `cargo xtask destroy`.
#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    /// The stack to delete.
    #[arg(long)]
    pub stack: String,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Delete without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Longest wait for the deletion, in minutes.
    #[arg(long, default_value_t = 45)]
    pub timeout_minutes: u64,
}

#[cfg(test)]
pub(crate) mod tests;

pub fn run_destroy(args: &DestroyArgs) -> Result<()> {
    let target = args.target.existing()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let sdk = crate::signals::block_on(&runtime, async {
        let sdk = target.sdk_config().await;
        announce(&target, &sdk, None, "deleting on").await?;
        Ok(sdk)
    })?;
    if !args.yes {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            bail!("not deleted: nobody can confirm on this terminal; pass --yes");
        }
        eprint!(
            "delete stack {} on {} and everything in it? [y/N] ",
            args.stack,
            target.describe()
        );
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            bail!("not deleted");
        }
    }
    crate::signals::block_on(&runtime, async {
        destroy::destroy(
            &sdk,
            &args.stack,
            Duration::from_secs(args.timeout_minutes * 60),
        )
        .await?;
        Ok(())
    })
}

/// Where a deploy goes.
pub enum Target {
    /// moto started here (kept alive by the handle).
    Embedded(emulator::Moto),
    /// An endpoint someone else runs.
    Endpoint(String),
    /// Real AWS, reached from a profile and region.
    Aws(Place),
}

impl Target {
    /// Whether CloudFormation there skips what the emulator does.
    pub fn is_emulated(&self) -> bool {
        !matches!(self, Target::Aws(_))
    }

    /// SDK configuration for the target.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        match self {
            Target::Embedded(moto) => moto.sdk_config().await,
            Target::Endpoint(url) => emulator::sdk_config_for(url).await,
            Target::Aws(place) => place.sdk_config().await,
        }
    }

    /// The emulator's endpoint, unless this is AWS.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Target::Embedded(moto) => Some(moto.endpoint()),
            Target::Endpoint(url) => Some(url),
            Target::Aws(_) => None,
        }
    }

    /// Whether this is real AWS.
    pub fn is_aws(&self) -> bool {
        matches!(self, Target::Aws(_))
    }

    /// How to name it in messages.
    pub fn describe(&self) -> String {
        match self {
            Target::Embedded(moto) => format!("the embedded emulator at {}", moto.endpoint()),
            Target::Endpoint(url) => format!("the endpoint {url}"),
            Target::Aws(_) => "AWS".into(),
        }
    }
}

/// Says where a command is about to act, before it changes anything: on
/// AWS the account, the caller, the profile and the region (the first AWS
/// call, so missing credentials fail here); elsewhere what is `doing` on
/// which endpoint ("deploying to").
pub async fn announce(
    target: &Target,
    sdk: &aws_config::SdkConfig,
    record: Option<&access_record::Recorder>,
    doing: &str,
) -> Result<()> {
    match target {
        Target::Aws(place) => {
            if let Some(missing) = place.missing_profile() {
                bail!("{missing}");
            }
            let who = stack_deploy::place::identity(&clients::sts(sdk, record)).await?;
            crate::out::say!(
                "AWS account {} as {}, {}",
                who.account,
                who.arn,
                place.describe(sdk)
            );
        }
        other => crate::out::say!("{doing} {}", other.describe()),
    }
    Ok(())
}

/// The choices a deploy makes beyond stage and stack.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Apply without confirmation.
    pub yes: bool,
    /// Upload here instead of the bootstrap stack's bucket.
    pub artifact_bucket: Option<String>,
    /// Longest wait for a stack.
    pub timeout: Duration,
    /// Function binaries to package instead of building them (tests).
    pub prebuilt: Option<Vec<(&'static str, PathBuf)>>,
    /// Tags beyond `app` and `stage`.
    pub tags: BTreeMap<String, String>,
    /// The site's files [default: `site/` in the workspace].
    pub site_dir: Option<PathBuf>,
    /// Records every AWS request the deploy makes (the deploy role's access
    /// check), when given.
    pub record: Option<access_record::Recorder>,
    /// Make and preview the change set, then stop without executing it.
    pub no_execute: bool,
}

impl Args {
    fn options(&self) -> DeployOptions {
        DeployOptions {
            yes: self.yes,
            artifact_bucket: self.artifact_bucket.clone(),
            timeout: Duration::from_secs(self.timeout_minutes * 60),
            prebuilt: None,
            tags: BTreeMap::new(),
            site_dir: None,
            record: None,
            no_execute: self.no_execute,
        }
    }
}

/// What a deploy produced.
pub struct Deployed {
    /// The stack's outputs (placeholders `local:...` for what the emulator skips).
    pub outputs: BTreeMap<String, String>,
    /// Whether anything changed.
    pub changed: bool,
    /// Function zips uploaded (the rest were there already).
    pub uploaded: usize,
    /// What publishing the site did (stages with a site).
    pub site: Option<site::Published>,
    /// The change set made and left for review (`--no-execute`).
    pub pending: Option<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let config = args.config.load()?;
    let stage: Stage = crate::synth::stage(args.stage);
    let stack = args
        .stack
        .clone()
        .unwrap_or_else(|| format!("{}-{}", config.app_name, stage.as_str()));
    let runtime = tokio::runtime::Runtime::new()?;
    crate::signals::block_on(&runtime, async {
        let target = args.target.resolve()?;
        let deployed = deploy(&target, stage, &stack, &config, &args.options()).await?;
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "stack": stack,
                    "target": target.describe(),
                    "changed": deployed.changed,
                    "uploaded": deployed.uploaded,
                    "outputs": deployed.outputs,
                    "change_set": deployed.pending,
                    "invalidation": deployed.site.as_ref().and_then(|s| s.invalidation.clone()),
                })
            );
        }
        if let Some(change_set) = &deployed.pending {
            crate::out::say!(
                "change set {change_set} made on stack {stack} and not executed ({} artifacts uploaded)\n    review: aws cloudformation describe-change-set --stack-name {stack} --change-set-name {change_set}\n    execute: aws cloudformation execute-change-set --stack-name {stack} --change-set-name {change_set} (or deploy again without --no-execute)",
                deployed.uploaded
            );
            return Ok(());
        }
        crate::out::say!(
            "{} ({} artifacts uploaded)",
            if deployed.changed {
                "stack updated"
            } else {
                "no changes"
            },
            deployed.uploaded
        );
        if !args.json {
            print_outputs(&deployed.outputs);
        }
        if let Some(file) = &args.outputs_file {
            write_outputs_file(file, &deployed.outputs)?;
            crate::out::say!("outputs written to {}", file.display());
        }
        if let Some(id) = deployed.site.as_ref().and_then(|s| s.invalidation.as_ref()) {
            crate::out::say!(
                "CloudFront invalidation {id} started: the new site shows within minutes"
            );
        }
        if matches!(target, Target::Embedded(_)) {
            crate::out::say!("the embedded emulator stops now; `cargo xtask local` keeps one running");
        }
        Ok(())
    })
    .map_err(|e| {
        // Stopping xtask does not stop CloudFormation: a change set it
        // started executing goes on (or rolls back) on its own.
        if args.target.aws && e.is::<crate::signals::Interrupted>() {
            e.context(format!(
                "a change of stack {stack} that had started goes on in CloudFormation: follow it in the console, or stop it with `aws cloudformation cancel-update-stack --stack-name {stack}`"
            ))
        } else {
            e
        }
    })
}

/// Deploys `stage` as `stack` to `target`.
pub async fn deploy(
    target: &Target,
    stage: Stage,
    stack: &str,
    config: &StackConfig,
    args: &DeployOptions,
) -> Result<Deployed> {
    let sdk = target.sdk_config().await;
    announce(target, &sdk, args.record.as_ref(), "deploying to").await?;
    if target.is_aws()
        && stage == Stage::Prod
        && sdk.region().map(|r| r.as_ref()) != Some("us-east-1")
    {
        bail!("the prod stage lives in us-east-1 (Lambda@Edge and CloudFront certificates); pass --region us-east-1");
    }
    let cfn = clients::cloudformation(&sdk, args.record.as_ref());
    let s3 = clients::s3(&sdk, args.record.as_ref());
    let timeout = args.timeout;

    // The bootstrap stack: used as it is when it exists (`cargo xtask
    // bootstrap` may have added the deployment roles), created when not.
    let (bucket, role_arn) = match &args.artifact_bucket {
        Some(b) => (b.clone(), None),
        None => {
            let name = visitor_stack::bootstrap::stack_name(&config.app_name);
            let settled = stack_status(&cfn, &name)
                .await?
                .is_some_and(|s| matches!(s.as_str(), "CREATE_COMPLETE" | "UPDATE_COMPLETE"));
            let found = if settled {
                apply::outputs(&cfn, &name).await?
            } else {
                BTreeMap::new()
            };
            let outputs = if found.contains_key(visitor_stack::bootstrap::outputs::ARTIFACT_BUCKET)
            {
                if !found.contains_key(visitor_stack::bootstrap::outputs::API_GATEWAY_LOGS_ROLE) {
                    bail!(
                        "the bootstrap stack {name} predates the WebSocket API's access logs, which need the account's API Gateway logging role it now sets: run `cargo xtask bootstrap` for this target (with the --github-repo options you bootstrapped with, if any) to update it, then deploy again"
                    );
                }
                found
            } else {
                let rendered = visitor_stack::bootstrap::bootstrap(config, None)?.render()?;
                apply(
                    &cfn,
                    &ApplyRequest {
                        stack: &name,
                        template: rendered.json_text(),
                        parameters: &BTreeMap::new(),
                        tags: &BTreeMap::from([("app".to_owned(), config.app_name.clone())]),
                        timeout,
                        emulator: target.is_emulated(),
                        role_arn: None,
                        store: None,
                    },
                    true,
                )
                .await
                .context("applying the bootstrap stack")?
                .outputs()
                .clone()
            };
            // On AWS, CloudFormation changes the stack with the bootstrap's
            // execution role when there is one.
            let role = match target {
                Target::Aws(_) => outputs
                    .get(visitor_stack::bootstrap::outputs::EXECUTION_ROLE)
                    .cloned(),
                _ => None,
            };
            (bootstrap::artifact_bucket(&name, &outputs)?, role)
        }
    };
    if let Some(role) = &role_arn {
        crate::out::say!("CloudFormation acts as {role}");
    }

    let binaries = match &args.prebuilt {
        Some(list) => list.clone(),
        None => function_binaries(target, config)?,
    };
    let mut params = BTreeMap::new();
    params.insert(parameters::ARTIFACT_BUCKET.to_owned(), bucket.clone());
    let mut uploaded = 0;
    // Compressing is the slow part: one function per core, each zip
    // remembered by its binary's hash.
    let cache = workspace::target_dir()?.join("artifacts");
    let packaging = binaries.iter().map(|(_, path)| {
        let (path, cache) = (path.clone(), cache.clone());
        tokio::task::spawn_blocking(move || artifacts::package_cached(&path, &cache))
    });
    let packages = futures::future::try_join_all(packaging)
        .await
        .context("packaging the functions")?;
    for ((function, _), package) in binaries.iter().zip(packages) {
        let package = package?;
        if artifacts::upload(&s3, &bucket, &package).await? {
            uploaded += 1;
            crate::out::say!(
                "uploaded {function}: s3://{bucket}/{} ({} bytes)",
                package.key,
                package.bytes.len()
            );
        }
        params.insert(parameters::code_key(function), package.key);
    }
    if uploaded == 0 {
        crate::out::say!("artifacts unchanged: nothing uploaded");
    }

    let config = &*with_site_dir(config, args.site_dir.as_deref())?;
    let template = visitor_stack::build(stage, config)?;
    let rendered = template.render()?;
    let body = if target.is_emulated() {
        let emulated = emulate::for_emulator(rendered.json());
        crate::out::say!(
            "served by xtask instead of the emulator's CloudFormation (read from the template):"
        );
        for line in stack_local::topology::of(&template).describe() {
            crate::out::detail!("    {line}");
        }
        let removed: Vec<String> = emulated.served_locally.iter().cloned().collect();
        crate::out::detail!(
            "    (taken out of the emulator's template: {})",
            removed.join(", ")
        );
        let mut text = serde_json::to_string_pretty(&emulated.template)?;
        text.push('\n');
        text
    } else {
        rendered.json_text().to_owned()
    };
    // A stack created anew beside the tables an earlier one retained would
    // silently start counting from zero: stop and say so instead.
    if apply::creates(stack_status(&cfn, stack).await?.as_ref()) {
        let dynamodb = clients::dynamodb(&sdk, args.record.as_ref());
        let found =
            stack_deploy::retained::leftover_tables(&dynamodb, stack, rendered.json()).await?;
        if !found.is_empty() {
            let region = sdk
                .region()
                .map_or("us-east-1".to_owned(), |r| r.to_string());
            bail!(
                "{}",
                stack_deploy::retained::leftovers_message(stack, &region, &found)
            );
        }
    }
    let mut tags = args.tags.clone();
    tags.insert("app".to_owned(), config.app_name.clone());
    tags.insert("stage".to_owned(), stage.as_str().to_owned());
    let applied = apply::apply_or_stop(
        &cfn,
        &ApplyRequest {
            stack,
            template: &body,
            parameters: &params,
            tags: &tags,
            timeout,
            emulator: target.is_emulated(),
            role_arn: role_arn.as_deref(),
            store: Some(TemplateStore {
                s3: &s3,
                bucket: &bucket,
            }),
        },
        args.yes,
        args.no_execute,
    )
    .await?;
    let outputs = applied.outputs().clone();
    let pending = match &applied {
        Applied::Pending { change_set, .. } => Some(change_set.clone()),
        _ => None,
    };
    // An unexecuted change set changed nothing yet: the site waits for it.
    let site = match outputs.get(visitor_stack::outputs::SITE_BUCKET) {
        Some(bucket) if pending.is_none() => {
            Some(publish_site(&sdk, bucket, &outputs, args).await?)
        }
        _ => None,
    };
    Ok(Deployed {
        changed: matches!(applied, Applied::Changed(_)),
        outputs,
        uploaded,
        site,
        pending,
    })
}

/// Uploads `site/` and the generated `config.json`, then invalidates the
/// distribution (not on an emulator, which has no CloudFront).
async fn publish_site(
    sdk: &aws_config::SdkConfig,
    bucket: &str,
    outputs: &BTreeMap<String, String>,
    args: &DeployOptions,
) -> Result<site::Published> {
    let dir = match &args.site_dir {
        Some(dir) => dir.clone(),
        None => workspace::root()?.join("site"),
    };
    let config = site::SiteConfig::from_outputs(outputs)?;
    let files = site::collect(&dir, &config)?;
    if files.len() == 1 {
        crate::out::say!(
            "{} has no files: only {} is published",
            dir.display(),
            site::CONFIG_KEY
        );
    }
    let distribution = outputs
        .get(visitor_stack::outputs::DISTRIBUTION_ID)
        .filter(|d| !d.starts_with("local:"));
    let published = site::publish(
        sdk,
        args.record.as_ref(),
        bucket,
        &files,
        distribution.map(String::as_str),
    )
    .await
    .context("publishing the site")?;
    crate::out::say!(
        "site: {} uploaded, {} unchanged, {} removed (s3://{bucket})",
        published.uploaded.len(),
        published.unchanged,
        published.pruned.len()
    );
    if distribution.is_none() && outputs.contains_key(visitor_stack::outputs::DISTRIBUTION_ID) {
        crate::out::say!("no CloudFront on the emulator: nothing to invalidate");
    }
    Ok(published)
}

/// The `bootstrap` binary of every function: release builds for AWS (the
/// configured CPU), host debug builds for an emulator (which never runs them).
pub fn function_binaries(
    target: &Target,
    config: &StackConfig,
) -> Result<Vec<(&'static str, PathBuf)>> {
    if target.is_aws() {
        let arch = match config.architecture {
            visitor_stack::CpuArchitecture::Arm64 => Arch::Arm64,
            visitor_stack::CpuArchitecture::X86_64 => Arch::X86_64,
        };
        return Ok(build::build(arch)?
            .into_iter()
            .map(|a| (a.function, a.path))
            .collect());
    }
    let status = Command::new(workspace::cargo())
        .args([
            "build",
            "--quiet",
            "--package",
            build::FUNCTIONS_PACKAGE,
            "--bins",
        ])
        .current_dir(workspace::root()?)
        // Standard output is the command's result (`--json`): builds talk on stderr.
        .stdout(std::io::stderr())
        .status()
        .context("building the functions")?;
    if !status.success() {
        bail!("building the functions failed ({status})");
    }
    let dir = workspace::target_dir()?.join("debug");
    Ok(BINARIES
        .iter()
        .map(|(function, binary)| (*function, dir.join(binary)))
        .collect())
}

/// Writes `outputs` as one JSON object, replacing the file atomically so a
/// reader never sees half of it.
fn write_outputs_file(file: &Path, outputs: &BTreeMap<String, String>) -> Result<()> {
    let text = serde_json::to_string_pretty(outputs)? + "\n";
    let partial = file.with_extension("partial");
    std::fs::write(&partial, text)
        .with_context(|| format!("writing the outputs to {}", partial.display()))?;
    std::fs::rename(&partial, file)
        .with_context(|| format!("moving the outputs into {}", file.display()))
}

/// `config` for a site published from `dir` (its served paths), or as it
/// is (the default folder, which `ConfigArgs::load` lists).
pub fn with_site_dir<'a>(
    config: &'a StackConfig,
    dir: Option<&Path>,
) -> Result<std::borrow::Cow<'a, StackConfig>> {
    Ok(match dir {
        Some(dir) => std::borrow::Cow::Owned(StackConfig {
            site_paths: site::served_paths(dir)?,
            ..config.clone()
        }),
        None => std::borrow::Cow::Borrowed(config),
    })
}

fn print_outputs(outputs: &BTreeMap<String, String>) {
    eprintln!("outputs:");
    let width = outputs.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in outputs {
        println!("{k:<width$}  {v}");
    }
}
