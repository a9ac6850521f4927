//! The deploy engine against a real moto server: first deploy, a redeploy
//! with nothing changed (no upload, "no changes"), a redeploy with a change,
//! and destroy, each checked against what the emulator holds afterwards.

use std::collections::BTreeMap;
use std::time::Duration;

use visitor_stack::{StackConfig, Stage};

use super::{deploy, destroy, DeployOptions, Target};
use stack_deploy::retained::Retained;

fn moto() -> emulator::Moto {
    emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"))
}

/// Stand-ins for the function binaries: the emulator stores code, never runs it.
pub(crate) fn options() -> DeployOptions {
    let dir = std::env::temp_dir().join(format!("xtask-deploy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prebuilt = crate::build::BINARIES
        .iter()
        .map(|(function, binary)| {
            let path = dir.join(binary);
            std::fs::write(&path, format!("#!/bin/sh\n# {binary}\n")).unwrap();
            (*function, path)
        })
        .collect();
    DeployOptions {
        yes: true,
        timeout: Duration::from_secs(120),
        prebuilt: Some(prebuilt),
        ..DeployOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_redeploy_change_and_destroy() {
    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();

    let first = deploy(&target, Stage::Test, "dt", &config, &options())
        .await
        .unwrap();
    assert!(first.changed);
    assert_eq!(first.uploaded, 4);
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let tables = db.list_tables().send().await.unwrap();
    for output in [
        "TotalsTable",
        "VisitorsTable",
        "PathsTable",
        "ConnectionsTable",
    ] {
        let name = &first.outputs[output];
        assert!(
            tables.table_names().contains(name),
            "{output} {name} is not in the emulator"
        );
    }
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = sqs
        .get_queue_url()
        .queue_name(&first.outputs["QueueName"])
        .send()
        .await
        .unwrap();
    assert!(queue.queue_url().is_some());
    assert!(
        first.outputs["ApiUrl"].starts_with("local:"),
        "served locally, not by moto"
    );

    let again = deploy(&target, Stage::Test, "dt", &config, &options())
        .await
        .unwrap();
    assert!(!again.changed, "nothing changed");
    assert_eq!(again.uploaded, 0, "artifacts are not uploaded twice");
    assert_eq!(again.outputs, first.outputs);

    let changed = StackConfig {
        log_retention_days: 7,
        ..StackConfig::default()
    };
    let third = deploy(&target, Stage::Test, "dt", &changed, &options())
        .await
        .unwrap();
    assert!(third.changed);
    assert_eq!(third.uploaded, 0);
    let logs = aws_sdk_cloudformation::Client::new(&sdk)
        .get_template()
        .stack_name("dt")
        .send()
        .await
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(logs.template_body().unwrap()).unwrap();
    assert_eq!(
        stored["Resources"]["ProcessorLogs"]["Properties"]["RetentionInDays"],
        7
    );

    let left = destroy::destroy(&sdk, "dt", Duration::from_secs(120))
        .await
        .unwrap();
    assert!(left.is_empty());
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    assert!(super::apply::stack_status(&cfn, "dt")
        .await
        .unwrap()
        .is_none());
    let tables = db.list_tables().send().await.unwrap();
    for output in [
        "TotalsTable",
        "VisitorsTable",
        "PathsTable",
        "ConnectionsTable",
    ] {
        assert!(
            !tables.table_names().contains(&first.outputs[output]),
            "{output} left behind"
        );
    }
    assert!(
        sqs.get_queue_url()
            .queue_name(&first.outputs["QueueName"])
            .send()
            .await
            .is_err(),
        "queue left behind"
    );
}

/// Hashed storage needs no salt from anyone: the stack has no salt
/// parameter, and the processor makes its own (see its tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_ip_storage_deploys_without_a_salt() {
    let moto = moto();
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig {
        ip_storage: visitor_stack::IpStorage::Hashed,
        ..StackConfig::default()
    };
    let deployed = deploy(&target, Stage::Test, "salty", &config, &options())
        .await
        .unwrap();
    assert!(deployed
        .outputs
        .contains_key(visitor_stack::outputs::VISITORS_TABLE));
}

/// moto fails the execute call when a resource fails and leaves the stack
/// half-created; the engine deletes it (a rollback) and the next apply
/// creates the stack anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_first_create_then_a_successful_one() {
    use std::collections::BTreeMap;

    use super::{apply, Applied, ApplyRequest};

    let moto = moto();
    let sdk = moto.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queues = || async {
        sqs.list_queues()
            .send()
            .await
            .unwrap()
            .queue_urls()
            .iter()
            .filter(|q| q.contains("first-create"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let no_params = BTreeMap::new();
    let request = |template| ApplyRequest {
        stack: "first-create",
        template,
        parameters: &no_params,
        tags: &no_params,
        timeout: Duration::from_secs(60),
        emulator: true,
        role_arn: None,
        store: None,
    };
    let broken = r#"{"Resources":{
        "Queue":{"Type":"AWS::SQS::Queue"},
        "Fn":{"Type":"AWS::Lambda::Function","DependsOn":"Queue","Properties":{
            "Runtime":"provided.al2023","Handler":"bootstrap",
            "Role":"arn:aws:iam::123456789012:role/none",
            "Code":{"S3Bucket":"no-such-bucket","S3Key":"none.zip"}}}}}"#;
    let err = apply(&cfn, &request(broken), true).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("creating stack first-create failed"),
        "{text}"
    );
    assert!(text.contains("NoSuchBucket"), "the cause is named: {text}");
    assert!(
        super::apply::stack_status(&cfn, "first-create")
            .await
            .unwrap()
            .is_none_or(|s| s.as_str() == "DELETE_COMPLETE"),
        "the half-created stack is gone"
    );
    assert_eq!(
        queues().await,
        Vec::<String>::new(),
        "nothing half-created is left"
    );

    let fixed = r#"{"Resources":{"Queue":{"Type":"AWS::SQS::Queue"}},
        "Outputs":{"Url":{"Value":{"Ref":"Queue"}}}}"#;
    let applied = apply(&cfn, &request(fixed), true).await.unwrap();
    let Applied::Changed(outputs) = applied else {
        panic!("the second apply creates the stack");
    };
    let created = queues().await;
    assert_eq!(created.len(), 1, "{created:?}");
    let name = |url: &str| url.rsplit('/').next().unwrap_or_default().to_owned();
    assert_eq!(name(&created[0]), name(&outputs["Url"]));
    // Created, then updated once by the emulator's outputs workaround.
    let status = super::apply::stack_status(&cfn, "first-create")
        .await
        .unwrap()
        .map(|s| s.as_str().to_owned());
    assert!(
        matches!(
            status.as_deref(),
            Some("CREATE_COMPLETE" | "UPDATE_COMPLETE")
        ),
        "{status:?}"
    );
}

/// The prod stage publishes the site: every file with its headers, the
/// generated config.json, nothing uploaded twice, removed files pruned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prod_publishes_the_site() {
    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let site = std::env::temp_dir().join(format!("xtask-site-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><title>r</title>").unwrap();
    std::fs::write(site.join("app.js"), "console.log(1)").unwrap();
    let options = DeployOptions {
        site_dir: Some(site.clone()),
        ..options()
    };

    let first = deploy(&target, Stage::Prod, "site", &config, &options)
        .await
        .unwrap();
    let published = first.site.expect("prod has a site");
    assert_eq!(published.uploaded, ["app.js", "index.html", "config.json"]);
    assert_eq!(
        published.invalidation, None,
        "no CloudFront on the emulator"
    );
    let bucket = &first.outputs["SiteBucket"];
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let index = s3
        .get_object()
        .bucket(bucket)
        .key("index.html")
        .send()
        .await
        .unwrap();
    assert_eq!(index.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(index.cache_control(), Some("no-cache"));
    let config_json = s3
        .get_object()
        .bucket(bucket)
        .key("config.json")
        .send()
        .await
        .unwrap();
    let bytes = config_json.body.collect().await.unwrap().into_bytes();
    let written: super::site::SiteConfig = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        written.api_url, "",
        "the distribution routes /api/*: same origin"
    );
    assert_eq!(written.web_socket_url, first.outputs["WebSocketUrl"]);

    let again = deploy(&target, Stage::Prod, "site", &config, &options)
        .await
        .unwrap();
    let published = again.site.unwrap();
    assert!(published.uploaded.is_empty(), "{:?}", published.uploaded);
    assert_eq!(published.unchanged, 3);

    std::fs::remove_file(site.join("app.js")).unwrap();
    let third = deploy(&target, Stage::Prod, "site", &config, &options)
        .await
        .unwrap();
    assert_eq!(third.site.unwrap().pruned, ["app.js"]);
    assert!(s3
        .head_object()
        .bucket(bucket)
        .key("app.js")
        .send()
        .await
        .is_err());
    std::fs::remove_dir_all(site).unwrap();
}

/// `cargo xtask bootstrap` on the emulator: the roles and the provider are
/// created once, a deploy uses the bootstrap stack as it is (roles kept), and
/// bootstrapping again changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_creates_the_deployment_roles_and_deploy_keeps_them() {
    use visitor_stack::bootstrap::outputs;

    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let args = bootstrap_args(&moto, Some("octo/resume"));
    let first = super::bootstrap::apply_bootstrap(&target, &config, &args)
        .await
        .unwrap();
    let role = &first[outputs::DEPLOY_ROLE];
    let iam = aws_sdk_iam::Client::new(&sdk);
    let name = role.rsplit('/').next().unwrap();
    let found = iam.get_role().role_name(name).send().await.unwrap();
    let trust = found.role().unwrap().assume_role_policy_document().unwrap();
    let trust = urlencoding_decode(trust);
    assert!(
        trust.contains("repo:octo/resume:environment:production"),
        "{trust}"
    );
    // moto's CloudFormation skips the provider; the template asks for it.
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let stored = cfn
        .get_template()
        .stack_name("resume-bootstrap")
        .send()
        .await
        .unwrap();
    assert!(stored
        .template_body()
        .unwrap()
        .contains("AWS::IAM::OIDCProvider"));

    deploy(&target, Stage::Test, "after-bootstrap", &config, &options())
        .await
        .unwrap();
    assert!(
        iam.get_role().role_name(name).send().await.is_ok(),
        "a deploy keeps the bootstrap stack's roles"
    );

    let again = super::bootstrap::apply_bootstrap(&target, &config, &args)
        .await
        .unwrap();
    assert_eq!(again, first, "bootstrapping again changes nothing");
}

