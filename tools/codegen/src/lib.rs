//! infra's resource types from the vendored registry schemas: each schema
//! becomes a model (`model.rs`), the model Rust text (`emit.rs`), formatted
//! by rustfmt. [`plan`] compares the result with a checkout (the freshness
//! check) and writes it; [`schema::refresh`] vendors the schemas again from
//! a cfn-lint package. Developer tooling: `cargo xtask codegen` is its
//! command line.

mod emit;
pub use emit::module_ident;
mod error;
pub mod fingerprint;
pub mod model;
mod names;
mod rules;
pub mod schema;
pub mod services;

pub use error::{CodegenError, Result};

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const GENERATED_DIR: &str = "infra/src/aws";
/// The generated test that builds every type (beside its hand-written checks).
const EVERY_TYPE_TEST: &str = "infra/tests/every_type/main.rs";
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
    let mut skipped_patterns = 0;
    let mut all_models = Vec::new();
    let known = schema::known_actions(root)?;
    let documented = schema::documented_attributes(root)?;
    let aws = Path::new(GENERATED_DIR);
    for module in schema::vendored_services(root)? {
        let mut models = Vec::new();
        let mut permissions = Vec::new();
        let mut replacements = Vec::new();
        let mut value_rules = Vec::new();
        let mut prefix = None;
        for mut schema in schema::load_service(root, &module)? {
            let type_name = schema["typeName"].as_str().unwrap_or("?").to_owned();
            let this = services::prefix_of(&type_name)
                .ok_or_else(|| CodegenError::schema(&type_name, "a type name has three parts"))?;
            if services::module_name(this) != module {
                return Err(CodegenError::schema(
                    &type_name,
                    format!("its schema is vendored under {module}/, not its service's folder"),
                ));
            }
            match &prefix {
                None => prefix = Some(this.to_owned()),
                Some(first) if first != this => {
                    return Err(CodegenError::schema(
                        &type_name,
                        format!(
                        "{module}/ holds {first} types too: two services would share one module"
                    ),
                    ))
                }
                Some(_) => {}
            }
            with_documented_attributes(&mut schema, &type_name, &documented);
            let actions = schema::handler_permissions(&schema)
                .into_iter()
                .filter(|a| schema::is_known(&known, a))
                .collect();
            permissions.push((type_name.clone(), actions));
            replacements.push((type_name.clone(), schema::create_only_properties(&schema)));
            value_rules.push(rules::type_rules(&schema));
            models.push(model::build(&schema)?);
        }
        let Some(prefix) = prefix else { continue };
        models.sort_by(|a, b| a.module.cmp(&b.module));
        for pair in models.windows(2) {
            if pair[0].module == pair[1].module {
                return Err(CodegenError::schema(
                    &pair[1].type_name,
                    format!(
                        "its module name `{}` is {}'s too",
                        pair[1].module, pair[0].type_name
                    ),
                ));
            }
        }
        let dir = aws.join(&module);
        for m in &models {
            files.insert(dir.join(format!("{}.rs", m.module)), emit::resource_file(m));
        }
        files.insert(dir.join("mod.rs"), emit::service_file(&prefix, &models));
        permissions.sort();
        files.insert(
            aws.join("permissions").join(format!("{module}.rs")),
            emit::permissions_file(&prefix, &permissions),
        );
        replacements.sort();
        files.insert(
            aws.join("replacement").join(format!("{module}.rs")),
            emit::replacement_file(&prefix, &replacements),
        );
        value_rules.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        skipped_patterns += value_rules
            .iter()
            .map(|t| t.skipped_patterns)
            .sum::<usize>();
        files.insert(
            aws.join("rules").join(format!("{module}.rs")),
            rules::rules_file(&prefix, &value_rules, emit::HEADER),
        );
        summary.push(emit::ServiceSummary {
            prefix,
            module: module.clone(),
            types: models.len(),
        });
        all_models.push((module, models));
    }
    files.insert(
        PathBuf::from(EVERY_TYPE_TEST),
        emit::every_type_test(&all_models),
    );
    files.insert(aws.join("mod.rs"), emit::aws_file(&summary));
    files.insert(
        aws.join("permissions").join("mod.rs"),
        emit::permissions_dispatch(&summary),
    );
    files.insert(
        aws.join("replacement").join("mod.rs"),
        emit::replacement_dispatch(&summary),
    );
    files.insert(
        aws.join("rules").join("mod.rs"),
        rules::rules_dispatch(&summary, skipped_patterns),
    );
    format_all(&mut files)?;
    let block = emit::features_block(&summary);
    let outputs = fingerprint::outputs(
        files
            .iter()
            .map(|(p, t)| (p.as_path(), t.as_str()))
            .chain([(Path::new(CARGO_TOML), block.as_str())]),
    );
    files.insert(
        PathBuf::from(fingerprint::FILE),
        fingerprint::render(&fingerprint::inputs(root)?, &outputs),
    );
    files.insert(PathBuf::from(CARGO_TOML), cargo_toml(root, &block)?);
    Ok(files)
}

