//! What can stop a stack from being served, each naming what and where.

/// Why a stack could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// An AWS call to the emulator failed; `message` is the service's own.
    #[error("{action}: {message}")]
    Aws { action: String, message: String },
    /// The template or the stack lacks what serving needs.
    #[error("{0}")]
    Missing(String),
    /// A file or folder could not be made or written.
    #[error("{action}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
    /// A process (cargo lambda watch, Python) did not start or listen.
    #[error("{0}")]
    Start(String),
    /// The functions' environment cannot be passed as it is.
    #[error("{0}")]
    Environment(String),
    /// An edge function's inline code cannot be run here.
    #[error("edge function {function}: {problem}")]
    EdgeCode { function: String, problem: String },
}

impl ServeError {
    /// An SDK error with its whole chain of sources (an `SdkError`'s own
    /// `Display` is only "service error").
    pub(crate) fn aws<E: std::error::Error>(action: impl Into<String>) -> impl FnOnce(E) -> Self {
        let action = action.into();
        move |e| ServeError::Aws {
            action,
            message: aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
        }
    }

    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let action = action.into();
        move |source| ServeError::Io { action, source }
    }
}

/// Serving's result.
pub type Result<T, E = ServeError> = std::result::Result<T, E>;
