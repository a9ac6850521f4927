//! How a template reaches CloudFormation. Bodies are sent as compact JSON;
//! up to CloudFormation's inline limit (51,200 bytes) as `TemplateBody`,
//! above it uploaded to the artifact bucket under its content hash and passed
//! as `TemplateURL` (up to 1 MB), as `aws cloudformation deploy --s3-bucket`
//! and CDK do. Limits:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>;
//! the URL form (`https://BUCKET.s3.REGION.amazonaws.com/KEY`, read with the
//! caller's credentials, so the deploy role may `s3:GetObject` it):
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html>.

use sha2::{Digest, Sha256};

use crate::error::{aws, ApplyError};
use crate::progress::{Observer, Progress};

/// Where large templates are uploaded.
#[derive(Clone, Copy)]
pub struct TemplateStore<'a> {
    /// The S3 client (its region is the stack's).
    pub s3: &'a aws_sdk_s3::Client,
    /// The artifact bucket.
    pub bucket: &'a str,
}

/// A template as one request carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    /// Inline, compact.
    Body(String),
    /// Uploaded; the object's URL.
    Url(String),
}

/// `template` without whitespace (the same JSON).
pub fn compact(template: &str) -> Result<String, ApplyError> {
    let value: serde_json::Value = serde_json::from_str(template)?;
    Ok(value.to_string())
}

/// The object key of an uploaded template: its content's SHA-256.
pub fn key(body: &str) -> String {
    let hash = Sha256::digest(body.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("templates/{hex}.json")
}

/// The virtual-hosted URL of `key` in `bucket`.
pub fn url(bucket: &str, region: &str, key: &str) -> String {
    format!("https://{bucket}.s3.{region}.amazonaws.com/{key}")
}

/// How `template` is sent: inline when its compact form fits, else uploaded
/// to `store` (once per content) and referenced.
pub async fn source(
    template: &str,
    store: Option<TemplateStore<'_>>,
    observer: &dyn Observer,
) -> Result<TemplateSource, ApplyError> {
    let body = compact(template)?;
    if body.len() <= infra::MAX_INLINE_BODY_BYTES {
        return Ok(TemplateSource::Body(body));
    }
    if body.len() > infra::MAX_BODY_BYTES {
        return Err(ApplyError::TooLarge {
            bytes: body.len(),
            limit: infra::MAX_BODY_BYTES,
            what: "limit even from S3: split it (nested stacks) or shorten it",
        });
    }
    let Some(store) = store else {
        return Err(ApplyError::TooLarge {
            bytes: body.len(),
            limit: infra::MAX_INLINE_BODY_BYTES,
            what: "inline limit, and there is no bucket to upload it to",
        });
    };
    let key = key(&body);
    let region = store
        .s3
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let exists = store
        .s3
        .head_object()
        .bucket(store.bucket)
        .key(&key)
        .send()
        .await
        .is_ok();
    let location = format!("s3://{}/{key}", store.bucket);
    if !exists {
        store
            .s3
            .put_object()
            .bucket(store.bucket)
            .key(&key)
            .body(body.clone().into_bytes().into())
            .content_type("application/json")
            .send()
            .await
            .map_err(aws(format!("uploading the template to {location}")))?;
    }
    observer.progress(Progress::Uploaded {
        bytes: body.len(),
        location: &location,
    });
    Ok(TemplateSource::Url(url(store.bucket, &region, &key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Change;

    struct Quiet;
    impl Observer for Quiet {
        fn progress(&self, _: Progress<'_>) {}
        fn confirm(&self, _: &str, _: &[Change]) -> bool {
            true
        }
    }

    #[tokio::test]
    async fn small_templates_go_inline_compact() {
        let pretty = "{\n  \"Resources\": {\n    \"Q\": {\n      \"Type\": \"AWS::SQS::Queue\"\n    }\n  }\n}\n";
        assert_eq!(
            source(pretty, None, &Quiet).await.unwrap(),
            TemplateSource::Body(r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#.into())
        );
    }

    #[tokio::test]
    async fn a_large_template_without_a_bucket_is_a_clear_error() {
        let big = serde_json::json!({ "Description": "x".repeat(60_000) }).to_string();
        let err = source(&big, None, &Quiet).await.unwrap_err().to_string();
        assert!(err.contains("51200-byte inline limit"), "{err}");
        let huge = serde_json::json!({ "Description": "x".repeat(1_100_000) }).to_string();
        let err = source(&huge, None, &Quiet).await.unwrap_err().to_string();
        assert!(err.contains("even from S3"), "{err}");
    }

    #[test]
    fn keys_are_content_hashes() {
        assert_eq!(key("a"), key("a"));
        assert_ne!(key("a"), key("b"));
        assert!(key("a").starts_with("templates/") && key("a").ends_with(".json"));
        assert_eq!(
            url("art", "us-east-1", "templates/x.json"),
            "https://art.s3.us-east-1.amazonaws.com/templates/x.json"
        );
    }
}
