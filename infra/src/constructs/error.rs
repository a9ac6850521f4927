/// A construct used in a way its resources cannot support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstructError {
    /// Stream access was asked of a table created without a stream.
    #[error("table `{0}` has no stream: set `TableProps::stream` to read its stream")]
    NoStream(String),
}
