//! A stack's function logs, as an owner reads them: every line of the
//! functions asked for, newest last, each with its function's name in
//! front, filtered by text and time, and followed as new lines arrive.
//!
//! Lines come from [`Source`]s: a CloudWatch Logs group in a region (a
//! deployed function; an edge function has one group in every region it
//! ran in, which [`edge_sources`] finds) or a local file of JSON lines (what
//! functions run on this machine write). [`Reader`] reads them all and
//! interleaves them by time; called again, it returns only lines it has not
//! returned yet, which is what following is (a source that fails is named
//! in the batch and asked again next time, the others' lines still come). [`readable`] turns the JSON
//! lines functions and Lambda write into one readable line.
//!
//! Nothing here prints: the caller decides what to show and how.

mod cloudwatch;
mod error;
mod line;
mod local;
mod reader;
mod since;

pub use cloudwatch::{edge_group_prefix, edge_sources, EdgeSearch, EDGE_REGIONS};
pub use error::LogsError;
pub use line::{readable, Line};
pub use local::LOCAL_TIME_FIELD;
pub use reader::{Batch, Query, Reader, LATE_MS};
pub use since::parse_since;

/// Where one function's lines are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The name printed in front of its lines.
    pub name: String,
    /// Where they are.
    pub place: Place,
}

/// A log group or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A CloudWatch Logs group, in `region` (the configuration's when `None`).
    Group {
        /// The group's name.
        group: String,
        /// Its region.
        region: Option<String>,
    },
    /// A file of lines, each a JSON object with its time in
    /// [`LOCAL_TIME_FIELD`] (RFC 3339), or plain text.
    File(std::path::PathBuf),
}
