//! The uploads pipeline's handlers as plain async functions; the binaries
//! in `src/bin/` only wire them to the Lambda runtime.

pub mod hourly;
pub mod indexer;
pub mod key;

/// JSON logs to stdout, which Lambda sends to the function's log group.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .json()
        .without_time()
        .with_target(false)
        .try_init();
}

/// The index table's name from the environment the stack sets.
pub fn table_from_env() -> Result<String, std::env::VarError> {
    std::env::var(uploads_model::env::TABLE)
}
