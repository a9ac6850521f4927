//! The bootstrap stack: the artifact bucket every deploy uploads to, itself
//! a typed template applied through the same engine.

use infra::aws::s3;
use infra::aws::s3::bucket::{LifecycleConfiguration, NoncurrentVersionExpiration, Rule};
use infra::constructs::private_bucket;
use infra::{Output, Template};

/// The output naming the bucket.
pub const BUCKET_OUTPUT: &str = "ArtifactBucket";

/// The bootstrap stack's name for an app.
pub fn stack_name(app: &str) -> String {
    format!("{app}-bootstrap")
}

/// The bootstrap template: a private, encrypted bucket whose old artifacts
/// expire.
pub fn template() -> Template {
    let mut t = Template::new();
    t.set_description("Artifact bucket for the visitor counter's deploys (cargo xtask deploy)");
    let bucket = t.add(
        "Artifacts",
        private_bucket().lifecycle_configuration(LifecycleConfiguration::new(vec![Rule::new(
            s3::bucket::RuleStatus::Enabled,
        )
        .id("expire-noncurrent")
        .noncurrent_version_expiration(NoncurrentVersionExpiration::new(30))])),
    );
    t.output(
        BUCKET_OUTPUT,
        Output::new(bucket.reference()).description("Where function zips go"),
    );
    t
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders() {
        let rendered = super::template().render().unwrap();
        assert!(rendered.json_text().contains("AWS::S3::Bucket"));
    }
}
