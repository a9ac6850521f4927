//! The browser test: `cargo xtask local` brought up in-process, and the site
//! driven in a real headless Chromium (Debian's `chromium`) by playwright-core
//! (pinned in `tools/browser/package-lock.json`, installed there on first use).

use crate::stack_config::Load as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::workspace;

/// Where the browser is, unless `CHROMIUM` says otherwise.
const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> Result<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM));
    if !path.exists() {
        bail!(
            "no Chromium at {}: install Debian's package (`apt-get install -y chromium`) or set CHROMIUM to a Chromium binary",
            path.display()
        );
    }
    Ok(path)
}

/// `npm ci` in `dir` when its packages are missing or older than the lock file.
pub fn ensure_packages(dir: &Path) -> Result<()> {
    let installed = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (installed.metadata(), lock.metadata()) {
        (Ok(i), Ok(l)) => i.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    crate::out::say!(
        "installing pinned npm packages (npm ci in {})",
        dir.display()
    );
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(dir)
        .status()
        .context("running npm (is Node.js installed?)")?;
    if !status.success() {
        bail!("npm ci failed ({status})");
    }
    Ok(())
}

/// Runs the counter test against a fresh `local`; saves screenshots.
pub fn run() -> Result<()> {
    let chromium = chromium()?;
    let dir = workspace::root()?.join("tools/browser");
    ensure_packages(&dir)?;
    let out = workspace::target_dir()?.join("browser");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let screenshot = out.join("site.png");
    // As `cargo xtask local` runs it: the site's files are what it serves.
    let config = crate::stack_config::ConfigArgs::default().load()?;
    let runtime = tokio::runtime::Runtime::new()?;
    crate::signals::block_on(&runtime, async {
        let running = crate::local::start(&config, 0, None).await?;
        crate::counting_check::run(&running).await?;
        crate::out::say!("the site is up at {}; opening it in Chromium", running.url);
        let status = tokio::process::Command::new("node")
            .arg(dir.join("counter.test.mjs"))
            .arg(&running.url)
            .arg(&screenshot)
            .env("CHROMIUM", &chromium)
            .current_dir(&dir)
            .status()
            .await
            .context("running node")?;
        drop(running);
        if !status.success() {
            bail!("the browser test failed ({status})");
        }
        Ok(())
    })
}
