//! Intrinsic functions (`Fn::*`), each typed by what it returns.
//!
//! `Ref` and `Fn::GetAtt` come from handles ([`crate::Handle`], [`crate::Param`]);
//! `Fn::FindInMap` from [`crate::MappingRef`]; conditions from [`crate::Condition`].

use serde_json::json;

use crate::conditions::ConditionRef;
use crate::json::{Json, JsonMap, ToJson};
use crate::value::Value;

pub(crate) fn reference_json(logical_id: &str) -> Json {
    json!({ "Ref": logical_id })
}

pub(crate) fn get_att_json(logical_id: &str, attribute: &str) -> Json {
    json!({ "Fn::GetAtt": [logical_id, attribute] })
}

/// `Fn::Sub` with a template string: `${LogicalId}`, `${LogicalId.Attribute}`
/// and `${AWS::Region}` are substituted; `${!Literal}` stays as `${Literal}`.
/// Validation checks that every name it mentions exists. Prefer [`interpolate`],
/// which builds the string from typed parts.
pub fn sub(template: impl Into<String>) -> Value<String> {
    Value::Expr(json!({ "Fn::Sub": template.into() }))
}

/// `Fn::Sub` with a variable map: `${Name}` in `template` is replaced by the
/// value given for `Name`.
pub fn sub_with<K, V>(
    template: impl Into<String>,
    variables: impl IntoIterator<Item = (K, V)>,
) -> Value<String>
where
    K: Into<String>,
    V: Into<Value<String>>,
{
    let vars: JsonMap = variables
        .into_iter()
        .map(|(k, v)| (k.into(), v.into().to_json()))
        .collect();
    Value::Expr(json!({ "Fn::Sub": [template.into(), vars] }))
}

/// Joins typed parts into one string, as `Fn::Sub` does on AWS: literal parts
/// are escaped, references and attributes become `${Id}` and `${Id.Attr}`, and
/// any other intrinsic becomes a variable. All-literal parts give a literal.
///
/// The [`crate::sub!`] macro takes mixed parts (string literals and values):
///
/// ```
/// use infra::{pseudo, Value};
/// let arn = infra::sub!("arn:", pseudo::partition(), ":s3:::site/*");
/// assert_eq!(
///     infra::ToJson::to_json(&arn),
///     serde_json::json!({ "Fn::Sub": "arn:${AWS::Partition}:s3:::site/*" })
/// );
/// ```
pub fn interpolate<V: Into<Value<String>>>(parts: impl IntoIterator<Item = V>) -> Value<String> {
    let parts: Vec<Value<String>> = parts.into_iter().map(Into::into).collect();
    if parts.iter().all(|p| p.as_literal().is_some()) {
        return Value::Lit(
            parts
                .iter()
                .filter_map(Value::as_literal)
                .map(String::as_str)
                .collect(),
        );
    }
    let mut text = String::new();
    let mut vars = JsonMap::new();
    let taken: Vec<String> = parts
        .iter()
        .filter_map(|p| inline_name(&p.to_json()))
        .collect();
    let mut next = 0usize;
    for part in &parts {
        match part {
            Value::Lit(s) => text.push_str(&s.replace("${", "${!")),
            Value::Expr(json) => match inline_name(json) {
                Some(name) => {
                    text.push_str("${");
                    text.push_str(&name);
                    text.push('}');
                }
                None => {
                    let name = loop {
                        let candidate = format!("Part{next}");
                        next += 1;
                        if !taken
                            .iter()
                            .any(|t| t.split('.').next() == Some(candidate.as_str()))
                        {
                            break candidate;
                        }
                    };
                    text.push_str(&format!("${{{name}}}"));
                    vars.insert(name, json.clone());
                }
            },
        }
    }
    if vars.is_empty() {
        Value::Expr(json!({ "Fn::Sub": text }))
    } else {
        Value::Expr(json!({ "Fn::Sub": [text, vars] }))
    }
}

/// The `${...}` name that stands for a `Ref` or a `Fn::GetAtt` inside `Fn::Sub`.
fn inline_name(json: &Json) -> Option<String> {
    let obj = json.as_object().filter(|o| o.len() == 1)?;
    if let Some(Json::String(id)) = obj.get("Ref") {
        return Some(id.clone());
    }
    match obj.get("Fn::GetAtt")?.as_array()?.as_slice() {
        [Json::String(id), Json::String(attr)] => Some(format!("{id}.{attr}")),
        _ => None,
    }
}

