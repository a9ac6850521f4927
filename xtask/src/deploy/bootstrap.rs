//! `cargo xtask bootstrap`: the bootstrap stack (`visitor_stack::bootstrap`)
//! applied through the same engine as every deploy; with `--github-repo`,
//! the OIDC provider and roles GitHub Actions deploys with.

use crate::stack_config::Load as _;
use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use visitor_stack::bootstrap::{self, outputs, GitHubDeploy, GITHUB_ISSUER};

use super::{apply, stack_status, ApplyRequest, Target, TargetArgs};
use crate::sdk_error::sdk_error;
use crate::stack_config::ConfigArgs;

/// Options of `cargo xtask bootstrap`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Creates (or updates) <app>-bootstrap: the artifact bucket, and with --github-repo the GitHub\nOIDC identity provider (an existing one is reused), a deploy role only that repository's\njobs in one GitHub environment (default `production`, the one deploy.yml uses) can assume, and the role CloudFormation changes <app>-prod with.\n\nExamples:\n  cargo xtask bootstrap --github-repo octo/resume                 # a dry run on the embedded emulator\n  cargo xtask bootstrap --aws --github-repo octo/resume --environment production"
)]
pub struct Args {
    /// The repository whose workflows deploy: OWNER/NAME.
    #[arg(long, value_name = "OWNER/NAME")]
    pub github_repo: Option<String>,
    /// The GitHub environment whose jobs may deploy (the deploy job's
    /// `environment:`); guard it with a deployment branch rule (main) and,
    /// if you like, required reviewers.
    #[arg(long, default_value = bootstrap::DEPLOY_ENVIRONMENT)]
    pub environment: String,
    /// Use this GitHub OIDC provider instead of finding or creating one.
    #[arg(long, value_name = "ARN")]
    pub oidc_provider_arn: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: &Args) -> Result<()> {
    let config = args.config.load()?;
    let runtime = tokio::runtime::Runtime::new()?;
    crate::signals::block_on(&runtime, async {
        let target = args.target.resolve()?;
        let applied = apply_bootstrap(&target, &config, args).await?;
        print_settings(&config.app_name, &args.environment, &applied);
        Ok(())
    })
}

/// Applies the bootstrap stack; returns its outputs.
pub async fn apply_bootstrap(
    target: &Target,
    config: &visitor_stack::StackConfig,
    args: &Args,
) -> Result<BTreeMap<String, String>> {
    let sdk = target.sdk_config().await;
    super::announce(target, &sdk, None, "bootstrapping on").await?;
    let name = bootstrap::stack_name(&config.app_name);
    let github = match &args.github_repo {
        Some(repo) => Some(GitHubDeploy {
            repo: repo.clone(),
            environment: args.environment.clone(),
            existing_provider_arn: match &args.oidc_provider_arn {
                Some(arn) => Some(arn.clone()),
                None => existing_provider(&sdk, &name).await?,
            },
        }),
        None => None,
    };
    if let Some(arn) = github
        .as_ref()
        .and_then(|g| g.existing_provider_arn.as_ref())
    {
        crate::out::say!("using the account's GitHub OIDC provider {arn}");
    }
    let template = bootstrap::bootstrap(config, github.as_ref())?;
    let rendered = template.render()?;
    let applied = apply(
        &aws_sdk_cloudformation::Client::new(&sdk),
        &ApplyRequest {
            stack: &name,
            template: rendered.json_text(),
            parameters: &BTreeMap::new(),
            tags: &BTreeMap::from([("app".to_owned(), config.app_name.clone())]),
            timeout: Duration::from_secs(15 * 60),
            emulator: target.is_emulated(),
            role_arn: None,
            // The bootstrap stack creates the bucket; it is small enough.
            store: None,
        },
        args.yes,
    )
    .await
    .with_context(|| format!("applying {name}"))?;
    Ok(applied.outputs().clone())
}

/// The account's GitHub OIDC provider, unless it is the one this bootstrap
/// stack created (which it keeps managing).
async fn existing_provider(sdk: &aws_config::SdkConfig, stack: &str) -> Result<Option<String>> {
    let iam = aws_sdk_iam::Client::new(sdk);
    let listed = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(sdk_error)
        .context("listing the account's OIDC providers")?;
    let found = listed
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .find(|arn| arn.ends_with(&format!("oidc-provider/{GITHUB_ISSUER}")))
        .map(str::to_owned);
    let Some(found) = found else {
        return Ok(None);
    };
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    if stack_status(&cfn, stack).await?.is_some() {
        let ours = cfn
            .describe_stack_resource()
            .stack_name(stack)
            .logical_resource_id("GitHubOidc")
            .send()
            .await
            .ok()
            .and_then(|r| r.stack_resource_detail)
            .and_then(|d| d.physical_resource_id);
        if ours.as_deref() == Some(found.as_str()) {
            return Ok(None);
        }
    }
    Ok(Some(found))
}

fn print_settings(app: &str, environment: &str, outputs: &BTreeMap<String, String>) {
    eprintln!("outputs:");
    for (k, v) in outputs {
        println!("{k:<18} {v}");
    }
    let Some(role) = outputs.get(outputs::DEPLOY_ROLE) else {
        return;
    };
    eprintln!(
        "\nThe deploy role trusts jobs in the GitHub environment `{environment}` only. In the repository's\n  Settings -> Environments: create `{environment}`; under Deployment branches and tags choose\n    Selected branches and add `main` (so only main's runs get its token); add required\n    reviewers if a person should approve each deploy.\n  Settings -> Secrets and variables -> Actions: add the secret\n    {} = {role}\nThen every push to main that passes CI deploys {} (.github/workflows/deploy.yml).",
        bootstrap::DEPLOY_ROLE_SECRET,
        bootstrap::prod_stack_name(app)
    );
    if let Some(diff) = outputs.get(outputs::DIFF_ROLE) {
        eprintln!(
            "For the deployed diff in each pull request's CI summary, add the secret\n    {} = {diff}\n(a read-only role: it reads {}'s template; without it CI shows the snapshot diff).",
            bootstrap::DIFF_ROLE_SECRET,
            bootstrap::prod_stack_name(app)
        );
    }
}

/// Fails unless `outputs` name the artifact bucket.
pub fn artifact_bucket(name: &str, outputs: &BTreeMap<String, String>) -> Result<String> {
    match outputs.get(outputs::ARTIFACT_BUCKET) {
        Some(b) => Ok(b.clone()),
        None => bail!(
            "the bootstrap stack {name} has no {} output",
            outputs::ARTIFACT_BUCKET
        ),
    }
}
