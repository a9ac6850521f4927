//! The template, section by section, as the statements of one function:
//! description, transforms and metadata, typed parameters, mappings,
//! conditions and resources (each in an order where what it uses is bound
//! before), rules and outputs.

use std::collections::BTreeSet;
use std::path::Path;

use infra_codegen::model::Ty;
use serde_json::{Map, Value as Json};

use crate::catalog::Catalog;
use crate::rust::{float_lit, str_lit, Names};
use crate::values::{BoundResource, Scope, Use, Writer};
use crate::{ImportError, Imported, Options};

/// One statement that may bind a variable.
struct Statement {
    /// The name it is known by in the template (for `Use`).
    key: Use,
    var: String,
    /// The expression (`t.add(...)`), without `let` or `;`.
    code: String,
    /// What it uses (resources and conditions, for the order).
    uses: BTreeSet<Use>,
}

/// A section's named parts (its `Fn::ForEach` loops aside).
fn section<'a>(doc: &'a Map<String, Json>, name: &str) -> Vec<(&'a String, &'a Json)> {
    doc.get(name)
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !k.starts_with(infra::FOR_EACH))
                .collect()
        })
        .unwrap_or_default()
}

/// A section's `Fn::ForEach` loops: (name, body).
fn loops<'a>(doc: &'a Map<String, Json>, name: &str) -> Vec<(&'a str, &'a Json)> {
    doc.get(name)
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(infra::FOR_EACH)?, v)))
                .collect()
        })
        .unwrap_or_default()
}

fn object<'a>(value: &'a Json, place: &str) -> Result<&'a Map<String, Json>, ImportError> {
    value
        .as_object()
        .ok_or_else(|| ImportError::invalid(place, "must be an object"))
}

