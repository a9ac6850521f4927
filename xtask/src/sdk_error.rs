//! AWS SDK errors as `anyhow` errors that keep what the service said: an
//! `SdkError`'s own `Display` is only "service error".

/// `e` with its whole chain of sources, the service's message among them.
pub fn sdk_error<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow::anyhow!("{}", aws_sdk_sts::error::DisplayErrorContext(e))
}
