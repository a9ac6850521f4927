//! What GitHub Actions does with a repository's `.github/workflows`, modelled
//! so that it can be checked where no emulator runs GitHub: every `run:`
//! step's shell fails on a failed pipe, the scripts pass shellcheck, and the
//! OIDC token of every job that assumes a role carries a subject and
//! audience the role's trust policy (evaluated with `infra::access`) allows,
//! while no pull-request job's token is one a deploying role would take.
//! Typed errors; nothing printed.
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
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use infra::access::eval::{evaluate, Context as RequestContext, Decision, Policy, Request};
use serde_json::Value;

/// The action that exchanges a job's OIDC token for a role.
pub const CREDENTIALS_ACTION: &str = "aws-actions/configure-aws-credentials";
/// The audience that action asks for unless told otherwise.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// GitHub's OIDC issuer, the prefix of the token's claims in IAM conditions
/// (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services>).
pub const ISSUER: &str = "token.actions.githubusercontent.com";
/// Events whose runs carry the pull request's code.
const PULL_REQUEST_EVENTS: [&str; 2] = ["pull_request", "pull_request_target"];

/// The repository the workflows run in, as the token names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repo<'a> {
    /// Its owner.
    pub owner: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its default branch (a `workflow_run` run's ref).
    pub default_branch: &'a str,
}

/// Why the workflows could not be checked, or what the check found.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// A file or folder could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A workflow is not YAML.
    #[error("{} is not valid YAML: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The trust policy could not be evaluated.
    #[error("evaluating the trust policy: {0}")]
    Policy(String),
    /// shellcheck could not be run.
    #[error("running shellcheck ({program})")]
    Shellcheck {
        /// The program.
        program: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// shellcheck found problems, one entry per script.
    #[error("shellcheck found problems:\n{}", .0.join("\n"))]
    ShellcheckFindings(Vec<String>),
}

