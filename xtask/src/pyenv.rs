//! The project's managed Python environment: pinned tools (cfn-lint, ...)
//! installed on first use into the cargo target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::workspace;

const REQUIREMENTS: &str = "tools/python-requirements.txt";

/// A ready virtual environment.
pub struct PyEnv {
    root: PathBuf,
}

impl PyEnv {
    /// The environment for the pinned requirements, created when missing.
    pub fn ensure() -> Result<Self> {
        let requirements = workspace::root()?.join(REQUIREMENTS);
        let text = std::fs::read(&requirements)
            .with_context(|| format!("reading {}", requirements.display()))?;
        let hash = hex(&Sha256::digest(&text))[..16].to_owned();
        let root = workspace::target_dir()?.join("pyenv").join(hash);
        let env = PyEnv { root };
        if env.root.join(".complete").exists() {
            return Ok(env);
        }
        env.create(&requirements)?;
        Ok(env)
    }

    fn create(&self, requirements: &Path) -> Result<()> {
        let python = find_python()?;
        eprintln!(
            "==> installing pinned Python tools from {REQUIREMENTS} into {} (once)",
            self.root.display()
        );
        if self.root.exists() {
            std::fs::remove_dir_all(&self.root)
                .with_context(|| format!("removing incomplete {}", self.root.display()))?;
        }
        run(Command::new(&python).args(["-m", "venv"]).arg(&self.root)).context(
            "creating the virtual environment (on Debian: apt-get install python3-venv)",
        )?;
        run(Command::new(self.bin("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(requirements))
        .context("installing the pinned Python tools (is the package index reachable?)")?;
        std::fs::write(self.root.join(".complete"), b"")?;
        Ok(())
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

fn find_python() -> Result<PathBuf> {
    for candidate in ["python3", "python"] {
        if let Ok(out) = Command::new(candidate).arg("--version").output() {
            if out.status.success() {
                return Ok(PathBuf::from(candidate));
            }
        }
    }
    bail!("Python 3 is needed for the project's tools (cfn-lint); install python3 and python3-venv")
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
