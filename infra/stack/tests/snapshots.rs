//! Template snapshots in the top-level `snapshots/` folder: every
//! infrastructure change shows up as a diff there. Review changes with
//! `cargo insta review`; the snapshot is the exact template deploy sends.

use visitor_stack::bootstrap::{bootstrap, GitHubDeploy};
use visitor_stack::{build, IpStorage, StackConfig, Stage};

/// The snapshots show what deploy makes of this repository: its own site.
fn snapshot(name: &str, stage: Stage, config: &StackConfig) {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../site");
    let config = StackConfig {
        site_paths: visitor_stack::site_files::site_paths(&site).unwrap(),
        ..config.clone()
    };
    save(name, build(stage, &config).unwrap());
}

fn save(name: &str, template: infra::Template) {
    let text = template.render().unwrap().json_text().to_owned();
    insta::with_settings!({
        snapshot_path => "../../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn prod() {
    snapshot("prod", Stage::Prod, &StackConfig::default());
}

#[test]
fn test() {
    snapshot("test", Stage::Test, &StackConfig::default());
}

#[test]
fn prod_with_domain() {
    let config = StackConfig {
        domain_names: vec!["cv.example.com".into(), "www.cv.example.com".into()],
        hosted_zone_id: Some("Z0123456789ABCDEFGHIJ".into()),
        ip_storage: IpStorage::Hashed,
        ..StackConfig::default()
    };
    snapshot("prod-with-domain", Stage::Prod, &config);
}

#[test]
fn bootstrap_with_github_deployment() {
    let github = GitHubDeploy {
        repo: "octo/resume".into(),
        environment: visitor_stack::bootstrap::DEPLOY_ENVIRONMENT.into(),
        existing_provider_arn: None,
    };
    save(
        "bootstrap",
        bootstrap(&StackConfig::default(), Some(&github)).unwrap(),
    );
}
