use super::*;
use std::path::Path;
use workflow_check::{
    load, shell_problems, shellcheck, token_uses, trust_allows, TokenUse, Workflow,
};

fn workflow(name: &str, yaml: &str) -> Workflow {
    Workflow::parse(Path::new(name), yaml).unwrap()
}

fn trust() -> Policy {
    let [deploy, _] = trust_policies(&REPO).unwrap();
    deploy
}

/// The OIDC problems against the bootstrap stack's two roles.
fn problems_of(workflows: &[Workflow]) -> Vec<Problem> {
    let [deploy, diff] = trust_policies(&REPO).unwrap();
    oidc_problems(workflows, &deploy, &diff).unwrap()
}

fn repo_workflows() -> Vec<Workflow> {
    let root = crate::workspace::root().unwrap();
    load(&root.join(".github/workflows")).unwrap()
}

/// The shape of deploy.yml's job, with what varies filled in.
fn deploy_job(on: &str, environment: &str, permissions: &str) -> Workflow {
    workflow(
        "deploy.yml",
        &format!(
            "on: {on}\n{permissions}\ndefaults:\n  run:\n    shell: bash\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n{environment}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: ${{{{ secrets.AWS_DEPLOY_ROLE_ARN }}}}\n          aws-region: us-east-1\n      - run: cargo xtask deploy --aws --stage prod --yes\n"
        ),
    )
}

#[test]
fn the_repositorys_workflows_deploy_with_a_trusted_token_and_fail_on_a_failed_pipe() {
    let workflows = repo_workflows();
    assert!(workflows.len() >= 2);
    assert_eq!(shell_problems(&workflows), Vec::<Problem>::new());
    assert_eq!(problems_of(&workflows), Vec::<Problem>::new());
    // The deploy job is what the check found, with the environment's subject.
    let assuming = |input: &str| -> Vec<TokenUse> {
        token_uses(&workflows, &REPO)
            .into_iter()
            .filter(|u| u.assumes_role && u.role.as_deref().is_some_and(|r| r.contains(input)))
            .collect()
    };
    let deploy = assuming(bootstrap::DEPLOY_ROLE_SECRET);
    assert_eq!(deploy.len(), 1, "{deploy:?}");
    assert_eq!(deploy[0].subject, "repo:octo/resume:environment:production");
    assert_eq!(deploy[0].audience, "sts.amazonaws.com");
    assert!(deploy[0].can_request_token);
    // ci.yml's diff job, on pull requests only, with the pull request's subject.
    let diff = assuming(bootstrap::DIFF_ROLE_SECRET);
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!(diff[0].event, "pull_request");
    assert_eq!(diff[0].subject, "repo:octo/resume:pull_request");
    assert!(diff[0].can_request_token);
}

/// The shape of ci.yml's diff job, with what varies filled in.
fn diff_job(condition: &str, environment: &str, role: &str) -> Workflow {
    workflow(
        "ci.yml",
        &format!(
            "on: [push, pull_request]\npermissions:\n  contents: read\ndefaults:\n  run:\n    shell: bash\njobs:\n  diff:\n    {condition}\n    runs-on: ubuntu-latest\n{environment}\n    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: ${{{{ {role} }}}}\n          aws-region: us-east-1\n      - run: cargo xtask diff --aws --stage prod\n"
        ),
    )
}

#[test]
fn the_diff_role_is_for_pull_requests_only() {
    let ok = diff_job(
        "if: github.event_name == 'pull_request'",
        "",
        "secrets.AWS_DIFF_ROLE_ARN",
    );
    let problems = problems_of(&[ok]);
    assert!(
        problems.iter().all(|p| !p.message.contains("diff role")),
        "{problems:?}"
    );
    // Without the job's `if:` it also runs on push, where the token is the
    // branch's, which the diff role refuses.
    let on_push = diff_job("if: always()", "", "secrets.AWS_DIFF_ROLE_ARN");
    let problems = problems_of(&[on_push]);
    assert!(
        problems.iter().any(|p| p.message.contains("on push")
            && p.message.contains("diff role's trust policy refuses")),
        "{problems:?}"
    );
    // In the production environment its token would be the deploy role's.
    let in_env = diff_job(
        "if: github.event_name == 'pull_request'",
        "    environment: production",
        "secrets.AWS_DIFF_ROLE_ARN",
    );
    let problems = problems_of(&[in_env]);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("a pull request could deploy")),
        "{problems:?}"
    );
    // A pull request naming the deploy role gets a token the deploy role refuses.
    let deploying = diff_job(
        "if: github.event_name == 'pull_request'",
        "",
        "secrets.AWS_DEPLOY_ROLE_ARN",
    );
    let problems = problems_of(&[deploying]);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("deploy role's trust policy refuses")),
        "{problems:?}"
    );
    // A role the bootstrap stack does not make.
    let unknown = diff_job("", "", "secrets.SOME_ROLE");
    let problems = problems_of(&[unknown]);
    assert!(
        problems.iter().any(|p| p
            .message
            .contains("none of the roles the bootstrap stack makes")),
        "{problems:?}"
    );
}

