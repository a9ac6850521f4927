//! The test-stack guard against a real moto server: the stack is deleted
//! after a passing suite, a failing one, a panicking one, a failed deploy
//! and a cancellation in each phase; kept when asked; and a cancellation
//! during the teardown says the stack may be left.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use stack_deploy::guard::{guard, BoxError, GuardError, GuardOptions, GuardStep, Phase, TestStack};
use stack_deploy::{apply, stack_status, Change, Observer, Progress};

struct Yes;
impl Observer for Yes {
    fn progress(&self, _: Progress<'_>) {}
    fn confirm(&self, _: &str, _: &[Change]) -> bool {
        true
    }
}

const TEMPLATE: &str =
    r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}},"Outputs":{"Url":{"Value":{"Ref":"Q"}}}}"#;

struct Setup {
    _moto: emulator::Moto,
    cfn: aws_sdk_cloudformation::Client,
}

async fn setup() -> Setup {
    let moto = emulator::Moto::start().unwrap();
    let cfn = aws_sdk_cloudformation::Client::new(&moto.sdk_config().await);
    Setup { _moto: moto, cfn }
}

async fn deploy(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &TestStack,
) -> Result<BTreeMap<String, String>, BoxError> {
    let request = stack_deploy::ApplyRequest {
        stack: &stack.name,
        template: TEMPLATE,
        parameters: &BTreeMap::new(),
        tags: &stack.tags,
        timeout: Duration::from_secs(60),
        emulator: true,
        role_arn: None,
        store: None,
    };
    Ok(apply(cfn, &request, &Yes).await?.outputs().clone())
}

const OPTIONS: GuardOptions = GuardOptions {
    keep: false,
    teardown_timeout: Duration::from_secs(60),
};

/// Never cancels.
async fn never() -> String {
    std::future::pending().await
}

fn quiet(_: GuardStep<'_>) {}

async fn gone(cfn: &aws_sdk_cloudformation::Client, stack: &TestStack) -> bool {
    stack_status(cfn, &stack.name).await.unwrap().is_none()
}

#[tokio::test]
async fn a_passing_suite_sees_the_outputs_and_the_stack_goes() {
    let s = setup().await;
    let stack = TestStack::new("engine");
    let steps = Mutex::new(Vec::new());
    let record = |step: GuardStep<'_>| steps.lock().unwrap().push(format!("{step:?}"));
    let tagged = |outputs: BTreeMap<String, String>| async {
        let described = s
            .cfn
            .describe_stacks()
            .stack_name(&stack.name)
            .send()
            .await?;
        let tags: Vec<_> = described.stacks()[0]
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        Ok::<_, BoxError>((outputs, tags))
    };
    let (outputs, tags) = guard(
        &s.cfn,
        &stack,
        OPTIONS,
        || deploy(&s.cfn, &stack),
        tagged,
        never,
        &record,
    )
    .await
    .unwrap();
    assert!(outputs["Url"].contains("Q"), "{outputs:?}");
    for (k, v) in &stack.tags {
        assert!(
            tags.contains(&(k.clone(), v.clone())),
            "{k} missing from {tags:?}"
        );
    }
    assert!(gone(&s.cfn, &stack).await);
    let steps = steps.into_inner().unwrap();
    assert_eq!(
        steps[..3],
        ["Began(Deploy)", "Began(Suite)", "Began(Teardown)"]
    );
    assert!(steps[3].starts_with("TornDown("), "{steps:?}");
}

#[tokio::test]
async fn a_failing_or_panicking_suite_and_a_failed_deploy_tear_down() {
    let s = setup().await;

    let stack = TestStack::new("engine");
    let fails = |_| async { Err::<(), BoxError>("the count was 2, not 1".into()) };
    let err = guard(
        &s.cfn,
        &stack,
        OPTIONS,
        || deploy(&s.cfn, &stack),
        fails,
        never,
        &quiet,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, GuardError::Suite { .. }), "{err}");
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert_eq!(cause.as_deref(), Some("the count was 2, not 1"), "{err}");
    assert!(gone(&s.cfn, &stack).await, "torn down after a failure");

    let stack = TestStack::new("engine");
    let panics = |_| async {
        if stack.name.is_empty() {
            return Ok(());
        }
        panic!("a check panicked")
    };
    let err = guard(
        &s.cfn,
        &stack,
        OPTIONS,
        || deploy(&s.cfn, &stack),
        panics,
        never,
        &quiet,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            GuardError::Panicked {
                phase: Phase::Suite,
                ..
            }
        ),
        "{err}"
    );
    assert!(gone(&s.cfn, &stack).await, "torn down after a panic");

    let stack = TestStack::new("engine");
    let half = || async {
        deploy(&s.cfn, &stack).await?;
        Err::<BTreeMap<String, String>, BoxError>("uploading the site failed".into())
    };
    let err = guard(
        &s.cfn,
        &stack,
        OPTIONS,
        half,
        |_| async { Ok::<(), BoxError>(()) },
        never,
        &quiet,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, GuardError::Deploy { .. }), "{err}");
    assert!(
        gone(&s.cfn, &stack).await,
        "torn down after a failed deploy"
    );
}

