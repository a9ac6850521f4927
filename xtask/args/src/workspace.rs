//! Where the workspace is and which cargo runs us.

use std::path::PathBuf;

use anyhow::{Context, Result};

/// The workspace root (the directory of the top-level `Cargo.toml`).
pub fn root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(PathBuf::from)
        .context("xtask-args' manifest directory is not two levels below the workspace")
}

/// The cargo that runs us.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// `cargo run` describes the running package in the environment
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...). The cargo commands we run
/// would inherit it, and build scripts that watch those variables (ring's
/// does) would then rebuild whenever the same crate is built outside xtask.
pub fn forget_cargo_run_env() {
    let inherited: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| {
            k.starts_with("CARGO_PKG_")
                || matches!(
                    k.as_str(),
                    "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_BIN_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                )
        })
        .collect();
    for k in inherited {
        std::env::remove_var(k);
    }
}
