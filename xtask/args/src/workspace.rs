//! Where the workspace is and which cargo runs us.

use std::path::PathBuf;

use anyhow::{Context, Result};

/// The workspace root (the directory of the top-level `Cargo.toml`): the
/// nearest folder at or above the current one whose `Cargo.toml` has a
/// `[workspace]` (cargo runs `cargo xtask` and tests inside it). Not the
/// compile-time `CARGO_MANIFEST_DIR`: cargo names the artifacts of a path
/// crate by its place in the workspace, so two checkouts sharing one target
/// directory share this crate's build, and the path baked into it can be
/// the other checkout's.
pub fn root() -> Result<PathBuf> {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    if let Some(root) = ROOT.get() {
        return Ok(root.clone());
    }
    let here = std::env::current_dir().context("reading the current directory")?;
    let found = here
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map(PathBuf::from)
        .with_context(|| {
            format!(
                "{} is not inside the workspace (no Cargo.toml with [workspace] above it); run cargo xtask from the project's checkout",
                here.display()
            )
        })?;
    Ok(ROOT.get_or_init(|| found).clone())
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
