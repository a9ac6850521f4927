//! `cargo xtask codegen`: resource types from the vendored registry schemas.

mod emit;
mod model;
mod names;
mod schema;
pub mod services;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::workspace;
use services::{module_name, SERVICES};

const GENERATED_DIR: &str = "infra/src/aws";
const CARGO_TOML: &str = "infra/Cargo.toml";
const FEATURES_BEGIN: &str = "# BEGIN GENERATED FEATURES (cargo xtask codegen writes this block)\n";
const FEATURES_END: &str = "# END GENERATED FEATURES\n";

/// Options of `cargo xtask codegen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Compare instead of writing: fail when the committed code is stale.
    #[arg(long)]
    pub check: bool,
    /// First copy the schemas again from the pinned cfn-lint (needs the package index).
    #[arg(long, conflicts_with = "check")]
    pub refresh_schemas: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let root = workspace::root()?;
    if args.refresh_schemas {
        schema::refresh(&root)?;
    }
    let files = generate(&root)?;
    let existing = existing_files(&root)?;
    let stale: Vec<&PathBuf> = existing
        .iter()
        .filter(|p| !files.contains_key(*p))
        .collect();
    let mut changed = Vec::new();
    for (path, text) in &files {
        let current = std::fs::read_to_string(root.join(path)).ok();
        if current.as_deref() != Some(text.as_str()) {
            changed.push(path);
        }
    }
    if args.check {
        if changed.is_empty() && stale.is_empty() {
            eprintln!("==> generated code is fresh ({} files)", files.len());
            return Ok(());
        }
        let mut msg = String::from(
            "generated code is stale; run `cargo xtask codegen` and commit the result",
        );
        for p in changed.iter().take(10) {
            msg.push_str(&format!("\n  differs: {}", p.display()));
        }
        for p in stale.iter().take(10) {
            msg.push_str(&format!("\n  not generated any more: {}", p.display()));
        }
        bail!(msg);
    }
    for path in &changed {
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&full, &files[*path])
            .with_context(|| format!("writing {}", full.display()))?;
    }
    for path in &stale {
        std::fs::remove_file(root.join(path))?;
    }
    eprintln!(
        "==> {} files generated: {} written, {} removed",
        files.len(),
        changed.len(),
        stale.len()
    );
    Ok(())
}

/// Every generated file, path relative to the root, formatted.
pub fn generate(root: &Path) -> Result<BTreeMap<PathBuf, String>> {
    let mut files = BTreeMap::new();
    let mut summary = Vec::new();
    let mut permissions = Vec::new();
    let known = schema::known_actions(root)?;
    for service in SERVICES {
        let module = module_name(service);
        let mut models = Vec::new();
        for schema in schema::load_service(root, service)? {
            let type_name = schema["typeName"].as_str().unwrap_or("?").to_owned();
            let actions = schema::handler_permissions(&schema)
                .into_iter()
                .filter(|a| schema::is_known(&known, a))
                .collect();
            permissions.push((module.clone(), type_name.clone(), actions));
            let model = model::build(&schema).with_context(|| format!("generating {type_name}"))?;
            models.push(model);
        }
        models.sort_by(|a, b| a.module.cmp(&b.module));
        let dir = Path::new(GENERATED_DIR).join(&module);
        for m in &models {
            files.insert(dir.join(format!("{}.rs", m.module)), emit::resource_file(m));
        }
        files.insert(dir.join("mod.rs"), emit::service_file(service, &models));
        summary.push((service.to_string(), module, models.len()));
    }
    files.insert(
        Path::new(GENERATED_DIR).join("mod.rs"),
        emit::aws_file(&summary),
    );
    permissions.sort();
    files.insert(
        Path::new(GENERATED_DIR).join("permissions.rs"),
        emit::permissions_file(&permissions),
    );
    let modules: Vec<String> = summary.iter().map(|(_, m, _)| m.clone()).collect();
    for text in files.values_mut() {
        *text = rustfmt(text)?;
    }
    files.insert(
        PathBuf::from(CARGO_TOML),
        cargo_toml(root, &emit::features_block(&modules))?,
    );
    Ok(files)
}

/// `infra/Cargo.toml` with its generated features block replaced.
fn cargo_toml(root: &Path, block: &str) -> Result<String> {
    let text = std::fs::read_to_string(root.join(CARGO_TOML))?;
    let start = text
        .find(FEATURES_BEGIN)
        .context("infra/Cargo.toml lacks the `# BEGIN GENERATED FEATURES` marker")?
        + FEATURES_BEGIN.len();
    let end = text[start..]
        .find(FEATURES_END)
        .context("infra/Cargo.toml lacks the `# END GENERATED FEATURES` marker")?
        + start;
    Ok(format!("{}{}{}", &text[..start], block, &text[end..]))
}

/// The generated `.rs` files on disk, to find those no longer generated.
fn existing_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(GENERATED_DIR)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path.strip_prefix(root)?.to_path_buf());
            }
        }
    }
    Ok(out)
}

fn rustfmt(source: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (rustup component add rustfmt)")?;
    child
        .stdin
        .take()
        .context("rustfmt stdin")?
        .write_all(source.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "rustfmt rejected generated code:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8(out.stdout).context("rustfmt output is not UTF-8")
}
