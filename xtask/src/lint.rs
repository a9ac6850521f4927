//! `cargo xtask lint`: every template the project synthesizes, through the
//! pinned cfn-lint, which must report nothing (no errors, no warnings).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::pyenv::PyEnv;
use crate::synth;
use crate::workspace;

pub fn run() -> Result<()> {
    let env = PyEnv::ensure()?;
    let dir = workspace::target_dir()?.join("lint");
    std::fs::create_dir_all(&dir)?;
    let mut files: Vec<PathBuf> = Vec::new();
    for source in synth::all_sources()? {
        // Both renderings: what deploy sends (JSON) and what users may keep (YAML).
        for (format, ext) in [(synth::Format::Json, "json"), (synth::Format::Yaml, "yaml")] {
            let text = synth::render(&source, format)?;
            let path = dir.join(format!("{}.{ext}", source.file_stem()));
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            files.push(path);
        }
    }
    crate::out::say!("cfn-lint on {} templates", files.len());
    let status = env
        .command("cfn-lint")
        .args(["--format", "parseable", "--"])
        .args(&files)
        .status()
        .context("running cfn-lint")?;
    if !status.success() {
        bail!("cfn-lint reported problems (above) in {}", dir.display());
    }
    for f in &files {
        eprintln!("    clean: {}", f.display());
    }
    Ok(())
}
