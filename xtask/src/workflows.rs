//! The workflows step beyond actionlint: `.github/workflows` as GitHub runs
//! them (the `workflow-check` crate's model) against this project: every
//! run step stops on a failed pipe, every job's OIDC token matches the
//! bootstrap stack's role it assumes (deploy or diff), no pull-request
//! job's matches the deploy role,
//! every `cargo xtask` call parses, and the scripts pass shellcheck.

use std::path::Path;

use anyhow::{bail, Result};
use clap::Parser;
use infra::access::eval::Policy;
use visitor_stack::bootstrap::{self, GitHubDeploy};
use workflow_check::{Problem, Repo, TrustedRole};

use crate::pyenv::PyEnv;

/// The repository the checks build the trust policy for (any would do: the
/// workflows name no repository, GitHub fills in their own).
pub const REPO: Repo<'static> = Repo {
    owner: "octo",
    name: "resume",
    default_branch: "main",
};

/// The bootstrap stack `cargo xtask bootstrap --github-repo OWNER/NAME`
/// creates (its default environment), rendered.
fn bootstrap_template(repo: &Repo<'_>) -> Result<serde_json::Value> {
    let github = GitHubDeploy {
        repo: format!("{}/{}", repo.owner, repo.name),
        environment: bootstrap::DEPLOY_ENVIRONMENT.into(),
        existing_provider_arn: None,
    };
    let template = bootstrap::bootstrap(&visitor_stack::StackConfig::default(), Some(&github))?;
    Ok(template.render()?.json().clone())
}

/// The trust policy of the bootstrap stack's role `logical_id`.
fn trust_policy(template: &serde_json::Value, logical_id: &str) -> Result<Policy> {
    let trust = &template["Resources"][logical_id]["Properties"]["AssumeRolePolicyDocument"];
    Ok(Policy::parse(format!("{logical_id} trust policy"), trust)?)
}

/// The trust policies of the bootstrap stack's GitHub roles: the deploy
/// role's, then the diff role's.
pub fn trust_policies(repo: &Repo<'_>) -> Result<[Policy; 2]> {
    let template = bootstrap_template(repo)?;
    Ok([
        trust_policy(&template, "DeployRole")?,
        trust_policy(&template, "DiffRole")?,
    ])
}

/// The OIDC problems of `workflows` against this project's roles: the
/// deploy role (`deploy`, its ARN the secret deploy.yml names) and the
/// read-only diff role (`diff`, the secret ci.yml names).
pub fn oidc_problems(
    workflows: &[workflow_check::Workflow],
    deploy: &Policy,
    diff: &Policy,
) -> Result<Vec<Problem>> {
    let deploy_input = format!("secrets.{}", bootstrap::DEPLOY_ROLE_SECRET);
    let diff_input = format!("secrets.{}", bootstrap::DIFF_ROLE_SECRET);
    let roles = [
        TrustedRole {
            name: "deploy role",
            input: &deploy_input,
            trust: deploy,
            pull_requests: false,
        },
        TrustedRole {
            name: "diff role",
            input: &diff_input,
            trust: diff,
            pull_requests: true,
        },
    ];
    Ok(workflow_check::oidc_problems(
        workflows,
        &REPO,
        &roles,
        bootstrap::DEPLOY_ENVIRONMENT,
    )?)
}

/// The whole check of `.github/workflows` beyond actionlint: shells, OIDC,
/// the xtask calls, shellcheck. Prints a line per part.
pub fn check(root: &Path) -> Result<()> {
    let workflows = workflow_check::load(&root.join(".github/workflows"))?;
    let mut problems = workflow_check::shell_problems(&workflows);
    let [deploy, diff] = trust_policies(&REPO)?;
    problems.extend(oidc_problems(&workflows, &deploy, &diff)?);
    let commands = workflow_check::commands(&workflows, "cargo xtask");
    problems.extend(commands.iter().filter_map(|(place, args)| {
        let argv = std::iter::once("cargo-xtask".to_owned()).chain(args.iter().cloned());
        crate::Cli::try_parse_from(argv).err().map(|e| Problem {
            place: place.clone(),
            message: format!(
                "`cargo xtask {}` does not parse: {}",
                args.join(" "),
                e.render().to_string().lines().next().unwrap_or_default()
            ),
        })
    }));
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        bail!(
            "the workflows would misbehave on GitHub:\n{}",
            lines.join("\n")
        );
    }
    crate::out::say!(
        "every run step stops on a failed pipe; every job's OIDC token matches the trust policy of the role it assumes (deploy or diff); no pull-request job's matches the deploy role's; {} cargo xtask calls parse",
        commands.len()
    );
    let shellcheck = PyEnv::ensure()?.bin("shellcheck");
    let checked = workflow_check::shellcheck(&workflows, &shellcheck)?;
    crate::out::say!("{checked} run scripts pass shellcheck");
    Ok(())
}

#[cfg(test)]
mod tests;
