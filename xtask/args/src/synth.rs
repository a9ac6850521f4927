//! `cargo xtask synth`'s flags, and the library examples it can render
//! (which need no stack).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::workspace;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Canonical JSON (sorted keys, two-space indent): what deploy sends.
    Json,
    /// YAML with the same key order.
    Yaml,
}

/// `--app` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AppArg {
    /// The visitor counter (infra/stack).
    Visitor,
    /// The uploads pipeline (apps/uploads/stack).
    Uploads,
}

/// `--stage` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StageArg {
    /// The whole system: CloudFront, the edge recorder, the site (us-east-1).
    Prod,
    /// The counters only, for integration tests.
    Test,
}

/// Render a template (JSON by default) to standard output or a file.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cargo xtask synth                      # prod, JSON, to stdout\n  cargo xtask synth --stage test --format yaml\n  cargo xtask synth --domain cv.example.com --hosted-zone-id Z0123456789ABC --out prod.json\n  cargo xtask synth --example quickstart  # the library's README example\n  cargo xtask synth --app uploads         # the second application (apps/uploads)"
)]
pub struct Args {
    /// Which stage to render.
    #[arg(long, value_enum, default_value_t = StageArg::Prod)]
    pub stage: StageArg,
    /// Render a library example from infra/examples/ instead of a stage.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["stage", "app"])]
    pub example: Option<String>,
    /// Which application: the visitor counter (whose stage --stage picks)
    /// or the uploads pipeline (apps/uploads; one stage, no configuration).
    #[arg(long, value_enum, default_value_t = AppArg::Visitor)]
    pub app: AppArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub config: crate::config::ConfigArgs,
}

/// The library's examples, by file name.
pub fn examples() -> Result<Vec<String>> {
    let dir = workspace::root()?.join("infra").join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".rs")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// The text `cargo run -p infra --example NAME` prints in `format`.
pub fn render_example(name: &str, format: Format) -> Result<String> {
    let known = examples()?;
    if !known.iter().any(|k| k == name) {
        bail!("no example `{name}`; choose one of: {}", known.join(", "));
    }
    let mut cmd = Command::new(workspace::cargo());
    cmd.args(["run", "--quiet", "-p", "infra", "--example", name]);
    if format == Format::Yaml {
        cmd.args(["--", "--yaml"]);
    }
    let out = cmd
        .current_dir(workspace::root()?)
        .output()
        .with_context(|| format!("running example {name}"))?;
    if !out.status.success() {
        bail!(
            "example {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8(out.stdout).context("the example printed non-UTF-8")
}
