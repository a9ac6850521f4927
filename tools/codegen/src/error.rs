//! What can go wrong while generating or refreshing, each naming the file or
//! the resource type and what to do.

use std::path::PathBuf;

/// A codegen failure.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A file could not be read, written, copied or removed.
    #[error("{action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A vendored or packaged JSON file does not parse.
    #[error("{} is not the JSON expected", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A service has no vendored schemas (or the folder is missing).
    #[error("no vendored schemas for {service} in {}: run `cargo xtask codegen --refresh-schemas`", dir.display())]
    NoSchemas {
        service: String,
        dir: PathBuf,
        #[source]
        source: Option<std::io::Error>,
    },
    /// The vendored list of IAM actions is missing or unreadable.
    #[error("no usable {}: run `cargo xtask codegen --refresh-schemas`", path.display())]
    NoActions {
        path: PathBuf,
        #[source]
        source: Box<CodegenError>,
    },
    /// A schema has a shape the model does not map.
    #[error("{type_name}: {reason}")]
    Schema { type_name: String, reason: String },
    /// `infra/Cargo.toml` lacks a marker of its generated block.
    #[error("infra/Cargo.toml lacks the `{0}` marker of the generated features block")]
    MissingMarker(&'static str),
    /// rustfmt could not be run or refused the generated text.
    #[error("rustfmt: {0}")]
    Rustfmt(String),
}

impl CodegenError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| CodegenError::Io {
            action,
            path,
            source,
        }
    }

    pub(crate) fn schema(type_name: &str, reason: impl Into<String>) -> Self {
        CodegenError::Schema {
            type_name: type_name.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Codegen's result.
pub type Result<T> = std::result::Result<T, CodegenError>;