pub(crate) fn write(root: &Path, doc: &Json, options: &Options) -> Result<Imported, ImportError> {
    // The same checks, and errors, as reading the template into the model.
    infra::Template::from_document(doc)?;
    let map = object(doc, "the template")?;
    let mut names = Names::default();
    let mut scope = Scope::default();
    let mut catalog = Catalog::new(root.to_path_buf());

    let mut fallbacks = Vec::new();
    // Names first: every statement may refer to any of them.
    let mut parameters = Vec::new();
    for (id, body) in section(map, "Parameters") {
        let (code, ty, mut notes) = parameter(id, object(body, &format!("Parameters.{id}"))?)?;
        fallbacks.append(&mut notes);
        let var = names.fresh(id, "parameter");
        scope.parameters.insert(id.clone(), (var.clone(), ty));
        parameters.push((id, var, code));
    }
    for (name, _) in section(map, "Mappings") {
        scope
            .mappings
            .insert(name.clone(), names.fresh(name, "mapping"));
    }
    for (name, _) in section(map, "Conditions") {
        scope
            .conditions
            .insert(name.clone(), names.fresh(name, "condition"));
    }
    let resources = section(map, "Resources");
    for (id, body) in &resources {
        let type_name = body["Type"].as_str().unwrap_or_default();
        catalog.load(type_name)?;
        // A resource that will be a RawResource has a handle without accessors.
        let attributes = catalog
            .lookup(type_name)
            .filter(|r| fits(&r.model.resource, &body["Properties"]))
            .map(|r| {
                r.model
                    .attributes
                    .iter()
                    .map(|a| (a.name.clone(), a.method.clone(), a.ty.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let var = names.fresh(id, "resource");
        scope
            .resources
            .insert((*id).clone(), BoundResource { var, attributes });
    }

    let mut features = BTreeSet::new();
    let mut typed = 0;
    let mut head = Vec::new();
    let mut w = Writer::new(&scope, None, String::new(), "");
    if let Some(Json::String(text)) = map.get("Description") {
        head.push(format!("t.set_description({});", str_lit(text)));
    }
    match map.get("Transform") {
        Some(Json::String(name)) => head.push(format!("t.transform({});", str_lit(name))),
        Some(Json::Array(list)) => {
            for name in list.iter().filter_map(Json::as_str) {
                head.push(format!("t.transform({});", str_lit(name)));
            }
        }
        _ => {}
    }

    let mut statements: Vec<Statement> = parameters
        .into_iter()
        .map(|(id, var, code)| Statement {
            key: Use::Parameter(id.clone()),
            var,
            code: format!("t.parameter({}, {code})", str_lit(id)),
            uses: BTreeSet::new(),
        })
        .collect();
    for (name, body) in section(map, "Mappings") {
        statements.push(Statement {
            key: Use::Mapping(name.clone()),
            var: scope.mappings[name].clone(),
            code: format!(
                "t.mapping({}, {})",
                str_lit(name),
                mapping(&mut w, name, body)?
            ),
            uses: BTreeSet::new(),
        });
    }
    let mut conditions = Vec::new();
    for (name, body) in section(map, "Conditions") {
        let mut cw = Writer::new(&scope, None, String::new(), &format!("Conditions.{name}"));
        let code = condition(&mut cw, &scope, body);
        conditions.push(Statement {
            key: Use::Condition(name.clone()),
            var: scope.conditions[name].clone(),
            code: format!("t.condition({}, {code})", str_lit(name)),
            uses: cw.used,
        });
        fallbacks.append(&mut cw.fallbacks);
    }
    let mut used: BTreeSet<Use> = conditions.iter().flat_map(|c| c.uses.clone()).collect();
    statements.extend(ordered(conditions, "conditions")?);

    let mut built = Vec::new();
    for (id, body) in &resources {
        let place = format!("Resources.{id}");
        let body = object(body, &place)?;
        let type_name = body["Type"].as_str().unwrap_or_default();
        let empty = Map::new();
        let properties = match body.get("Properties") {
            Some(p) => object(p, &format!("{place}.Properties"))?,
            None => &empty,
        };
        let found = catalog.lookup(type_name);
        let mut rw = Writer::new(
            &scope,
            found.as_ref().map(|f| f.model),
            found
                .as_ref()
                .map(|f| f.module_path.clone())
                .unwrap_or_default(),
            &format!("{place}.Properties"),
        );
        let typed_code = found.as_ref().map(|f| {
            rw.struct_value(
                &f.model.resource,
                properties,
                &format!("aws::{}", f.struct_path),
            )
        });
        let resource = match typed_code {
            Some(Ok(code)) => {
                typed += 1;
                if let Some(f) = &found {
                    features.insert(f.feature.clone());
                }
                code
            }
            other => {
                rw.fallbacks.push(match other {
                    Some(Err(why)) => format!("{place}: RawResource, as {why}"),
                    _ => {
                        format!("{place}: RawResource, as infra has no generated type {type_name}")
                    }
                });
                format!(
                    "RawResource::new({}, {})",
                    str_lit(type_name),
                    rw.json_macro(&Json::Object(properties.clone()))
                )
            }
        };
        let attributes = resource_attributes(&mut rw, &scope, &place, body)?;
        let code = match attributes {
            None => format!("t.add(\n{},\n{resource},\n)", str_lit(id)),
            Some(a) => format!("t.add_with(\n{},\n{resource},\n{a},\n)", str_lit(id)),
        };
        fallbacks.append(&mut rw.fallbacks);
        built.push(Statement {
            key: Use::Resource((*id).clone()),
            var: scope.resources[*id].var.clone(),
            code,
            uses: rw.used,
        });
    }
    used.extend(built.iter().flat_map(|s| s.uses.clone()));
    statements.extend(ordered(built, "resources")?);

    let mut tail = Vec::new();
    // Metadata may name parameters and resources: written once they are bound.
    for (key, value) in section(map, "Metadata") {
        tail.push(format!(
            "t.set_metadata({}, {});",
            str_lit(key),
            w.json_macro(value)
        ));
    }
    for (name, rule) in section(map, "Rules") {
        let mut rw = Writer::new(&scope, None, String::new(), &format!("Rules.{name}"));
        tail.push(format!(
            "t.rule({}, {});",
            str_lit(name),
            rw.json_macro(rule)
        ));
        used.append(&mut rw.used);
    }
    // Loops last: their fragments may name any part.
    for (section_name, variant) in [
        ("Conditions", "Conditions"),
        ("Resources", "Resources"),
        ("Outputs", "Outputs"),
    ] {
        for (name, body) in loops(map, section_name) {
            let place = format!("{section_name}.{}{name}", infra::FOR_EACH);
            let mut lw = Writer::new(&scope, None, String::new(), &place);
            let statement = match body.as_array().map(Vec::as_slice) {
                Some([Json::String(identifier), collection, fragments]) => {
                    let collection = lw.arg(collection, &Ty::List(Box::new(Ty::String)), false);
                    format!(
                        "t.for_each(infra::ForEachSection::{variant}, {}, {}, {collection}, {});",
                        str_lit(name),
                        str_lit(identifier),
                        lw.json_macro(fragments)
                    )
                }
                _ => {
                    return Err(ImportError::invalid(
                        place,
                        "must be [identifier, collection, {key: fragment}]",
                    ))
                }
            };
            lw.fallbacks
                .push(format!("{place}: the loop's fragments as JSON"));
            tail.push(statement);
            used.append(&mut lw.used);
            fallbacks.append(&mut lw.fallbacks);
        }
    }
    for (name, body) in section(map, "Outputs") {
        let mut ow = Writer::new(&scope, None, String::new(), &format!("Outputs.{name}"));
        tail.push(format!(
            "t.output({}, {});",
            str_lit(name),
            output(&mut ow, &scope, name, body)?
        ));
        used.append(&mut ow.used);
        fallbacks.append(&mut ow.fallbacks);
    }
    used.append(&mut w.used);
    fallbacks.append(&mut w.fallbacks);

    let mut source = header(options, &features);
    source.push_str("pub fn template() -> Template {\nlet mut t = Template::new();\n");
    for line in head {
        source.push_str(&line);
        source.push('\n');
    }
    for s in statements {
        if used.contains(&s.key) {
            source.push_str(&format!("let {} = {};\n", s.var, s.code));
        } else {
            source.push_str(&format!("{};\n", s.code));
        }
    }
    for line in tail {
        source.push_str(&line);
        source.push('\n');
    }
    source.push_str("t\n}\n");
    Ok(Imported {
        source,
        features,
        typed,
        fallbacks,
    })
}

fn header(options: &Options, features: &BTreeSet<String>) -> String {
    let needs = if features.is_empty() {
        "Needs infra's default features.".to_owned()
    } else {
        let list: Vec<String> = features.iter().map(|f| format!("`{f}`")).collect();
        format!("Needs infra's features {}.", list.join(", "))
    };
    let text = format!(
        "`{}` rebuilt through infra's typed API, written by `{}`. {needs} `template()` builds a template that renders equal to the input (in canonical order).",
        options.source_name.replace('`', "'"),
        options.command.replace('`', "'"),
    );
    let mut out = String::new();
    let mut line = String::from("//!");
    for word in text.split(' ') {
        if line.len() + word.len() + 1 > 80 && line != "//!" {
            out.push_str(&line);
            out.push('\n');
            line = String::from("//!");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push_str("\n\n#![allow(unused_imports)]\n\nuse std::collections::BTreeMap;\n\nuse infra::aws;\nuse infra::{fns, pseudo, Attributes, Condition, DeletionPolicy, Json, Mapping, Output, Parameter, RawResource, Template, ToJson, Value};\nuse serde_json::json;\n\n/// The template, built.\n");
    out
}

/// Whether `properties` can be a value of the generated `resource` struct:
/// every key a field, every required field there (otherwise the resource is
/// written as a `RawResource`).
fn fits(resource: &infra_codegen::model::StructDef, properties: &Json) -> bool {
    let empty = Map::new();
    let map = match properties {
        Json::Object(map) => map,
        Json::Null => &empty,
        _ => return false,
    };
    map.keys()
        .all(|k| resource.fields.iter().any(|f| &f.json_name == k))
        && resource
            .fields
            .iter()
            .all(|f| !f.required || map.contains_key(&f.json_name))
}

/// `statements` in an order where each comes after what it uses (by
/// logical ID between independent ones, as the template's keys sort); one
/// that uses itself, or statements that use each other, are a cycle.
fn ordered(statements: Vec<Statement>, what: &'static str) -> Result<Vec<Statement>, ImportError> {
    let keys: BTreeSet<Use> = statements.iter().map(|s| s.key.clone()).collect();
    let mut pending = statements;
    let mut done: BTreeSet<Use> = BTreeSet::new();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|s| {
            s.uses
                .iter()
                .all(|u| !keys.contains(u) || (done.contains(u) && *u != s.key))
        });
        let Some(i) = ready else {
            let names: Vec<String> = pending
                .iter()
                .map(|s| match &s.key {
                    Use::Resource(n) | Use::Parameter(n) | Use::Condition(n) | Use::Mapping(n) => {
                        n.clone()
                    }
                })
                .collect();
            return Err(ImportError::Cycle {
                what,
                names: names.join(", "),
            });
        };
        let s = pending.remove(i);
        done.insert(s.key.clone());
        out.push(s);
    }
    Ok(out)
}

/// A parameter's declaration, the type its `Ref` yields, and the keys
/// written as JSON.
fn parameter(id: &str, body: &Map<String, Json>) -> Result<(String, Ty, Vec<String>), ImportError> {
    let place = format!("Parameters.{id}");
    let mut notes = Vec::new();
    let type_name = body.get("Type").and_then(Json::as_str).ok_or_else(|| {
        ImportError::invalid(format!("{place}.Type"), "is missing or not a string")
    })?;
    let numbers: Vec<&Json> = ["Default", "MinValue", "MaxValue"]
        .iter()
        .filter_map(|k| body.get(*k))
        .chain(
            body.get("AllowedValues")
                .and_then(Json::as_array)
                .into_iter()
                .flatten(),
        )
        .collect();
    let floats = numbers.iter().any(|n| n.is_f64());
    let (mut code, ty) = match type_name {
        "String" => ("Parameter::string()".to_owned(), Ty::String),
        "Number" if floats => ("Parameter::number()".to_owned(), Ty::Number),
        "Number" => ("Parameter::integer()".to_owned(), Ty::Integer),
        "CommaDelimitedList" => (
            "Parameter::comma_delimited_list()".to_owned(),
            Ty::List(Box::new(Ty::String)),
        ),
        list if list.contains("List<") || list.contains("CommaDelimitedList") => (
            format!("Parameter::aws_list_type({})", str_lit(list)),
            Ty::List(Box::new(Ty::String)),
        ),
        other => (
            format!("Parameter::aws_type({})", str_lit(other)),
            Ty::String,
        ),
    };
    let number = |n: &Json| -> Option<String> {
        let n = n.as_number()?;
        match ty {
            Ty::Integer => n.as_i64().map(|i| format!("{i}")),
            _ if n.is_f64() => float_lit(n),
            _ => n.as_i64().map(|i| format!("{i}.0")),
        }
    };
    let is_number = matches!(ty, Ty::Integer | Ty::Number);
    for (key, value) in body {
        let typed = match (key.as_str(), value) {
            ("Type", _) => continue,
            ("Description", Json::String(s)) => Some(format!(".description({})", str_lit(s))),
            ("ConstraintDescription", Json::String(s)) => {
                Some(format!(".constraint_description({})", str_lit(s)))
            }
            ("NoEcho", Json::Bool(true)) => Some(".no_echo()".to_owned()),
            ("Default", Json::String(s)) if ty == Ty::String => {
                Some(format!(".default_value({})", str_lit(s)))
            }
            ("Default", Json::String(s)) if matches!(ty, Ty::List(_)) => {
                let items: Vec<String> = s.split(',').map(str_lit).collect();
                Some(format!(".default_value([{}])", items.join(", ")))
            }
            ("Default" | "MinValue" | "MaxValue", n) if is_number => number(n).map(|n| {
                let method = match key.as_str() {
                    "Default" => "default_value",
                    "MinValue" => "min_value",
                    _ => "max_value",
                };
                format!(".{method}({n})")
            }),
            ("AllowedValues", Json::Array(values)) if ty == Ty::String && !values.is_empty() => {
                values
                    .iter()
                    .map(|v| v.as_str().map(str_lit))
                    .collect::<Option<Vec<_>>>()
                    .map(|v| format!(".allowed_values([{}])", v.join(", ")))
            }
            ("AllowedValues", Json::Array(values)) if is_number && !values.is_empty() => values
                .iter()
                .map(number)
                .collect::<Option<Vec<_>>>()
                .map(|v| format!(".allowed_values([{}])", v.join(", "))),
            ("AllowedPattern", Json::String(s)) if ty == Ty::String => {
                Some(format!(".allowed_pattern({})", str_lit(s)))
            }
            ("MinLength" | "MaxLength", Json::Number(n)) if ty == Ty::String => {
                n.as_u64().filter(|n| u32::try_from(*n).is_ok()).map(|n| {
                    format!(
                        ".{}({n})",
                        if key == "MinLength" {
                            "min_length"
                        } else {
                            "max_length"
                        }
                    )
                })
            }
            _ => None,
        };
        code.push_str(&typed.unwrap_or_else(|| {
            notes.push(format!("{place}.{key}: as JSON (raw_key)"));
            format!(".raw_key({}, json!({}))", str_lit(key), plain_json(value))
        }));
    }
    Ok((code, ty, notes))
}

/// JSON text as `json!` takes it (no handles: a declaration names none).
fn plain_json(value: &Json) -> String {
    let scope = Scope::default();
    let mut w = Writer::new(&scope, None, String::new(), "");
    let text = w.json_macro(value);
    text.strip_prefix("json!(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(&text)
        .to_owned()
}

fn mapping(w: &mut Writer, name: &str, body: &Json) -> Result<String, ImportError> {
    let mut code = "Mapping::new()".to_owned();
    for (top, values) in object(body, &format!("Mappings.{name}"))? {
        let values = object(values, &format!("Mappings.{name}.{top}"))?;
        let strings: Option<Vec<String>> = values
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| format!("({}, {})", str_lit(k), str_lit(v)))
            })
            .collect();
        let lists: Option<Vec<String>> = values
            .iter()
            .map(|(k, v)| {
                let items: Option<Vec<String>> = v
                    .as_array()?
                    .iter()
                    .map(|i| i.as_str().map(str_lit))
                    .collect();
                // An empty list has no item type to infer: JSON then.
                let items = items.filter(|i| !i.is_empty())?;
                Some(format!("({}, vec![{}])", str_lit(k), items.join(", ")))
            })
            .collect();
        code.push_str(&match (strings, lists) {
            (Some(s), _) if !s.is_empty() => {
                format!("\n.entry({}, [{}])", str_lit(top), s.join(", "))
            }
            (_, Some(l)) if !l.is_empty() => {
                format!("\n.list_entry({}, [{}])", str_lit(top), l.join(", "))
            }
            _ => {
                w.fallbacks
                    .push(format!("Mappings.{name}.{top}: as JSON (json_entry)"));
                format!(
                    "\n.json_entry({}, {})",
                    str_lit(top),
                    w.json_macro(&Json::Object(values.clone()))
                )
            }
        });
    }
    Ok(code)
}

/// A condition function as a `Condition`.
fn condition(w: &mut Writer, scope: &Scope, json: &Json) -> String {
    let single = json
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next());
    let typed = single.and_then(|(key, arg)| match (key.as_str(), arg) {
        ("Fn::Equals", Json::Array(pair)) if pair.len() == 2 => Some(format!(
            "Condition::equals({}, {})",
            w.arg(&pair[0], &Ty::String, false),
            w.arg(&pair[1], &Ty::String, false)
        )),
        ("Fn::And" | "Fn::Or", Json::Array(list)) => {
            let parts: Vec<String> = list.iter().map(|c| condition(w, scope, c)).collect();
            let function = if key == "Fn::And" { "and" } else { "or" };
            Some(format!("Condition::{function}([{}])", parts.join(", ")))
        }
        ("Fn::Not", Json::Array(one)) if one.len() == 1 => {
            Some(format!("Condition::not({})", condition(w, scope, &one[0])))
        }
        ("Condition", Json::String(name)) => scope.conditions.get(name).map(|var| {
            w.used.insert(Use::Condition(name.clone()));
            format!("Condition::is(&{var})")
        }),
        _ => None,
    });
    typed.unwrap_or_else(|| {
        w.fallbacks.push(format!(
            "{}: a condition function as JSON (Condition::raw)",
            w.place()
        ));
        format!("Condition::raw({})", w.json_macro(json))
    })
}

/// The resource's attributes as `Attributes::new()...`, if it has any.
fn resource_attributes(
    w: &mut Writer,
    scope: &Scope,
    place: &str,
    body: &Map<String, Json>,
) -> Result<Option<String>, ImportError> {
    let mut code = "Attributes::new()".to_owned();
    let mut any = false;
    let depends: Vec<&str> = match body.get("DependsOn") {
        None => Vec::new(),
        Some(Json::String(one)) => vec![one],
        Some(Json::Array(list)) => list.iter().filter_map(Json::as_str).collect(),
        Some(_) => {
            return Err(ImportError::invalid(
                format!("{place}.DependsOn"),
                "must be a logical ID or a list of them",
            ))
        }
    };
    for id in depends {
        let r = scope.resources.get(id).ok_or_else(|| {
            ImportError::invalid(
                format!("{place}.DependsOn"),
                format!("{id} is not a resource of the template"),
            )
        })?;
        w.used.insert(Use::Resource(id.to_owned()));
        code.push_str(&format!("\n.depends_on(&{})", r.var));
        any = true;
    }
    for (key, method) in [
        ("DeletionPolicy", "deletion_policy"),
        ("UpdateReplacePolicy", "update_replace_policy"),
    ] {
        if let Some(policy) = body.get(key) {
            let policy = policy
                .as_str()
                .filter(|p| ["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"].contains(p))
                .ok_or_else(|| {
                    ImportError::invalid(
                        format!("{place}.{key}"),
                        "must be Delete, Retain, RetainExceptOnCreate or Snapshot",
                    )
                })?;
            code.push_str(&format!("\n.{method}(DeletionPolicy::{policy})"));
            any = true;
        }
    }
    if let Some(condition) = body.get("Condition") {
        let var = condition
            .as_str()
            .and_then(|c| scope.conditions.get(c))
            .ok_or_else(|| {
                ImportError::invalid(
                    format!("{place}.Condition"),
                    "must name a condition of the template",
                )
            })?;
        w.used.insert(Use::Condition(
            condition.as_str().unwrap_or_default().to_owned(),
        ));
        code.push_str(&format!("\n.condition(&{var})"));
        any = true;
    }
    for (key, method) in [
        ("Metadata", "metadata"),
        ("UpdatePolicy", "update_policy"),
        ("CreationPolicy", "creation_policy"),
    ] {
        if let Some(value) = body.get(key) {
            code.push_str(&format!("\n.{method}({})", w.json_macro(value)));
            any = true;
        }
    }
    Ok(any.then_some(code))
}

fn output(w: &mut Writer, scope: &Scope, name: &str, body: &Json) -> Result<String, ImportError> {
    let place = format!("Outputs.{name}");
    let body = object(body, &place)?;
    let value = body
        .get("Value")
        .ok_or_else(|| ImportError::invalid(&place, "has no Value"))?;
    let mut code = format!("Output::new({})", w.arg(value, &Ty::String, false));
    for (key, value) in body {
        match (key.as_str(), value) {
            ("Value", _) => {}
            ("Description", Json::String(text)) => {
                code.push_str(&format!("\n.description({})", str_lit(text)));
            }
            ("Export", Json::Object(export))
                if export.len() == 1 && export.contains_key("Name") =>
            {
                code.push_str(&format!(
                    "\n.export({})",
                    w.arg(&export["Name"], &Ty::String, false)
                ));
            }
            ("Condition", Json::String(c)) if !scope.conditions.contains_key(c) => {
                return Err(ImportError::invalid(
                    format!("{place}.Condition"),
                    format!("{c} is not a condition of the template"),
                ))
            }
            ("Condition", Json::String(c)) => {
                w.used.insert(Use::Condition(c.clone()));
                code.push_str(&format!("\n.condition(&{})", scope.conditions[c]));
            }
            _ => return Err(ImportError::invalid(
                format!("{place}.{key}"),
                "is not what an output takes (Value, Description, Export with a Name, Condition)",
            )),
        }
    }
    Ok(code)
}
