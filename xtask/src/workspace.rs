//! Where the workspace and its target directory are.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result};

pub use xtask_args::workspace::{cargo, root};

/// The cargo target directory (honours `CARGO_TARGET_DIR` and config).
pub fn target_dir() -> Result<PathBuf> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    if let Some(dir) = DIR.get() {
        return Ok(dir.clone());
    }
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root()?)
        .output()
        .context("running cargo metadata")?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata's output")?;
    let dir = meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata did not name a target directory")?;
    Ok(DIR.get_or_init(|| dir).clone())
}
