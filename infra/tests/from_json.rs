//! `FromJson` (feature `from-json`): a resource's properties read back into
//! its generated type lose nothing, and what does not fit its schema is an
//! error with its path. Every type's own round trip is in `every_type`.

#![cfg(feature = "from-json")]

use infra::aws::dynamodb::table::{BillingMode, KeySchema, KeyType};
use infra::aws::{dynamodb, sqs};
use infra::{FromJson, ToJson, Value};
use serde_json::json;

#[test]
fn literals_intrinsics_and_misfits_read_back_as_written() {
    let props = json!({
        "QueueName": {"Fn::Sub": "${AWS::StackName}-q"},
        "DelaySeconds": 5,
        "VisibilityTimeout": "30",
        "Tags": [{"Key": "env", "Value": {"Ref": "Env"}}]
    });
    let queue = sqs::Queue::from_json(&props, "Properties").unwrap();
    assert_eq!(queue.delay_seconds, Some(Value::Lit(5)));
    assert!(matches!(queue.queue_name, Some(Value::Expr(_))));
    // A string where the schema has an integer stays as written.
    assert_eq!(queue.visibility_timeout, Some(Value::Expr(json!("30"))));
    assert_eq!(queue.to_json(), props);
}

#[test]
fn nested_structs_and_enums_are_typed() {
    let props = json!({
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    let table = dynamodb::Table::from_json(&props, "Properties").unwrap();
    assert_eq!(
        table.billing_mode,
        Some(Value::Lit(BillingMode::PayPerRequest))
    );
    let Value::Lit(keys) = &table.key_schema else {
        panic!("a literal list")
    };
    assert_eq!(keys[0], Value::Lit(KeySchema::new("pk", KeyType::Hash)));
    // A value the enum lacks is kept, not refused.
    let newer = json!({"KeySchema": [], "BillingMode": "SOMETHING_NEW"});
    let table = dynamodb::Table::from_json(&newer, "Properties").unwrap();
    assert_eq!(table.to_json(), newer);
}

#[test]
fn what_the_schema_does_not_have_is_an_error_with_its_path() {
    let unknown = sqs::Queue::from_json(&json!({"Colour": "blue"}), "Resources.Q.Properties");
    assert_eq!(
        unknown.unwrap_err().to_string(),
        "Resources.Q.Properties.Colour: is not a property of this type in its schema"
    );
    let missing = dynamodb::Table::from_json(&json!({}), "Properties");
    assert_eq!(
        missing.unwrap_err().to_string(),
        "Properties.KeySchema: is required and missing"
    );
    assert!(sqs::Queue::from_json(&json!([1]), "Properties").is_err());
}