#[tokio::test]
async fn a_cancellation_in_each_phase_tears_down_or_says_what_is_left() {
    let s = setup().await;
    for (cancel_in, reason) in [(Phase::Deploy, "SIGINT"), (Phase::Suite, "SIGTERM")] {
        let stack = TestStack::new("engine");
        let (tx, rx) = tokio::sync::watch::channel(false);
        let slow_deploy = || async {
            let outputs = deploy(&s.cfn, &stack).await?;
            if cancel_in == Phase::Deploy {
                tx.send(true).ok();
                std::future::pending::<()>().await;
            }
            Ok(outputs)
        };
        let slow_suite = |_| async {
            tx.send(true).ok();
            std::future::pending::<()>().await;
            Ok::<(), BoxError>(())
        };
        let signal = || {
            let mut rx = rx.clone();
            async move {
                let _ = rx.wait_for(|fired| *fired).await;
                reason.to_owned()
            }
        };
        // The teardown's own race needs a signal that has not fired yet.
        let fired_once = std::sync::atomic::AtomicBool::new(false);
        let cancelled = || {
            let first = !fired_once.swap(true, std::sync::atomic::Ordering::SeqCst);
            let wait = signal();
            async move {
                if first {
                    wait.await
                } else {
                    std::future::pending().await
                }
            }
        };
        let err = guard(
            &s.cfn,
            &stack,
            OPTIONS,
            slow_deploy,
            slow_suite,
            cancelled,
            &quiet,
        )
        .await
        .unwrap_err();
        match &err {
            GuardError::Cancelled {
                phase, reason: r, ..
            } => {
                assert_eq!((*phase, r.as_str()), (cancel_in, reason), "{err}")
            }
            other => panic!("{other}"),
        }
        assert!(
            gone(&s.cfn, &stack).await,
            "torn down after {reason} while {cancel_in}"
        );
    }

    // A cancellation while tearing down leaves the stack, and says so: the
    // work's race never fires, the teardown's fires at once.
    let stack = TestStack::new("engine");
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let during_teardown = || {
        let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            if call == 0 {
                std::future::pending::<()>().await;
            }
            "SIGHUP".to_owned()
        }
    };
    let err = guard(
        &s.cfn,
        &stack,
        OPTIONS,
        || deploy(&s.cfn, &stack),
        |_| async { Ok::<(), BoxError>(()) },
        during_teardown,
        &quiet,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, GuardError::TeardownCancelled { outcome: None, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("SIGHUP during the teardown"),
        "{err}"
    );
    assert!(
        !gone(&s.cfn, &stack).await,
        "the stack is left, as the error says"
    );
}

#[tokio::test]
async fn a_kept_stack_stays() {
    let s = setup().await;
    let stack = TestStack::new("engine");
    let options = GuardOptions {
        keep: true,
        ..OPTIONS
    };
    guard(
        &s.cfn,
        &stack,
        options,
        || deploy(&s.cfn, &stack),
        |_| async { Ok::<(), BoxError>(()) },
        never,
        &quiet,
    )
    .await
    .unwrap();
    assert!(!gone(&s.cfn, &stack).await, "kept as asked");
}
