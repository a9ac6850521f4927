//! The generated types: shapes from the schemas become the Rust types a user
//! expects, and render back to the property names CloudFormation uses.

use std::collections::BTreeMap;

use infra::aws::{apigatewayv2, dynamodb, lambda, s3, wafv2};
use infra::{Resource, Template, ToJson, Value};
use serde_json::json;

#[test]
fn type_names_and_properties() {
    let table = dynamodb::Table::new(vec![dynamodb::table::KeySchema::new(
        "pk",
        dynamodb::table::KeyType::Hash,
    )])
    .billing_mode(dynamodb::table::BillingMode::PayPerRequest)
    .stream_specification(dynamodb::table::StreamSpecification::new(
        dynamodb::table::StreamViewType::NewImage,
    ))
    .time_to_live_specification(
        dynamodb::table::TimeToLiveSpecification::new(true).attribute_name("expires"),
    );
    assert_eq!(dynamodb::Table::TYPE, "AWS::DynamoDB::Table");
    assert_eq!(table.resource_type(), "AWS::DynamoDB::Table");
    assert_eq!(
        table.properties(),
        json!({
            "KeySchema": [{ "AttributeName": "pk", "KeyType": "HASH" }],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": { "StreamViewType": "NEW_IMAGE" },
            "TimeToLiveSpecification": { "Enabled": true, "AttributeName": "expires" },
        })
    );
}

#[test]
fn enums_spell_values_as_cloudformation_does() {
    assert_eq!(lambda::function::Runtime::Python312.as_str(), "python3.12");
    assert_eq!(
        lambda::function::Architecture::Arm64.to_json(),
        json!("arm64")
    );
    assert_eq!(
        dynamodb::table::StreamViewType::NewAndOldImages.as_str(),
        "NEW_AND_OLD_IMAGES"
    );
}

#[test]
fn attributes_are_typed_per_resource() {
    let mut t = Template::new();
    let table = t.add(
        "T",
        dynamodb::Table::new(vec![dynamodb::table::KeySchema::new(
            "pk",
            dynamodb::table::KeyType::Hash,
        )]),
    );
    let api = t.add(
        "Api",
        apigatewayv2::Api::new().name("a").protocol_type("HTTP"),
    );
    let bucket = t.add("B", s3::Bucket::new());
    let stream: Value<String> = table.stream_arn();
    assert_eq!(
        stream.to_json(),
        json!({ "Fn::GetAtt": ["T", "StreamArn"] })
    );
    assert_eq!(
        api.api_endpoint().to_json(),
        json!({ "Fn::GetAtt": ["Api", "ApiEndpoint"] })
    );
    assert_eq!(
        bucket.regional_domain_name().to_json(),
        json!({ "Fn::GetAtt": ["B", "RegionalDomainName"] })
    );
}

#[test]
fn maps_from_pattern_properties() {
    let vars: BTreeMap<&str, Value<infra::Json>> = [("A", "1".into()), ("B", json!(2).into())]
        .into_iter()
        .collect();
    let env = lambda::function::Environment::new().variables(vars);
    assert_eq!(env.to_json(), json!({ "Variables": { "A": "1", "B": 2 } }));
}

/// WAFv2 statements nest through `NotStatement` without a list between: the
/// generator boxes that field, and construction stays the same.
#[test]
fn recursive_types_are_boxed() {
    use wafv2::web_acl::{NotStatement, Statement};
    let inner = Statement::new().label_match_statement(wafv2::web_acl::LabelMatchStatement::new(
        "awswaf:managed:aws:bot-control:bot:verified",
        wafv2::web_acl::LabelMatchScope::Label,
    ));
    let not = Statement::new().not_statement(NotStatement::new(inner));
    assert_eq!(
        not.to_json(),
        json!({ "NotStatement": { "Statement": { "LabelMatchStatement": {
            "Key": "awswaf:managed:aws:bot-control:bot:verified",
            "Scope": "LABEL",
        } } } })
    );
}

#[test]
fn json_typed_properties_take_documents() {
    let api = apigatewayv2::Api::new().body(json!({ "openapi": "3.0.1" }));
    assert_eq!(api.to_json()["Body"], json!({ "openapi": "3.0.1" }));
}
