//! A private bucket: every kind of public access blocked, encrypted at rest,
//! objects owned by the bucket owner (no ACLs).

use crate::aws::s3;
use crate::aws::s3::bucket::{
    BucketEncryption, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryptionByDefault, ServerSideEncryptionRule,
    SseAlgorithm,
};

/// The bucket properties every private bucket starts from; chain more setters.
pub fn private_bucket() -> s3::Bucket {
    s3::Bucket::new()
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::new()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true),
        )
        .bucket_encryption(BucketEncryption::new(vec![ServerSideEncryptionRule::new()
            .server_side_encryption_by_default(ServerSideEncryptionByDefault::new(
                SseAlgorithm::Aes256,
            ))]))
        .ownership_controls(OwnershipControls::new(vec![
            OwnershipControlsRule::new().object_ownership(ObjectOwnership::BucketOwnerEnforced)
        ]))
}
