//! AWS clients from the environment: the standard chain (credentials, region)
//! and `AWS_ENDPOINT_URL`, so one binary runs against AWS or an emulator.

/// The shared configuration: credentials, region and endpoint from the
/// environment (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, ... included).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}

/// How long one DynamoDB request may take before the SDK gives up on it and
/// retries: a reply lost on the way would otherwise hold the function until
/// its own timeout.
pub const DYNAMODB_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A DynamoDB client for `config`, each attempt bounded by
/// [`DYNAMODB_ATTEMPT_TIMEOUT`], its requests recorded when
/// [`access_record::FILE_VAR`] asks for it.
pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let builder = aws_sdk_dynamodb::config::Builder::from(config).timeout_config(bounded(config));
    let builder = recorded(builder, |b, r| b.interceptor(r));
    aws_sdk_dynamodb::Client::from_conf(builder.build())
}

/// An SQS client for `config` (the processor's repairs), each attempt
/// bounded like DynamoDB's, its requests recorded like theirs.
pub fn sqs(config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    let builder = aws_sdk_sqs::config::Builder::from(config).timeout_config(bounded(config));
    let builder = recorded(builder, |b, r| b.interceptor(r));
    aws_sdk_sqs::Client::from_conf(builder.build())
}

/// `config`'s timeouts with each attempt bounded by [`DYNAMODB_ATTEMPT_TIMEOUT`].
fn bounded(config: &aws_config::SdkConfig) -> aws_config::timeout::TimeoutConfig {
    config
        .timeout_config()
        .map(|t| t.to_builder())
        .unwrap_or_default()
        .operation_attempt_timeout(DYNAMODB_ATTEMPT_TIMEOUT)
        .build()
}

/// Records the requests of the client `builder` makes when
/// [`access_record::FILE_VAR`] asks for it (tests check them against the
/// function's IAM policy); does nothing otherwise.
pub fn recorded<B>(builder: B, install: impl FnOnce(B, access_record::Recorder) -> B) -> B {
    match access_record::Recorder::from_env() {
        Some(recorder) => install(builder, recorder),
        None => builder,
    }
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