#[test]
fn the_diff_role_trusts_the_repositorys_pull_requests_only() {
    let [_, diff] = trust_policies(&REPO).unwrap();
    let allows = |sub: &str| trust_allows(&diff, sub, "sts.amazonaws.com").unwrap();
    assert!(allows("repo:octo/resume:pull_request"));
    assert!(!allows("repo:octo/resume:ref:refs/heads/main"));
    assert!(!allows("repo:octo/resume:environment:production"));
    assert!(!allows("repo:octo/resume-fork:pull_request"));
    assert!(!trust_allows(&diff, "repo:octo/resume:pull_request", "other").unwrap());
}

#[test]
fn the_trust_policy_takes_the_production_environment_only() {
    let trust = trust();
    let allows = |sub: &str, aud: &str| trust_allows(&trust, sub, aud).unwrap();
    assert!(allows(
        "repo:octo/resume:environment:production",
        "sts.amazonaws.com"
    ));
    // What GitHub sends for the same repository in other situations.
    assert!(!allows(
        "repo:octo/resume:ref:refs/heads/main",
        "sts.amazonaws.com"
    ));
    assert!(!allows(
        "repo:octo/resume:pull_request",
        "sts.amazonaws.com"
    ));
    assert!(!allows(
        "repo:octo/resume:environment:staging",
        "sts.amazonaws.com"
    ));
    assert!(!allows(
        "repo:octo/resume-fork:environment:production",
        "sts.amazonaws.com"
    ));
    assert!(!allows(
        "repo:octo/resume:environment:production",
        "https://github.com/octo"
    ));
}

#[test]
fn a_deploy_job_without_the_environment_is_refused() {
    let w = deploy_job(
        "push",
        "",
        "permissions:\n  id-token: write\n  contents: read",
    );
    let problems = problems_of(&[w]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0]
        .message
        .contains("repo:octo/resume:ref:refs/heads/main"));
    assert!(problems[0].message.contains("refuses"));
}

#[test]
fn a_deploy_job_without_id_token_permission_gets_no_token() {
    let w = deploy_job(
        "push",
        "    environment: production",
        "permissions:\n  contents: read",
    );
    let problems = problems_of(&[w]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("id-token: write"));
}

#[test]
fn a_pull_request_job_in_the_environment_could_deploy() {
    let w = deploy_job(
        "pull_request",
        "    environment:\n      name: production",
        "permissions: write-all",
    );
    let problems = problems_of(&[w]);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("a pull request could deploy")),
        "{problems:?}"
    );
    // Without the environment its subject is the pull request's, refused.
    let w = deploy_job("[pull_request]", "", "permissions: write-all");
    let problems = problems_of(&[w]);
    assert!(
        problems.iter().all(|p| !p.message.contains("could deploy")),
        "{problems:?}"
    );
}

#[test]
fn shellcheck_finds_a_quoting_mistake() {
    let pyenv = PyEnv::ensure().unwrap().bin("shellcheck");
    let bad = workflow(
        "bad.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          f=$(ls)\n          cat $f\n",
    );
    let err = shellcheck(&[bad], &pyenv).unwrap_err().to_string();
    assert!(err.contains("SC2086"), "{err}");
    let good = workflow(
        "good.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          f=\"${{ runner.temp }}/x\"\n          cat \"$f\"\n",
    );
    assert_eq!(shellcheck(&[good], &pyenv).unwrap(), 1);
}

/// Every `cargo xtask` call in the workflows is one this command line takes:
/// a renamed flag fails here, not in a deploy on GitHub.
#[test]
fn the_workflows_call_xtask_as_it_parses() {
    let commands = workflow_check::commands(&repo_workflows(), "cargo xtask");
    assert!(commands.len() >= 2, "{commands:?}");
    for (place, args) in &commands {
        let argv = std::iter::once("cargo-xtask".to_owned()).chain(args.iter().cloned());
        if let Err(e) = crate::Cli::try_parse_from(argv) {
            panic!(
                "{place}: cargo xtask {} does not parse: {e}",
                args.join(" ")
            );
        }
    }
    // The deploy step leaves its outputs in a file the summary reads.
    assert!(commands
        .iter()
        .any(|(_, a)| a.first().map(String::as_str) == Some("deploy")
            && a.windows(2).any(|w| w[0] == "--outputs-file")));
}

/// The model's GitHub names are the ones the bootstrap stack's trust policy
/// is written with.
#[test]
fn the_model_and_the_bootstrap_name_githubs_claims_alike() {
    assert_eq!(workflow_check::ISSUER, bootstrap::GITHUB_ISSUER);
    assert_eq!(workflow_check::DEFAULT_AUDIENCE, bootstrap::GITHUB_AUDIENCE);
    assert_eq!(
        workflow_check::environment_subject(&REPO, "production"),
        bootstrap::github_subject(REPO.owner, REPO.name, "production")
    );
    let pull_request = token_uses(&[diff_job("", "", "secrets.AWS_DIFF_ROLE_ARN")], &REPO)
        .into_iter()
        .find(|u| u.event == "pull_request")
        .unwrap();
    assert_eq!(
        pull_request.subject,
        bootstrap::pull_request_subject(REPO.owner, REPO.name)
    );
}
