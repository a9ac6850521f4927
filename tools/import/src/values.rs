//! One JSON value as a Rust expression of the type its field wants: typed
//! literals, generated structs through their constructors and setters,
//! enums by variant, `Ref` and `Fn::GetAtt` through the handles bound in
//! the template, the intrinsics through `infra::fns`. What the typed API
//! cannot say exactly is written as `Value::raw(json!(...))`, handles
//! still inside, so the result always renders back to its input.

use std::collections::{BTreeMap, BTreeSet};

use infra_codegen::model::{ResourceModel, StructDef, Ty};
use serde_json::{Map, Value as Json};

use crate::rust::{float_lit, int_lit, str_lit};

/// The most values (containers and scalars) a `json!` literal holds.
const SMALL_JSON: usize = 12;

/// How many values `json` holds, itself included.
fn json_size(json: &Json) -> usize {
    1 + match json {
        Json::Array(items) => items.iter().map(json_size).sum(),
        Json::Object(map) => map.values().map(json_size).sum(),
        _ => 0,
    }
}

/// A resource bound to a variable, with its attribute accessors.
pub(crate) struct BoundResource {
    pub var: String,
    /// (attribute, accessor method, type)
    pub attributes: Vec<(String, String, Ty)>,
}

/// What the template binds to variables, by logical ID or name.
#[derive(Default)]
pub(crate) struct Scope {
    pub resources: BTreeMap<String, BoundResource>,
    /// Parameter → (variable, the type its `Ref` yields).
    pub parameters: BTreeMap<String, (String, Ty)>,
    pub conditions: BTreeMap<String, String>,
    pub mappings: BTreeMap<String, String>,
}

/// A binding an expression used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Use {
    Resource(String),
    Parameter(String),
    Condition(String),
    Mapping(String),
}

/// An expression and whether its type is exactly `Value<T>` (otherwise it
/// is something `Into<Value<T>>`: a literal, a struct, a vector).
struct Expr {
    code: String,
    exact: bool,
}

fn lit(code: String) -> Expr {
    Expr { code, exact: false }
}

fn exact(code: String) -> Expr {
    Expr { code, exact: true }
}

/// The pseudo-parameters and what their `Ref` yields
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html>).
fn pseudo(name: &str) -> Option<(&'static str, Ty)> {
    Some(match name {
        "AWS::AccountId" => ("pseudo::account_id()", Ty::String),
        "AWS::Region" => ("pseudo::region()", Ty::String),
        "AWS::StackName" => ("pseudo::stack_name()", Ty::String),
        "AWS::StackId" => ("pseudo::stack_id()", Ty::String),
        "AWS::Partition" => ("pseudo::partition()", Ty::String),
        "AWS::URLSuffix" => ("pseudo::url_suffix()", Ty::String),
        "AWS::NotificationARNs" => (
            "pseudo::notification_arns()",
            Ty::List(Box::new(Ty::String)),
        ),
        _ => return None,
    })
}

/// Whether `json` is an intrinsic function call (`{"Ref": ...}`,
/// `{"Fn::...": ...}`), and its name and argument.
pub(crate) fn intrinsic(json: &Json) -> Option<(&str, &Json)> {
    let map = json.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let (key, arg) = map.iter().next()?;
    (key == "Ref" || key.starts_with("Fn::")).then_some((key.as_str(), arg))
}

