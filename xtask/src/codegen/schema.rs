//! The vendored registry schemas under `infra/schemas/`: reading them, and
//! refreshing them from the pinned cfn-lint package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value as Json};

use super::services::{module_name, SERVICES};
use crate::pyenv::PyEnv;

/// Where the vendored schemas live, relative to the workspace root.
pub const SCHEMA_DIR: &str = "infra/schemas";
/// The region whose provider map chooses the schema files.
const REGION: &str = "us-east-1";

/// The schemas of one service, sorted by file name.
pub fn load_service(root: &Path, service: &str) -> Result<Vec<Json>> {
    let dir = root.join(SCHEMA_DIR).join(module_name(service));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| {
            format!(
                "no vendored schemas for {service} in {}: run `cargo xtask codegen --refresh-schemas`",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{} has no schemas: run `cargo xtask codegen --refresh-schemas`",
            dir.display()
        );
    }
    files
        .iter()
        .map(|f| {
            let text =
                std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not valid JSON", f.display()))
        })
        .collect()
}

/// The IAM actions that exist, by service prefix (lower case), vendored from
/// cfn-lint's policy data beside the schemas.
pub type KnownActions = BTreeMap<String, std::collections::BTreeSet<String>>;

/// File of [`KnownActions`], under [`SCHEMA_DIR`].
const ACTIONS_FILE: &str = "iam-actions.json";

/// Reads the vendored list of IAM actions.
pub fn known_actions(root: &Path) -> Result<KnownActions> {
    read_json(&root.join(SCHEMA_DIR).join(ACTIONS_FILE))
        .with_context(|| format!("no {ACTIONS_FILE}: run `cargo xtask codegen --refresh-schemas`"))
}

/// Whether IAM has `action` (`s3:GetObject`); some schemas list actions
/// that do not exist, which a policy must not carry.
pub fn is_known(known: &KnownActions, action: &str) -> bool {
    action.split_once(':').is_some_and(|(prefix, name)| {
        known
            .get(prefix)
            .is_some_and(|names| names.contains(&name.to_ascii_lowercase()))
    })
}

/// Every IAM action a schema's handlers (create, read, update, delete,
/// list) need, sorted and without repeats.
pub fn handler_permissions(schema: &Json) -> Vec<String> {
    let mut actions: Vec<String> = schema["handlers"]
        .as_object()
        .into_iter()
        .flat_map(|h| h.values())
        .flat_map(|h| h["permissions"].as_array().into_iter().flatten())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

/// Copies the schemas of every listed service from the pinned cfn-lint into
/// `infra/schemas/`, with a `source.json` recording the version and date.
pub fn refresh(root: &Path) -> Result<()> {
    let env = PyEnv::ensure()?;
    let data = env.package_dir("cfnlint")?.join("data").join("schemas");
    let providers: BTreeMap<String, String> =
        read_json(&data.join("providers").join(format!("{REGION}.json")))?;
    let version: Json = read_json(&data.join("version.json"))?;
    let cfn_lint = env
        .command("cfn-lint")
        .arg("--version")
        .output()
        .context("running cfn-lint --version")?;
    let out_dir = root.join(SCHEMA_DIR);
    let mut total = 0;
    for service in SERVICES {
        let dir = out_dir.join(module_name(service));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let prefix = format!("AWS::{service}::");
        for (type_name, file) in providers.iter().filter(|(t, _)| t.starts_with(&prefix)) {
            let source = data.join("resources").join(format!("{file}.json"));
            let short = &type_name[prefix.len()..];
            std::fs::copy(&source, dir.join(format!("{short}.json")))
                .with_context(|| format!("copying {}", source.display()))?;
            total += 1;
        }
    }
    // The IAM actions of every service a vendored handler names, and of
    // every service the access check maps calls to.
    let policies: BTreeMap<String, Json> = read_json(
        &env.package_dir("cfnlint")?
            .join("data")
            .join("AdditionalSpecs")
            .join("Policies.json"),
    )?;
    let mut prefixes = std::collections::BTreeSet::new();
    for service in SERVICES {
        for schema in load_service(root, service)? {
            for action in handler_permissions(&schema) {
                if let Some((prefix, _)) = action.split_once(':') {
                    prefixes.insert(prefix.to_owned());
                }
            }
        }
    }
    for row in infra::access::calls::OPERATIONS {
        if let Some((prefix, _)) = row.action.and_then(|a| a.split_once(':')) {
            prefixes.insert(prefix.to_owned());
        }
    }
    let known: KnownActions = prefixes
        .into_iter()
        .filter_map(|p| {
            let actions = policies.get(&p)?["Actions"].as_object()?;
            Some((p, actions.keys().cloned().collect()))
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&known)?;
    text.push('\n');
    std::fs::write(out_dir.join(ACTIONS_FILE), text)?;

    let source = json!({
        "source": "cfn-lint (PyPI), cfnlint/data/schemas and data/AdditionalSpecs/Policies.json",
        "cfn_lint": String::from_utf8_lossy(&cfn_lint.stdout).trim(),
        "region": REGION,
        "schema_date": version["schema_date"],
        "services": SERVICES,
    });
    std::fs::write(
        out_dir.join("source.json"),
        serde_json::to_string_pretty(&source)? + "\n",
    )?;
    eprintln!(
        "==> vendored {total} schemas of {} services into {SCHEMA_DIR}",
        SERVICES.len()
    );
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
