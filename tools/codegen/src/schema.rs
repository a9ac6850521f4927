//! The vendored registry schemas under `infra/schemas/`: reading them, and
//! refreshing them from the pinned cfn-lint package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::services::{module_name, SERVICES};
use crate::{CodegenError, Result};

/// Where the vendored schemas live, relative to the workspace root.
pub const SCHEMA_DIR: &str = "infra/schemas";
/// The region whose provider map chooses the schema files.
const REGION: &str = "us-east-1";

/// The schemas of one service, sorted by file name.
pub fn load_service(root: &Path, service: &str) -> Result<Vec<Json>> {
    let dir = root.join(SCHEMA_DIR).join(module_name(service));
    let none = |source| CodegenError::NoSchemas {
        service: service.to_owned(),
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

/// Copies the schemas of every listed service from the pinned cfn-lint into
/// `infra/schemas/`, with a `source.json` recording the version and date.
pub fn refresh(root: &Path, cfn_lint: &CfnLintPackage) -> Result<Refreshed> {
    let data = cfn_lint.dir.join("data").join("schemas");
    let providers: BTreeMap<String, String> =
        read_json(&data.join("providers").join(format!("{REGION}.json")))?;
    let version: Json = read_json(&data.join("version.json"))?;
    let out_dir = root.join(SCHEMA_DIR);
    let mut total = 0;
    for service in SERVICES {
        let dir = out_dir.join(module_name(service));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(CodegenError::io("removing", &dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(CodegenError::io("creating", &dir))?;
        let prefix = format!("AWS::{service}::");
        for (type_name, file) in providers.iter().filter(|(t, _)| t.starts_with(&prefix)) {
            let source = data.join("resources").join(format!("{file}.json"));
            let short = &type_name[prefix.len()..];
            std::fs::copy(&source, dir.join(format!("{short}.json")))
                .map_err(CodegenError::io("copying", &source))?;
            total += 1;
        }
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
    write_json(&out_dir.join(ACTIONS_FILE), &json!(known))?;
    let source = json!({
        "source": "cfn-lint (PyPI), cfnlint/data/schemas and data/AdditionalSpecs/Policies.json",
        "cfn_lint": cfn_lint.version.trim(),
        "region": REGION,
        "schema_date": version["schema_date"],
        "services": SERVICES,
    });
    write_json(&out_dir.join("source.json"), &source)?;
    Ok(Refreshed {
        schemas: total,
        services: SERVICES.len(),
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
