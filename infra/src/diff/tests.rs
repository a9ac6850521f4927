use serde_json::json;

use super::*;

fn old() -> Json {
    json!({
        "Resources": {
            "Counts": {"Type": "AWS::DynamoDB::Table", "Properties": {
                "TableName": "counts", "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": {"Fn::GetAtt": ["Counts", "Arn"]}}]}}]}},
            "Invoke": {"Type": "AWS::Lambda::Permission", "Properties": {
                "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "Fn"},
                "Principal": "apigateway.amazonaws.com"}},
            "Gone": {"Type": "AWS::SQS::Queue"}
        },
        "Outputs": {"Url": {"Value": "a"}}
    })
}

fn new() -> Json {
    json!({
        "Resources": {
            "Counts": {"Type": "AWS::DynamoDB::Table", "Properties": {
                "TableName": "counts-v2", "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem"], "Resource": {"Fn::GetAtt": ["Counts", "Arn"]}}]}}]}},
            "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "GET /x"}},
        },
        "Outputs": {"Url": {"Value": "b"}}
    })
}

fn create_only(type_name: &str) -> Option<&'static [&'static str]> {
    (type_name == "AWS::DynamoDB::Table").then_some(&["TableName", "KeySchema"][..])
}

#[test]
fn each_changed_value_is_named_by_its_path_with_replacements_marked() {
    let d = diff_with(&old(), &new(), &create_only);
    let counts = d
        .resources
        .iter()
        .find(|r| r.logical_id == "Counts")
        .unwrap();
    assert_eq!(counts.kind, Kind::Modified);
    assert!(counts.replaced);
    assert_eq!(counts.changes.len(), 1);
    let change = &counts.changes[0];
    assert_eq!(change.path.to_string(), "Properties.TableName");
    assert_eq!(
        (change.old.clone(), change.new.clone()),
        (Some(json!("counts")), Some(json!("counts-v2")))
    );
    assert!(change.replaces);

    let role = d.resources.iter().find(|r| r.logical_id == "Role").unwrap();
    assert!(!role.replaced, "a policy change updates the role in place");
    assert_eq!(
        role.changes[0].path.to_string(),
        "Properties.Policies[0].PolicyDocument.Statement[0].Action[1]"
    );
    let kinds: Vec<(&str, Kind)> = d
        .resources
        .iter()
        .map(|r| (r.logical_id.as_str(), r.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Counts", Kind::Modified),
            ("Gone", Kind::Removed),
            ("Invoke", Kind::Removed),
            ("Role", Kind::Modified),
            ("Route", Kind::Added)
        ]
    );
    assert_eq!(d.parts.len(), 1);
    assert_eq!(
        (d.parts[0].section.as_str(), d.parts[0].name.as_str()),
        ("Outputs", "Url")
    );
}

#[test]
fn the_generated_types_say_what_replaces_a_resource() {
    let d = diff(&old(), &new());
    let counts = d
        .resources
        .iter()
        .find(|r| r.logical_id == "Counts")
        .unwrap();
    assert!(
        counts.replaced,
        "TableName is create-only in the DynamoDB schema"
    );
    let mut billing = old();
    billing["Resources"]["Counts"]["Properties"]["BillingMode"] = json!("PROVISIONED");
    let d = diff(&old(), &billing);
    assert!(!d.resources[0].replaced, "{:?}", d.resources[0]);
}

#[test]
fn security_changes_are_listed_apart() {
    let d = diff_with(&old(), &new(), &create_only);
    let lines: Vec<(Sign, &str, &str, &str)> = d
        .security
        .iter()
        .map(|c| (c.sign, c.resource.as_str(), c.what, c.actions.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (
                Sign::Removed,
                "Invoke",
                "invoke permission",
                "lambda:InvokeFunction"
            ),
            (
                Sign::Added,
                "Role",
                "IAM statement",
                "dynamodb:GetItem, dynamodb:DeleteItem"
            ),
            (Sign::Removed, "Role", "IAM statement", "dynamodb:GetItem"),
            (Sign::Added, "Route", "route authorization", "GET /x"),
        ]
    );
    let role = d.security.iter().find(|c| c.resource == "Role").unwrap();
    assert_eq!(
        (role.principal.as_str(), role.target.as_str()),
        ("${Role}", "${Counts.Arn}")
    );
    let route = d.security.iter().find(|c| c.resource == "Route").unwrap();
    assert_eq!(route.principal, "NONE");
    let text = d.to_string();
    assert!(
        text.contains("[~] AWS::DynamoDB::Table Counts  [replaced]"),
        "{text}"
    );
    assert!(
        text.contains("    Properties.TableName: \"counts\" -> \"counts-v2\"  (replaces)"),
        "{text}"
    );
    assert!(text.contains("Security-relevant changes"), "{text}");
    assert!(text.contains("+  Route"), "{text}");
}

#[test]
fn equal_templates_have_no_changes() {
    let d = diff(&new(), &new());
    assert!(d.is_empty() && d.security.is_empty());
    assert_eq!(d.to_string(), "(no changes)\n");
    let everything = diff(&json!({}), &new());
    assert_eq!(everything.resources.len(), 3);
    assert!(everything.resources.iter().all(|r| r.kind == Kind::Added));
    assert_eq!(everything.to_json()["resources"][0]["change"], "added");
}
