use super::*;
use std::path::Path;
use workflow_check::{
    load, shell_problems, shellcheck, token_uses, trust_allows, TokenUse, Workflow,
};

fn workflow(name: &str, yaml: &str) -> Workflow {
    Workflow::parse(Path::new(name), yaml).unwrap()
}

fn trust() -> Policy {
    deploy_trust_policy(&REPO).unwrap()
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
            "on: {on}\n{permissions}\ndefaults:\n  run:\n    shell: bash\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n{environment}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/deploy\n          aws-region: us-east-1\n      - run: cargo xtask deploy --aws --stage prod --yes\n"
        ),
    )
}

#[test]
fn the_repositorys_workflows_deploy_with_a_trusted_token_and_fail_on_a_failed_pipe() {
    let workflows = repo_workflows();
    assert!(workflows.len() >= 2);
    assert_eq!(shell_problems(&workflows), Vec::<Problem>::new());
    assert_eq!(
        oidc_problems(&workflows, &trust()).unwrap(),
        Vec::<Problem>::new()
    );
    // The deploy job is what the check found, with the environment's subject.
    let deploy: Vec<TokenUse> = token_uses(&workflows, &REPO)
        .into_iter()
        .filter(|u| u.assumes_role)
        .collect();
    assert_eq!(deploy.len(), 1, "{deploy:?}");
    assert_eq!(deploy[0].subject, "repo:octo/resume:environment:production");
    assert_eq!(deploy[0].audience, "sts.amazonaws.com");
    assert!(deploy[0].can_request_token);
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
    let problems = oidc_problems(&[w], &trust()).unwrap();
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
    let problems = oidc_problems(&[w], &trust()).unwrap();
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
    let problems = oidc_problems(&[w], &trust()).unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("a pull request could deploy")),
        "{problems:?}"
    );
    // Without the environment its subject is the pull request's, refused.
    let w = deploy_job("[pull_request]", "", "permissions: write-all");
    let problems = oidc_problems(&[w], &trust()).unwrap();
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
}
