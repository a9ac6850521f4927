//! AWS clients from the environment: the standard chain (credentials, region)
//! and `AWS_ENDPOINT_URL`, so one binary runs against AWS or an emulator.

/// The shared configuration: credentials, region and endpoint from the
/// environment (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, ... included).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}

/// A DynamoDB client for `config`.
pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

/// A required environment variable, or an error naming it.
pub fn required_env(name: &'static str) -> Result<String, MissingEnv> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(MissingEnv(name)),
    }
}

/// A required environment variable is not set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {0} is not set (the stack sets it; set it by hand to run locally)")]
pub struct MissingEnv(pub &'static str);
