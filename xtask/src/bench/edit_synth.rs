//! Edit to template: after a one-line change in the stack crate, the time
//! `cargo xtask synth --stage test` takes to print the template, run the way
//! a user runs it (the front door rebuilds the stack crate and its own small
//! binary, links infra from its shared library, and renders).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{ensure, Context, Result};

use crate::workspace;

/// The file edited: the stack's main source.
const EDITED: &str = "infra/stack/src/stack.rs";

/// Seconds from the command's start to its exit, once per edit. One run
/// before the edits builds what a first synth would.
pub async fn edit_synth_s(edits: usize) -> Result<Vec<f64>> {
    let root = workspace::root()?;
    synth(&root).await.context("the synth before the edits")?;
    let file = Restore::open(root.join(EDITED))?;
    let mut times = Vec::with_capacity(edits);
    for i in 0..edits {
        file.write(&format!("\n// cargo xtask bench: edit {i}\n"))?;
        times.push(synth(&root).await?);
    }
    Ok(times)
}

/// One `cargo xtask synth --stage test`, timed; its output must be a template.
async fn synth(root: &Path) -> Result<f64> {
    let started = Instant::now();
    let out = tokio::process::Command::new(workspace::cargo())
        .args(["xtask", "synth", "--stage", "test"])
        .current_dir(root)
        .kill_on_drop(true)
        .output()
        .await
        .context("running cargo xtask synth")?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        out.status.success(),
        "cargo xtask synth failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        out.stdout.starts_with(b"{") && out.stdout.len() > 1000,
        "cargo xtask synth printed no template"
    );
    Ok(seconds)
}

/// The edited file, put back as it was when this is dropped (after the
/// runs, on an error, or when a signal drops the bench): its text and its
/// modification time. With the old time, cargo keeps the build made from the
/// last edit, which differs from the original only by a trailing comment,
/// instead of rebuilding every crate that depends on the stack.
struct Restore {
    path: PathBuf,
    original: Vec<u8>,
    modified: std::time::SystemTime,
}

impl Restore {
    fn open(path: PathBuf) -> Result<Self> {
        let original =
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .with_context(|| format!("reading {}'s modification time", path.display()))?;
        Ok(Self {
            path,
            original,
            modified,
        })
    }

    /// The original text with `line` appended.
    fn write(&self, line: &str) -> Result<()> {
        let mut text = self.original.clone();
        text.extend_from_slice(line.as_bytes());
        std::fs::write(&self.path, text).with_context(|| format!("editing {}", self.path.display()))
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let restored = std::fs::write(&self.path, &self.original).and_then(|()| {
            std::fs::File::options()
                .write(true)
                .open(&self.path)?
                .set_modified(self.modified)
        });
        if let Err(e) = restored {
            eprintln!(
                "warning: could not restore {} ({e}); `git checkout {}` puts it back",
                self.path.display(),
                EDITED
            );
        }
    }
}