/// A bootstrap stack from before the account's API Gateway logging role:
/// a deploy stops and says to bootstrap again (the WebSocket stage's access
/// logs would fail on AWS without the role), and deploys once that is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bootstrap_from_before_the_logging_role_is_named_before_a_deploy_fails_on_it() {
    use visitor_stack::bootstrap::outputs;

    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let mut old = visitor_stack::bootstrap::bootstrap(&config, None)
        .unwrap()
        .render()
        .unwrap()
        .json()
        .clone();
    for id in ["ApiGatewayAccount", "ApiGatewayLogsRole"] {
        old["Resources"].as_object_mut().unwrap().remove(id);
    }
    old["Outputs"]
        .as_object_mut()
        .unwrap()
        .remove(outputs::API_GATEWAY_LOGS_ROLE);
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    cfn.create_stack()
        .stack_name("resume-bootstrap")
        .template_body(old.to_string())
        .send()
        .await
        .unwrap();
    let Err(error) = deploy(
        &target,
        Stage::Test,
        "after-old-bootstrap",
        &config,
        &options(),
    )
    .await
    else {
        panic!("a deploy over an old bootstrap stack went ahead");
    };
    let text = format!("{error:#}");
    assert!(
        text.contains("predates") && text.contains("cargo xtask bootstrap"),
        "{text}"
    );
    let args = bootstrap_args(&moto, None);
    let updated = super::bootstrap::apply_bootstrap(&target, &config, &args)
        .await
        .unwrap();
    assert!(updated.contains_key(outputs::API_GATEWAY_LOGS_ROLE));
    deploy(
        &target,
        Stage::Test,
        "after-old-bootstrap",
        &config,
        &options(),
    )
    .await
    .unwrap();
}

