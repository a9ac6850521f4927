//! The checks of the generated every-type test (`main.rs`, written by
//! `cargo xtask codegen`): each service's template renders, and each of its
//! resources carries its schema's type name and every property the schema
//! requires, so no constructor leaves out what CloudFormation demands.
//!
//! What a constructor cannot take is a choice: a schema whose `oneOf` or
//! `anyOf` asks for one of several sets of properties (SageMaker's
//! `Specification` or `Specifications`), or a property AWS documents as
//! required beyond the schema (an alarm's `ComparisonOperator`). Those are
//! set with setters, and `validate` names them: the only problems allowed
//! here are such requirements on a resource's `Properties` itself, and the
//! test counts them so a change in either direction shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infra::{Json, Parameter, Template, ValidationError, Value};
use serde_json::json;

/// The value of every required property: a `Ref` to the `Input` parameter.
pub fn input<T>() -> Value<T> {
    Value::raw(json!({ "Ref": "Input" }))
}

/// An empty template with the `Input` parameter.
/// Adds `resource` to `t` after checking that it reads back from its own
/// JSON (`FromJson`) as the same value.
#[cfg(feature = "from-json")]
pub fn add<R>(t: &mut Template, id: &str, resource: R)
where
    R: infra::Resource + infra::FromJson + infra::ToJson + PartialEq + std::fmt::Debug,
{
    let json = resource.to_json();
    let back = R::from_json(&json, id).unwrap_or_else(|e| panic!("{id} does not read back: {e}"));
    assert_eq!(back, resource, "{id} reads back as another value");
    t.add(id, resource);
}

/// Adds `resource` to `t` (without `from-json`, nothing to read back).
#[cfg(not(feature = "from-json"))]
pub fn add<R: infra::Resource>(t: &mut Template, id: &str, resource: R) {
    t.add(id, resource);
}

pub fn template() -> Template {
    let mut t = Template::new();
    t.parameter("Input", Parameter::<String>::string());
    t
}

fn schema_dir() -> PathBuf {
    let manifest =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    Path::new(&manifest).join("schemas")
}

/// Validates and renders each service's template and checks it against the
/// vendored schemas, reporting every problem at once.
pub fn every_service(services: &[(&str, fn() -> Template)]) {
    let mut problems = Vec::new();
    let mut choices = 0;
    let mut types = 0;
    let mut rendered_services = 0;
    for (module, build) in services {
        let template = build();
        match template.validate() {
            Ok(()) => match template.render() {
                Ok(_) => rendered_services += 1,
                Err(e) => problems.push(format!("{module}: {e}")),
            },
            Err(errors) => {
                for error in errors.0 {
                    match &error {
                        ValidationError::Property { path, problem, .. }
                            if path == "Properties" && problem.contains("required") =>
                        {
                            choices += 1
                        }
                        _ => problems.push(format!("{module}: {error}")),
                    }
                }
            }
        }
        let by_type: BTreeMap<&str, Json> = template
            .resources()
            .map(|r| (r.resource_type(), r.properties()))
            .collect();
        let dir = schema_dir().join(module);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a vendored schema");
            let schema: Json = serde_json::from_str(&text).expect("a JSON schema");
            let type_name = schema["typeName"].as_str().unwrap_or_default();
            let Some(properties) = by_type.get(type_name) else {
                problems.push(format!("{module}: no {type_name} resource"));
                continue;
            };
            types += 1;
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            for name in required.iter().filter_map(Json::as_str) {
                if properties.get(name).is_none() {
                    problems.push(format!("{type_name}: required {name} not rendered"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(types, 1854, "types checked");
    // Requirements a constructor cannot express (see the module's doc): 44
    // with the pinned schemas; every other service's template renders.
    assert_eq!(choices, 44, "choices among properties left to setters");
    assert!(
        rendered_services > 250,
        "only {rendered_services} services render"
    );
}
