//! The vendored registry schemas under `infra/schemas/`: reading them, and
//! refreshing them from the pinned cfn-lint package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::services::{module_name, prefix_of};
use crate::{CodegenError, Result};

/// Where the vendored schemas live, relative to the workspace root.
pub const SCHEMA_DIR: &str = "infra/schemas";
/// The region whose provider map chooses the schema files.
const REGION: &str = "us-east-1";

/// The module names of the vendored services (their folders under
/// [`SCHEMA_DIR`]), sorted.
pub fn vendored_services(root: &Path) -> Result<Vec<String>> {
    let dir = root.join(SCHEMA_DIR);
    let mut modules: Vec<String> = std::fs::read_dir(&dir)
        .map_err(CodegenError::io("listing", &dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .collect();
    modules.sort();
    if modules.is_empty() {
        return Err(CodegenError::NoSchemas {
            service: "any service".to_owned(),
            dir,
            source: None,
        });
    }
    Ok(modules)
}

/// The schemas of one service (by module name: `s3`), sorted by file name.
pub fn load_service(root: &Path, module: &str) -> Result<Vec<Json>> {
    let dir = root.join(SCHEMA_DIR).join(module);
    let none = |source| CodegenError::NoSchemas {
        service: module.to_owned(),
        dir: dir.clone(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| none(Some(e)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(none(None));
    }
    files.iter().map(|f| read_json(f)).collect()
}

/// Return values each type's page documents beyond its schema's
/// `readOnlyProperties`, by type and attribute (hand-written, with their
/// sources), from `attributes.json` under [`SCHEMA_DIR`].
pub fn documented_attributes(root: &Path) -> Result<BTreeMap<String, Json>> {
    let path = root.join(SCHEMA_DIR).join("attributes.json");
    let file: Json = read_json(&path)?;
    Ok(file["types"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}

/// The IAM actions that exist, by service prefix (lower case), vendored from
/// cfn-lint's policy data beside the schemas.
pub type KnownActions = BTreeMap<String, std::collections::BTreeSet<String>>;

/// File of [`KnownActions`], under [`SCHEMA_DIR`].
const ACTIONS_FILE: &str = "iam-actions.json";

/// Reads the vendored list of IAM actions.
pub fn known_actions(root: &Path) -> Result<KnownActions> {
    let path = root.join(SCHEMA_DIR).join(ACTIONS_FILE);
    read_json(&path).map_err(|e| CodegenError::NoActions {
        path,
        source: Box::new(e),
    })
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

/// The properties whose change replaces the resource (the schema's
/// `createOnlyProperties`), as paths below `Properties` (`KeySchema`,
/// `Config/Name`; `*` for every element of an array), sorted.
pub fn create_only_properties(schema: &Json) -> Vec<String> {
    let mut paths: Vec<String> = schema["createOnlyProperties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter_map(|p| p.strip_prefix("/properties/"))
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Where [`refresh`] copies from: an installed cfn-lint package.
#[derive(Debug, Clone)]
pub struct CfnLintPackage {
    /// The `cfnlint` package's directory (holding `data/`).
    pub dir: PathBuf,
    /// What `cfn-lint --version` printed, recorded in `source.json`.
    pub version: String,
}

/// What [`refresh`] vendored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    /// Schema files copied.
    pub schemas: usize,
    /// Services they belong to.
    pub services: usize,
}

/// Copies the schema of every resource type in the pinned cfn-lint's
/// provider map into `infra/schemas/`, one folder per service (folders of
/// services no longer there removed), with a `source.json` recording the
/// version, date and services.
pub fn refresh(root: &Path, cfn_lint: &CfnLintPackage) -> Result<Refreshed> {
    let data = cfn_lint.dir.join("data").join("schemas");
    let providers: BTreeMap<String, String> =
        read_json(&data.join("providers").join(format!("{REGION}.json")))?;
    let version: Json = read_json(&data.join("version.json"))?;
    let out_dir = root.join(SCHEMA_DIR);
    let mut by_service: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (type_name, file) in &providers {
        let prefix = prefix_of(type_name)
            .ok_or_else(|| CodegenError::schema(type_name, "a type name has three parts"))?;
        by_service
            .entry(prefix)
            .or_default()
            .push((&type_name[prefix.len() + 2..], file));
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for prefix in by_service.keys() {
        if let Some(other) = seen.insert(module_name(prefix), prefix) {
            return Err(CodegenError::schema(
                prefix,
                format!("its module name `{}` is {other}'s too", module_name(prefix)),
            ));
        }
    }
    if out_dir.exists() {
        for module in vendored_services(root).unwrap_or_default() {
            let dir = out_dir.join(module);
            std::fs::remove_dir_all(&dir).map_err(CodegenError::io("removing", &dir))?;
        }
    }
    let mut total = 0;
    let mut modules = Vec::new();
    for (prefix, types) in &by_service {
        let module = module_name(prefix);
        let dir = out_dir.join(&module);
        std::fs::create_dir_all(&dir).map_err(CodegenError::io("creating", &dir))?;
        for (short, file) in types {
            let source = data.join("resources").join(format!("{file}.json"));
            std::fs::copy(&source, dir.join(format!("{short}.json")))
                .map_err(CodegenError::io("copying", &source))?;
            total += 1;
        }
        modules.push(module);
    }
    // The IAM actions of every service a vendored handler names, and of
    // every service the access check maps calls to.
    let policies: BTreeMap<String, Json> = read_json(
        &cfn_lint
            .dir
            .join("data")
            .join("AdditionalSpecs")
            .join("Policies.json"),
    )?;
    let mut prefixes = std::collections::BTreeSet::new();
    for module in &modules {
        for schema in load_service(root, module)? {
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
    write_json(&out_dir.join(ACTIONS_FILE), &json!(known))?;
    let source = json!({
        "source": "cfn-lint (PyPI), cfnlint/data/schemas and data/AdditionalSpecs/Policies.json",
        "cfn_lint": cfn_lint.version.trim(),
        "region": REGION,
        "schema_date": version["schema_date"],
        "services": by_service.keys().collect::<Vec<_>>(),
    });
    write_json(&out_dir.join("source.json"), &source)?;
    Ok(Refreshed {
        schemas: total,
        services: by_service.len(),
    })
}

fn write_json(path: &Path, value: &Json) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| CodegenError::Json {
        path: path.to_owned(),
        source,
    })?;
    text.push('\n');
    std::fs::write(path, text).map_err(CodegenError::io("writing", path))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(CodegenError::io("reading", path))?;
    serde_json::from_str(&text).map_err(|source| CodegenError::Json {
        path: path.to_owned(),
        source,
    })
}
