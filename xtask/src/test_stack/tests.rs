//! The teardown guard against a real moto server: a suite that fails, and one
//! that panics, still leave nothing behind.

use anyhow::bail;
use visitor_stack::StackConfig;

use super::{test_stack, Check, Run};
use crate::deploy::tests::options;
use crate::deploy::{stack_status, Target};

async fn assert_gone(sdk: &aws_config::SdkConfig, stack: &str) {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    assert!(
        stack_status(&cfn, stack).await.unwrap().is_none(),
        "stack {stack} left behind"
    );
    let tables = aws_sdk_dynamodb::Client::new(sdk)
        .list_tables()
        .send()
        .await
        .unwrap();
    assert!(
        tables.table_names().iter().all(|t| !t.starts_with(stack)),
        "tables left behind: {:?}",
        tables.table_names()
    );
    let queues = aws_sdk_sqs::Client::new(sdk)
        .list_queues()
        .send()
        .await
        .unwrap();
    assert!(
        queues.queue_urls().iter().all(|q| !q.contains(stack)),
        "queues left behind: {:?}",
        queues.queue_urls()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_panicking_suites_still_tear_down() {
    let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let run = |stack: &str, check: Check| Run {
        target: &target,
        stack: stack.to_owned(),
        config: &config,
        options: options(),
        checks: vec![check],
        keep: false,
        check_access: false,
        results: None,
    };

    let fails = Check {
        name: "fails on purpose",
        run: |_| Box::pin(async { bail!("the expected failure") }),
    };
    let err = test_stack(run("ts-fails", fails)).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("1 of 1 checks failed: fails on purpose"),
        "{text}"
    );
    assert_gone(&sdk, "ts-fails").await;

    let panics = Check {
        name: "panics on purpose",
        run: |_| Box::pin(async { panic!("the expected panic") }),
    };
    let err = test_stack(run("ts-panics", panics)).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("panicked: the expected panic"), "{text}");
    assert_gone(&sdk, "ts-panics").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_leaves_the_stack_for_debugging() {
    let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let sdk = moto.sdk_config().await;
    let target = Target::Endpoint(moto.endpoint().to_owned());
    let config = StackConfig::default();
    let passes = Check {
        name: "passes",
        run: |_| Box::pin(async { Ok(()) }),
    };
    test_stack(Run {
        target: &target,
        stack: "ts-kept".into(),
        config: &config,
        options: options(),
        checks: vec![passes],
        keep: true,
        check_access: false,
        results: None,
    })
    .await
    .unwrap();
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let stack = cfn
        .describe_stacks()
        .stack_name("ts-kept")
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = stack.stacks()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))
        .collect();
    assert!(
        tags.contains(&(stack_deploy::gc::RUN_TAG, "ts-kept")),
        "{tags:?}"
    );
    assert!(tags
        .iter()
        .any(|(k, _)| *k == stack_deploy::gc::CREATED_TAG));
}

#[test]
fn names_are_unique_and_say_what_they_are() {
    let a = super::unique_name("resume");
    let b = super::unique_name("resume");
    assert_ne!(a, b);
    assert!(a.starts_with("resume-test-20"), "{a}");
    assert!(
        a.len() <= 128,
        "CloudFormation names are at most 128 characters"
    );
}
