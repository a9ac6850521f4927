//! From one resource schema to the Rust types that describe it.
//!
//! Every shape the registry schemas use is mapped: `$ref` to definitions
//! (recursive ones boxed), inline objects and enums (named after their
//! property), `oneOf`/`anyOf` (one type when the branches agree, JSON when
//! they do not), maps through `patternProperties`/`additionalProperties`,
//! arrays of anything, and JSON-typed properties such as policy documents.

use std::collections::{BTreeMap, BTreeSet};

use crate::{CodegenError, Result};
use serde_json::{Map, Value as Json};

use super::names::{camel, singular, snake};

/// The Rust type of one property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    Json,
    Tag,
    List(Box<Ty>),
    Map(Box<Ty>),
    /// A struct or enum generated in the same module.
    Named(String),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub json_name: String,
    pub rust_name: String,
    pub ty: Ty,
    pub required: bool,
    pub boxed: bool,
    pub doc: Option<String>,
    pub replaces: bool,
}

#[derive(Debug, Clone)]
pub struct StructDef {
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub doc: Option<String>,
    /// (Rust variant, JSON value)
    pub variants: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub method: String,
    pub ty: Ty,
    pub doc: Option<String>,
}

/// Everything generated for one resource type.
#[derive(Debug, Clone)]
pub struct ResourceModel {
    pub type_name: String,
    pub module: String,
    pub resource: StructDef,
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    pub attributes: Vec<Attribute>,
    /// Structs that some field holds boxed (they need `From<T> for Value<Box<T>>`).
    pub boxed_structs: BTreeSet<String>,
}

/// The key under which codegen hands a schema the return values its
/// type's page documents beyond `readOnlyProperties` (attributes.json).
pub const DOCUMENTED_ATTRIBUTES: &str = "x-documentedAttributes";

/// Names a generated module must not define: they are imported or from the prelude.
const RESERVED: &[&str] = &[
    "Box", "BTreeMap", "Handle", "Json", "Option", "Some", "None", "String", "Tag", "Value", "Vec",
];

/// Methods `Handle` has already; attribute accessors of the same name get a prefix.
const HANDLE_METHODS: &[&str] = &[
    "attribute",
    "clone",
    "eq",
    "fmt",
    "get_att",
    "logical_id",
    "ne",
    "reference",
];

struct Builder<'a> {
    /// The schema's `typeName`, for errors.
    type_name: String,
    definitions: &'a Map<String, Json>,
    taken: BTreeSet<String>,
    /// Definition name → its type, once resolved (and while being built).
    defs: BTreeMap<String, Ty>,
    /// Definition name → the Rust name reserved for it.
    def_names: BTreeMap<String, String>,
    structs: Vec<StructDef>,
    enums: Vec<EnumDef>,
}

