//! The manifest against what it describes: the functions crate's binaries
//! (its Cargo.toml) and the rendered template (each function, its code
//! parameter, and what triggers it).

use serde_json::Value;
use visitor_stack::manifest::{Trigger, RUST_FUNCTIONS};
use visitor_stack::{build, parameters, StackConfig, Stage};

#[test]
fn the_functions_crate_builds_exactly_the_manifests_binaries() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../lambdas/functions/Cargo.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let manifest: toml::Value = toml::from_str(&text).unwrap();
    let mut bins: Vec<&str> = manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    bins.sort();
    let mut declared: Vec<&str> = RUST_FUNCTIONS.iter().map(|f| f.binary).collect();
    declared.sort();
    assert_eq!(bins, declared);
    assert_eq!(
        manifest["package"]["name"].as_str(),
        Some(visitor_stack::manifest::FUNCTIONS_PACKAGE)
    );
}

#[test]
fn each_stage_has_each_function_with_its_code_parameter_and_trigger() {
    for stage in Stage::ALL {
        let t = build(stage, &StackConfig::default())
            .unwrap()
            .render()
            .unwrap()
            .json()
            .clone();
        let resources = t["Resources"].as_object().unwrap();
        let of_type = |kind: &str| -> Vec<&Value> {
            resources.values().filter(|r| r["Type"] == kind).collect()
        };
        let rust: Vec<&String> = resources
            .iter()
            .filter(|(_, r)| {
                r["Type"] == "AWS::Lambda::Function"
                    && r["Properties"]["Runtime"] == "provided.al2023"
            })
            .map(|(id, _)| id)
            .collect();
        assert_eq!(rust.len(), RUST_FUNCTIONS.len(), "{}", stage.as_str());
        for f in RUST_FUNCTIONS {
            let id = f.logical_id;
            let function = &resources[id];
            assert_eq!(function["Type"], "AWS::Lambda::Function");
            assert_eq!(
                function["Properties"]["Code"]["S3Key"]["Ref"],
                parameters::code_key(id).as_str()
            );
            assert!(function["Properties"]["Description"]
                .as_str()
                .unwrap()
                .ends_with(f.description));
            // A `GetAtt`/`Ref` of the function, or `${Id.Arn}` inside a `Fn::Sub`.
            let by_arn = |v: &Value| {
                let text = v.to_string();
                text.contains(&format!("\"{id}\"")) || text.contains(&format!("${{{id}.Arn}}"))
            };
            let triggered = match f.trigger {
                Trigger::Queue | Trigger::Stream => of_type("AWS::Lambda::EventSourceMapping")
                    .into_iter()
                    .filter(|m| by_arn(&m["Properties"]["FunctionName"]))
                    .any(|m| {
                        let source = m["Properties"]["EventSourceArn"].to_string();
                        match f.trigger {
                            Trigger::Queue => source.contains("Visits"),
                            _ => source.contains("StreamArn"),
                        }
                    }),
                Trigger::HttpApi | Trigger::WebSocket => {
                    let protocol = match f.trigger {
                        Trigger::HttpApi => "HTTP",
                        _ => "WEBSOCKET",
                    };
                    of_type("AWS::ApiGatewayV2::Integration")
                        .into_iter()
                        .filter(|i| by_arn(&i["Properties"]["IntegrationUri"]))
                        .any(|i| {
                            let api = i["Properties"]["ApiId"]["Ref"].as_str().unwrap();
                            resources[api]["Properties"]["ProtocolType"] == protocol
                        })
                }
            };
            assert!(
                triggered,
                "{}: {id} is not triggered as {:?}",
                stage.as_str(),
                f.trigger
            );
        }
    }
}

/// Each function's role allows on each table exactly the item operations
/// its manifest entry declares (the salt's `Delete` only with hashed IPs),
/// and nothing on a table the entry does not name.
#[test]
fn each_functions_role_has_the_table_access_its_entry_declares() {
    use std::collections::BTreeSet;
    use visitor_stack::manifest::AppTable;
    use visitor_stack::IpStorage;

    for ip_storage in [IpStorage::Raw, IpStorage::Hashed] {
        let config = StackConfig {
            ip_storage,
            ..StackConfig::default()
        };
        let t = build(Stage::Test, &config)
            .unwrap()
            .render()
            .unwrap()
            .json()
            .clone();
        for f in RUST_FUNCTIONS {
            let role = &t["Resources"][format!("{}Role", f.logical_id)];
            let statements: Vec<&Value> = role["Properties"]["Policies"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap())
                .collect();
            for table in [
                AppTable::Visitors,
                AppTable::Paths,
                AppTable::Totals,
                AppTable::Connections,
            ] {
                let id = format!("{table:?}");
                let granted: BTreeSet<String> = statements
                    .iter()
                    .filter(|s| {
                        let on_table = |r: &Value| {
                            r["Fn::GetAtt"][0] == id.as_str() && r["Fn::GetAtt"][1] == "Arn"
                        };
                        match &s["Resource"] {
                            Value::Array(resources) => resources.iter().any(on_table),
                            one => on_table(one),
                        }
                    })
                    .flat_map(|s| match &s["Action"] {
                        Value::String(a) => vec![a.clone()],
                        Value::Array(a) => {
                            a.iter().map(|a| a.as_str().unwrap().to_owned()).collect()
                        }
                        _ => Vec::new(),
                    })
                    .collect();
                let declared: BTreeSet<String> = f
                    .tables
                    .iter()
                    .filter(|a| a.table == table)
                    .filter(|a| !a.only_with_hashed_ips || ip_storage == IpStorage::Hashed)
                    .flat_map(|a| a.items.iter().map(|i| i.action().to_owned()))
                    .collect();
                assert_eq!(
                    granted, declared,
                    "{} on {id} with {ip_storage:?} IPs",
                    f.logical_id
                );
            }
        }
    }
}
