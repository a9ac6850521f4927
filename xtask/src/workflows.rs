//! The workflows step beyond actionlint: `.github/workflows` as GitHub runs
//! them (the `workflow-check` crate's model) against this project: every
//! run step stops on a failed pipe, every deploying job's OIDC token
//! matches the bootstrap stack's deploy role, no pull-request job's does,
//! every `cargo xtask` call parses, and the scripts pass shellcheck.

use std::path::Path;

use anyhow::{bail, Result};
use clap::Parser;
use infra::access::eval::Policy;
use visitor_stack::bootstrap::{self, GitHubDeploy};
use workflow_check::{Problem, Repo};

use crate::pyenv::PyEnv;

/// The repository the checks build the trust policy for (any would do: the
/// workflows name no repository, GitHub fills in their own).
pub const REPO: Repo<'static> = Repo {
    owner: "octo",
    name: "resume",
    default_branch: "main",
};

/// The deploy role's trust policy of the bootstrap stack `cargo xtask
/// bootstrap --github-repo OWNER/NAME` creates (its default environment).
pub fn deploy_trust_policy(repo: &Repo<'_>) -> Result<Policy> {
    let github = GitHubDeploy {
        repo: format!("{}/{}", repo.owner, repo.name),
        environment: bootstrap::DEPLOY_ENVIRONMENT.into(),
        existing_provider_arn: None,
    };
    let template = bootstrap::bootstrap(&visitor_stack::StackConfig::default(), Some(&github))?;
    let rendered = template.render()?;
    let trust =
        &rendered.json()["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"];
    Ok(Policy::parse("DeployRole trust policy", trust)?)
}

/// The OIDC problems of `workflows` against this project's deploy role.
pub fn oidc_problems(
    workflows: &[workflow_check::Workflow],
    trust: &Policy,
) -> Result<Vec<Problem>> {
    Ok(workflow_check::oidc_problems(
        workflows,
        &REPO,
        trust,
        bootstrap::DEPLOY_ENVIRONMENT,
    )?)
}

/// The whole check of `.github/workflows` beyond actionlint: shells, OIDC,
/// the xtask calls, shellcheck. Prints a line per part.
pub fn check(root: &Path) -> Result<()> {
    let workflows = workflow_check::load(&root.join(".github/workflows"))?;
    let mut problems = workflow_check::shell_problems(&workflows);
    problems.extend(oidc_problems(&workflows, &deploy_trust_policy(&REPO)?)?);
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
        "every run step stops on a failed pipe; every deploying job's OIDC token matches the deploy role's trust policy; no pull-request job's does; {} cargo xtask calls parse",
        commands.len()
    );
    let shellcheck = PyEnv::ensure()?.bin("shellcheck");
    let checked = workflow_check::shellcheck(&workflows, &shellcheck)?;
    crate::out::say!("{checked} run scripts pass shellcheck");
    Ok(())
}

#[cfg(test)]
mod tests;
