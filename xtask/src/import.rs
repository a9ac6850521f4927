//! `cargo xtask import`: an existing CloudFormation or SAM template as Rust
//! that rebuilds it through infra's typed API (the `infra-import` crate).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use heck::ToSnakeCase;

use crate::pyenv::PyEnv;
use crate::workspace;

/// Options of `cargo xtask import`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cargo xtask import template.yaml                 print the Rust to standard output\n  \
    cargo xtask import sam.yaml --out infra/stack/src  write infra/stack/src/sam.rs\n\n\
    The file holds `pub fn template() -> infra::Template`: each resource of a generated\n\
    type through its constructor and setters, Ref and GetAtt through handles, parameters\n\
    and conditions typed. A SAM template (Transform: AWS::Serverless-2016-10-31) is first\n\
    expanded with AWS's own transform (aws-sam-translator, pinned in the managed Python\n\
    environment), so the Rust is plain CloudFormation. What the typed API cannot say\n\
    exactly stays JSON in place (Value::raw, RawResource) and is listed.")]
pub struct Args {
    /// The template: JSON or YAML (short forms such as !Ref included).
    pub file: PathBuf,
    /// Write `<DIR>/<file stem>.rs` instead of printing the source.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write the template that was imported (a SAM template's expansion) as JSON.
    #[arg(long, value_name = "FILE")]
    pub expanded: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    let root = workspace::root()?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut doc = infra_import::document(&text)
        .with_context(|| format!("{} is not a template", args.file.display()))?;
    if infra_import::sam::is_sam(&doc) {
        crate::out::say!("expanding the SAM template with AWS's transform (aws-sam-translator)");
        let env = PyEnv::ensure()?;
        doc = infra_import::sam::expand(&env.bin("python"), &doc)
            .with_context(|| format!("expanding {}", args.file.display()))?;
    }
    if let Some(path) = &args.expanded {
        let rendered = infra::Template::from_document(&doc)
            .map(|t| t.render())
            .with_context(|| format!("{} does not read back", args.file.display()))?
            .map_err(|e| anyhow::anyhow!("the imported template does not validate:\n{e}"))?;
        write(path, rendered.json_text())?;
    }
    let options = infra_import::Options {
        source_name: args.file.display().to_string(),
        command: command_line(args),
    };
    let imported = infra_import::import(&root, &doc, &options)
        .with_context(|| format!("importing {}", args.file.display()))?;
    match &args.out {
        None => print!("{}", imported.source),
        Some(dir) => {
            let stem = args
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().to_snake_case())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "imported".to_owned());
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            write(&dir.join(format!("{stem}.rs")), &imported.source)?;
        }
    }
    let features: Vec<&str> = imported.features.iter().map(String::as_str).collect();
    crate::out::say!(
        "{} resources typed; needs infra's features: {}",
        imported.typed,
        if features.is_empty() {
            "(none)".to_owned()
        } else {
            features.join(", ")
        }
    );
    if !imported.fallbacks.is_empty() {
        crate::out::say!(
            "{} places stay JSON (Value::raw, RawResource):",
            imported.fallbacks.len()
        );
        for place in &imported.fallbacks {
            crate::out::detail!("    {place}");
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    crate::out::say!("wrote {}", path.display());
    Ok(())
}

fn command_line(args: &Args) -> String {
    let mut line = format!("cargo xtask import {}", args.file.display());
    if let Some(dir) = &args.out {
        line.push_str(&format!(" --out {}", dir.display()));
    }
    line
}
