//! What every binary does before serving: logging.

use std::sync::Arc;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use visitor_model::env;

/// JSON logs to stdout (CloudWatch), level from `RUST_LOG` (`error`, `warn`,
/// `info`, `debug`, `trace`; default `info`). One level for everything: a
/// per-module filter would bring a regex engine into every function zip.
///
/// On Lambda, CloudWatch stamps each line with its time and keeps each
/// function's lines in its own log group. Run locally (with
/// [`env::LOCAL_LOG_DIR`] set), the lines carry their time and also go to
/// the function's own file there, named after its binary, which is what
/// `cargo xtask logs` reads.
pub fn init_tracing() {
    let level = level(std::env::var("RUST_LOG").ok().as_deref());
    let local = std::env::var_os(env::LOCAL_LOG_DIR).and_then(|dir| {
        let name = std::env::current_exe().ok()?.file_stem()?.to_owned();
        let path = env::local_log_file(dir.as_ref(), &name.to_string_lossy());
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    });
    let builder = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_target(false);
    let _ = match local {
        Some(file) => builder
            .with_writer(std::io::stdout.and(Arc::new(file)))
            .try_init(),
        None => builder.without_time().try_init(),
    };
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