/// The models of one service's types (`module` as [`services::module_name`]
/// names it), as generation builds them: the documented attributes
/// included. For tools that read the generated API (the importer).
pub fn service_models(root: &Path, module: &str) -> Result<Vec<model::ResourceModel>> {
    let documented = schema::documented_attributes(root)?;
    schema::load_service(root, module)?
        .into_iter()
        .map(|mut schema| {
            let type_name = schema["typeName"].as_str().unwrap_or("?").to_owned();
            with_documented_attributes(&mut schema, &type_name, &documented);
            model::build(&schema)
        })
        .collect()
}

/// Hands a schema the return values its type's page documents beyond
/// `readOnlyProperties` (attributes.json), under
/// [`model::DOCUMENTED_ATTRIBUTES`].
fn with_documented_attributes(
    schema: &mut Json,
    type_name: &str,
    documented: &BTreeMap<String, Json>,
) {
    if let (Some(extra), Some(map)) = (documented.get(type_name), schema.as_object_mut()) {
        map.insert(model::DOCUMENTED_ATTRIBUTES.to_owned(), extra.clone());
    }
}

/// Whether the checkout at `root` provably holds what generation would
/// write, without generating: its fingerprint's inputs hash is that of
/// today's inputs and its outputs hash that of the files on disk (every
/// generated `.rs` file, the every-type test, the features block). `false`
/// means "not confirmed": [`plan`] then tells what differs.
pub fn confirmed(root: &Path) -> Result<bool> {
    let Some((inputs, outputs)) = fingerprint::recorded(root) else {
        return Ok(false);
    };
    if inputs != fingerprint::inputs(root)? {
        return Ok(false);
    }
    let mut files = Vec::new();
    for path in existing_files(root)?
        .into_iter()
        .chain([PathBuf::from(EVERY_TYPE_TEST)])
    {
        match std::fs::read_to_string(root.join(&path)) {
            Ok(text) => files.push((path, text)),
            Err(_) => return Ok(false),
        }
    }
    let toml_path = root.join(CARGO_TOML);
    let toml =
        std::fs::read_to_string(&toml_path).map_err(CodegenError::io("reading", &toml_path))?;
    let Some(block) = features_block_of(&toml) else {
        return Ok(false);
    };
    let on_disk = fingerprint::outputs(
        files
            .iter()
            .map(|(p, t)| (p.as_path(), t.as_str()))
            .chain([(Path::new(CARGO_TOML), block)]),
    );
    Ok(on_disk == outputs)
}

/// The text between the generated block's markers of `infra/Cargo.toml`.
fn features_block_of(toml: &str) -> Option<&str> {
    let start = toml.find(FEATURES_BEGIN)? + FEATURES_BEGIN.len();
    let end = toml[start..].find(FEATURES_END)? + start;
    Some(&toml[start..end])
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

/// Formats every file with rustfmt, one process per file, on every core.
fn format_all(files: &mut BTreeMap<PathBuf, String>) -> Result<()> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut texts: Vec<&mut String> = files.values_mut().collect();
    let chunk = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = texts
            .chunks_mut(chunk)
            .map(|part| {
                scope.spawn(move || {
                    for text in part.iter_mut() {
                        **text = rustfmt(text)?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join().unwrap_or_else(|_| {
                Err(CodegenError::Rustfmt(
                    "a formatting thread panicked".to_owned(),
                ))
            })
        })
    })
}

/// `source` formatted by rustfmt (edition 2021), as every generated file is.
pub fn rustfmt(source: &str) -> Result<String> {
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
