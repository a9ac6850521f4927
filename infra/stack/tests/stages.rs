//! Both stages: what each contains, least privilege, and the platform rules
//! of Lambda@Edge and CloudFront.

use serde_json::{json, Value};
use visitor_stack::{build, outputs, parameters, IpStorage, StackConfig, Stage};

fn render(stage: Stage, config: &StackConfig) -> Value {
    build(stage, config)
        .unwrap()
        .render()
        .unwrap()
        .json()
        .clone()
}

fn of_type<'a>(t: &'a Value, type_name: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == type_name)
        .collect()
}

fn statements(t: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (id, r) in t["Resources"].as_object().unwrap() {
        let docs: Vec<&Value> = match r["Type"].as_str().unwrap() {
            "AWS::IAM::Role" => r["Properties"]["Policies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| &p["PolicyDocument"])
                .chain(std::iter::once(
                    &r["Properties"]["AssumeRolePolicyDocument"],
                ))
                .collect(),
            "AWS::S3::BucketPolicy" => vec![&r["Properties"]["PolicyDocument"]],
            _ => continue,
        };
        for doc in docs {
            for s in doc["Statement"].as_array().unwrap() {
                out.push((id.clone(), s.clone()));
            }
        }
    }
    out
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

#[test]
fn no_statement_allows_a_wildcard_action_or_every_resource() {
    for stage in Stage::ALL {
        let t = render(stage, &StackConfig::default());
        let all = statements(&t);
        assert!(all.len() > 10);
        for (id, s) in all {
            if s["Effect"] != "Allow" {
                continue;
            }
            for action in as_list(&s["Action"]) {
                assert!(
                    !action.as_str().unwrap().contains('*'),
                    "{id} allows {action}"
                );
            }
            assert!(s.get("NotAction").is_none(), "{id} uses NotAction");
            for resource in as_list(&s["Resource"]) {
                assert_ne!(resource, json!("*"), "{id} allows every resource");
            }
        }
    }
}

#[test]
fn test_stage_is_the_counters_only() {
    let t = render(Stage::Test, &StackConfig::default());
    for forbidden in [
        "AWS::CloudFront::Distribution",
        "AWS::S3::Bucket",
        "AWS::Lambda::Version",
        "AWS::CertificateManager::Certificate",
    ] {
        assert!(
            of_type(&t, forbidden).is_empty(),
            "test stage has {forbidden}"
        );
    }
    assert_eq!(of_type(&t, "AWS::Lambda::Function").len(), 4);
    assert_eq!(of_type(&t, "AWS::DynamoDB::Table").len(), 4);
    assert_eq!(of_type(&t, "AWS::SQS::Queue").len(), 2);
    assert_eq!(of_type(&t, "AWS::ApiGatewayV2::Api").len(), 2);
    // Everything deletes with the stack.
    for (id, r) in t["Resources"].as_object().unwrap() {
        assert!(
            !matches!(
                r["DeletionPolicy"].as_str(),
                Some("Retain" | "RetainExceptOnCreate")
            ),
            "{id} would outlive a test stack"
        );
    }
    for name in [
        outputs::API_URL,
        outputs::WEBSOCKET_URL,
        outputs::WEBSOCKET_MANAGEMENT_URL,
        outputs::QUEUE_URL,
        outputs::DEAD_LETTER_QUEUE_URL,
        outputs::TOTALS_TABLE,
        outputs::VISITORS_TABLE,
        outputs::PATHS_TABLE,
        outputs::CONNECTIONS_TABLE,
    ] {
        assert!(
            t["Outputs"].get(name).is_some(),
            "test stage lacks output {name}"
        );
    }
    for f in visitor_stack::manifest::RUST_FUNCTIONS {
        assert!(t["Outputs"].get(outputs::function(f.logical_id)).is_some());
    }
}

#[test]
fn prod_stage_is_the_whole_system() {
    let t = render(Stage::Prod, &StackConfig::default());
    assert_eq!(of_type(&t, "AWS::CloudFront::Distribution").len(), 1);
    assert_eq!(of_type(&t, "AWS::Lambda::Function").len(), 5);
    for name in [
        outputs::SITE_URL,
        outputs::SITE_BUCKET,
        outputs::DISTRIBUTION_ID,
        outputs::API_URL,
        outputs::WEBSOCKET_URL,
    ] {
        assert!(t["Outputs"].get(name).is_some(), "prod lacks output {name}");
    }
    for (id, r) in of_type(&t, "AWS::DynamoDB::Table") {
        // Kept when the stack is deleted, not when its first create fails.
        assert_eq!(
            r["DeletionPolicy"], "RetainExceptOnCreate",
            "{id}: visits are kept in prod"
        );
        assert_eq!(r["UpdateReplacePolicy"], "Retain", "{id}");
    }
}

/// Lambda@Edge: no environment variables, values baked in with Fn::Sub, a
/// published version, a role edgelambda may assume, viewer-trigger limits.
#[test]
fn edge_recorder_follows_lambda_at_edge_rules() {
    let t = render(Stage::Prod, &StackConfig::default());
    let f = &t["Resources"]["EdgeRecorder"]["Properties"];
    assert!(f.get("Environment").is_none());
    assert!(f["Timeout"].as_i64().unwrap() <= 5 && f["MemorySize"].as_i64().unwrap() <= 128);
    assert_eq!(f["Runtime"], "python3.12");
    let sub = f["Code"]["ZipFile"]["Fn::Sub"].as_array().unwrap();
    assert!(sub[0]
        .as_str()
        .unwrap()
        .contains("QUEUE_URL = \"${QueueUrl}\""));
    assert_eq!(sub[1]["QueueUrl"], json!({ "Ref": "Visits" }));
    assert_eq!(sub[1]["SkipPrefixes"], json!("[\"/api/\"]"));
    let trust = &t["Resources"]["EdgeRecorderRole"]["Properties"]["AssumeRolePolicyDocument"]
        ["Statement"][0];
    assert_eq!(
        trust["Principal"]["Service"],
        json!(["lambda.amazonaws.com", "edgelambda.amazonaws.com"])
    );
    let dist = &t["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"];
    let assoc = &dist["DefaultCacheBehavior"]["LambdaFunctionAssociations"][0];
    assert_eq!(assoc["EventType"], "viewer-request");
    let version = edge_version(&t);
    assert_eq!(assoc["LambdaFunctionARN"], json!({ "Ref": version }));
    let v = &t["Resources"][&version];
    assert_eq!(v["DeletionPolicy"], "Retain");
    assert_eq!(v["UpdateReplacePolicy"], "Retain");
    // The queue URL and the role are known only at deploy time: they are in
    // the version's description, so a replaced queue or role publishes a new
    // version too.
    let description = v["Properties"]["Description"].to_string();
    assert!(description.contains(r#"{"Ref":"Visits"}"#), "{description}");
    assert!(
        description.contains(r#"{"Fn::GetAtt":["EdgeRecorderRole","Arn"]}"#),
        "{description}"
    );
    // The function's description carries the digest: a new version always
    // comes with a changed function, which PublishVersion needs.
    let digest = version.trim_start_matches("EdgeRecorderVersion");
    assert!(f["Description"]
        .as_str()
        .unwrap()
        .ends_with(&format!("(code {digest})")));
    // The API behaviour does not run the recorder.
    let api = &dist["CacheBehaviors"][0];
    assert_eq!(api["PathPattern"], "/api/*");
    assert!(api.get("LambdaFunctionAssociations").is_none());
}

#[test]
fn code_comes_from_parameters_not_hashes() {
    let t = render(Stage::Test, &StackConfig::default());
    for (id, f) in of_type(&t, "AWS::Lambda::Function") {
        let code = &f["Properties"]["Code"];
        assert_eq!(
            code["S3Bucket"],
            json!({ "Ref": parameters::ARTIFACT_BUCKET }),
            "{id}"
        );
        assert_eq!(
            code["S3Key"],
            json!({ "Ref": parameters::code_key(id) }),
            "{id}"
        );
        assert_eq!(f["Properties"]["Architectures"], json!(["arm64"]));
        assert_eq!(f["Properties"]["Runtime"], "provided.al2023");
    }
}

#[test]
fn site_bucket_is_private_and_read_only_by_its_distribution() {
    let t = render(Stage::Prod, &StackConfig::default());
    let bucket = &t["Resources"]["SiteBucket"]["Properties"];
    let block = &bucket["PublicAccessBlockConfiguration"];
    for key in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[key], true);
    }
    let policy = &t["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"];
    assert_eq!(policy[0]["Effect"], "Deny");
    assert_eq!(
        policy[0]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_eq!(
        policy[1]["Principal"],
        json!({ "Service": "cloudfront.amazonaws.com" })
    );
    assert!(
        policy[1]["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
            .as_str()
            .unwrap()
            .ends_with(":distribution/${SiteDistribution}")
    );
}

#[test]
fn domain_with_a_hosted_zone_creates_certificate_and_aliases() {
    let config = StackConfig {
        domain_names: vec!["cv.example.com".into()],
        hosted_zone_id: Some("Z0123456789ABC".into()),
        ip_storage: IpStorage::Hashed,
        ..StackConfig::default()
    };
    let t = render(Stage::Prod, &config);
    let certs = of_type(&t, "AWS::CertificateManager::Certificate");
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].1["Properties"]["ValidationMethod"], "DNS");
    assert_eq!(of_type(&t, "AWS::Route53::RecordSet").len(), 2);
    let dist = &t["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"];
    assert_eq!(dist["Aliases"], json!(["cv.example.com"]));
    assert_eq!(t["Outputs"]["SiteUrl"]["Value"], "https://cv.example.com");
    // Hashed IPs: no salt in the template (the processor keeps daily
    // salts in the visitors table), and the processor may delete them.
    let text = t.to_string();
    assert!(
        !text.contains("Salt") && !text.contains("SALT"),
        "a salt in the template"
    );
    let env = &t["Resources"]["Processor"]["Properties"]["Environment"]["Variables"];
    assert_eq!(env["IP_STORAGE"], "hashed");
    let policy = t["Resources"]["ProcessorRole"]["Properties"]["Policies"].to_string();
    assert!(policy.contains("dynamodb:DeleteItem"), "{policy}");
    // CORS allows the site's own domain.
    let cors = &t["Resources"]["Api"]["Properties"]["CorsConfiguration"];
    assert_eq!(cors["AllowOrigins"], json!(["https://cv.example.com"]));
}

#[test]
fn invalid_configuration_is_an_error_naming_the_key() {
    let config = StackConfig {
        log_retention_days: 2,
        ..StackConfig::default()
    };
    let err = build(Stage::Test, &config).unwrap_err().to_string();
    assert!(err.contains("`log_retention_days` is 2"), "{err}");
}

/// The logical ID of the prod template's one edge function version.
fn edge_version(t: &Value) -> String {
    let versions = of_type(t, "AWS::Lambda::Version");
    assert_eq!(versions.len(), 1, "one published edge version");
    versions[0].0.clone()
}

/// The ID the distribution's viewer-request association names.
fn associated_version(t: &Value) -> Value {
    t["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
        ["LambdaFunctionAssociations"][0]["LambdaFunctionARN"]
        .clone()
}

/// A change to what the edge function runs publishes a new version (a new
/// logical ID) and points CloudFront at it; an unchanged function keeps its
/// version, so a redeploy publishes nothing.
#[test]
fn edge_version_follows_the_function() {
    let base = StackConfig::default();
    let skipping_more = StackConfig {
        skip_paths: vec!["/api/".into(), "/private/".into()],
        ..StackConfig::default()
    };
    let first = render(Stage::Prod, &base);
    let again = render(Stage::Prod, &base);
    let changed = render(Stage::Prod, &skipping_more);
    assert_eq!(edge_version(&first), edge_version(&again));
    assert_ne!(edge_version(&first), edge_version(&changed));
    for t in [&first, &changed] {
        assert_eq!(associated_version(t), json!({ "Ref": edge_version(t) }));
        assert!(edge_version(t).starts_with("EdgeRecorderVersion"));
    }
}

/// Floods are bounded: the queue's event source runs at most
/// `processor_max_concurrency` processors, and a reservation, when asked
/// for, is on every function of its kind.
#[test]
fn concurrency_is_bounded_as_configured() {
    let t = render(Stage::Prod, &StackConfig::default());
    let source = &t["Resources"]["ProcessorSource"]["Properties"];
    assert_eq!(source["ScalingConfig"]["MaximumConcurrency"], 5);
    for (id, f) in of_type(&t, "AWS::Lambda::Function") {
        assert!(
            f["Properties"]
                .get("ReservedConcurrentExecutions")
                .is_none(),
            "{id}: no reservation by default (a new account's limit is 10)"
        );
    }
    let mut config = StackConfig {
        processor_max_concurrency: 20,
        ..StackConfig::default()
    };
    config.api_functions.reserved_concurrency = Some(3);
    let t = render(Stage::Prod, &config);
    assert_eq!(
        t["Resources"]["ProcessorSource"]["Properties"]["ScalingConfig"]["MaximumConcurrency"],
        20
    );
    for id in ["CountsApi", "Connect", "Broadcaster"] {
        assert_eq!(
            t["Resources"][id]["Properties"]["ReservedConcurrentExecutions"], 3,
            "{id}"
        );
    }
    assert!(t["Resources"]["Processor"]["Properties"]
        .get("ReservedConcurrentExecutions")
        .is_none());
    for (text, key) in [
        ("processor_max_concurrency = 1", "processor_max_concurrency"),
        (
            "[processor]\nmemory_mb = 256\ntimeout_s = 30\nreserved_concurrency = 0",
            "processor.reserved_concurrency",
        ),
        // Below the queue's concurrency: the poller would be throttled.
        (
            "[processor]\nmemory_mb = 256\ntimeout_s = 30\nreserved_concurrency = 3",
            "processor_max_concurrency",
        ),
    ] {
        let err = StackConfig::from_toml(text, "resume.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{err}");
    }
}

/// The optional WAF: a rate-based rule on the distribution, off by default.
#[test]
fn a_waf_rate_limit_puts_a_web_acl_on_the_distribution() {
    let t = render(Stage::Prod, &StackConfig::default());
    assert!(of_type(&t, "AWS::WAFv2::WebACL").is_empty());
    let config = StackConfig {
        waf_rate_limit: Some(1000),
        ..StackConfig::default()
    };
    let t = render(Stage::Prod, &config);
    let acl = &t["Resources"]["SiteFirewall"]["Properties"];
    assert_eq!(acl["Scope"], "CLOUDFRONT");
    assert_eq!(
        acl["Rules"][0]["Statement"]["RateBasedStatement"]["Limit"],
        1000
    );
    assert_eq!(
        t["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]["WebACLId"],
        json!({ "Fn::GetAtt": ["SiteFirewall", "Arn"] })
    );
    let err = StackConfig::from_toml("waf_rate_limit = 5", "resume.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("waf_rate_limit"), "{err}");
}

#[test]
fn templates_fit_inline() {
    for stage in Stage::ALL {
        let rendered = build(stage, &StackConfig::default())
            .unwrap()
            .render()
            .unwrap();
        assert!(
            rendered.fits_inline(),
            "{} is {} bytes",
            stage.as_str(),
            rendered.json_text().len()
        );
    }
}

fn bootstrap_template(github: Option<&visitor_stack::bootstrap::GitHubDeploy>) -> Value {
    visitor_stack::bootstrap::bootstrap(&StackConfig::default(), github)
        .unwrap()
        .render()
        .unwrap()
        .json()
        .clone()
}

fn github() -> visitor_stack::bootstrap::GitHubDeploy {
    visitor_stack::bootstrap::GitHubDeploy {
        repo: "octo/resume".into(),
        environment: visitor_stack::bootstrap::DEPLOY_ENVIRONMENT.into(),
        existing_provider_arn: None,
    }
}

#[test]
fn bootstrap_grants_no_wildcard_action_and_trusts_one_environment() {
    let t = bootstrap_template(Some(&github()));
    let all = statements(&t);
    // The one documented exception: Lambda@Edge's replication actions need
    // their trailing `*`, scoped to the stack's functions.
    let exception = |a: &str| {
        a.ends_with('*')
            && visitor_stack::bootstrap::UNLISTED_PERMISSIONS
                .iter()
                .any(|(unlisted, _)| *unlisted == a)
    };
    for (id, s) in &all {
        for action in as_list(&s["Action"]) {
            let action = action.as_str().unwrap();
            if exception(action) {
                assert_eq!(s["Sid"], "ReplicateTheEdgeFunction", "{id}");
                continue;
            }
            assert!(!action.contains('*'), "{id} allows {action}");
        }
        assert!(s.get("NotAction").is_none(), "{id} uses NotAction");
    }
    // Only the execution role (CloudFormation's, for the site's resources,
    // whose names CloudFormation makes up) acts on every resource, and the
    // deploy role lists tables (an action with no resource-level permissions).
    for (id, s) in &all {
        if as_list(&s["Resource"]).contains(&json!("*")) {
            if id == "DeployRole" {
                assert_eq!(s["Sid"], "FindRetainedTables");
                assert_eq!(s["Action"], "dynamodb:ListTables");
                continue;
            }
            assert_eq!(id, "ExecutionRole");
        }
    }
    let trust = &of_type(&t, "AWS::IAM::Role")
        .into_iter()
        .find(|(id, _)| *id == "DeployRole")
        .unwrap()
        .1["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"],
        "repo:octo/resume:environment:production"
    );
    assert_eq!(
        trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"],
        "sts.amazonaws.com"
    );
    // The deploy role passes the execution role and nothing else.
    let pass: Vec<&(String, Value)> = all
        .iter()
        .filter(|(_, s)| as_list(&s["Action"]).contains(&json!("iam:PassRole")))
        .collect();
    assert!(pass.iter().any(|(id, s)| id == "DeployRole"
        && s["Resource"] == json!({ "Fn::GetAtt": ["ExecutionRole", "Arn"] })));
    assert_eq!(of_type(&t, "AWS::IAM::OIDCProvider").len(), 1);
}

#[test]
fn bootstrap_reuses_an_existing_provider_and_checks_the_repository() {
    let arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    let reuse = visitor_stack::bootstrap::GitHubDeploy {
        existing_provider_arn: Some(arn.into()),
        ..github()
    };
    let t = bootstrap_template(Some(&reuse));
    assert!(of_type(&t, "AWS::IAM::OIDCProvider").is_empty());
    assert!(t.to_string().contains(arn));
    let plain = bootstrap_template(None);
    let roles: Vec<&String> = of_type(&plain, "AWS::IAM::Role")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        roles,
        vec!["ApiGatewayLogsRole"],
        "no deploy roles without a repository"
    );
    let bad = visitor_stack::bootstrap::GitHubDeploy {
        repo: "not a repo".into(),
        ..github()
    };
    let err = visitor_stack::bootstrap::bootstrap(&StackConfig::default(), Some(&bad))
        .err()
        .unwrap();
    assert!(err.to_string().contains("OWNER/NAME"), "{err}");
}

/// Every function's errors and throttles, the dead-letter queue, the queue's
/// age and the counts API's 5xx share are alarmed in both stages, the edge
/// recorder's errors in prod; every alarm notifies the topic on ALARM and
/// on OK, and `alarm_email` subscribes an address to it.
#[test]
fn alarms_watch_every_function_queue_api_and_edge() {
    let config = StackConfig {
        alarm_email: Some("owner@example.com".into()),
        ..StackConfig::default()
    };
    for stage in [Stage::Test, Stage::Prod] {
        let t = render(stage, &config);
        let alarms = of_type(&t, "AWS::CloudWatch::Alarm");
        let watched = |namespace: &str, metric: &str, dimension: &str, value: &Value| {
            alarms.iter().any(|(_, a)| {
                let p = &a["Properties"];
                p["Namespace"] == namespace
                    && p["MetricName"] == metric
                    && p["Dimensions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|d| d["Name"] == dimension && d["Value"] == *value)
            })
        };
        for function in ["Processor", "CountsApi", "Connect", "Broadcaster"] {
            for metric in ["Errors", "Throttles"] {
                assert!(
                    watched(
                        "AWS/Lambda",
                        metric,
                        "FunctionName",
                        &json!({ "Ref": function })
                    ),
                    "{stage:?}: {function} {metric}"
                );
            }
        }
        assert!(watched(
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            &json!({ "Fn::GetAtt": ["VisitsDeadLetters", "QueueName"] })
        ));
        assert!(watched(
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            "QueueName",
            &json!({ "Fn::GetAtt": ["Visits", "QueueName"] })
        ));
        assert!(watched(
            "AWS/ApiGateway",
            "5xx",
            "ApiId",
            &json!({ "Ref": "Api" })
        ));
        let edge = watched(
            "AWS/CloudFront",
            "LambdaExecutionError",
            "DistributionId",
            &json!({ "Ref": "SiteDistribution" }),
        );
        assert_eq!(edge, stage == Stage::Prod, "{stage:?}: edge alarm");
        for (id, alarm) in &alarms {
            for actions in ["AlarmActions", "OKActions"] {
                assert_eq!(
                    alarm["Properties"][actions],
                    json!([{ "Ref": "AlarmsTopic" }]),
                    "{id} {actions}"
                );
            }
        }
        let email = of_type(&t, "AWS::SNS::Subscription");
        assert_eq!(email.len(), 1);
        assert_eq!(email[0].1["Properties"]["Endpoint"], "owner@example.com");
        assert!(t["Outputs"][outputs::DASHBOARD_URL].is_object());
    }
}

/// The site's responses carry the security headers policy, whose CSP allows
/// connections only to the site and the live counts socket.
#[test]
fn the_site_sends_security_headers() {
    let t = render(Stage::Prod, &StackConfig::default());
    let policy = &t["Resources"]["SiteHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
        ["SecurityHeadersConfig"];
    assert_eq!(policy["StrictTransportSecurity"]["Override"], true);
    assert_eq!(policy["FrameOptions"]["FrameOption"], "DENY");
    let csp = policy["ContentSecurityPolicy"]["ContentSecurityPolicy"].to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("\"Live\",\"ApiEndpoint\""), "{csp}");
    let dist = &t["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"];
    let id = json!({ "Fn::GetAtt": ["SiteHeaders", "Id"] });
    assert_eq!(dist["DefaultCacheBehavior"]["ResponseHeadersPolicyId"], id);
    assert_eq!(dist["CacheBehaviors"][0]["ResponseHeadersPolicyId"], id);
}

/// CloudFront's standard logs are off by default; on, they go to a private
/// bucket with ACLs for CloudFront's log delivery and a lifecycle rule.
#[test]
fn cloudfront_logs_are_optional_and_expire() {
    let off = render(Stage::Prod, &StackConfig::default());
    assert!(off["Resources"]["SiteLogs"].is_null());
    let on = render(
        Stage::Prod,
        &StackConfig {
            cloudfront_log_days: Some(30),
            ..StackConfig::default()
        },
    );
    let bucket = &on["Resources"]["SiteLogs"]["Properties"];
    assert_eq!(
        bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
        "BucketOwnerPreferred"
    );
    assert_eq!(
        bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"],
        30
    );
    assert_eq!(
        bucket["PublicAccessBlockConfiguration"]["BlockPublicAcls"],
        true
    );
    let logging =
        &on["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]["Logging"];
    assert_eq!(
        logging["Bucket"],
        json!({ "Fn::GetAtt": ["SiteLogs", "DomainName"] })
    );
}

/// `$context` variables API Gateway documents for access logs: HTTP APIs
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html>)
/// and WebSocket APIs
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-logging.html>),
/// the ones a format here may use. A variable of the other kind is logged
/// as a dash, or makes the stage fail to deploy.
const HTTP_LOG_VARIABLES: &[&str] = &[
    "requestId",
    "requestTime",
    "routeKey",
    "status",
    "responseLatency",
    "integrationLatency",
    "identity.sourceIp",
];
const WEBSOCKET_LOG_VARIABLES: &[&str] = &[
    "requestId",
    "requestTime",
    "routeKey",
    "status",
    "integrationLatency",
    "eventType",
    "connectionId",
    "identity.sourceIp",
];

#[test]
fn both_api_stages_log_access_with_documented_variables_and_the_address_only_when_kept() {
    for storage in [IpStorage::Raw, IpStorage::Hashed, IpStorage::None] {
        let config = StackConfig {
            ip_storage: storage,
            ..StackConfig::default()
        };
        let t = render(Stage::Prod, &config);
        let apis: std::collections::BTreeMap<&String, &str> = of_type(&t, "AWS::ApiGatewayV2::Api")
            .into_iter()
            .map(|(id, r)| (id, r["Properties"]["ProtocolType"].as_str().unwrap()))
            .collect();
        let stages = of_type(&t, "AWS::ApiGatewayV2::Stage");
        assert_eq!(stages.len(), 2);
        for (id, stage) in stages {
            let api = stage["Properties"]["ApiId"]["Ref"].as_str().unwrap();
            let documented = match apis[&api.to_owned()] {
                "HTTP" => HTTP_LOG_VARIABLES,
                "WEBSOCKET" => WEBSOCKET_LOG_VARIABLES,
                other => panic!("{other}"),
            };
            let settings = &stage["Properties"]["AccessLogSettings"];
            let group = settings["DestinationArn"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap();
            assert_eq!(
                t["Resources"][group]["Properties"]["RetentionInDays"],
                json!(config.log_retention_days),
                "{id}"
            );
            let format: Value = serde_json::from_str(settings["Format"].as_str().unwrap())
                .expect("the format is a JSON line");
            for (field, variable) in format.as_object().unwrap() {
                let name = variable.as_str().unwrap().trim_start_matches("$context.");
                assert!(
                    documented.contains(&name),
                    "{id}: {field} logs {name}, not documented for its API kind"
                );
            }
            for field in ["requestId", "routeKey", "status", "latencyMs"] {
                assert!(format.get(field).is_some(), "{id} logs no {field}");
            }
            assert_eq!(
                format.get("sourceIp").is_some(),
                storage == IpStorage::Raw,
                "{id} with {storage:?}"
            );
        }
    }
}

#[test]
fn websocket_access_logs_have_the_account_role_they_need_from_the_bootstrap() {
    // A WebSocket stage writes its access logs with the role the account's
    // API Gateway settings name in its Region; without one the stage fails
    // to deploy (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html).
    let t = bootstrap_template(None);
    let accounts = of_type(&t, "AWS::ApiGateway::Account");
    assert_eq!(accounts.len(), 1);
    let role = accounts[0].1["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap();
    let role = &t["Resources"][role]["Properties"];
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    let policies = role["ManagedPolicyArns"].to_string();
    assert!(
        policies.contains(&format!(
            "iam::aws:policy/service-role/{}",
            visitor_stack::bootstrap::API_GATEWAY_LOGS_POLICY
        )),
        "{policies}"
    );
    // The stages that need it: the previous test checks both log access.
}
