//! Template snapshots in the top-level `snapshots/` folder: every
//! infrastructure change shows up as a diff there. Review changes with
//! `cargo insta review`; the snapshot is the exact template deploy sends.

use visitor_stack::{build, IpStorage, StackConfig, Stage};

fn snapshot(name: &str, stage: Stage, config: &StackConfig) {
    let text = build(stage, config)
        .unwrap()
        .render()
        .unwrap()
        .json_text()
        .to_owned();
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
