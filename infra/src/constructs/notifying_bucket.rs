//! A private bucket that tells an SNS topic about its objects, with the
//! topic policy S3 needs and the ordering CloudFormation needs.
//!
//! S3 checks that it may publish when the notification is put
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html>),
//! so the bucket waits for the topic policy (`DependsOn`). The policy names
//! the bucket by its ARN built from its name, not `Fn::GetAtt`, which would
//! make the policy wait for the bucket: a cycle
//! (<https://repost.aws/knowledge-center/unable-validate-destination-s3>).

use crate::aws::s3::bucket::{
    FilterRule, LifecycleConfiguration, NotificationConfiguration, NotificationFilter, Rule,
    RuleStatus, S3KeyFilter, TopicConfiguration,
};
use crate::aws::{s3, sns};
use crate::constructs::bucket::private_bucket;
use crate::constructs::error::ConstructError;
use crate::constructs::perms;
use crate::constructs::role_policy::Grantee;
use crate::constructs::topic::Topic;
use crate::policy::{PolicyDocument, Principal, Statement};
use crate::{fns, pseudo, sub, Attributes, Handle, Template, ToJson, Value};

/// Settings of a [`NotifyingBucket`].
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyingBucketProps {
    /// The bucket's name, which the topic policy needs before the bucket
    /// exists: see [`NotifyingBucketProps::unique_name`].
    pub name: Value<String>,
    /// The S3 events that notify (default `s3:ObjectCreated:*`).
    pub events: Vec<String>,
    /// Only keys starting with this notify.
    pub prefix: Option<String>,
    /// Only keys ending with this notify.
    pub suffix: Option<String>,
    /// Objects are deleted this many days after they were written.
    pub expire_after_days: Option<i64>,
}

impl NotifyingBucketProps {
    /// Notifications of new objects in a bucket named `name`.
    pub fn new(name: Value<String>) -> Self {
        NotifyingBucketProps {
            name,
            events: vec!["s3:ObjectCreated:*".into()],
            prefix: None,
            suffix: None,
            expire_after_days: None,
        }
    }

    /// `<prefix>-<UUID of the stack's ID>`: unique to each stack, and
    /// lowercase whatever the stack's name (bucket names must be,
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>).
    /// The UUID takes 37 of the 63 characters a name may have.
    pub fn unique_name(prefix: &str) -> Result<Value<String>, ConstructError> {
        let problem = if prefix.is_empty() || prefix.len() > 26 {
            Some("must have 1 to 26 characters (the stack's UUID takes the other 37)")
        } else if !prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            Some("may hold only lowercase letters, digits and hyphens")
        } else if !prefix.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            Some("must start with a letter or a digit")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(ConstructError::BucketName {
                name: format!("{prefix}-<stack uuid>"),
                problem: problem.into(),
            });
        }
        let uuid = fns::select(2, fns::split("/", pseudo::stack_id()));
        Ok(sub!(format!("{prefix}-"), uuid))
    }
}

/// The bucket and the policy that lets it publish. Adds `<id>` and
/// `<id>TopicPolicy`.
#[derive(Debug, Clone)]
pub struct NotifyingBucket {
    /// The bucket.
    pub bucket: Handle<s3::Bucket>,
    /// The topic policy that lets S3 publish for this bucket only.
    pub topic_policy: Handle<sns::TopicPolicy>,
}

impl NotifyingBucket {
    /// Adds the bucket under `id`, notifying `topic`.
    ///
    /// A topic has one policy, and a second `AWS::SNS::TopicPolicy` on it
    /// would replace the first: a topic that already has one in the
    /// template is an error.
    pub fn new(
        template: &mut Template,
        id: &str,
        topic: &Topic,
        props: NotifyingBucketProps,
    ) -> Result<Self, ConstructError> {
        let arn = topic.arn().to_json();
        if let Some(existing) = template.resources().find(|r| {
            r.resource_type() == sns::TopicPolicy::TYPE
                && r.properties()["Topics"]
                    .as_array()
                    .is_some_and(|topics| topics.contains(&arn))
        }) {
            return Err(ConstructError::TopicHasPolicy {
                topic: topic.topic.logical_id().to_owned(),
                policy: existing.logical_id().to_owned(),
            });
        }
        let bucket_arn = sub!("arn:", pseudo::partition(), ":s3:::", props.name.clone());
        let policy = PolicyDocument::new().statement(
            Statement::allow()
                .actions(perms::TOPIC_PUBLISH.iter().copied())
                .principal(Principal::service("s3.amazonaws.com"))
                .resource(topic.arn())
                .condition("ArnLike", "aws:SourceArn", [bucket_arn])
                .condition("StringEquals", "aws:SourceAccount", [pseudo::account_id()]),
        );
        let topic_policy = template.add(
            &format!("{id}TopicPolicy"),
            sns::TopicPolicy::new(policy, vec![topic.arn()]),
        );
        let mut filters = Vec::new();
        for (name, value) in [("prefix", &props.prefix), ("suffix", &props.suffix)] {
            if let Some(value) = value {
                filters.push(FilterRule::new(name, value.clone()));
            }
        }
        let configurations: Vec<TopicConfiguration> = props
            .events
            .iter()
            .map(|event| {
                let configuration = TopicConfiguration::new(event.clone(), topic.arn());
                if filters.is_empty() {
                    configuration
                } else {
                    configuration.filter(NotificationFilter::new(S3KeyFilter::new(filters.clone())))
                }
            })
            .collect();
        let mut bucket = private_bucket()
            .bucket_name(props.name)
            .notification_configuration(
                NotificationConfiguration::new().topic_configurations(configurations),
            );
        if let Some(days) = props.expire_after_days {
            bucket = bucket.lifecycle_configuration(LifecycleConfiguration::new(vec![Rule::new(
                RuleStatus::Enabled,
            )
            .id("expire")
            .expiration_in_days(days)]));
        }
        let bucket = template.add_with(id, bucket, Attributes::new().depends_on(&topic_policy));
        Ok(NotifyingBucket {
            bucket,
            topic_policy,
        })
    }

    /// The bucket's name (`Ref`).
    pub fn name(&self) -> Value<String> {
        self.bucket.reference()
    }

    /// The bucket's ARN.
    pub fn arn(&self) -> Value<String> {
        self.bucket.arn()
    }

    /// Reading its objects.
    pub fn grant_read(&self, template: &mut Template, grantee: &mut impl Grantee) {
        grantee.grant(
            template,
            Statement::allow()
                .actions(perms::BUCKET_READ.iter().copied())
                .resource(sub!(self.arn(), "/*")),
        );
    }
}
