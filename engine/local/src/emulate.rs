//! The template as the embedded emulator can take it. moto's CloudFormation
//! skips `AWS::ApiGatewayV2::*` and `AWS::CloudFront::*` (and loses the
//! outputs that read them), and an event source mapping makes it try Docker
//! on every message. Those resources are taken out, and every reference to
//! them becomes a `local:` placeholder; xtask serves what they did itself
//! (the APIs on loopback, the queue and stream polling), reading them from the
//! same typed template.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// Resource types the emulator does not run.
pub const SERVED_LOCALLY: &[&str] = &[
    "AWS::ApiGatewayV2::",
    "AWS::CloudFront::",
    "AWS::Lambda::EventSourceMapping",
];

/// A template adapted for the emulator.
#[derive(Debug, Clone, PartialEq)]
pub struct Emulated {
    /// The template to send.
    pub template: Value,
    /// The resources taken out, served by xtask instead.
    pub served_locally: BTreeSet<String>,
}

/// The placeholder a reference to a served-locally resource becomes.
pub fn placeholder(logical_id: &str, attribute: Option<&str>) -> String {
    match attribute {
        Some(a) => format!("local:{logical_id}.{a}"),
        None => format!("local:{logical_id}"),
    }
}

/// What xtask serves for one API taken out of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedApi {
    /// The API's ID (`Ref`).
    pub id: String,
    /// Its `ApiEndpoint` attribute (`http://...` or `ws://...`).
    pub endpoint: String,
    /// What `https://<id>.execute-api.<region>.<suffix>` stands for: the HTTP
    /// API itself, or a WebSocket API's management endpoint.
    pub execute_api: String,
}

