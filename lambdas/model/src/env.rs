//! Environment variable names the stack sets and the functions read.

/// Name of the table holding the running totals (one item).
pub const TOTALS_TABLE: &str = "TOTALS_TABLE";
/// Name of the per-visitor (per client IP) table.
pub const VISITORS_TABLE: &str = "VISITORS_TABLE";
/// Name of the per-path table.
pub const PATHS_TABLE: &str = "PATHS_TABLE";
/// Name of the WebSocket connections table.
pub const CONNECTIONS_TABLE: &str = "CONNECTIONS_TABLE";
/// How client IPs are stored: `raw`, `hashed` (SHA-256 with a daily salt
/// the processor keeps itself) or `none`.
pub const IP_STORAGE: &str = "IP_STORAGE";
/// Days a visitor record lives after the last visit.
pub const IP_RETENTION_DAYS: &str = "IP_RETENTION_DAYS";
/// Origins allowed to read the counts API (comma-separated).
pub const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";
/// The WebSocket management endpoint (`https://.../stage`).
pub const WEBSOCKET_ENDPOINT: &str = "WEBSOCKET_ENDPOINT";
/// Seconds a WebSocket connection record lives.
pub const CONNECTION_TTL_SECONDS: &str = "CONNECTION_TTL_SECONDS";
/// The visit queue's URL: where the processor hands over a repair.
pub const VISITS_QUEUE_URL: &str = "VISITS_QUEUE_URL";
/// Set only where functions run on this machine (`cargo xtask local`, the
/// emulator's test stack): a folder where each function also appends its
/// log lines, with their time, to [`local_log_file`] (what `cargo xtask
/// logs` reads there). On Lambda, logs go to CloudWatch only.
pub const LOCAL_LOG_DIR: &str = "VISITOR_LOG_DIR";

/// The local log file of the function `name` (a Rust function's binary
/// name, the edge function's logical ID) in `dir`.
pub fn local_log_file(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    dir.join(format!("{name}.log"))
}