/// `cargo xtask bootstrap --endpoint <moto> --yes [--github-repo REPO]`.
fn bootstrap_args(moto: &emulator::Moto, github_repo: Option<&str>) -> super::bootstrap::Args {
    super::bootstrap::Args {
        github_repo: github_repo.map(str::to_owned),
        environment: visitor_stack::bootstrap::DEPLOY_ENVIRONMENT.into(),
        oidc_provider_arn: None,
        target: super::TargetArgs {
            endpoint: Some(moto.endpoint().to_owned()),
            aws: false,
            profile: None,
            region: None,
        },
        yes: true,
        config: crate::stack_config::ConfigArgs::default(),
    }
}

/// IAM returns policy documents URL-encoded.
fn urlencoding_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Grants of the deploy role a deploy on the emulator cannot use, and why.
const DEPLOY_ROLE_UNUSED_ON_THE_EMULATOR: &[(&str, &str)] = &[
    (
        "iam:PassRole",
        "on AWS the change set runs as the execution role, which deploy passes; on an emulator it passes none",
    ),
    (
        "cloudfront:CreateInvalidation",
        "the emulator has no CloudFront: nothing to invalidate",
    ),
    (
        "cloudformation:DeleteChangeSet",
        "on AWS an empty change set is deleted (apply.rs); on an emulator a deploy without changes is told from the stored template before any change set",
    ),
];

