//! What every binary does before serving: logging.

use tracing_subscriber::filter::LevelFilter;

/// JSON logs to stdout (CloudWatch), level from `RUST_LOG` (`error`, `warn`,
/// `info`, `debug`, `trace`; default `info`). One level for everything: a
/// per-module filter would bring a regex engine into every function zip.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level(std::env::var("RUST_LOG").ok().as_deref()))
        .with_target(false)
        .without_time()
        .try_init();
}

/// The level `RUST_LOG` names (its last `target=level` part's level, or a
/// bare level); `info` when unset or unknown.
fn level(value: Option<&str>) -> LevelFilter {
    value
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.rsplit('=').next().unwrap_or(v).trim())
        .and_then(|v| v.parse().ok())
        .unwrap_or(LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_rust_log() {
        assert_eq!(level(None), LevelFilter::INFO);
        assert_eq!(level(Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level(Some("visitor_functions=warn")), LevelFilter::WARN);
        assert_eq!(level(Some("nonsense")), LevelFilter::INFO);
    }
}
