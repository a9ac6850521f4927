//! `cargo xtask diff`: what a deploy of a stage would change, property by
//! property, with replacements marked and the security-relevant changes
//! apart (infra::diff); against the deployed stack on an endpoint or AWS,
//! or, by default, against the stage's reviewed snapshot.

use std::path::Path;

use anyhow::{bail, Context, Result};
use visitor_stack::Stage;

use access_record::Recorder;

use crate::deploy::{emulate, with_site_dir, Target, TargetArgs};
use crate::stack_config::{ConfigArgs, Load as _};
use crate::synth::StageArg;
use crate::workspace;

/// Options of `cargo xtask diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Compared with:
  (default)        the stage's reviewed snapshot, snapshots/<stage>.snap (what a pull request shows)
  --endpoint URL   the stack deployed on that emulator (the new template as the emulator takes it)
  --aws            the stack deployed on AWS (--profile, --region as for deploy)

Each changed value is printed with its JSON path, old -> new; [replaced] marks a resource
CloudFormation would replace (a create-only property of its type changed), and the security
table lists IAM statements, trust and resource policies, invoke permissions, public access,
security group rules and unauthenticated routes added or removed.

Examples:
  cargo xtask diff --stage prod
  cargo xtask diff --aws --stage prod --stack resume
  cargo xtask diff --endpoint http://127.0.0.1:5000 --stage test --stack resume-dev --json
  cargo xtask diff --stage prod --fail      # exit 1 when anything differs")]
pub struct Args {
    /// Which stage.
    #[arg(long, value_enum, default_value_t = StageArg::Test)]
    pub stage: StageArg,
    /// The deployed stack [default: <app>-<stage>]; with --endpoint or --aws only.
    #[arg(long)]
    pub stack: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print one JSON object (resources, parts, security) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 when anything differs.
    #[arg(long)]
    pub fail: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// The diff of the stage against what it is compared with, and a line
/// saying what that was.
pub async fn diff(args: &Args) -> Result<(infra::diff::TemplateDiff, String)> {
    let config = args.config.load()?;
    let stage: Stage = crate::synth::stage(args.stage);
    let config = with_site_dir(&config, None)?;
    let rendered = visitor_stack::build(stage, &config)?.render()?;
    let remote = args.target.endpoint.is_some() || args.target.aws;
    if !remote {
        if args.stack.is_some() {
            bail!("--stack names a deployed stack: give --endpoint URL or --aws with it");
        }
        let path = workspace::root()?.join(format!("snapshots/{}.snap", stage.as_str()));
        let old = snapshot(&path)?;
        let what = format!("against the reviewed snapshot {}", path.display());
        return Ok((infra::diff::diff(&old, rendered.json()), what));
    }
    let stack = args
        .stack
        .clone()
        .unwrap_or_else(|| format!("{}-{}", config.app_name, stage.as_str()));
    let target = args.target.resolve()?;
    against_deployed(&target, rendered.json(), &stack, None).await
}

/// `template` against stack `stack` deployed on `target`, the calls
/// recorded into `record` (the diff role's access check).
pub async fn against_deployed(
    target: &Target,
    template: &serde_json::Value,
    stack: &str,
    record: Option<&Recorder>,
) -> Result<(infra::diff::TemplateDiff, String)> {
    let sdk = target.sdk_config().await;
    crate::deploy::announce(target, &sdk, record, "comparing with").await?;
    let cfn = crate::clients::cloudformation(&sdk, record);
    let new = if target.is_emulated() {
        emulate::for_emulator(template).template
    } else {
        template.clone()
    };
    let (old, what) = match stack_deploy::deployed::template(&cfn, stack).await? {
        Some(old) => (
            old,
            format!("against stack {stack} on {}", target.describe()),
        ),
        None => (
            serde_json::json!({}),
            format!(
                "stack {stack} does not exist on {}: everything is added",
                target.describe()
            ),
        ),
    };
    Ok((infra::diff::diff(&old, &new), what))
}

/// The template a snapshot file holds (insta's header, then the JSON).
fn snapshot(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {}; `cargo test -p visitor-stack` writes the snapshots",
            path.display()
        )
    })?;
    let body = text
        .strip_prefix("---")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text.as_str(), |(_, body)| body);
    serde_json::from_str(body).with_context(|| format!("{} holds no JSON template", path.display()))
}

pub fn run(args: &Args) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let (diff, what) = crate::signals::block_on(&runtime, diff(args))?;
    if args.json {
        println!("{}", diff.to_json());
    } else {
        crate::out::say!("{what}");
        print!("{diff}");
        let replaced: Vec<&str> = diff.replacements().map(|r| r.logical_id.as_str()).collect();
        if !replaced.is_empty() {
            crate::out::say!(
                "{} replaced (a new physical resource; the old one is deleted unless retained): {}",
                replaced.len(),
                replaced.join(", ")
            );
        }
    }
    if args.fail && !diff.is_empty() {
        bail!("the template differs ({} resources)", diff.resources.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(flags: &[&str]) -> Args {
        Cli::try_parse_from(std::iter::once("diff").chain(flags.iter().copied()))
            .unwrap()
            .args
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deployed_stack_is_diffed_by_path_with_its_security_changes() {
        let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
        let target = crate::deploy::Target::Endpoint(moto.endpoint().to_owned());
        let config = ConfigArgs::default().load().unwrap();
        crate::deploy::deploy(
            &target,
            Stage::Test,
            "dd",
            &config,
            &crate::deploy::tests::options(),
        )
        .await
        .unwrap();
        let endpoint = moto.endpoint().to_owned();
        let same = args(&["--endpoint", &endpoint, "--stack", "dd"]);
        let (unchanged, what) = diff(&same).await.unwrap();
        assert!(unchanged.is_empty(), "{what}:\n{unchanged}");

        let changed = args(&[
            "--endpoint",
            &endpoint,
            "--stack",
            "dd",
            "--log-retention-days",
            "7",
            "--ip-storage",
            "hashed",
        ]);
        let (d, what) = diff(&changed).await.unwrap();
        assert!(what.contains("against stack dd"), "{what}");
        let logs = d
            .resources
            .iter()
            .find(|r| r.logical_id == "ProcessorLogs")
            .unwrap();
        assert_eq!(
            logs.changes[0].path.to_string(),
            "Properties.RetentionInDays"
        );
        assert_eq!(logs.changes[0].new, Some(serde_json::json!(7)));
        assert!(!logs.replaced);
        // Hashed addresses let the processor delete old daily salts.
        assert!(
            d.security.iter().any(|c| c.sign == infra::diff::Sign::Added
                && c.what == "IAM statement"
                && c.actions.contains("dynamodb:DeleteItem")),
            "{d}"
        );

        let missing = args(&["--endpoint", &endpoint, "--stack", "nope"]);
        let (all, what) = diff(&missing).await.unwrap();
        assert!(what.contains("does not exist"), "{what}");
        assert!(all
            .resources
            .iter()
            .all(|r| r.kind == infra::diff::Kind::Added));
    }

    #[tokio::test]
    async fn the_default_compares_with_the_reviewed_snapshot() {
        let (d, what) = diff(&args(&["--stage", "prod"])).await.unwrap();
        assert!(what.contains("snapshots/prod.snap"), "{what}");
        assert!(d.is_empty(), "the snapshot is fresh:\n{d}");
        let err = diff(&args(&["--stack", "x"]))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("--endpoint URL or --aws"), "{err}");
    }
}
