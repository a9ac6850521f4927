//! What can go wrong reading logs.

use std::path::PathBuf;

/// Why logs could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    /// A `--since` value that is not a duration.
    #[error(
        "`{text}` is not a duration: use a number and a unit, such as 90s, 10m, 2h, 1d or 1h30m"
    )]
    BadSince {
        /// What was given.
        text: String,
    },
    /// A local log file could not be read.
    #[error("reading {}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// CloudWatch Logs refused or failed a request.
    #[error("reading log group {group} in {region}: {message}")]
    CloudWatch {
        /// The log group.
        group: String,
        /// Its region.
        region: String,
        /// What the service or the connection said.
        message: String,
    },
}
