//! The project's managed Python environment: the pinned tools (moto,
//! cfn-lint, cargo-lambda, ...) of `tools/python-requirements.txt`,
//! installed on first use into `<target dir>/pyenv/<hash of the file>`.
//! `cargo xtask` and plain `cargo test` find (or make) the same one.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// The pinned requirements, relative to the workspace root.
pub const REQUIREMENTS: &str = "tools/python-requirements.txt";

/// An install older than this that still holds its lock was interrupted.
const STALE_LOCK: Duration = Duration::from_secs(15 * 60);

/// Why the environment is not there.
#[derive(Debug, thiserror::Error)]
pub enum PyEnvError {
    /// The requirements file could not be read.
    #[error("reading {}", path.display())]
    Requirements {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No Python 3 on the machine.
    #[error("Python 3 is needed for the project's tools (moto, cfn-lint); install python3 and python3-venv")]
    NoPython,
    /// A step of the install failed.
    #[error("{step} failed: {detail}")]
    Install {
        /// What was being done.
        step: &'static str,
        /// What it said.
        detail: String,
    },
}

/// The environment's root for the workspace at `workspace` and the target
/// directory `target`, installed first if it is not complete. Safe to call
/// from several processes and threads at once: one installs, the others
/// wait for it.
pub fn ensure(workspace: &Path, target: &Path) -> Result<PathBuf, PyEnvError> {
    let requirements = workspace.join(REQUIREMENTS);
    let text = std::fs::read(&requirements).map_err(|source| PyEnvError::Requirements {
        path: requirements.clone(),
        source,
    })?;
    let hash: String = Sha256::digest(&text)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let root = target.join("pyenv").join(hash);
    if root.join(".complete").exists() {
        return Ok(root);
    }
    let fail = |step: &'static str| {
        move |e: std::io::Error| PyEnvError::Install {
            step,
            detail: e.to_string(),
        }
    };
    std::fs::create_dir_all(target.join("pyenv")).map_err(fail("creating the pyenv folder"))?;
    let lock = root.with_extension("lock");
    loop {
        match OpenOptions::new().write(true).create_new(true).open(&lock) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if root.join(".complete").exists() {
                    return Ok(root);
                }
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > STALE_LOCK);
                if stale {
                    let _ = std::fs::remove_file(&lock);
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(fail("taking the install lock")(e)),
        }
    }
    let result = install(&root, &requirements);
    let _ = std::fs::remove_file(&lock);
    result.map(|()| root)
}

fn install(root: &Path, requirements: &Path) -> Result<(), PyEnvError> {
    if root.join(".complete").exists() {
        return Ok(());
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or(PyEnvError::NoPython)?;
    eprintln!(
        "==> installing pinned Python tools from {REQUIREMENTS} into {} (once)",
        root.display()
    );
    if root.exists() {
        std::fs::remove_dir_all(root).map_err(|e| PyEnvError::Install {
            step: "removing an incomplete environment",
            detail: e.to_string(),
        })?;
    }
    run(
        Command::new(python).args(["-m", "venv"]).arg(root),
        "creating the virtual environment (on Debian: apt-get install python3-venv)",
    )?;
    run(
        Command::new(root.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(requirements),
        "installing the pinned Python tools (is the package index reachable?)",
    )?;
    std::fs::write(root.join(".complete"), b"").map_err(|e| PyEnvError::Install {
        step: "marking the environment complete",
        detail: e.to_string(),
    })
}

fn run(command: &mut Command, step: &'static str) -> Result<(), PyEnvError> {
    let status = command.status().map_err(|e| PyEnvError::Install {
        step,
        detail: e.to_string(),
    })?;
    if !status.success() {
        return Err(PyEnvError::Install {
            step,
            detail: format!("exited with {status}"),
        });
    }
    Ok(())
}

/// Where a test binary's cargo target directory is: `CARGO_TARGET_DIR`
/// when set, else the directory three levels above the running test
/// (`<target>/<profile>/deps/<test>`).
pub fn test_target_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    (deps.file_name()? == "deps").then(|| deps.parent()?.parent().map(Path::to_path_buf))?
}

/// The workspace of the test being run (for tests run by plain `cargo
/// test`): the nearest folder with a `[workspace]` Cargo.toml above the
/// package cargo runs the test in (`CARGO_MANIFEST_DIR` at run time), or
/// above the current directory. The compile-time path comes last: cargo
/// names a path crate's artifacts by its place in the workspace, so two
/// checkouts sharing a target directory share this crate's build, and the
/// path baked into it can be the other checkout's.
pub fn build_workspace() -> PathBuf {
    let above = |dir: PathBuf| {
        dir.ancestors()
            .find(|d| {
                std::fs::read_to_string(d.join("Cargo.toml"))
                    .is_ok_and(|text| text.lines().any(|l| l.trim() == "[workspace]"))
            })
            .map(Path::to_path_buf)
    };
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .and_then(above)
        .or_else(|| std::env::current_dir().ok().and_then(above))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}
