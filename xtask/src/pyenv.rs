//! The project's managed Python environment: pinned tools (cfn-lint, ...)
//! installed on first use into the cargo target directory.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::workspace;

/// A ready virtual environment.
pub struct PyEnv {
    root: PathBuf,
}

impl PyEnv {
    /// The environment for the pinned requirements, created when missing
    /// (the emulator crate's, which plain `cargo test` finds too).
    pub fn ensure() -> Result<Self> {
        let root = emulator::pyenv::ensure(&workspace::root()?, &workspace::target_dir()?)?;
        Ok(PyEnv { root })
    }

    /// The environment's `bin` directory.
    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }

    /// A program installed in the environment's `bin`.
    pub fn bin(&self, name: &str) -> PathBuf {
        self.root.join("bin").join(name)
    }

    /// A command running one of the environment's programs.
    pub fn command(&self, name: &str) -> Command {
        Command::new(self.bin(name))
    }

    /// The directory of an installed Python package.
    pub fn package_dir(&self, package: &str) -> Result<PathBuf> {
        let out = self
            .command("python")
            .args([
                "-c",
                &format!("import os, {package}; print(os.path.dirname({package}.__file__))"),
            ])
            .output()
            .context("running the managed Python")?;
        if !out.status.success() {
            bail!(
                "Python package {package} is not importable: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    }
}
