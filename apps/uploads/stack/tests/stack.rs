//! The uploads stack: its snapshot in the top-level `snapshots/` folder,
//! each function against the functions crate's binaries, and the least
//! privilege each role gets.

use serde_json::{json, Value};
use uploads_stack::{build, FUNCTIONS, FUNCTIONS_PACKAGE};

fn rendered() -> Value {
    build().unwrap().render().unwrap().json().clone()
}

#[test]
fn snapshot() {
    let text = build().unwrap().render().unwrap().json_text().to_owned();
    insta::with_settings!({
        snapshot_path => "../../../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("uploads", text);
    });
}

#[test]
fn each_function_is_a_binary_of_the_functions_crate_with_its_code_parameter() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../functions/Cargo.toml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(&format!("name = \"{FUNCTIONS_PACKAGE}\"")));
    let t = rendered();
    for (id, binary) in FUNCTIONS {
        assert!(
            text.contains(&format!("name = \"{binary}\"")),
            "no [[bin]] {binary} in {path}"
        );
        assert_eq!(t["Resources"][id]["Type"], "AWS::Lambda::Function", "{id}");
        assert!(t["Parameters"][format!("{id}CodeKey")].is_object(), "{id}");
    }
}

#[test]
fn each_role_may_do_only_what_its_function_does() {
    let t = rendered();
    let policy = |role: &str| {
        t["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].clone()
    };
    let actions = |role: &str| -> Vec<Value> {
        policy(role)
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| match &s["Action"] {
                Value::Array(a) => a.clone(),
                one => vec![one.clone()],
            })
            .collect()
    };
    assert_eq!(
        actions("IndexerRole"),
        [
            json!("logs:CreateLogStream"),
            json!("logs:PutLogEvents"),
            json!("dynamodb:PutItem"),
            json!("dynamodb:UpdateItem"),
            json!("sqs:DeleteMessage"),
            json!("sqs:GetQueueAttributes"),
            json!("sqs:ReceiveMessage"),
        ]
    );
    assert_eq!(
        actions("HourlyRole"),
        [
            json!("logs:CreateLogStream"),
            json!("logs:PutLogEvents"),
            json!("dynamodb:GetItem"),
            json!("dynamodb:PutItem"),
        ]
    );
}

#[test]
fn the_pipeline_is_wired_end_to_end() {
    let t = rendered();
    let r = &t["Resources"];
    assert_eq!(r["Inbox"]["DependsOn"], json!(["InboxTopicPolicy"]));
    assert_eq!(
        r["WorkSubscription"]["Properties"]["Endpoint"],
        json!({"Fn::GetAtt": ["Work", "Arn"]})
    );
    assert_eq!(
        r["IndexerSource"]["Properties"]["EventSourceArn"],
        json!({"Fn::GetAtt": ["Work", "Arn"]})
    );
    assert_eq!(
        r["EveryHour"]["Properties"]["ScheduleExpression"],
        "rate(1 hour)"
    );
    for alarm in [
        "AlarmsDeadLetters",
        "AlarmsIndexerErrors",
        "AlarmsHourlyErrors",
    ] {
        assert_eq!(r[alarm]["Type"], "AWS::CloudWatch::Alarm", "{alarm}");
    }
    assert_eq!(
        r["Indexer"]["Properties"]["Environment"]["Variables"][uploads_model::env::TABLE],
        json!({"Ref": "Index"})
    );
}
