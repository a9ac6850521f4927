//! Destroy, gc and site publishing against a real moto server, on templates
//! that are no application's: what a template retains is left and named,
//! the rest emptied and deleted; only old, tagged test stacks of the app are
//! collected; a publish uploads, skips and prunes.

use std::sync::Mutex;
use std::time::Duration;

use stack_deploy::destroy::{destroy, DestroyError, DestroyStep};
use stack_deploy::gc::{collect, GcStep, CREATED_TAG, RUN_TAG};
use stack_deploy::site::{publish, SiteFile};
use stack_deploy::stack_status;

const TEMPLATE: &str = r#"{"Resources":{
  "Scratch":{"Type":"AWS::S3::Bucket"},
  "Archive":{"Type":"AWS::S3::Bucket","DeletionPolicy":"Retain"},
  "Counts":{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Retain","Properties":{
    "BillingMode":"PAY_PER_REQUEST",
    "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}}
}}"#;

async fn physical(cfn: &aws_sdk_cloudformation::Client, stack: &str, id: &str) -> String {
    cfn.describe_stack_resource()
        .stack_name(stack)
        .logical_resource_id(id)
        .send()
        .await
        .unwrap()
        .stack_resource_detail()
        .and_then(|d| d.physical_resource_id())
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_empties_what_goes_and_names_what_the_template_retains() {
    let moto = emulator::Moto::start().unwrap();
    let sdk = moto.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::new(&sdk);
    cfn.create_stack()
        .stack_name("kept")
        .template_body(TEMPLATE)
        .send()
        .await
        .unwrap();
    let scratch = physical(&cfn, "kept", "Scratch").await;
    let archive = physical(&cfn, "kept", "Archive").await;
    for (bucket, key) in [
        (&scratch, "a.txt"),
        (&scratch, "b/c.txt"),
        (&archive, "keep.txt"),
    ] {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let steps = Mutex::new(Vec::new());
    let record = |step: DestroyStep<'_>| steps.lock().unwrap().push(format!("{step:?}"));
    let left = destroy(&cfn, &s3, "kept", Duration::from_secs(60), &record)
        .await
        .unwrap();
    let mut left: Vec<(String, String)> = left
        .into_iter()
        .map(|r| (r.logical_id, r.resource_type))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ("Archive".to_owned(), "AWS::S3::Bucket".to_owned()),
            ("Counts".to_owned(), "AWS::DynamoDB::Table".to_owned()),
        ]
    );
    let steps = steps.into_inner().unwrap();
    assert!(
        steps.contains(&format!("KeepingBucket({archive:?})")),
        "{steps:?}"
    );
    assert!(
        steps.contains(&format!("Emptied {{ bucket: {scratch:?}, objects: 2 }}")),
        "{steps:?}"
    );
    assert_eq!(steps.last().map(String::as_str), Some("Deleted(\"kept\")"));
    assert!(stack_status(&cfn, "kept").await.unwrap().is_none());
    let kept = s3.list_objects_v2().bucket(&archive).send().await.unwrap();
    assert_eq!(
        kept.contents().len(),
        1,
        "a retained bucket keeps its objects"
    );

    let again = destroy(&cfn, &s3, "kept", Duration::from_secs(60), &|_| {}).await;
    assert!(
        matches!(again, Err(DestroyError::NoSuchStack(ref s)) if s == "kept"),
        "{again:?}"
    );
}

/// Only this app's test stacks (name and run tag agreeing), and only old
/// ones, are collected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gc_deletes_old_test_stacks_only() {
    let moto = emulator::Moto::start().unwrap();
    let sdk = moto.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let template = r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#;
    let tag = |k: &str, v: &str| {
        aws_sdk_cloudformation::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    };
    let old = "resume-test-20260101-000000-aaaaaa";
    let new = "resume-test-20260101-000001-bbbbbb";
    for (name, tags) in [
        (old, vec![tag(RUN_TAG, old), tag(CREATED_TAG, "1000")]),
        (
            new,
            vec![tag(RUN_TAG, new), tag(CREATED_TAG, &u64::MAX.to_string())],
        ),
        // Tagged like a run, but not named like this app's test stacks.
        (
            "someone-elses",
            vec![tag(RUN_TAG, "someone-elses"), tag(CREATED_TAG, "1000")],
        ),
        // Named like one, but its tag names another stack.
        (
            "resume-test-20260101-000002-cccccc",
            vec![tag(RUN_TAG, "r3"), tag(CREATED_TAG, "1000")],
        ),
        ("production", vec![tag("app", "resume")]),
    ] {
        cfn.create_stack()
            .stack_name(name)
            .template_body(template)
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
    }
    let hour = Duration::from_secs(3600);
    let steps = Mutex::new(Vec::new());
    let record = |step: GcStep<'_>| {
        if let GcStep::WouldDelete(name) | GcStep::Deleting(name) = step {
            steps.lock().unwrap().push(name.to_owned());
        }
    };
    let listed = collect(&cfn, &s3, "resume", hour, true, &record)
        .await
        .unwrap();
    assert_eq!(listed, [old]);
    assert!(
        stack_status(&cfn, old).await.unwrap().is_some(),
        "a dry run deletes nothing"
    );
    let removed = collect(&cfn, &s3, "resume", hour, false, &record)
        .await
        .unwrap();
    assert_eq!(removed, [old]);
    assert_eq!(steps.into_inner().unwrap(), [old, old]);
    assert!(stack_status(&cfn, old).await.unwrap().is_none());
    for kept in [
        new,
        "someone-elses",
        "resume-test-20260101-000002-cccccc",
        "production",
    ] {
        assert!(
            stack_status(&cfn, kept).await.unwrap().is_some(),
            "{kept} is kept"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_uploads_skips_what_is_unchanged_and_prunes_what_is_gone() {
    let moto = emulator::Moto::start().unwrap();
    let sdk = moto.sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk);
    s3.create_bucket().bucket("site").send().await.unwrap();
    let page = SiteFile::new("index.html", b"<p>hi</p>".to_vec());
    let style = SiteFile::new("css/site.css", b"p{}".to_vec());
    let config = SiteFile::generated("config.json", b"{}".to_vec());
    let files = [page.clone(), style, config];
    let first = publish(&s3, &cloudfront, "site", &files, None)
        .await
        .unwrap();
    assert_eq!(first.uploaded.len(), 3);
    let head = s3
        .head_object()
        .bucket("site")
        .key("css/site.css")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/css; charset=utf-8"));
    assert_eq!(head.cache_control(), Some("public, max-age=86400"));
    let head = s3
        .head_object()
        .bucket("site")
        .key("config.json")
        .send()
        .await
        .unwrap();
    assert_eq!(head.cache_control(), Some("no-cache"));

    let second = publish(&s3, &cloudfront, "site", &files, None)
        .await
        .unwrap();
    assert!(
        second.uploaded.is_empty() && second.unchanged == 3,
        "{second:?}"
    );

    let changed = SiteFile::new("index.html", b"<p>hello</p>".to_vec());
    let third = publish(&s3, &cloudfront, "site", &[changed], None)
        .await
        .unwrap();
    assert_eq!(third.uploaded, ["index.html"]);
    let mut pruned = third.pruned.clone();
    pruned.sort();
    assert_eq!(pruned, ["config.json", "css/site.css"]);
    assert_eq!(third.invalidation, None, "no distribution, no invalidation");
}