/// Replaces the placeholders [`placeholder`] wrote in `text` with what is
/// served: `https://local:Api.execute-api.<host>` becomes `execute_api`,
/// `local:Api.ApiEndpoint` becomes `endpoint`, `https://local:Site.DomainName`
/// becomes `endpoint` too (a distribution's URL), and `local:Api` the ID.
/// Placeholders of anything not in `served` stay as they are.
pub fn resolve_placeholders(text: &str, served: &dyn Fn(&str) -> Option<ServedApi>) -> String {
    const MARK: &str = "local:";
    const HOST: &str = ".execute-api.";
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(MARK) {
        let after = &rest[start + MARK.len()..];
        let id_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        let Some(api) = served(&after[..id_len]) else {
            out.push_str(&rest[..start + MARK.len()]);
            rest = after;
            continue;
        };
        let tail = &after[id_len..];
        if let Some(host) = tail.strip_prefix(HOST) {
            let before = &rest[..start];
            out.push_str(before.strip_suffix("https://").unwrap_or(before));
            out.push_str(&api.execute_api);
            rest = &host[host.find('/').unwrap_or(host.len())..];
        } else if let Some(after_attr) = tail.strip_prefix(".ApiEndpoint") {
            out.push_str(&rest[..start]);
            out.push_str(&api.endpoint);
            rest = after_attr;
        } else if let Some(after_attr) = tail.strip_prefix(".DomainName") {
            // A distribution's domain, served at a full (http) URL.
            let before = &rest[..start];
            out.push_str(before.strip_suffix("https://").unwrap_or(before));
            out.push_str(&api.endpoint);
            rest = after_attr;
        } else {
            out.push_str(&rest[..start]);
            out.push_str(&api.id);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Adapts a rendered template.
pub fn for_emulator(rendered: &Value) -> Emulated {
    let mut template = rendered.clone();
    let mut removed = BTreeSet::new();
    if let Some(resources) = template.get_mut("Resources").and_then(Value::as_object_mut) {
        let ids: Vec<String> = resources
            .iter()
            .filter(|(_, r)| {
                let t = r["Type"].as_str().unwrap_or_default();
                SERVED_LOCALLY.iter().any(|p| t.starts_with(p))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            resources.remove(&id);
            removed.insert(id);
        }
        for resource in resources.values_mut() {
            if let Some(deps) = resource.get_mut("DependsOn").and_then(Value::as_array_mut) {
                deps.retain(|d| d.as_str().is_none_or(|d| !removed.contains(d)));
            }
            // moto keeps only `Retain` resources when a stack is deleted; its
            // stacks never roll back a create (apply deletes a failed one), so
            // `RetainExceptOnCreate` means `Retain` there.
            if resource["DeletionPolicy"] == "RetainExceptOnCreate" {
                resource["DeletionPolicy"] = Value::from("Retain");
            }
        }
    }
    for section in ["Resources", "Outputs"] {
        if let Some(part) = template.get_mut(section) {
            replace_references(part, &removed);
        }
    }
    Emulated {
        template,
        served_locally: removed,
    }
}

fn replace_references(value: &mut Value, removed: &BTreeSet<String>) {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| replace_references(i, removed)),
        Value::Object(map) => {
            if let Some(new) = replacement(map, removed) {
                *value = new;
                return;
            }
            map.values_mut()
                .for_each(|v| replace_references(v, removed));
        }
        _ => {}
    }
}

fn replacement(map: &Map<String, Value>, removed: &BTreeSet<String>) -> Option<Value> {
    if map.len() != 1 {
        return None;
    }
    let (key, arg) = map.iter().next()?;
    match key.as_str() {
        "Ref" => {
            let id = arg.as_str()?;
            removed.contains(id).then(|| json!(placeholder(id, None)))
        }
        "Fn::GetAtt" => {
            let parts = arg.as_array()?;
            let id = parts.first()?.as_str()?;
            let attr = parts.get(1)?.as_str()?;
            removed
                .contains(id)
                .then(|| json!(placeholder(id, Some(attr))))
        }
        "Fn::Sub" => {
            let (text, vars) = match arg {
                Value::String(s) => (s.clone(), None),
                Value::Array(a) => (a.first()?.as_str()?.to_owned(), a.get(1).cloned()),
                _ => return None,
            };
            let mut changed = text.clone();
            for id in removed {
                changed = replace_sub_names(&changed, id);
            }
            let mut vars = vars;
            if let Some(v) = vars.as_mut() {
                replace_references(v, removed);
            }
            if changed == text && vars.as_ref() == arg.as_array().and_then(|a| a.get(1)) {
                return None;
            }
            Some(match vars {
                Some(v) => json!({ "Fn::Sub": [changed, v] }),
                None => json!({ "Fn::Sub": changed }),
            })
        }
        _ => None,
    }
}

/// `${Id}` and `${Id.Attr}` in an `Fn::Sub` string, made literal.
fn replace_sub_names(text: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        let (target, attr) = match name.split_once('.') {
            Some((t, a)) => (t, Some(a)),
            None => (name, None),
        };
        if target == id {
            out.push_str(&placeholder(id, attr));
        } else {
            out.push_str(&rest[start..start + 2 + end + 1]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_resources_leave_and_references_become_placeholders() {
        let template = json!({
            "Resources": {
                "Api": { "Type": "AWS::ApiGatewayV2::Api", "Properties": {} },
                "Map": { "Type": "AWS::Lambda::EventSourceMapping", "Properties": { "FunctionName": { "Ref": "Fn" } } },
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "DependsOn": ["Api", "Table"],
                    "Properties": {
                        "Environment": { "Variables": {
                            "URL": { "Fn::Sub": "https://${Api}.execute-api.${AWS::Region}/${Api.ApiEndpoint}/${Table}" },
                            "ENDPOINT": { "Fn::GetAtt": ["Api", "ApiEndpoint"] },
                            "VAR": { "Fn::Sub": ["${X}", { "X": { "Ref": "Api" } }] },
                        } }
                    }
                },
                "Table": { "Type": "AWS::DynamoDB::Table", "Properties": {} }
            },
            "Outputs": { "ApiUrl": { "Value": { "Fn::GetAtt": ["Api", "ApiEndpoint"] } }, "T": { "Value": { "Ref": "Table" } } }
        });
        let e = for_emulator(&template);
        assert_eq!(
            e.served_locally,
            BTreeSet::from(["Api".to_owned(), "Map".to_owned()])
        );
        let fun = &e.template["Resources"]["Fn"];
        assert_eq!(fun["DependsOn"], json!(["Table"]));
        let vars = &fun["Properties"]["Environment"]["Variables"];
        assert_eq!(
            vars["URL"],
            json!({ "Fn::Sub": "https://local:Api.execute-api.${AWS::Region}/local:Api.ApiEndpoint/${Table}" })
        );
        assert_eq!(vars["ENDPOINT"], json!("local:Api.ApiEndpoint"));
        assert_eq!(
            vars["VAR"],
            json!({ "Fn::Sub": ["${X}", { "X": "local:Api" }] })
        );
        assert_eq!(
            e.template["Outputs"]["ApiUrl"]["Value"],
            json!("local:Api.ApiEndpoint")
        );
        assert_eq!(
            e.template["Outputs"]["T"]["Value"],
            json!({ "Ref": "Table" })
        );
    }

    #[test]
    fn placeholders_resolve_to_what_is_served() {
        let served = |id: &str| {
            (id == "Live").then(|| ServedApi {
                id: "live-id".into(),
                endpoint: "ws://127.0.0.1:9".into(),
                execute_api: "http://127.0.0.1:8".into(),
            })
        };
        assert_eq!(
            resolve_placeholders(
                "https://local:Live.execute-api.us-east-1.amazonaws.com/live",
                &served
            ),
            "http://127.0.0.1:8/live"
        );
        assert_eq!(
            resolve_placeholders("local:Live.ApiEndpoint/live", &served),
            "ws://127.0.0.1:9/live"
        );
        assert_eq!(
            resolve_placeholders("arn:execute-api:us-east-1:1:local:Live/*", &served),
            "arn:execute-api:us-east-1:1:live-id/*"
        );
        assert_eq!(
            resolve_placeholders("local:Other.ApiEndpoint and local:LiveX", &served),
            "local:Other.ApiEndpoint and local:LiveX"
        );
    }
}
