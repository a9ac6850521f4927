//! `cargo xtask synth`: render a template to standard output or a file.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::workspace;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Canonical JSON (sorted keys, two-space indent).
    Json,
    /// YAML with the same key order.
    Yaml,
}

/// Options of `cargo xtask synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A library example under infra/examples/ (quickstart, kitchen_sink).
    #[arg(long, default_value = "quickstart", value_name = "NAME")]
    pub example: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Something that renders to a template.
#[derive(Debug, Clone)]
pub enum Source {
    /// `cargo run -p infra --example NAME`.
    Example(String),
}

impl Source {
    pub fn file_stem(&self) -> String {
        match self {
            Source::Example(name) => format!("example-{name}"),
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let text = render(&Source::Example(args.example.clone()), args.format)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("==> wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Every template the project can synthesize (what `lint` checks).
pub fn all_sources() -> Result<Vec<Source>> {
    Ok(examples()?.into_iter().map(Source::Example).collect())
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

pub fn render(source: &Source, format: Format) -> Result<String> {
    match source {
        Source::Example(name) => {
            let known = examples()?;
            if !known.contains(name) {
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
    }
}