pub fn build(schema: &Json) -> Result<ResourceModel> {
    let type_name = schema["typeName"]
        .as_str()
        .ok_or_else(|| CodegenError::schema("?", "the schema has no typeName"))?
        .to_owned();
    let parts: Vec<&str> = type_name.split("::").collect();
    let [_, _, short] = parts.as_slice() else {
        return Err(CodegenError::schema(
            &type_name,
            "a type name has three parts (AWS::Service::Resource)",
        ));
    };
    let resource_name = camel(short)
        .ok_or_else(|| CodegenError::schema(&type_name, "the resource name makes no Rust name"))?;
    let empty = Map::new();
    let definitions = schema["definitions"].as_object().unwrap_or(&empty);
    let mut b = Builder {
        type_name: type_name.clone(),
        definitions,
        taken: RESERVED.iter().map(|s| s.to_string()).collect(),
        defs: BTreeMap::new(),
        def_names: BTreeMap::new(),
        structs: Vec::new(),
        enums: Vec::new(),
    };
    b.taken.insert(resource_name.clone());
    // Definitions get their own names first, so inline types never take them.
    let mut def_keys: Vec<&String> = definitions.keys().collect();
    def_keys.sort();
    for key in def_keys {
        if b.is_tag(&definitions[key]) {
            continue;
        }
        let name = b.allocate(key, &resource_name);
        b.def_names.insert(key.clone(), name);
    }

    let read_only = pointers(schema, "readOnlyProperties");
    let create_only = pointers(schema, "createOnlyProperties");
    let top_read_only: BTreeSet<String> = read_only
        .iter()
        .filter(|p| p.len() == 1)
        .map(|p| p[0].clone())
        .collect();
    let top_create_only: BTreeSet<String> = create_only
        .iter()
        .filter(|p| p.len() == 1)
        .map(|p| p[0].clone())
        .collect();

    let mut resource = b.struct_fields(&resource_name, schema, &top_read_only)?;
    resource.doc = schema["description"].as_str().map(str::to_owned);
    for field in &mut resource.fields {
        field.replaces = top_create_only.contains(&field.json_name);
    }

    let mut attributes = Vec::new();
    let mut methods = BTreeSet::new();
    for path in &read_only {
        if path.iter().any(|p| p == "*") {
            continue;
        }
        let Some(node) = b.lookup(schema, path) else {
            continue;
        };
        let ty = b.shallow_type(&node);
        let mut method = snake(&path.join("_"));
        if HANDLE_METHODS.contains(&method.as_str()) || method.starts_with("r#") {
            method = format!("attr_{}", method.trim_start_matches("r#"));
        }
        if !methods.insert(method.clone()) {
            continue;
        }
        attributes.push(Attribute {
            name: path.join("."),
            method,
            ty,
            doc: node["description"].as_str().map(str::to_owned),
        });
    }
    if let Some(extra) = schema[DOCUMENTED_ATTRIBUTES].as_object() {
        for (name, about) in extra {
            let Some(node) = b.lookup(schema, std::slice::from_ref(name)) else {
                return Err(CodegenError::schema(
                    &type_name,
                    format!("attributes.json names {name}, which is not a property"),
                ));
            };
            let method = snake(name);
            if !methods.insert(method.clone()) {
                continue;
            }
            let doc = format!(
                "{} A return value the type's page documents ({}).",
                about["description"].as_str().unwrap_or_default(),
                about["source"].as_str().unwrap_or_default()
            );
            attributes.push(Attribute {
                name: name.clone(),
                method,
                ty: b.shallow_type(&node),
                doc: Some(doc),
            });
        }
    }
    attributes.sort_by(|a, b| a.name.cmp(&b.name));

    let mut model = ResourceModel {
        type_name: type_name.clone(),
        module: snake(short).trim_start_matches("r#").to_owned(),
        resource,
        structs: std::mem::take(&mut b.structs),
        enums: std::mem::take(&mut b.enums),
        attributes,
        boxed_structs: BTreeSet::new(),
    };
    box_recursion(&mut model);
    model.structs.sort_by(|a, b| a.name.cmp(&b.name));
    model.enums.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(model)
}