/// Calls deploy makes only on an emulator, to work around moto; AWS never
/// sees them, so the deploy role need not allow them.
const EMULATOR_WORKAROUNDS: &[(&str, &str, &str)] = &[(
    "CloudFormation",
    "UpdateStack",
    "apply.rs refreshes moto's stale outputs with an update after a change set",
)];

/// What a bootstrapped prod deploy (twice, the second pruning a file) asks
/// of AWS is all allowed by the bootstrap stack's deploy role, and the check
/// notices a grant taken away; what `diff --aws --stage prod` then asks
/// (ci.yml's diff job) is allowed by the diff role, which grants nothing
/// more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_github_roles_allow_every_call_of_a_prod_deploy_and_its_diff() {
    use infra::access::calls::{Call, Place};
    use infra::access::check::{check, Justification};
    use infra::access::principals::{role, Deployment};
    use std::collections::BTreeMap;

    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let args = bootstrap_args(&moto, Some("octo/resume"));
    super::bootstrap::apply_bootstrap(&target, &config, &args)
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!("xtask-deploy-access-{}", std::process::id()));
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><title>r</title>").unwrap();
    std::fs::write(site.join("old.js"), "console.log(1)").unwrap();
    let calls_file = dir.join("calls.jsonl");
    let _ = std::fs::remove_file(&calls_file);
    let options = DeployOptions {
        site_dir: Some(site.clone()),
        record: Some(access_record::Recorder::new(
            &calls_file,
            Some("DeployRole".into()),
        )),
        ..options()
    };
    let prod = visitor_stack::bootstrap::prod_stack_name(&config.app_name);
    deploy(&target, Stage::Prod, &prod, &config, &options)
        .await
        .unwrap();
    std::fs::remove_file(site.join("old.js")).unwrap();
    deploy(&target, Stage::Prod, &prod, &config, &options)
        .await
        .unwrap();
    let diff_calls_file = dir.join("diff-calls.jsonl");
    let _ = std::fs::remove_file(&diff_calls_file);
    let diff_recorder = access_record::Recorder::new(&diff_calls_file, Some("DiffRole".into()));
    let prod_template = visitor_stack::build(
        Stage::Prod,
        &super::with_site_dir(&config, Some(&site)).unwrap(),
    )
    .unwrap()
    .render()
    .unwrap()
    .json()
    .clone();
    let (changes, what) =
        crate::diff::against_deployed(&target, &prod_template, &prod, Some(&diff_recorder))
            .await
            .unwrap();
    assert!(what.contains(&prod), "{what}");
    assert!(
        changes.is_empty(),
        "the deployed stack differs from its template: {changes}"
    );

    let calls: Vec<Call> = Call::parse_lines(&std::fs::read_to_string(&calls_file).unwrap())
        .unwrap()
        .into_iter()
        .filter(|c| {
            !EMULATOR_WORKAROUNDS
                .iter()
                .any(|(service, operation, _)| c.service == *service && c.operation == *operation)
        })
        .collect();
    let operations: Vec<&str> = calls.iter().map(|c| c.operation.as_str()).collect();
    for needed in [
        "CreateChangeSet",
        "ExecuteChangeSet",
        "PutObject",
        "DeleteObject",
    ] {
        assert!(
            operations.contains(&needed),
            "no {needed} in {operations:?}"
        );
    }

    let github = visitor_stack::bootstrap::GitHubDeploy {
        repo: "octo/resume".into(),
        environment: visitor_stack::bootstrap::DEPLOY_ENVIRONMENT.into(),
        existing_provider_arn: None,
    };
    let template = visitor_stack::bootstrap::bootstrap(&config, Some(&github))
        .unwrap()
        .render()
        .unwrap()
        .json()
        .clone();
    let bootstrap_stack = visitor_stack::bootstrap::stack_name(&config.app_name);
    let place = Place::new("aws", emulator::REGION, "123456789012");
    let mut deployment = Deployment::new(place.clone(), bootstrap_stack.as_str());
    let resources = aws_sdk_cloudformation::Client::new(&sdk)
        .describe_stack_resources()
        .stack_name(&bootstrap_stack)
        .send()
        .await
        .unwrap();
    for r in resources.stack_resources() {
        if let (Some(id), Some(physical)) = (r.logical_resource_id(), r.physical_resource_id()) {
            deployment = deployment.physical(id, physical);
        }
    }
    let principals = BTreeMap::from([("DeployRole".to_owned(), "DeployRole".to_owned())]);
    let justified = BTreeMap::from([(
        "DeployRole".to_owned(),
        DEPLOY_ROLE_UNUSED_ON_THE_EMULATOR
            .iter()
            .map(|(action, reason)| Justification {
                action: (*action).to_owned(),
                reason: (*reason).to_owned(),
            })
            .collect(),
    )]);
    let run = |template: &serde_json::Value| {
        let roles = BTreeMap::from([(
            "DeployRole".to_owned(),
            role(template, &deployment, "DeployRole").unwrap(),
        )]);
        check(&calls, &principals, &roles, &place, &justified)
    };
    let report = run(&template);
    crate::access::write_report("deploy", &report).unwrap();
    assert!(
        report.passed(),
        "{}\n{}",
        report.summary(),
        report
            .denied
            .iter()
            .map(ToString::to_string)
            .chain(report.errors.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let unexplained: Vec<_> = report
        .unused
        .iter()
        .filter(|u| u.reason.is_none())
        .collect();
    assert!(
        unexplained.is_empty(),
        "grants no deploy call used: {unexplained:?}"
    );

    let diff_calls =
        Call::parse_lines(&std::fs::read_to_string(&diff_calls_file).unwrap()).unwrap();
    let diff_operations: Vec<&str> = diff_calls.iter().map(|c| c.operation.as_str()).collect();
    assert!(
        diff_operations.contains(&"GetTemplate"),
        "{diff_operations:?}"
    );
    let diff_report = check(
        &diff_calls,
        &BTreeMap::from([("DiffRole".to_owned(), "DiffRole".to_owned())]),
        &BTreeMap::from([(
            "DiffRole".to_owned(),
            role(&template, &deployment, "DiffRole").unwrap(),
        )]),
        &place,
        &BTreeMap::new(),
    );
    crate::access::write_report("diff", &diff_report).unwrap();
    assert!(
        diff_report.passed() && diff_report.unused.is_empty(),
        "{}\ndenied: {:?}\nunused: {:?}\n{:?}",
        diff_report.summary(),
        diff_report.denied,
        diff_report.unused,
        diff_report.errors
    );

    let narrowed = crate::access::without_action(&template, "DeployRole", "s3:PutObject");
    let broken = run(&narrowed);
    assert!(
        broken
            .denied
            .iter()
            .any(|d| d.action == "s3:PutObject" && d.resource.starts_with("arn:aws:s3:::")),
        "the check did not notice s3:PutObject taken away: {}",
        broken.summary()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--outputs-file` writes the outputs as one JSON object that scripts (and
/// deploy.yml's summary, through jq) read back as they were.
#[test]
fn outputs_file_is_a_json_object_of_the_outputs() {
    let dir = std::env::temp_dir().join(format!("outputs-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("outputs.json");
    std::fs::write(&file, "stale").unwrap();
    let outputs: BTreeMap<String, String> = [
        ("SiteUrl", "https://d111111abcdef8.cloudfront.net"),
        (
            "CountsApiUrl",
            "https://abc.execute-api.us-east-1.amazonaws.com",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    super::write_outputs_file(&file, &outputs).unwrap();
    let read: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(read, outputs);
    assert!(!file.with_extension("partial").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A template over CloudFormation's 51,200-byte inline limit: the emulator
/// refuses it inline (as AWS does; moto itself would take it), and apply
/// uploads it to the artifact bucket under its hash and passes TemplateURL,
/// which moto reads from its S3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_over_the_inline_limit_is_sent_by_url() {
    use super::{apply, Applied, ApplyRequest};
    let moto = moto();
    let sdk = moto.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket("artifacts").send().await.unwrap();
    // 200 queues with a 250-character tag each: about 67 KB compact.
    let mut resources = serde_json::Map::new();
    for i in 0..200 {
        resources.insert(
            format!("Queue{i}"),
            serde_json::json!({"Type": "AWS::SQS::Queue", "Properties": {
                "Tags": [{"Key": "note", "Value": format!("{i:0>250}")}]}}),
        );
    }
    let template = serde_json::json!({
        "Resources": resources,
        "Outputs": {"First": {"Value": {"Ref": "Queue0"}}}
    });
    let body = template.to_string();
    assert!(body.len() > infra::MAX_INLINE_BODY_BYTES, "{}", body.len());

    let inline = cfn
        .create_stack()
        .stack_name("too-big-inline")
        .template_body(&body)
        .send()
        .await;
    let err = crate::sdk_error::sdk_error(inline.unwrap_err()).to_string();
    assert!(err.contains("less than or equal to 51200"), "{err}");

    let no_params = BTreeMap::new();
    let pretty = serde_json::to_string_pretty(&template).unwrap();
    let request = || ApplyRequest {
        stack: "big",
        template: &pretty,
        parameters: &no_params,
        tags: &no_params,
        timeout: Duration::from_secs(120),
        emulator: true,
        role_arn: None,
        store: Some(super::TemplateStore {
            s3: &s3,
            bucket: "artifacts",
        }),
    };
    let applied = apply(&cfn, &request(), true).await.unwrap();
    assert!(applied.outputs()["First"].contains("Queue0"), "{applied:?}");
    let listed = s3
        .list_objects_v2()
        .bucket("artifacts")
        .prefix("templates/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    // The template, and the copy the emulator's outputs workaround sends
    // (the same template with one metadata key more).
    assert!(
        keys.contains(&stack_deploy::key(&body).as_str()),
        "{keys:?}"
    );
    assert_eq!(keys.len(), 2, "{keys:?}");
    let resources = cfn
        .list_stack_resources()
        .stack_name("big")
        .send()
        .await
        .unwrap();
    assert_eq!(resources.stack_resource_summaries().len(), 200);
    // Applying it again finds nothing to change and uploads nothing new.
    let again = apply(&cfn, &request(), true).await.unwrap();
    assert!(matches!(again, Applied::NoChanges(_)), "{again:?}");
}

/// prod retains its tables and site bucket: destroy leaves them as they are
/// (the bucket not emptied) and names them; creating the stack again beside
/// the retained tables stops with what exists and the choices; once they are
/// deleted by hand, it deploys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_keeps_what_prod_retains_and_a_new_deploy_stops_beside_it() {
    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let site = std::env::temp_dir().join(format!("xtask-retained-{}", std::process::id()));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><title>r</title>").unwrap();
    let options = DeployOptions {
        site_dir: Some(site.clone()),
        ..options()
    };
    let first = deploy(&target, Stage::Prod, "kept", &config, &options)
        .await
        .unwrap();
    let bucket = first.outputs["SiteBucket"].clone();

    let left = destroy::destroy(&sdk, "kept", Duration::from_secs(120))
        .await
        .unwrap();
    let mut kinds: Vec<&str> = left.iter().map(|r| r.resource_type.as_str()).collect();
    kinds.sort();
    kinds.dedup();
    // (moto creates no Lambda version, so the edge version is not left here.)
    assert_eq!(
        kinds,
        ["AWS::DynamoDB::Table", "AWS::S3::Bucket"],
        "{left:?}"
    );
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let tables: Vec<String> = db
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names()
        .iter()
        .filter(|t| t.starts_with("kept-"))
        .cloned()
        .collect();
    let retained_tables: Vec<&Retained> = left
        .iter()
        .filter(|r| r.resource_type == "AWS::DynamoDB::Table")
        .collect();
    assert_eq!(tables.len(), retained_tables.len(), "{tables:?}");
    assert!(left.iter().any(|r| r.physical_id == bucket));
    let s3 = aws_sdk_s3::Client::new(&sdk);
    s3.head_object()
        .bucket(&bucket)
        .key("index.html")
        .send()
        .await
        .expect("a retained bucket is not emptied");

    let Err(err) = deploy(&target, Stage::Prod, "kept", &config, &options).await else {
        panic!("a deploy beside retained tables must stop");
    };
    let text = format!("{err:#}");
    assert!(
        text.contains("stack kept does not exist, but tables it retained"),
        "{text}"
    );
    for table in &tables {
        assert!(text.contains(table.as_str()), "{table} named: {text}");
    }
    assert!(
        text.contains("IMPORT") && text.contains("delete-table"),
        "{text}"
    );
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    assert!(
        super::apply::stack_status(&cfn, "kept")
            .await
            .unwrap()
            .is_none(),
        "nothing was created"
    );

    for table in &tables {
        db.delete_table().table_name(table).send().await.unwrap();
    }
    deploy(&target, Stage::Prod, "kept", &config, &options)
        .await
        .unwrap();
    std::fs::remove_dir_all(site).unwrap();
}

/// `cargo xtask forget`: the visitor item of one address goes (hashed with
/// today's salt, as the processor stores it), and a second time there is
/// nothing to remove.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_removes_one_visitors_record() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use visitor_functions::processor::salt::salt_key;
    use visitor_functions::processor::{hashed_key, IpStorage};
    use visitor_model::tables::visitors;

    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let deployed = deploy(
        &target,
        Stage::Test,
        "fg",
        &StackConfig::default(),
        &options(),
    )
    .await
    .unwrap();
    let table = &deployed.outputs[visitor_stack::outputs::VISITORS_TABLE];
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let salt = "0123456789abcdef0123456789abcdef";
    db.put_item()
        .table_name(table)
        .item(
            visitors::PK,
            AttributeValue::S(salt_key(chrono::Utc::now().date_naive())),
        )
        .item(visitors::SALT, AttributeValue::S(salt.into()))
        .send()
        .await
        .unwrap();
    let storage = IpStorage::DailySalt;
    for ip in ["2001:db8::7", "203.0.113.8"] {
        db.put_item()
            .table_name(table)
            .item(visitors::PK, AttributeValue::S(hashed_key(salt, ip)))
            .item(visitors::COUNT, AttributeValue::N("3".into()))
            .send()
            .await
            .unwrap();
    }
    // The long form of an IPv6 address finds the record of its short form.
    let address = "2001:0db8:0:0:0:0:0:7".parse().unwrap();
    let first = crate::forget::forget(&sdk, "fg", &storage, address)
        .await
        .unwrap();
    assert_eq!(
        first.removed.unwrap()[visitors::COUNT],
        AttributeValue::N("3".into())
    );
    let again = crate::forget::forget(&sdk, "fg", &storage, address)
        .await
        .unwrap();
    assert!(again.removed.is_none());
    let left = db.scan().table_name(table).send().await.unwrap();
    assert_eq!(left.count, 2, "the other visitor and the salt stay");
    let err = crate::forget::forget(&sdk, "no-such-stack", &storage, address)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("no-such-stack"), "{err:#}");
}

#[derive(Debug, clap::Parser)]
struct TargetCli {
    #[command(flatten)]
    target: super::TargetArgs,
}

#[test]
fn a_profile_and_a_region_reach_the_aws_target_and_need_aws() {
    use clap::Parser as _;
    let cli = TargetCli::try_parse_from(["x", "--aws", "--profile", "ci", "--region", "eu-west-1"])
        .unwrap();
    match cli.target.resolve().unwrap() {
        Target::Aws(place) => assert_eq!(
            place,
            stack_deploy::place::Place {
                profile: Some("ci".into()),
                region: Some("eu-west-1".into()),
                files: None,
            }
        ),
        _ => panic!("not the AWS target"),
    }
    for flags in [["x", "--profile", "ci"], ["x", "--region", "eu-west-1"]] {
        let err = TargetCli::try_parse_from(flags).unwrap_err().to_string();
        assert!(err.contains("--aws"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_execute_leaves_the_change_set_for_review_and_changes_nothing() {
    let moto = moto();
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let options = DeployOptions {
        no_execute: true,
        ..options()
    };
    let left = deploy(&target, Stage::Test, "ne", &config, &options)
        .await
        .unwrap();
    let change_set = left.pending.expect("a change set left for review");
    assert!(!left.changed && left.site.is_none());
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let described = cfn
        .describe_change_set()
        .stack_name("ne")
        .change_set_name(&change_set)
        .send()
        .await
        .unwrap();
    assert!(!described.changes().is_empty());
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    assert!(
        db.list_tables()
            .send()
            .await
            .unwrap()
            .table_names()
            .is_empty(),
        "nothing was created"
    );
    let applied = deploy(
        &target,
        Stage::Test,
        "ne",
        &config,
        &super::tests::options(),
    )
    .await
    .unwrap();
    assert!(applied.changed && applied.pending.is_none());
    assert_eq!(
        db.list_tables().send().await.unwrap().table_names().len(),
        4
    );
}