/// `Fn::Join`: the parts joined by `delimiter`.
pub fn join<V: Into<Value<String>>>(
    delimiter: &str,
    parts: impl IntoIterator<Item = V>,
) -> Value<String> {
    let parts: Vec<Json> = parts.into_iter().map(|p| p.into().to_json()).collect();
    Value::Expr(json!({ "Fn::Join": [delimiter, parts] }))
}

/// `Fn::Join` over a list that is itself an intrinsic (`Fn::Split`, a list
/// parameter, `Fn::GetAZs`).
pub fn join_list(delimiter: &str, list: impl Into<Value<Vec<Value<String>>>>) -> Value<String> {
    Value::Expr(json!({ "Fn::Join": [delimiter, list.into().to_json()] }))
}

/// `Fn::Select`: the item at `index` of `list`.
pub fn select<T: ToJson>(
    index: impl Into<Value<i64>>,
    list: impl Into<Value<Vec<Value<T>>>>,
) -> Value<T> {
    Value::Expr(json!({ "Fn::Select": [index.into().to_json(), list.into().to_json()] }))
}

/// `Fn::Split`: `source` split at every `delimiter`.
pub fn split(delimiter: &str, source: impl Into<Value<String>>) -> Value<Vec<Value<String>>> {
    Value::Expr(json!({ "Fn::Split": [delimiter, source.into().to_json()] }))
}

/// `Fn::If`: `then` when the named condition holds, else `otherwise`. Either
/// branch may be [`Value::no_value`]. Works for any property type, nested
/// structures and lists included.
pub fn if_<T: ToJson>(
    condition: &ConditionRef,
    then: impl Into<Value<T>>,
    otherwise: impl Into<Value<T>>,
) -> Value<T> {
    Value::Expr(
        json!({ "Fn::If": [condition.name(), then.into().to_json(), otherwise.into().to_json()] }),
    )
}

/// `Fn::Length`: how many items `list` has. It needs the
/// [`AWS::LanguageExtensions`](crate::transforms::LANGUAGE_EXTENSIONS)
/// transform, which `validate` checks the template declares
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-length.html>).
/// `list` is a list of values or of handles' attributes, or an intrinsic
/// that gives a list (`Fn::Split`, a list parameter).
pub fn length(list: impl ToJson) -> Value<i64> {
    Value::Expr(json!({ "Fn::Length": list.to_json() }))
}

/// `Fn::ToJsonString`: `value` (an object or a list) as a JSON string,
/// such as a dashboard body. It needs the
/// [`AWS::LanguageExtensions`](crate::transforms::LANGUAGE_EXTENSIONS)
/// transform, which `validate` checks the template declares
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ToJsonString.html>).
pub fn to_json_string(value: impl ToJson) -> Value<String> {
    Value::Expr(json!({ "Fn::ToJsonString": value.to_json() }))
}

/// The intrinsics that only the `AWS::LanguageExtensions` transform
/// resolves (`Fn::ForEach::<name>` keys too).
pub const LANGUAGE_EXTENSION_FUNCTIONS: [&str; 3] =
    ["Fn::Length", "Fn::ToJsonString", "Fn::ForEach::"];

/// `Fn::ImportValue`: a value exported by another stack.
pub fn import_value(export_name: impl Into<Value<String>>) -> Value<String> {
    Value::Expr(json!({ "Fn::ImportValue": export_name.into().to_json() }))
}

/// `Fn::GetAZs`: the availability zones of `region` (`""` for the stack's own).
pub fn get_azs(region: impl Into<Value<String>>) -> Value<Vec<Value<String>>> {
    Value::Expr(json!({ "Fn::GetAZs": region.into().to_json() }))
}

/// `Fn::Base64`: `text` encoded as base64 (for user data and similar fields).
pub fn base64(text: impl Into<Value<String>>) -> Value<String> {
    Value::Expr(json!({ "Fn::Base64": text.into().to_json() }))
}

/// `Fn::Cidr`: `count` CIDR blocks of `cidr_bits` host bits carved from `ip_block`.
pub fn cidr(
    ip_block: impl Into<Value<String>>,
    count: impl Into<Value<i64>>,
    cidr_bits: impl Into<Value<i64>>,
) -> Value<Vec<Value<String>>> {
    Value::Expr(
        json!({ "Fn::Cidr": [ip_block.into().to_json(), count.into().to_json(), cidr_bits.into().to_json()] }),
    )
}

/// Builds one string from mixed parts, literals and typed values, as
/// [`fns::interpolate`](crate::fns::interpolate) does.
#[macro_export]
macro_rules! sub {
    ($($part:expr),+ $(,)?) => {
        $crate::fns::interpolate([$($crate::Value::<::std::string::String>::from($part)),+])
    };
}
