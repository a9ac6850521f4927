//! What moto's CloudFormation creates without its wiring: it makes an
//! `AWS::S3::Bucket` but not its `NotificationConfiguration`, and skips
//! `AWS::SNS::Subscription`. [`complete`] reads both from the template and
//! makes them through the services' own APIs, which moto does implement
//! (S3 then sends its event notifications to the topic, and SNS delivers
//! to the queue, raw or in its envelope, as AWS does). Only the
//! intrinsics those properties use are resolved: `Ref` (a resource's
//! physical ID) and `Fn::GetAtt` of a queue's `Arn`.

use std::collections::HashMap;

use serde_json::Value;

/// Why the wiring could not be made.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// A property uses something this does not resolve.
    #[error("{resource}: cannot resolve {value} on the emulator (only Ref and a queue's Fn::GetAtt Arn are)")]
    Unresolved {
        /// The resource's logical ID.
        resource: String,
        /// The value.
        value: String,
    },
    /// An AWS call failed.
    #[error("{action}: {message}")]
    Aws {
        /// What was being done.
        action: String,
        /// What the service said.
        message: String,
    },
}

fn aws<E: std::error::Error>(action: impl Into<String>) -> impl FnOnce(E) -> WiringError {
    let action = action.into();
    move |e| WiringError::Aws {
        action,
        message: aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
    }
}

/// What [`complete`] made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completed {
    /// `(logical ID, topic ARN, endpoint)` of each subscription made.
    pub subscriptions: Vec<(String, String, String)>,
    /// Buckets whose notifications were put, by logical ID.
    pub notifying_buckets: Vec<String>,
}

/// Makes the subscriptions and bucket notifications of `template` (the
/// rendered JSON) for a deployed stack whose resources have the physical
/// IDs `physical` (by logical ID, as `DescribeStackResources` lists them).
pub async fn complete(
    sdk: &aws_config::SdkConfig,
    physical: &HashMap<String, String>,
    template: &Value,
) -> Result<Completed, WiringError> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let resolver = Resolver {
        physical,
        sqs: &sqs,
    };
    let empty = serde_json::Map::new();
    let declared = template["Resources"].as_object().unwrap_or(&empty);
    let mut done = Completed::default();

    let sns = aws_sdk_sns::Client::new(sdk);
    for (id, resource) in declared {
        if resource["Type"] != "AWS::SNS::Subscription" {
            continue;
        }
        let p = &resource["Properties"];
        let topic = resolver.resolve(id, &p["TopicArn"]).await?;
        let endpoint = resolver.resolve(id, &p["Endpoint"]).await?;
        let protocol = p["Protocol"].as_str().unwrap_or("sqs");
        let mut request = sns
            .subscribe()
            .topic_arn(&topic)
            .protocol(protocol)
            .endpoint(&endpoint);
        if p["RawMessageDelivery"] == true {
            request = request.attributes("RawMessageDelivery", "true");
        }
        if p["FilterPolicy"].is_object() {
            request = request.attributes("FilterPolicy", p["FilterPolicy"].to_string());
        }
        request
            .send()
            .await
            .map_err(aws(format!("subscribing {endpoint} to {topic} ({id})")))?;
        done.subscriptions.push((id.clone(), topic, endpoint));
    }

    let s3 = aws_sdk_s3::Client::new(sdk);
    for (id, resource) in declared {
        let notifications = &resource["Properties"]["NotificationConfiguration"];
        if resource["Type"] != "AWS::S3::Bucket" || !notifications.is_object() {
            continue;
        }
        let bucket = physical.get(id).ok_or_else(|| WiringError::Unresolved {
            resource: id.clone(),
            value: "its bucket name".into(),
        })?;
        let mut configuration = aws_sdk_s3::types::NotificationConfiguration::builder();
        for topic in notifications["TopicConfigurations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let arn = resolver.resolve(id, &topic["Topic"]).await?;
            let mut built = aws_sdk_s3::types::TopicConfiguration::builder()
                .topic_arn(arn)
                .events(aws_sdk_s3::types::Event::from(
                    topic["Event"].as_str().unwrap_or("s3:ObjectCreated:*"),
                ));
            let rules: Vec<aws_sdk_s3::types::FilterRule> = topic["Filter"]["S3Key"]["Rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    aws_sdk_s3::types::FilterRule::builder()
                        .name(aws_sdk_s3::types::FilterRuleName::from(
                            r["Name"].as_str().unwrap_or_default(),
                        ))
                        .value(r["Value"].as_str().unwrap_or_default())
                        .build()
                })
                .collect();
            if !rules.is_empty() {
                built = built.filter(
                    aws_sdk_s3::types::NotificationConfigurationFilter::builder()
                        .key(
                            aws_sdk_s3::types::S3KeyFilter::builder()
                                .set_filter_rules(Some(rules))
                                .build(),
                        )
                        .build(),
                );
            }
            configuration = configuration.topic_configurations(built.build().map_err(|e| {
                WiringError::Unresolved {
                    resource: id.clone(),
                    value: e.to_string(),
                }
            })?);
        }
        s3.put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(configuration.build())
            .send()
            .await
            .map_err(aws(format!("putting {bucket}'s notifications ({id})")))?;
        done.notifying_buckets.push(id.clone());
    }
    Ok(done)
}

struct Resolver<'a> {
    physical: &'a HashMap<String, String>,
    sqs: &'a aws_sdk_sqs::Client,
}

impl Resolver<'_> {
    async fn resolve(&self, resource: &str, value: &Value) -> Result<String, WiringError> {
        let unresolved = || WiringError::Unresolved {
            resource: resource.to_owned(),
            value: value.to_string(),
        };
        if let Some(text) = value.as_str() {
            return Ok(text.to_owned());
        }
        if let Some(target) = value["Ref"].as_str() {
            return self.physical.get(target).cloned().ok_or_else(unresolved);
        }
        let Some([target, Value::String(attribute)]) =
            value["Fn::GetAtt"].as_array().map(Vec::as_slice)
        else {
            return Err(unresolved());
        };
        let url = target
            .as_str()
            .and_then(|t| self.physical.get(t))
            .ok_or_else(unresolved)?;
        if attribute != "Arn" || !url.starts_with("http") {
            return Err(unresolved());
        }
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(aws(format!("reading {url}'s ARN")))?;
        attributes
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(unresolved)
    }
}