/// `"/properties/A/B"` pointers of a schema list, as segments.
fn pointers(schema: &Json, key: &str) -> Vec<Vec<String>> {
    schema[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter_map(|p| p.strip_prefix("/properties/"))
        .map(|p| p.split('/').map(str::to_owned).collect())
        .collect()
}

impl Builder<'_> {
    /// A free type name: `preferred`, else prefixed by `owner`, else numbered.
    fn allocate(&mut self, preferred: &str, owner: &str) -> String {
        let base = camel(preferred).unwrap_or_else(|| "Property".to_owned());
        let mut candidates = vec![
            base.clone(),
            format!("{owner}{base}"),
            format!("{base}Property"),
        ];
        candidates.extend((2..).take(50).map(|n| format!("{base}{n}")));
        for c in candidates {
            if self.taken.insert(c.clone()) {
                return c;
            }
        }
        unreachable!("fifty numbered names cannot all be taken")
    }

    fn definition(&self, reference: &str) -> Option<(&String, &Json)> {
        let name = reference.strip_prefix("#/definitions/")?;
        self.definitions.get_key_value(name)
    }

    /// The usual `{Key, Value}` string tag.
    fn is_tag(&self, node: &Json) -> bool {
        let Some(props) = node["properties"].as_object() else {
            return false;
        };
        let string = |n: &Json| n["type"] == "string";
        props.len() == 2
            && props.get("Key").is_some_and(string)
            && props.get("Value").is_some_and(string)
    }

    /// Follows `$ref`s at the top of a node.
    fn deref<'n>(&'n self, node: &'n Json) -> &'n Json {
        let mut node = node;
        for _ in 0..10 {
            match node["$ref"].as_str().and_then(|r| self.definition(r)) {
                Some((_, def)) => node = def,
                None => break,
            }
        }
        node
    }

    /// The schema node at a property path, through `$ref`s.
    fn lookup(&self, schema: &Json, path: &[String]) -> Option<Json> {
        let mut node = schema;
        for segment in path {
            node = self.deref(node).get("properties")?.get(segment)?;
        }
        Some(self.deref(node).clone())
    }

    /// The type of an attribute: primitives, lists of primitives, else JSON.
    fn shallow_type(&self, node: &Json) -> Ty {
        match node["type"].as_str() {
            Some("string") => Ty::String,
            Some("integer") => Ty::Integer,
            Some("number") => Ty::Number,
            Some("boolean") => Ty::Boolean,
            Some("array") => match self.shallow_type(self.deref(&node["items"])) {
                Ty::Json => Ty::List(Box::new(Ty::Json)),
                item => Ty::List(Box::new(item)),
            },
            _ => Ty::Json,
        }
    }

    fn struct_fields(
        &mut self,
        name: &str,
        node: &Json,
        skip: &BTreeSet<String>,
    ) -> Result<StructDef> {
        let required: BTreeSet<&str> = node["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        let mut props: Vec<(&String, &Json)> = node["properties"]
            .as_object()
            .map(|m| m.iter().collect())
            .unwrap_or_default();
        props.sort_by(|a, b| a.0.cmp(b.0));
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        for (json_name, prop) in props {
            if skip.contains(json_name) {
                continue;
            }
            let hint = camel(json_name).unwrap_or_else(|| "Property".to_owned());
            let ty = self.resolve(prop, &hint, name)?;
            let mut rust_name = snake(json_name);
            while !used.insert(rust_name.clone()) || rust_name == "new" {
                rust_name.push('_');
            }
            fields.push(Field {
                json_name: json_name.clone(),
                rust_name,
                ty,
                required: required.contains(json_name.as_str()),
                boxed: false,
                doc: prop["description"]
                    .as_str()
                    .or_else(|| self.deref(prop)["description"].as_str())
                    .map(str::to_owned),
                replaces: false,
            });
        }
        Ok(StructDef {
            name: name.to_owned(),
            doc: node["description"].as_str().map(str::to_owned),
            fields,
        })
    }

    fn resolve(&mut self, node: &Json, hint: &str, owner: &str) -> Result<Ty> {
        if let Some(reference) = node["$ref"].as_str() {
            return self.resolve_ref(reference);
        }
        let types: Vec<&str> = match &node["type"] {
            Json::String(t) => vec![t.as_str()],
            Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
            _ => Vec::new(),
        };
        match types.as_slice() {
            ["string"] => self.string_type(node, hint, owner),
            ["integer"] => Ok(Ty::Integer),
            ["number"] => Ok(Ty::Number),
            ["boolean"] => Ok(Ty::Boolean),
            ["array"] => {
                let item = match node.get("items") {
                    Some(items) if items.is_object() => {
                        self.resolve(items, &singular(hint), owner)?
                    }
                    _ => Ty::Json,
                };
                Ok(Ty::List(Box::new(item)))
            }
            ["object"] => self.object_type(node, hint, owner),
            [] => {
                if node["properties"].is_object() {
                    return self.object_type(node, hint, owner);
                }
                if node["enum"].is_array() {
                    return self.string_type(node, hint, owner);
                }
                self.alternatives(node, hint, owner)
            }
            // Several types allowed (`["object", "string"]` for policy documents).
            _ => Ok(Ty::Json),
        }
    }

    /// `oneOf` / `anyOf`: the one type all real branches agree on, else JSON.
    fn alternatives(&mut self, node: &Json, hint: &str, owner: &str) -> Result<Ty> {
        let branches: Vec<&Json> = ["oneOf", "anyOf"]
            .iter()
            .filter_map(|k| node[*k].as_array())
            .flatten()
            .filter(|b| {
                b.get("$ref").is_some() || b.get("type").is_some() || b.get("properties").is_some()
            })
            .collect();
        // cfn-lint adds a loose branch (`"type": ["object", "string"]`, `"format":
        // "json"`) beside the real shape; the real one is the type to generate.
        let strict: Vec<&Json> = branches
            .iter()
            .copied()
            .filter(|b| !b["type"].is_array() && b["format"] != "json")
            .collect();
        let branches = if strict.is_empty() { branches } else { strict };
        let Some(first) = branches.first() else {
            return Ok(Ty::Json);
        };
        let same = |b: &&Json| {
            b.get("$ref") == first.get("$ref")
                && b.get("type") == first.get("type")
                && b.get("properties").is_none()
                && b.get("enum").is_none()
        };
        if branches.iter().all(same) {
            return self.resolve(first, hint, owner);
        }
        Ok(Ty::Json)
    }

    fn string_type(&mut self, node: &Json, hint: &str, owner: &str) -> Result<Ty> {
        let values: Option<Vec<&str>> = node["enum"]
            .as_array()
            .map(|v| v.iter().filter_map(Json::as_str).collect());
        match values {
            Some(values) if !values.is_empty() => {
                let name = self.allocate(hint, owner);
                Ok(Ty::Named(self.push_enum(name, node, &values)))
            }
            _ => Ok(Ty::String),
        }
    }

    fn push_enum(&mut self, name: String, node: &Json, values: &[&str]) -> String {
        let mut used = BTreeSet::new();
        let mut variants = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let mut variant = camel(value).unwrap_or_else(|| format!("Value{i}"));
            while !used.insert(variant.clone()) {
                variant.push('_');
            }
            variants.push((variant, value.to_string()));
        }
        self.enums.push(EnumDef {
            name: name.clone(),
            doc: node["description"].as_str().map(str::to_owned),
            variants,
        });
        name
    }

    fn object_type(&mut self, node: &Json, hint: &str, owner: &str) -> Result<Ty> {
        if node["properties"]
            .as_object()
            .is_some_and(|p| !p.is_empty())
        {
            if self.is_tag(node) {
                return Ok(Ty::Tag);
            }
            let name = self.allocate(hint, owner);
            let def = self.struct_fields(&name, node, &BTreeSet::new())?;
            self.structs.push(def);
            return Ok(Ty::Named(name));
        }
        if let Some(patterns) = node["patternProperties"].as_object() {
            if patterns.len() == 1 {
                let value = patterns
                    .values()
                    .next()
                    .ok_or_else(|| CodegenError::schema(&self.type_name, "an empty pattern"))?;
                return Ok(Ty::Map(Box::new(self.resolve(
                    value,
                    &format!("{hint}Value"),
                    owner,
                )?)));
            }
            return Ok(Ty::Map(Box::new(Ty::Json)));
        }
        if let Some(additional) = node["additionalProperties"].as_object() {
            if !additional.is_empty() {
                let value = Json::Object(additional.clone());
                return Ok(Ty::Map(Box::new(self.resolve(
                    &value,
                    &format!("{hint}Value"),
                    owner,
                )?)));
            }
        }
        Ok(Ty::Json)
    }

    fn resolve_ref(&mut self, reference: &str) -> Result<Ty> {
        let Some((key, def)) = self.definition(reference) else {
            return Ok(Ty::Json);
        };
        let key = key.clone();
        if let Some(ty) = self.defs.get(&key) {
            return Ok(ty.clone());
        }
        if self.is_tag(def) {
            return Ok(Ty::Tag);
        }
        let def = def.clone();
        let name = self.def_names.get(&key).cloned().ok_or_else(|| {
            CodegenError::schema(&self.type_name, format!("{reference} has no reserved name"))
        })?;
        let is_struct = def["properties"].as_object().is_some_and(|p| !p.is_empty())
            && (def.get("type").is_none() || def["type"] == "object");
        if is_struct {
            // Registered before its fields are resolved, so recursion ends here.
            self.defs.insert(key.clone(), Ty::Named(name.clone()));
            let built = self.struct_fields(&name, &def, &BTreeSet::new())?;
            self.structs.push(built);
            return Ok(Ty::Named(name));
        }
        let values: Option<Vec<String>> = def["enum"].as_array().map(|v| {
            v.iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect()
        });
        if let Some(values) = values.filter(|v| !v.is_empty()) {
            if def["type"] == "string" || def.get("type").is_none() {
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                let ty = Ty::Named(self.push_enum(name, &def, &refs));
                self.defs.insert(key, ty.clone());
                return Ok(ty);
            }
        }
        // An alias for a primitive, a list or a map: inline it. A placeholder
        // stops a definition that refers to itself without structure.
        self.defs.insert(key.clone(), Ty::Json);
        self.taken.remove(&name);
        let inline_items = def["type"] == "array"
            && def["items"].is_object()
            && def["items"].get("$ref").is_none();
        let ty = if inline_items {
            // A named list of inline objects: the items take the definition's
            // name, and constraints cfn-lint states on the list's `properties`
            // (DynamoDB's `KeyType` enum) apply to the items' properties.
            let mut items = def["items"].clone();
            if let (Some(extra), Some(props)) = (
                def["properties"].as_object(),
                items["properties"].as_object_mut(),
            ) {
                for (key, constraints) in extra {
                    if let (Some(target), Some(constraints)) = (
                        props.get_mut(key).and_then(Json::as_object_mut),
                        constraints.as_object(),
                    ) {
                        for (k, v) in constraints {
                            target.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
            }
            Ty::List(Box::new(self.resolve(&items, &name, "")?))
        } else {
            self.resolve(&def, &name, "")?
        };
        self.defs.insert(key, ty.clone());
        Ok(ty)
    }
}

/// Boxes every field through which a struct contains itself without a list or
/// map in between (WAFv2's `Statement` → `NotStatement` → `Statement`).
fn box_recursion(model: &mut ResourceModel) {
    let direct = |s: &StructDef| -> BTreeSet<String> {
        s.fields
            .iter()
            .filter_map(|f| match &f.ty {
                Ty::Named(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    };
    let graph: BTreeMap<String, BTreeSet<String>> = model
        .structs
        .iter()
        .map(|s| (s.name.clone(), direct(s)))
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(graph.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut boxed = BTreeSet::new();
    for s in &mut model.structs {
        for f in &mut s.fields {
            if let Ty::Named(target) = &f.ty {
                if graph.contains_key(target) && reaches(target, &s.name) {
                    f.boxed = true;
                    boxed.insert(target.clone());
                }
            }
        }
    }
    model.boxed_structs = boxed;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{load_service, vendored_services};
    use serde_json::json;

    /// The checkout under test: cargo sets `CARGO_MANIFEST_DIR` when it runs
    /// a test, which is right even when another checkout shares the target
    /// directory (the compile-time value may be that checkout's).
    fn workspace_root() -> std::path::PathBuf {
        let manifest = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
        std::path::Path::new(&manifest).join("../..")
    }

    fn vendored(service: &str, type_name: &str) -> ResourceModel {
        let root = workspace_root();
        let schema = load_service(&root, &service.to_ascii_lowercase())
            .unwrap()
            .into_iter()
            .find(|s| s["typeName"] == type_name)
            .unwrap_or_else(|| panic!("{type_name} is not vendored"));
        build(&schema).unwrap()
    }

    fn field<'a>(s: &'a StructDef, json_name: &str) -> &'a Field {
        s.fields
            .iter()
            .find(|f| f.json_name == json_name)
            .unwrap_or_else(|| panic!("{} has no {json_name}", s.name))
    }

    fn find_struct<'a>(m: &'a ResourceModel, name: &str) -> &'a StructDef {
        m.structs
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no struct {name}"))
    }

    #[test]
    fn every_vendored_schema_generates_with_unique_names() {
        let root = workspace_root();
        let mut count = 0;
        for service in vendored_services(&root).unwrap() {
            for schema in load_service(&root, &service).unwrap() {
                let m = build(&schema).unwrap_or_else(|e| panic!("{}: {e:#}", schema["typeName"]));
                let mut names = BTreeSet::new();
                for n in std::iter::once(&m.resource.name)
                    .chain(m.structs.iter().map(|s| &s.name))
                    .chain(m.enums.iter().map(|e| &e.name))
                {
                    assert!(
                        names.insert(n.clone()),
                        "{}: {n} defined twice",
                        m.type_name
                    );
                }
                for s in std::iter::once(&m.resource).chain(&m.structs) {
                    let mut fields = BTreeSet::new();
                    for f in &s.fields {
                        assert!(
                            fields.insert(f.rust_name.as_str()),
                            "{}: {}.{} defined twice",
                            m.type_name,
                            s.name,
                            f.rust_name
                        );
                    }
                }
                count += 1;
            }
        }
        // Every type of the pinned cfn-lint's us-east-1 provider map.
        assert_eq!(count, 1854, "schemas generated");
    }

    /// cfn-lint's DynamoDB schema: `oneOf` with a loose JSON branch, a named
    /// list definition whose item constraints sit on the list, read-only
    /// attributes that must not be settable.
    #[test]
    fn dynamodb_table() {
        let m = vendored("DynamoDB", "AWS::DynamoDB::Table");
        let key_schema = field(&m.resource, "KeySchema");
        assert!(key_schema.required);
        assert_eq!(
            key_schema.ty,
            Ty::List(Box::new(Ty::Named("KeySchema".into())))
        );
        assert_eq!(
            field(find_struct(&m, "KeySchema"), "KeyType").ty,
            Ty::Named("KeyType".into())
        );
        let key_type = m.enums.iter().find(|e| e.name == "KeyType").unwrap();
        assert_eq!(
            key_type.variants,
            [
                ("Hash".to_owned(), "HASH".to_owned()),
                ("Range".to_owned(), "RANGE".to_owned())
            ]
        );
        assert!(m
            .resource
            .fields
            .iter()
            .all(|f| f.json_name != "Arn" && f.json_name != "StreamArn"));
        let attrs: Vec<&str> = m.attributes.iter().map(|a| a.method.as_str()).collect();
        assert_eq!(attrs, ["arn", "stream_arn"]);
        assert_eq!(field(&m.resource, "Tags").ty, Ty::List(Box::new(Ty::Tag)));
        assert!(field(&m.resource, "TableName").replaces);
    }

    #[test]
    fn wafv2_recursion_is_boxed_only_where_needed() {
        let m = vendored("WAFv2", "AWS::WAFv2::WebACL");
        let not = find_struct(&m, "NotStatement");
        assert!(field(not, "Statement").boxed);
        let and = find_struct(&m, "AndStatement");
        assert!(
            !field(and, "Statements").boxed,
            "a list already breaks the cycle"
        );
        assert!(m.boxed_structs.contains("Statement"));
    }

    #[test]
    fn lambda_function_maps_enums_and_nested_attributes() {
        let m = vendored("Lambda", "AWS::Lambda::Function");
        let env = find_struct(&m, "Environment");
        assert_eq!(
            field(env, "Variables").ty,
            Ty::Map(Box::new(Ty::Json)),
            "multi-typed pattern values"
        );
        assert_eq!(
            field(&m.resource, "Runtime").ty,
            Ty::Named("Runtime".into())
        );
        assert_eq!(
            field(&m.resource, "Architectures").ty,
            Ty::List(Box::new(Ty::Named("Architecture".into())))
        );
        let nested = m
            .attributes
            .iter()
            .find(|a| a.name == "SnapStartResponse.ApplyOn")
            .unwrap();
        assert_eq!(nested.method, "snap_start_response_apply_on");
        assert_eq!(nested.ty, Ty::String);
    }

    #[test]
    fn policy_documents_are_json() {
        let m = vendored("IAM", "AWS::IAM::Role");
        assert_eq!(field(&m.resource, "AssumeRolePolicyDocument").ty, Ty::Json);
        assert!(field(&m.resource, "AssumeRolePolicyDocument").required);
        assert_eq!(
            field(find_struct(&m, "Policy"), "PolicyDocument").ty,
            Ty::Json
        );
    }

    /// Shapes built by hand: anyOf of one shape, self-reference through a map,
    /// name clashes with reserved names and with the resource itself.
    #[test]
    fn synthetic_shapes() {
        let schema = json!({
            "typeName": "AWS::Test::Thing",
            "definitions": {
                "Thing": { "type": "object", "properties": { "Name": { "type": "string" } } },
                "Value": { "type": "object", "properties": { "Inner": { "$ref": "#/definitions/Value" } } },
                "Node": { "type": "object", "properties": {
                    "Children": { "type": "object", "patternProperties": { ".*": { "$ref": "#/definitions/Node" } } }
                } },
                "Id": { "type": "string" }
            },
            "properties": {
                "Either": { "anyOf": [ { "$ref": "#/definitions/Id" }, { "$ref": "#/definitions/Id" } ] },
                "Mixed": { "oneOf": [ { "type": "string" }, { "type": "integer" } ] },
                "Self": { "$ref": "#/definitions/Thing" },
                "Wrapped": { "$ref": "#/definitions/Value" },
                "Tree": { "$ref": "#/definitions/Node" },
                "Arn": { "type": "string" },
                "Kind": { "type": "string", "enum": ["a-b", "A_B", "*"] }
            },
            "required": ["Either"],
            "readOnlyProperties": ["/properties/Arn"]
        });
        let m = build(&schema).unwrap();
        assert_eq!(m.resource.name, "Thing");
        assert_eq!(field(&m.resource, "Either").ty, Ty::String);
        assert_eq!(field(&m.resource, "Mixed").ty, Ty::Json);
        assert_eq!(field(&m.resource, "Self").rust_name, "self_");
        let thing_def = &field(&m.resource, "Self").ty;
        assert_ne!(
            thing_def,
            &Ty::Named("Thing".into()),
            "the definition may not take the resource's name"
        );
        let Ty::Named(value_name) = &field(&m.resource, "Wrapped").ty else {
            panic!()
        };
        assert_ne!(value_name, "Value", "Value is reserved");
        assert!(field(find_struct(&m, value_name), "Inner").boxed);
        let node = find_struct(&m, "Node");
        assert!(!field(node, "Children").boxed, "a map breaks the cycle");
        let kind = m.enums.iter().find(|e| e.name == "Kind").unwrap();
        let variants: Vec<&str> = kind.variants.iter().map(|v| v.0.as_str()).collect();
        assert_eq!(variants, ["AB", "AB_", "Value2"]);
        assert_eq!(m.attributes.len(), 1);
        assert!(m.resource.fields.iter().all(|f| f.json_name != "Arn"));
    }
}
