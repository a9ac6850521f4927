//! The dependency policy step: cargo-deny, pinned here and installed into
//! the target directory on first use, checks the workspace against
//! `deny.toml`: licenses, bans (a second version of a crate), sources and
//! RustSec's advisories. The advisory database is a git repository on
//! GitHub (<https://github.com/rustsec/advisory-db>); where it cannot be
//! fetched the other checks still run and the step says that advisories
//! were not checked, unless `XTASK_REQUIRE_ADVISORIES=1` (ci.yml on GitHub,
//! which can reach it) makes that a failure.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::workspace;

/// The cargo-deny release the step runs.
pub const VERSION: &str = "0.20.2";

/// Set to `1` to fail the step when the advisory database is unreachable.
pub const REQUIRE_ADVISORIES_VAR: &str = "XTASK_REQUIRE_ADVISORIES";

/// The pinned cargo-deny binary, built with `cargo install --locked` into
/// `<target>/tools/cargo-deny-<VERSION>` the first time (a few minutes).
pub fn ensure() -> Result<PathBuf> {
    let root = workspace::target_dir()?
        .join("tools")
        .join(format!("cargo-deny-{VERSION}"));
    let binary = root.join("bin").join("cargo-deny");
    if binary.exists() {
        return Ok(binary);
    }
    crate::out::say!(
        "installing cargo-deny {VERSION} into {} (once; a few minutes)",
        root.display()
    );
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "install",
            "--locked",
            "--quiet",
            "--version",
            VERSION,
            "--root",
        ])
        .arg(&root)
        .arg("cargo-deny")
        // Its own build directory: the workspace's target directory holds
        // this workspace's artifacts, keyed by other feature sets.
        .env("CARGO_TARGET_DIR", root.join("build"))
        .status()
        .context("running cargo install cargo-deny")?;
    if !status.success() || !binary.exists() {
        bail!("cargo install cargo-deny {VERSION} failed ({status}); it needs crates.io once");
    }
    let _ = std::fs::remove_dir_all(root.join("build"));
    Ok(binary)
}

/// What the advisory database's fetch came to.
enum Advisories {
    Fetched,
    Unreachable(String),
}

fn fetch_advisories(deny: &PathBuf) -> Result<Advisories> {
    let output = Command::new(deny)
        .args(["fetch", "db"])
        .current_dir(workspace::root()?)
        .output()
        .context("running cargo-deny fetch")?;
    if output.status.success() {
        return Ok(Advisories::Fetched);
    }
    let text = String::from_utf8_lossy(&output.stderr);
    let reason = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
        .trim()
        .to_owned();
    Ok(Advisories::Unreachable(reason))
}

/// The step: every check of `deny.toml` (advisories when the database
/// could be fetched); a line saying what ran.
pub fn run() -> Result<()> {
    let deny = ensure()?;
    let root = workspace::root()?;
    let mut checks = vec!["licenses", "bans", "sources"];
    let note = match fetch_advisories(&deny)? {
        Advisories::Fetched => {
            checks.push("advisories");
            None
        }
        Advisories::Unreachable(reason) => {
            if std::env::var(REQUIRE_ADVISORIES_VAR).as_deref() == Ok("1") {
                bail!(
                    "RustSec's advisory database could not be fetched ({reason}), and {REQUIRE_ADVISORIES_VAR}=1 requires it"
                );
            }
            Some(reason)
        }
    };
    let status = Command::new(&deny)
        // A skip that no longer matches a duplicate fails too, so the list
        // in deny.toml stays the list of duplicates there are.
        .args([
            "--locked",
            "check",
            "-D",
            "unmatched-skip",
            "-D",
            "unnecessary-skip",
        ])
        .args(&checks)
        .current_dir(&root)
        .status()
        .context("running cargo-deny check")?;
    if !status.success() {
        bail!(
            "cargo deny check {} found problems (above); deny.toml holds the policy",
            checks.join(" ")
        );
    }
    crate::out::say!("cargo deny {VERSION}: {} pass", checks.join(", "));
    if let Some(reason) = note {
        crate::out::say!(
            "advisories NOT checked: RustSec's database (github.com/rustsec/advisory-db) is unreachable here ({reason}); CI on GitHub checks them ({REQUIRE_ADVISORIES_VAR}=1)"
        );
    }
    Ok(())
}