/// Writes the values of one resource (or of a template section).
pub(crate) struct Writer<'a> {
    scope: &'a Scope,
    /// The resource type whose properties are written: its structs and enums.
    model: Option<&'a ResourceModel>,
    /// That type's module path from `infra::aws` (`sqs::queue`).
    module_path: String,
    pub used: BTreeSet<Use>,
    /// Where a typed field got `Value::raw`, with why.
    pub fallbacks: Vec<String>,
    place: Vec<String>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(
        scope: &'a Scope,
        model: Option<&'a ResourceModel>,
        module_path: String,
        place: &str,
    ) -> Self {
        Writer {
            scope,
            model,
            module_path,
            used: BTreeSet::new(),
            fallbacks: Vec::new(),
            place: vec![place.to_owned()],
        }
    }

    /// The Rust type `ty` stands for, in the imported file.
    fn rust_type(&self, ty: &Ty, boxed: bool) -> String {
        let inner = match ty {
            Ty::String => "String".to_owned(),
            Ty::Integer => "i64".to_owned(),
            Ty::Number => "f64".to_owned(),
            Ty::Boolean => "bool".to_owned(),
            Ty::Json => "Json".to_owned(),
            Ty::Tag => "infra::Tag".to_owned(),
            Ty::List(item) => format!("Vec<Value<{}>>", self.rust_type(item, false)),
            Ty::Map(v) => format!("BTreeMap<String, Value<{}>>", self.rust_type(v, false)),
            Ty::Named(name) => format!("aws::{}::{name}", self.module_path),
        };
        if boxed {
            format!("Box<{inner}>")
        } else {
            inner
        }
    }

    /// `json` as an expression of exactly `Value<T>`.
    pub(crate) fn exact_value(&mut self, json: &Json, ty: &Ty, boxed: bool) -> String {
        let e = self.value(json, ty, boxed);
        self.as_exact(e, ty, boxed)
    }

    /// `json` as an argument where `impl Into<Value<T>>` is taken.
    pub(crate) fn arg(&mut self, json: &Json, ty: &Ty, boxed: bool) -> String {
        self.value(json, ty, boxed).code
    }

    fn as_exact(&self, e: Expr, ty: &Ty, boxed: bool) -> String {
        if e.exact {
            e.code
        } else {
            format!("Value::<{}>::from({})", self.rust_type(ty, boxed), e.code)
        }
    }

    /// Where the writer is (`Conditions.IsProd`).
    pub(crate) fn place(&self) -> String {
        self.place.join(".")
    }

    fn at<T>(&mut self, segment: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        self.place.push(segment.to_owned());
        let out = f(self);
        self.place.pop();
        out
    }

    /// `Value::<T>::raw(json!(...))` (typed: a `Json` field takes two kinds
    /// of value), noted with why.
    fn raw(&mut self, json: &Json, ty: &Ty, boxed: bool, why: &str) -> Expr {
        self.fallbacks
            .push(format!("{}: {why}", self.place.join(".")));
        exact(format!(
            "Value::<{}>::raw({})",
            self.rust_type(ty, boxed),
            self.json_macro(json)
        ))
    }

    /// A `Json` expression of `json`, with each `Ref` and `Fn::GetAtt` of
    /// a bound resource or parameter (and each pseudo-parameter) written
    /// through its handle: `json!(...)` when it is small, `json_object` and
    /// vectors when it is not (the macro expands once per entry and stops at
    /// the compiler's recursion limit on a large policy; functions also let
    /// rustfmt lay the document out).
    pub(crate) fn json_macro(&mut self, json: &Json) -> String {
        if let Some(code) = self.handle_json(json) {
            return code;
        }
        if let Some(fragment) = self.small_fragment(json) {
            return format!("json!({fragment})");
        }
        match json {
            Json::Array(items) if items.iter().all(Json::is_string) => {
                let parts: Vec<String> =
                    items.iter().filter_map(Json::as_str).map(str_lit).collect();
                format!("Json::from(vec![\n{},\n])", parts.join(",\n"))
            }
            Json::Array(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.json_macro(i)).collect();
                format!("Json::Array(vec![\n{},\n])", parts.join(",\n"))
            }
            Json::Object(map) => {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("({}, {})", str_lit(k), self.json_macro(v)))
                    .collect();
                format!("infra::json_object([\n{},\n])", parts.join(",\n"))
            }
            scalar => format!("json!({})", self.fragment(scalar)),
        }
    }

    /// `json` in `json!` syntax when it is small (a scalar, or a container
    /// of a few entries that fits on a line).
    fn small_fragment(&mut self, json: &Json) -> Option<String> {
        if json_size(json) > SMALL_JSON {
            return None;
        }
        let used = self.used.clone();
        let text = self.fragment(json);
        if text.len() > 72 {
            self.used = used;
            return None;
        }
        Some(text)
    }

    fn fragment(&mut self, json: &Json) -> String {
        if let Some(code) = self.handle_json(json) {
            return code;
        }
        match json {
            Json::Null => "null".to_owned(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => json_number(n),
            Json::String(s) => str_lit(s),
            Json::Array(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.fragment(i)).collect();
                format!("[{}]", parts.join(", "))
            }
            Json::Object(map) => {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{}: {}", str_lit(k), self.fragment(v)))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
        }
    }

    /// A `Ref` or array-form `Fn::GetAtt` of a bound name, as the JSON its
    /// handle renders.
    fn handle_json(&mut self, json: &Json) -> Option<String> {
        let (name, arg) = intrinsic(json)?;
        match name {
            "Ref" => {
                let id = arg.as_str()?;
                if let Some(r) = self.scope.resources.get(id) {
                    self.used.insert(Use::Resource(id.to_owned()));
                    Some(format!("{}.reference().to_json()", r.var))
                } else if let Some((var, _)) = self.scope.parameters.get(id) {
                    self.used.insert(Use::Parameter(id.to_owned()));
                    Some(format!("{var}.reference().to_json()"))
                } else if id == "AWS::NoValue" {
                    Some("Value::<Json>::no_value().to_json()".to_owned())
                } else {
                    pseudo(id).map(|(code, _)| format!("{code}.to_json()"))
                }
            }
            "Fn::GetAtt" if arg.is_array() => {
                let (id, attribute) = get_att_parts(arg)?;
                let r = self.scope.resources.get(id)?;
                self.used.insert(Use::Resource(id.to_owned()));
                Some(match r.attributes.iter().find(|(a, _, _)| a == attribute) {
                    Some((_, method, _)) => format!("{}.{method}().to_json()", r.var),
                    None => format!(
                        "{}.attribute::<Json>({}).to_json()",
                        r.var,
                        str_lit(attribute)
                    ),
                })
            }
            // The other intrinsics through `fns`, as the value they yield.
            "Fn::Sub" | "Fn::Join" | "Fn::Base64" | "Fn::ImportValue" | "Fn::FindInMap"
            | "Fn::ToJsonString" => self.json_intrinsic(json, &Ty::String),
            "Fn::Split" | "Fn::GetAZs" | "Fn::Cidr" => {
                self.json_intrinsic(json, &Ty::List(Box::new(Ty::String)))
            }
            "Fn::If" | "Fn::Select" => self.json_intrinsic(json, &Ty::Json),
            "Fn::Length" => self.json_intrinsic(json, &Ty::Integer),
            _ => None,
        }
    }

    /// An intrinsic in a JSON value, typed as yielding `ty`, when it is
    /// exactly that (nothing in it written as JSON).
    fn json_intrinsic(&mut self, json: &Json, ty: &Ty) -> Option<String> {
        let (used, fallbacks) = (self.used.clone(), self.fallbacks.len());
        let e = self.typed_intrinsic(json, ty, false);
        match e {
            Some(e) if self.fallbacks.len() == fallbacks && !e.code.contains("Value::raw(") => {
                Some(format!("{}.to_json()", e.code))
            }
            _ => {
                self.used = used;
                self.fallbacks.truncate(fallbacks);
                None
            }
        }
    }

    /// `json` as a value of `ty`.
    fn value(&mut self, json: &Json, ty: &Ty, boxed: bool) -> Expr {
        if intrinsic(json).is_some() {
            return self.intrinsic_value(json, ty, boxed);
        }
        match (ty, json) {
            (Ty::String, Json::String(s)) => lit(str_lit(s)),
            (Ty::Integer, Json::Number(n)) if n.as_i64().is_some() => {
                lit(int_lit(n.as_i64().unwrap_or_default()))
            }
            (Ty::Number, Json::Number(n)) => match float_lit(n) {
                Some(code) => lit(code),
                None => self.raw(json, ty, boxed, "a whole number written with a fraction"),
            },
            (Ty::Boolean, Json::Bool(b)) => lit(b.to_string()),
            (Ty::Json, _) => lit(self.json_macro(json)),
            (Ty::Tag, Json::Object(map)) => self.tag(json, map),
            (Ty::List(item), Json::Array(items)) => self.list(items, item),
            (Ty::Map(v), Json::Object(map)) => self.map(map, v),
            (Ty::Named(name), _) => self.named(json, name, boxed),
            _ => {
                let why = format!("{} where the schema has {}", kind_of(json), describe(ty));
                self.raw(json, ty, boxed, &why)
            }
        }
    }

    fn tag(&mut self, json: &Json, map: &Map<String, Json>) -> Expr {
        match (map.get("Key"), map.get("Value")) {
            (Some(key), Some(value)) if map.len() == 2 => {
                let key = self.at("Key", |w| w.arg(key, &Ty::String, false));
                let value = self.at("Value", |w| w.arg(value, &Ty::String, false));
                lit(format!("infra::Tag::new({key}, {value})"))
            }
            _ => self.raw(json, &Ty::Tag, false, "a tag without exactly Key and Value"),
        }
    }

    fn list(&mut self, items: &[Json], item: &Ty) -> Expr {
        if items.is_empty() {
            return lit(format!(
                "Vec::<Value<{}>>::new()",
                self.rust_type(item, false)
            ));
        }
        let exprs: Vec<Expr> = items
            .iter()
            .enumerate()
            .map(|(i, v)| self.at(&i.to_string(), |w| w.value(v, item, false)))
            .collect();
        let all_literal =
            exprs.iter().all(|e| !e.exact) && !matches!(item, Ty::List(_) | Ty::Map(_));
        let parts: Vec<String> = exprs
            .into_iter()
            .map(|e| {
                if all_literal {
                    e.code
                } else {
                    self.as_exact(e, item, false)
                }
            })
            .collect();
        lit(format!("vec![{}]", parts.join(", ")))
    }

    fn map(&mut self, map: &Map<String, Json>, v: &Ty) -> Expr {
        if map.is_empty() {
            return lit(format!(
                "BTreeMap::<String, Value<{}>>::new()",
                self.rust_type(v, false)
            ));
        }
        let exprs: Vec<(String, Expr)> = map
            .iter()
            .map(|(k, value)| (k.clone(), self.at(k, |w| w.value(value, v, false))))
            .collect();
        let all_literal =
            exprs.iter().all(|(_, e)| !e.exact) && !matches!(v, Ty::List(_) | Ty::Map(_));
        let parts: Vec<String> = exprs
            .into_iter()
            .map(|(k, e)| {
                let code = if all_literal {
                    e.code
                } else {
                    self.as_exact(e, v, false)
                };
                format!("({}, {code})", str_lit(&k))
            })
            .collect();
        lit(format!("[{}]", parts.join(", ")))
    }

    fn named(&mut self, json: &Json, name: &str, boxed: bool) -> Expr {
        let Some(model) = self.model else {
            return self.raw(
                json,
                &Ty::Named(name.to_owned()),
                boxed,
                "a structure of no known type",
            );
        };
        if let Some(e) = model.enums.iter().find(|e| e.name == name) {
            let variant = json
                .as_str()
                .and_then(|s| e.variants.iter().find(|(_, value)| value == s));
            return match variant {
                Some((variant, _)) => lit(format!("aws::{}::{name}::{variant}", self.module_path)),
                None => self.raw(
                    json,
                    &Ty::Named(name.to_owned()),
                    boxed,
                    &format!("not one of {name}'s values"),
                ),
            };
        }
        let Some(def) = model.structs.iter().find(|s| s.name == name) else {
            return self.raw(
                json,
                &Ty::Named(name.to_owned()),
                boxed,
                "a structure of no known type",
            );
        };
        match json.as_object() {
            Some(map) => {
                match self.struct_value(def, map, &format!("aws::{}::{name}", self.module_path)) {
                    Ok(code) => lit(code),
                    Err(why) => self.raw(json, &Ty::Named(name.to_owned()), boxed, &why),
                }
            }
            None => {
                let what = format!(
                    "{} where the schema has the structure {name}",
                    kind_of(json)
                );

                self.raw(json, &Ty::Named(name.to_owned()), boxed, &what)
            }
        }
    }

    /// A generated struct (or resource) through `new(required...)` and one
    /// setter per other property; `Err` says why it cannot be.
    pub(crate) fn struct_value(
        &mut self,
        def: &StructDef,
        map: &Map<String, Json>,
        path: &str,
    ) -> Result<String, String> {
        if let Some(unknown) = map
            .keys()
            .find(|k| !def.fields.iter().any(|f| &f.json_name == *k))
        {
            return Err(format!("{unknown} is not a property the schema knows"));
        }
        if let Some(missing) = def
            .fields
            .iter()
            .find(|f| f.required && !map.contains_key(&f.json_name))
        {
            return Err(format!("the required {} is missing", missing.json_name));
        }
        let mut args = Vec::new();
        let mut setters = String::new();
        for f in &def.fields {
            let Some(v) = map.get(&f.json_name) else {
                continue;
            };
            let code = self.at(&f.json_name, |w| w.arg(v, &f.ty, f.boxed));
            if f.required {
                args.push(code);
            } else {
                setters.push_str(&format!("\n.{}({code})", f.rust_name));
            }
        }
        if args.is_empty() {
            Ok(format!("{path}::new(){setters}"))
        } else {
            Ok(format!("{path}::new(\n{},\n){setters}", args.join(",\n")))
        }
    }

    fn intrinsic_value(&mut self, json: &Json, ty: &Ty, boxed: bool) -> Expr {
        match self.typed_intrinsic(json, ty, boxed) {
            Some(e) => e,
            None => {
                let name = intrinsic(json).map_or("", |(n, _)| n);
                let why = format!("{name} in a form the typed API does not take here");
                self.raw(json, ty, boxed, &why)
            }
        }
    }

    /// An expression whose natural type is `natural`, made a `Value<ty>`.
    fn adapt(&self, code: String, natural: &Ty, ty: &Ty, boxed: bool) -> Expr {
        if natural == ty && !boxed {
            exact(code)
        } else {
            exact(format!(
                "{code}.into_type::<{}>()",
                self.rust_type(ty, boxed)
            ))
        }
    }

    fn typed_intrinsic(&mut self, json: &Json, ty: &Ty, boxed: bool) -> Option<Expr> {
        let (name, arg) = intrinsic(json)?;
        let string = Ty::String;
        let strings = Ty::List(Box::new(Ty::String));
        match name {
            "Ref" => {
                let id = arg.as_str()?;
                if id == "AWS::NoValue" {
                    return Some(exact(format!(
                        "Value::<{}>::no_value()",
                        self.rust_type(ty, boxed)
                    )));
                }
                if let Some((code, natural)) = pseudo(id) {
                    return Some(self.adapt(code.to_owned(), &natural, ty, boxed));
                }
                if let Some(r) = self.scope.resources.get(id) {
                    self.used.insert(Use::Resource(id.to_owned()));
                    let code = format!("{}.reference()", r.var);
                    return Some(self.adapt(code, &string, ty, boxed));
                }
                let (var, natural) = self.scope.parameters.get(id)?;
                self.used.insert(Use::Parameter(id.to_owned()));
                let code = format!("{var}.reference()");
                Some(self.adapt(code, &natural.clone(), ty, boxed))
            }
            "Fn::GetAtt" => {
                // The string form ("Queue.Arn") renders differently: raw.
                if !arg.is_array() {
                    return None;
                }
                let (id, attribute) = get_att_parts(arg)?;
                let r = self.scope.resources.get(id)?;
                self.used.insert(Use::Resource(id.to_owned()));
                let accessor = r
                    .attributes
                    .iter()
                    .find(|(a, _, t)| a == attribute && t == ty && !boxed);
                Some(exact(match accessor {
                    Some((_, method, _)) => format!("{}.{method}()", r.var),
                    None => format!(
                        "{}.attribute::<{}>({})",
                        r.var,
                        self.rust_type(ty, boxed),
                        str_lit(attribute)
                    ),
                }))
            }
            "Fn::Sub" => {
                let code = match arg {
                    Json::String(s) => format!("fns::sub({})", str_lit(s)),
                    Json::Array(parts) if parts.len() == 2 => {
                        let text = parts[0].as_str()?;
                        let vars = parts[1].as_object().filter(|m| !m.is_empty())?;
                        let vars: Vec<String> = vars
                            .iter()
                            .map(|(k, v)| {
                                let code = self.at(k, |w| w.exact_value(v, &string, false));
                                format!("({}, {code})", str_lit(k))
                            })
                            .collect();
                        format!("fns::sub_with({}, [{}])", str_lit(text), vars.join(", "))
                    }
                    _ => return None,
                };
                Some(self.adapt(code, &string, ty, boxed))
            }
            "Fn::Join" => {
                let [delimiter, list] = arg.as_array()?.as_slice() else {
                    return None;
                };
                let delimiter = str_lit(delimiter.as_str()?);
                let code = match list {
                    Json::Array(items) if !items.is_empty() => {
                        let Expr { code, .. } = self.list(items, &string);
                        format!("fns::join({delimiter}, {code})")
                    }
                    Json::Array(_) => return None,
                    _ => {
                        let list = self.exact_value(list, &strings, false);
                        format!("fns::join_list({delimiter}, {list})")
                    }
                };
                Some(self.adapt(code, &string, ty, boxed))
            }
            "Fn::Select" => {
                let [index, list] = arg.as_array()?.as_slice() else {
                    return None;
                };
                if boxed {
                    return None;
                }
                let index = self.arg(index, &Ty::Integer, false);
                let list = self.exact_value(list, &Ty::List(Box::new(ty.clone())), false);
                Some(exact(format!(
                    "fns::select::<{}>({index}, {list})",
                    self.rust_type(ty, false)
                )))
            }
            "Fn::Split" => {
                let [delimiter, source] = arg.as_array()?.as_slice() else {
                    return None;
                };
                let delimiter = str_lit(delimiter.as_str()?);
                let source = self.arg(source, &string, false);
                Some(self.adapt(
                    format!("fns::split({delimiter}, {source})"),
                    &strings,
                    ty,
                    boxed,
                ))
            }
            "Fn::If" => {
                let [condition, then, otherwise] = arg.as_array()?.as_slice() else {
                    return None;
                };
                if boxed {
                    return None;
                }
                let condition = condition.as_str()?;
                let var = self.scope.conditions.get(condition)?.clone();
                self.used.insert(Use::Condition(condition.to_owned()));
                let then = self.at("Fn::If[1]", |w| w.arg(then, ty, false));
                let otherwise = self.at("Fn::If[2]", |w| w.arg(otherwise, ty, false));
                Some(exact(format!(
                    "fns::if_::<{}>(&{var}, {then}, {otherwise})",
                    self.rust_type(ty, false)
                )))
            }
            "Fn::GetAZs" => {
                let region = self.arg(arg, &string, false);
                Some(self.adapt(format!("fns::get_azs({region})"), &strings, ty, boxed))
            }
            "Fn::Base64" | "Fn::ImportValue" => {
                let function = if name == "Fn::Base64" {
                    "base64"
                } else {
                    "import_value"
                };
                let inner = self.arg(arg, &string, false);
                Some(self.adapt(format!("fns::{function}({inner})"), &string, ty, boxed))
            }
            "Fn::FindInMap" => {
                let [mapping, top, second] = arg.as_array()?.as_slice() else {
                    return None;
                };
                let mapping = mapping.as_str()?;
                let var = self.scope.mappings.get(mapping)?.clone();
                self.used.insert(Use::Mapping(mapping.to_owned()));
                let top = self.arg(top, &string, false);
                let second = self.arg(second, &string, false);
                let (method, natural) = if *ty == strings {
                    ("find_list", &strings)
                } else {
                    ("find", &string)
                };
                Some(self.adapt(
                    format!("{var}.{method}({top}, {second})"),
                    natural,
                    ty,
                    boxed,
                ))
            }
            "Fn::Cidr" => {
                let [block, count, bits] = arg.as_array()?.as_slice() else {
                    return None;
                };
                let block = self.arg(block, &string, false);
                let count = self.arg(count, &Ty::Integer, false);
                let bits = self.arg(bits, &Ty::Integer, false);
                Some(self.adapt(
                    format!("fns::cidr({block}, {count}, {bits})"),
                    &strings,
                    ty,
                    boxed,
                ))
            }
            "Fn::Length" => {
                let list = self.exact_value(arg, &Ty::List(Box::new(Ty::Json)), false);
                Some(self.adapt(format!("fns::length({list})"), &Ty::Integer, ty, boxed))
            }
            "Fn::ToJsonString" => {
                let inner = self.json_macro(arg);
                Some(self.adapt(format!("fns::to_json_string({inner})"), &string, ty, boxed))
            }
            _ => None,
        }
    }
}

/// The logical ID and attribute of an `Fn::GetAtt`, in either form.
pub(crate) fn get_att_parts(arg: &Json) -> Option<(&str, &str)> {
    match arg {
        Json::Array(parts) => match parts.as_slice() {
            [Json::String(id), Json::String(attribute)] => Some((id, attribute)),
            _ => None,
        },
        Json::String(dotted) => dotted.split_once('.'),
        _ => None,
    }
}

/// A JSON number as `json!` takes it: an integer beyond `i32` suffixed (an
/// unsuffixed literal is an `i32` there), a float as written.
fn json_number(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => int_lit(i),
        (None, Some(u)) => format!("{u}_u64"),
        _ => n.to_string(),
    }
}

fn kind_of(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::String => "a string".to_owned(),
        Ty::Integer => "an integer".to_owned(),
        Ty::Number => "a number".to_owned(),
        Ty::Boolean => "a boolean".to_owned(),
        Ty::Json => "JSON".to_owned(),
        Ty::Tag => "a tag".to_owned(),
        Ty::List(item) => format!("a list of {}", describe(item)),
        Ty::Map(v) => format!("a map of {}", describe(v)),
        Ty::Named(name) => name.clone(),
    }
}
