//! The change-set apply against a real moto server: create, no change,
//! update, the caller declining, and the emulator's half-created stack
//! rolled back, each seen through the observer.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use stack_deploy::{
    apply, stack_status, Applied, ApplyError, ApplyRequest, Change, Observer, Progress,
};

/// Remembers what the apply reported; confirms when told to.
struct Recorder {
    confirm: bool,
    steps: Mutex<Vec<String>>,
}

impl Recorder {
    fn new(confirm: bool) -> Self {
        Recorder {
            confirm,
            steps: Mutex::new(Vec::new()),
        }
    }

    fn steps(&self) -> Vec<String> {
        std::mem::take(&mut self.steps.lock().unwrap())
    }
}

impl Observer for Recorder {
    fn progress(&self, step: Progress<'_>) {
        let line = match step {
            Progress::Preview(changes) => format!(
                "preview {}",
                changes
                    .iter()
                    .map(|c| format!("{} {}", c.action, c.logical_id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Progress::Event(e) => format!("event {} {}", e.logical_id, e.status),
            other => format!("{other:?}"),
        };
        self.steps.lock().unwrap().push(line);
    }

    fn confirm(&self, _stack: &str, _changes: &[Change]) -> bool {
        self.confirm
    }
}

fn queues(names: &[&str]) -> String {
    let resources: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|n| {
            (
                (*n).to_owned(),
                serde_json::json!({"Type": "AWS::SQS::Queue"}),
            )
        })
        .collect();
    let outputs: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|n| (format!("{n}Url"), serde_json::json!({"Value": {"Ref": n}})))
        .collect();
    serde_json::json!({"Resources": resources, "Outputs": outputs}).to_string()
}

fn request<'a>(
    stack: &'a str,
    template: &'a str,
    none: &'a BTreeMap<String, String>,
) -> ApplyRequest<'a> {
    ApplyRequest {
        stack,
        template,
        parameters: none,
        tags: none,
        timeout: Duration::from_secs(60),
        emulator: true,
        role_arn: None,
        store: None,
    }
}

#[tokio::test]
async fn create_nothing_to_do_update_and_a_declined_change_set() {
    let moto = emulator::Moto::start().unwrap();
    let cfn = aws_sdk_cloudformation::Client::new(&moto.sdk_config().await);
    let none = BTreeMap::new();
    let yes = Recorder::new(true);

    let one = queues(&["First"]);
    let created = apply(&cfn, &request("engine", &one, &none), &yes)
        .await
        .unwrap();
    let Applied::Changed(outputs) = &created else {
        panic!("{created:?}")
    };
    assert!(
        outputs["FirstUrl"].contains("First"),
        "the outputs: {outputs:?}"
    );
    let steps = yes.steps();
    assert!(steps.contains(&"preview Add First".to_owned()), "{steps:?}");
    // moto records the stack's own events (AWS adds each resource's).
    assert!(
        steps.contains(&"event engine CREATE_COMPLETE".to_owned()),
        "the stack's events are reported: {steps:?}"
    );

    let again = apply(&cfn, &request("engine", &one, &none), &yes)
        .await
        .unwrap();
    assert!(matches!(again, Applied::NoChanges(_)), "{again:?}");
    assert_eq!(yes.steps(), ["NoChanges"]);

    let two = queues(&["First", "Second"]);
    let no = Recorder::new(false);
    let err = apply(&cfn, &request("engine", &two, &none), &no)
        .await
        .unwrap_err();
    assert!(matches!(err, ApplyError::Declined), "{err}");
    // Only the preview, then nothing: (moto also lists First as modified.)
    let steps = no.steps();
    assert!(
        steps.len() == 1 && steps[0].starts_with("preview Add Second"),
        "{steps:?}"
    );
    let changes = cfn
        .list_change_sets()
        .stack_name("engine")
        .send()
        .await
        .unwrap();
    let waiting: Vec<_> = changes
        .summaries()
        .iter()
        .filter(|c| c.execution_status().map(|e| e.as_str()) == Some("AVAILABLE"))
        .collect();
    assert!(
        waiting.is_empty(),
        "the declined change set is discarded: {waiting:?}"
    );

    let updated = apply(&cfn, &request("engine", &two, &none), &yes)
        .await
        .unwrap();
    assert!(updated.outputs().contains_key("SecondUrl"), "{updated:?}");
}

#[tokio::test]
async fn a_create_that_fails_is_rolled_back_and_the_next_apply_creates_it() {
    let moto = emulator::Moto::start().unwrap();
    let cfn = aws_sdk_cloudformation::Client::new(&moto.sdk_config().await);
    let none = BTreeMap::new();
    let yes = Recorder::new(true);
    // A function whose code is in a bucket that does not exist.
    let broken = r#"{"Resources":{
        "Queue":{"Type":"AWS::SQS::Queue"},
        "Fn":{"Type":"AWS::Lambda::Function","DependsOn":"Queue","Properties":{
            "Runtime":"provided.al2023","Handler":"bootstrap",
            "Role":"arn:aws:iam::123456789012:role/none",
            "Code":{"S3Bucket":"no-such-bucket","S3Key":"code.zip"}}}}}"#;
    let err = apply(&cfn, &request("half", broken, &none), &yes)
        .await
        .unwrap_err();
    assert!(matches!(err, ApplyError::CreateRolledBack { .. }), "{err}");
    assert!(err.to_string().contains("deleted again"), "{err}");
    assert_eq!(
        stack_status(&cfn, "half").await.unwrap(),
        None,
        "nothing is left half-created"
    );
    let fixed = queues(&["Queue"]);
    let created = apply(&cfn, &request("half", &fixed, &none), &yes)
        .await
        .unwrap();
    assert!(matches!(created, Applied::Changed(_)), "{created:?}");
}

#[tokio::test]
async fn a_failed_call_and_a_bad_template_are_named() {
    let none = BTreeMap::new();
    let cfn = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::Config::builder()
            .behavior_version(aws_sdk_cloudformation::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    // The status call fails first on a closed port: an AWS error that
    // names what was being done.
    let err = apply(&cfn, &request("x", "{", &none), &Recorder::new(true))
        .await
        .unwrap_err();
    assert!(matches!(err, ApplyError::Aws { .. }), "{err}");
    assert!(err.to_string().contains("describing stack x"), "{err}");
    let err = stack_deploy::compact("{").unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
}