/// The workflows' result.
pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

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
        let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| WorkflowError::Yaml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
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
        .map_err(|source| WorkflowError::Read {
            path: dir.to_owned(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|source| WorkflowError::Read {
                path: p.clone(),
                source,
            })?;
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
pub fn script_for_shellcheck(script: &str) -> String {
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

/// Runs shellcheck (`program`) on every `run:` script; returns how many it
/// checked.
pub fn shellcheck(workflows: &[Workflow], program: &Path) -> Result<usize> {
    let steps = run_steps(workflows);
    let mut failures = Vec::new();
    let failed = |source| WorkflowError::Shellcheck {
        program: program.to_owned(),
        source,
    };
    for step in &steps {
        let mut child = Command::new(program)
            .args(["--shell=bash", "--severity=style", "--format=gcc", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(failed)?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(script_for_shellcheck(step.script).as_bytes())
                .map_err(failed)?;
        }
        let out = child.wait_with_output().map_err(failed)?;
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
        return Err(WorkflowError::ShellcheckFindings(failures));
    }
    Ok(steps.len())
}

/// Every command line starting with `program` (`cargo xtask`) of every
/// `run:` script, up to the first pipe, redirection or list operator, as
/// arguments after `program`: the workflows' calls of a command line, for
/// checking against its parser.
pub fn commands(workflows: &[Workflow], program: &str) -> Vec<(String, Vec<String>)> {
    let mut commands = Vec::new();
    for step in run_steps(workflows) {
        for line in step.script.lines() {
            let line = line.trim();
            let line = line.strip_prefix("exec ").unwrap_or(line);
            let Some(rest) = line.strip_prefix(program) else {
                continue;
            };
            if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
                continue;
            }
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
    /// What that step's `role-to-assume` says (`${{ secrets.NAME }}`).
    pub role: Option<String>,
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

/// The token's `sub` for a job in `environment`
/// (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#filtering-for-a-specific-environment>).
pub fn environment_subject(repo: &Repo<'_>, environment: &str) -> String {
    format!(
        "repo:{}/{}:environment:{environment}",
        repo.owner, repo.name
    )
}

/// Every (job, event) pair of every workflow, with the token GitHub would
/// give it in `repo`.
pub fn token_uses(workflows: &[Workflow], repo: &Repo<'_>) -> Vec<TokenUse> {
    let (owner, name) = (repo.owner, repo.name);
    let mut uses = Vec::new();
    for w in workflows {
        for event in w.events() {
            for (job_id, job) in w.jobs().filter(|(_, job)| may_run_on(job, &event)) {
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
                let environment = match &job["environment"] {
                    Value::String(e) => Some(e.clone()),
                    Value::Object(map) => {
                        map.get("name").and_then(Value::as_str).map(str::to_owned)
                    }
                    _ => None,
                };
                let subject = match environment {
                    Some(env) => environment_subject(repo, &env),
                    None if PULL_REQUEST_EVENTS.contains(&event.as_str()) => {
                        format!("repo:{owner}/{name}:pull_request")
                    }
                    None => format!("repo:{owner}/{name}:ref:refs/heads/{}", repo.default_branch),
                };
                // One use per credentials step (each may name its own role
                // and audience); a job with none still holds a token.
                let steps: Vec<Option<&Value>> = if credentials.is_empty() {
                    vec![None]
                } else {
                    credentials.into_iter().map(Some).collect()
                };
                for step in steps {
                    uses.push(TokenUse {
                        place: format!("{}: job {job_id}", w.file()),
                        event: event.clone(),
                        can_request_token,
                        assumes_role: step.is_some(),
                        role: step
                            .and_then(|s| s["with"]["role-to-assume"].as_str())
                            .map(str::to_owned),
                        subject: subject.clone(),
                        audience: step
                            .and_then(|s| s["with"]["audience"].as_str())
                            .unwrap_or(DEFAULT_AUDIENCE)
                            .to_owned(),
                    });
                }
            }
        }
    }
    uses
}

/// Whether `trust` lets a token with `subject` and `audience` assume the role.
pub fn trust_allows(trust: &Policy, subject: &str, audience: &str) -> Result<bool> {
    let context = RequestContext::new()
        .with(&format!("{ISSUER}:sub"), subject)
        .with(&format!("{ISSUER}:aud"), audience);
    let decision = evaluate(
        std::slice::from_ref(trust),
        None,
        &Request {
            action: "sts:AssumeRoleWithWebIdentity",
            resource: "*",
            context: &context,
        },
    )
    .map_err(|e| WorkflowError::Policy(e.to_string()))?;
    Ok(matches!(decision, Decision::Allow(_)))
}

/// Whether `job` may run for `event`, as far as its `if:` tells: each
/// `github.event_name == 'E'` (or `!=`) term of an `&&` chain decides;
/// any other condition might hold, so the job counts as running
/// (<https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idif>).
fn may_run_on(job: &Value, event: &str) -> bool {
    let Some(condition) = job["if"].as_str() else {
        return true;
    };
    let condition = condition.trim();
    let condition = condition
        .strip_prefix("${{")
        .and_then(|c| c.strip_suffix("}}"))
        .unwrap_or(condition);
    if condition.contains("||") {
        return true;
    }
    condition.split("&&").all(|term| {
        let term = term.trim();
        let named = |op: &str| {
            term.strip_prefix("github.event_name")
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix(op))
                .map(|rest| rest.trim().trim_matches(|c| c == '\'' || c == '"'))
        };
        // GitHub compares strings ignoring case
        // (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions#operators).
        match (named("=="), named("!=")) {
            (Some(only), _) => only.eq_ignore_ascii_case(event),
            (_, Some(not)) => !not.eq_ignore_ascii_case(event),
            _ => true,
        }
    })
}

/// A role the workflows may assume, as its trust policy says.
#[derive(Debug, Clone, Copy)]
pub struct TrustedRole<'a> {
    /// What messages call it (`deploy role`).
    pub name: &'a str,
    /// The expression a credentials step names it by
    /// (`secrets.AWS_DEPLOY_ROLE_ARN`).
    pub input: &'a str,
    /// Its trust policy.
    pub trust: &'a Policy,
    /// Whether pull-request jobs are meant to assume it (a read-only
    /// role); one that is not must trust no pull request's token.
    pub pull_requests: bool,
}

fn names_input(role_to_assume: &str, input: &str) -> bool {
    let words: String = role_to_assume.split_whitespace().collect();
    words == format!("${{{{{input}}}}}")
}

/// The OIDC problems: a job that assumes a role without getting a token,
/// with a token the role's trust policy refuses, or naming a role none of
/// `roles` is; a pull-request job whose token a role not meant for pull
/// requests would accept. Also a problem: no job assumes the first role
/// (the deploy role). `environment` is the one the deploy role is meant
/// to trust, for the messages.
pub fn oidc_problems(
    workflows: &[Workflow],
    repo: &Repo<'_>,
    roles: &[TrustedRole<'_>],
    environment: &str,
) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let mut deploying = 0;
    for u in token_uses(workflows, repo) {
        let on_pull_request = PULL_REQUEST_EVENTS.contains(&u.event.as_str());
        if on_pull_request && (u.can_request_token || u.assumes_role) {
            for role in roles.iter().filter(|r| !r.pull_requests) {
                if trust_allows(role.trust, &u.subject, &u.audience)? {
                    problems.push(Problem {
                        place: u.place.clone(),
                        message: format!(
                            "runs on {} with a token (sub {}) the {} trusts: a pull request could deploy; remove its environment or its id-token permission",
                            u.event, u.subject, role.name
                        ),
                    });
                }
            }
        }
        let Some(role_to_assume) = u.role.as_deref().filter(|_| u.assumes_role) else {
            continue;
        };
        let Some(role) = roles.iter().find(|r| names_input(role_to_assume, r.input)) else {
            let known: Vec<String> = roles
                .iter()
                .map(|r| format!("${{{{ {} }}}}", r.input))
                .collect();
            problems.push(Problem {
                place: u.place.clone(),
                message: format!(
                    "assumes `{role_to_assume}`, which is none of the roles the bootstrap stack makes: name one as {}",
                    known.join(" or ")
                ),
            });
            continue;
        };
        if !on_pull_request && roles.first().is_some_and(|first| std::ptr::eq(first, role)) {
            deploying += 1;
        }
        if !u.can_request_token {
            problems.push(Problem {
                place: u.place.clone(),
                message: format!(
                    "assumes the {} but has no `id-token: write` permission, so GitHub gives it no OIDC token",
                    role.name
                ),
            });
        }
        if !trust_allows(role.trust, &u.subject, &u.audience)? {
            let meant = if role.pull_requests {
                "it trusts the repository's pull requests; run it on pull_request without an environment".to_owned()
            } else {
                format!("it trusts environment `{environment}`; run the job in that environment or bootstrap with --environment")
            };
            problems.push(Problem {
                place: u.place.clone(),
                message: format!(
                    "on {} its token has sub `{}` and aud `{}`, which the {}'s trust policy refuses ({meant})",
                    u.event, u.subject, u.audience, role.name
                ),
            });
        }
    }
    if let Some(first) = roles.first().filter(|_| deploying == 0) {
        problems.push(Problem {
            place: "workflows".into(),
            message: format!(
                "no job assumes the {} through {CREDENTIALS_ACTION}",
                first.name
            ),
        });
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflow(name: &str, yaml: &str) -> Workflow {
        Workflow::parse(Path::new(name), yaml).unwrap()
    }

    const REPO: Repo<'static> = Repo {
        owner: "o",
        name: "n",
        default_branch: "trunk",
    };

    #[test]
    fn a_step_without_bash_ignores_a_failed_pipe() {
        let w = workflow(
            "ci.yml",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Deploy\n        run: cargo xtask deploy | tee out.txt\n      - run: echo ok\n        shell: bash\n  b:\n    runs-on: ubuntu-latest\n    defaults:\n      run:\n        shell: bash\n    steps:\n      - run: echo ok\n      - run: echo sh\n        shell: sh\n",
        );
        let problems = shell_problems(&[w]);
        let places: Vec<&str> = problems.iter().map(|p| p.place.as_str()).collect();
        assert_eq!(
            places,
            ["ci.yml: job a, step `Deploy`", "ci.yml: job b, step 2"],
            "{problems:?}"
        );
        assert!(problems[0].message.contains("GitHub's default"));
    }

    #[test]
    fn expressions_become_words_for_shellcheck() {
        let script =
            script_for_shellcheck("echo \"${{ github.sha }}\" > \"$GITHUB_STEP_SUMMARY\"\n");
        assert!(script.ends_with("echo \"GITHUB_EXPRESSION\" > \"$GITHUB_STEP_SUMMARY\"\n"));
    }

    #[test]
    fn each_event_gets_the_subject_github_gives_it() {
        let w = workflow(
            "d.yml",
            "on: [push, pull_request, workflow_run]\npermissions:\n  id-token: write\njobs:\n  a_plain:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n  b_env:\n    runs-on: ubuntu-latest\n    environment: { name: production }\n    permissions: {}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/r\n          audience: custom\n",
        );
        let uses = token_uses(&[w], &REPO);
        let seen: Vec<(&str, &str, &str, bool, bool)> = uses
            .iter()
            .map(|u| {
                (
                    u.event.as_str(),
                    u.subject.as_str(),
                    u.audience.as_str(),
                    u.can_request_token,
                    u.assumes_role,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "push",
                    "repo:o/n:ref:refs/heads/trunk",
                    DEFAULT_AUDIENCE,
                    true,
                    false
                ),
                (
                    "push",
                    "repo:o/n:environment:production",
                    "custom",
                    false,
                    true
                ),
                (
                    "pull_request",
                    "repo:o/n:pull_request",
                    DEFAULT_AUDIENCE,
                    true,
                    false
                ),
                (
                    "pull_request",
                    "repo:o/n:environment:production",
                    "custom",
                    false,
                    true
                ),
                (
                    "workflow_run",
                    "repo:o/n:ref:refs/heads/trunk",
                    DEFAULT_AUDIENCE,
                    true,
                    false
                ),
                (
                    "workflow_run",
                    "repo:o/n:environment:production",
                    "custom",
                    false,
                    true
                ),
            ]
        );
    }

    #[test]
    fn a_jobs_if_on_the_event_name_decides_which_events_it_runs_on() {
        let job = |condition: &str| serde_json::json!({ "if": condition });
        assert!(may_run_on(&serde_json::json!({}), "push"));
        let pr_only = job("github.event_name == 'pull_request'");
        assert!(may_run_on(&pr_only, "pull_request"));
        assert!(!may_run_on(&pr_only, "push"));
        let wrapped = job("${{ github.event_name=='push' && vars.X != '' }}");
        assert!(may_run_on(&wrapped, "push"));
        assert!(!may_run_on(&wrapped, "pull_request"));
        assert!(!may_run_on(&job("github.event_name != \"push\""), "push"));
        // Case does not matter to GitHub.
        assert!(may_run_on(
            &job("github.event_name == 'Pull_Request'"),
            "pull_request"
        ));
        // Conditions the model cannot decide count as running.
        assert!(may_run_on(
            &job("github.event_name == 'push' || always()"),
            "pull_request"
        ));
        assert!(may_run_on(&job("success()"), "pull_request"));
    }

    #[test]
    fn a_role_is_named_by_its_expression() {
        assert!(names_input(
            "${{ secrets.AWS_DEPLOY_ROLE_ARN }}",
            "secrets.AWS_DEPLOY_ROLE_ARN"
        ));
        assert!(names_input("${{vars.R}}", "vars.R"));
        assert!(!names_input("${{ vars.R2 }}", "vars.R"));
        assert!(!names_input("arn:aws:iam::1:role/r", "vars.R"));
    }

    #[test]
    fn commands_stop_at_pipes_and_need_the_whole_program_name() {
        let w = workflow(
            "c.yml",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          cargo xtask test --step lint 2>&1 | tee log\n          exec cargo xtask deploy --yes\n          cargo xtasks nope\n",
        );
        let found: Vec<Vec<String>> = commands(&[w], "cargo xtask")
            .into_iter()
            .map(|(_, args)| args)
            .collect();
        assert_eq!(
            found,
            [
                vec!["test".to_owned(), "--step".into(), "lint".into()],
                vec!["deploy".to_owned(), "--yes".into()],
            ]
        );
    }
}
