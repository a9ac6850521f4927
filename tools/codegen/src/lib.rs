//! infra's resource types from the vendored registry schemas: each schema
//! becomes a model (`model.rs`), the model Rust text (`emit.rs`), formatted
//! by rustfmt. [`plan`] compares the result with a checkout (the freshness
//! check) and writes it; [`schema::refresh`] vendors the schemas again from
//! a cfn-lint package. Developer tooling: `cargo xtask codegen` is its
//! command line.

mod emit;
mod error;
mod model;
mod names;
mod rules;
pub mod schema;
pub mod services;

pub use error::{CodegenError, Result};

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use services::{module_name, SERVICES};

const GENERATED_DIR: &str = "infra/src/aws";
const CARGO_TOML: &str = "infra/Cargo.toml";
const FEATURES_BEGIN: &str = "# BEGIN GENERATED FEATURES (cargo xtask codegen writes this block)\n";
const FEATURES_END: &str = "# END GENERATED FEATURES\n";

/// What generation would change in a checkout.
#[derive(Debug)]
pub struct Plan {
    files: BTreeMap<PathBuf, String>,
    /// Generated files whose text differs from the checkout's (or that are
    /// missing), relative to the root.
    pub changed: Vec<PathBuf>,
    /// Files under the generated folder that nothing generates any more.
    pub stale: Vec<PathBuf>,
}

impl Plan {
    /// How many files generation produces.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Whether the checkout already holds exactly what generation produces.
    pub fn is_fresh(&self) -> bool {
        self.changed.is_empty() && self.stale.is_empty()
    }

    /// Writes the changed files and removes the stale ones.
    pub fn write(&self, root: &Path) -> Result<()> {
        for path in &self.changed {
            let full = root.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).map_err(CodegenError::io("creating", parent))?;
            }
            std::fs::write(&full, &self.files[path]).map_err(CodegenError::io("writing", &full))?;
        }
        for path in &self.stale {
            let full = root.join(path);
            std::fs::remove_file(&full).map_err(CodegenError::io("removing", &full))?;
        }
        Ok(())
    }
}

/// Generates every file and compares it with the checkout at `root`.
pub fn plan(root: &Path) -> Result<Plan> {
    let files = generate(root)?;
    let stale = existing_files(root)?
        .into_iter()
        .filter(|p| !files.contains_key(p))
        .collect();
    let changed = files
        .iter()
        .filter(|(path, text)| {
            std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(text.as_str())
        })
        .map(|(path, _)| path.clone())
        .collect();
    Ok(Plan {
        files,
        changed,
        stale,
    })
}

/// Every generated file, path relative to the root, formatted.
pub fn generate(root: &Path) -> Result<BTreeMap<PathBuf, String>> {
    let mut files = BTreeMap::new();
    let mut summary = Vec::new();
    let mut permissions = Vec::new();
    let mut replacements = Vec::new();
    let mut value_rules = Vec::new();
    let known = schema::known_actions(root)?;
    let documented = schema::documented_attributes(root)?;
    for service in SERVICES {
        let module = module_name(service);
        let mut models = Vec::new();
        for mut schema in schema::load_service(root, service)? {
            let type_name = schema["typeName"].as_str().unwrap_or("?").to_owned();
            if let (Some(extra), Some(map)) = (documented.get(&type_name), schema.as_object_mut()) {
                map.insert(model::DOCUMENTED_ATTRIBUTES.to_owned(), extra.clone());
            }
            let actions = schema::handler_permissions(&schema)
                .into_iter()
                .filter(|a| schema::is_known(&known, a))
                .collect();
            permissions.push((module.clone(), type_name.clone(), actions));
            replacements.push((
                module.clone(),
                type_name.clone(),
                schema::create_only_properties(&schema),
            ));
            value_rules.push(rules::type_rules(&module, &schema));
            let model = model::build(&schema)?;
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
    replacements.sort();
    files.insert(
        Path::new(GENERATED_DIR).join("replacement.rs"),
        emit::replacement_file(&replacements),
    );
    value_rules.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    files.insert(
        Path::new(GENERATED_DIR).join("rules.rs"),
        rules::rules_file(&value_rules, emit::HEADER),
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
    let path = root.join(CARGO_TOML);
    let text = std::fs::read_to_string(&path).map_err(CodegenError::io("reading", &path))?;
    let start = text
        .find(FEATURES_BEGIN)
        .ok_or(CodegenError::MissingMarker("# BEGIN GENERATED FEATURES"))?
        + FEATURES_BEGIN.len();
    let end = text[start..]
        .find(FEATURES_END)
        .ok_or(CodegenError::MissingMarker("# END GENERATED FEATURES"))?
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
            let path = entry.map_err(CodegenError::io("listing", &dir))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                if let Ok(relative) = path.strip_prefix(root) {
                    out.push(relative.to_path_buf());
                }
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
        .map_err(|e| {
            CodegenError::Rustfmt(format!("cannot run it ({e}): rustup component add rustfmt"))
        })?;
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(source.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| CodegenError::Rustfmt(format!("waiting for it: {e}")))?;
    if let Some(Err(e)) = written {
        return Err(CodegenError::Rustfmt(format!(
            "writing to it: {e}; {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    if !out.status.success() {
        return Err(CodegenError::Rustfmt(format!(
            "rejected generated code:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| CodegenError::Rustfmt("its output is not UTF-8".to_owned()))
}
