//! IAM policy documents render as IAM expects and flag wildcard actions.

use infra::aws::{iam, sqs};
use infra::policy::{PolicyDocument, Principal, Statement};
use infra::{pseudo, sub, Template, ToJson};
use serde_json::json;

#[test]
fn statements_render_with_shorthand_for_single_values() {
    let mut t = Template::new();
    let queue = t.add("Q", sqs::Queue::new());
    let doc = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("Consume")
                .actions(["sqs:ReceiveMessage", "sqs:DeleteMessage"])
                .resource(queue.arn()),
        )
        .statement(
            Statement::deny()
                .action("sqs:SendMessage")
                .resources([
                    queue.arn(),
                    sub!("arn:", pseudo::partition(), ":sqs:*:*:other"),
                ])
                .condition("Bool", "aws:SecureTransport", ["false"]),
        );
    assert_eq!(
        doc.to_json(),
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Consume",
                    "Effect": "Allow",
                    "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                    "Resource": { "Fn::GetAtt": ["Q", "Arn"] },
                },
                {
                    "Effect": "Deny",
                    "Action": "sqs:SendMessage",
                    "Resource": [
                        { "Fn::GetAtt": ["Q", "Arn"] },
                        { "Fn::Sub": "arn:${AWS::Partition}:sqs:*:*:other" },
                    ],
                    "Condition": { "Bool": { "aws:SecureTransport": "false" } },
                },
            ],
        })
    );
    assert!(doc.wildcard_actions().is_empty());
}

#[test]
fn principals() {
    let trust = PolicyDocument::new().statement(
        Statement::allow()
            .action("sts:AssumeRoleWithWebIdentity")
            .principal(Principal::federated(
                "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com",
            ))
            .condition(
                "StringLike",
                "token.actions.githubusercontent.com:sub",
                ["repo:o/n:ref:refs/heads/main"],
            ),
    );
    assert_eq!(
        trust.to_json()["Statement"][0]["Principal"],
        json!({ "Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" })
    );
    assert_eq!(Principal::Anyone.to_json(), json!("*"));
    assert_eq!(
        Principal::Service(vec![
            "lambda.amazonaws.com".into(),
            "edgelambda.amazonaws.com".into()
        ])
        .to_json(),
        json!({ "Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] })
    );
    assert_eq!(
        Principal::aws(pseudo::account_id()).to_json(),
        json!({ "AWS": { "Ref": "AWS::AccountId" } })
    );
}

#[test]
fn wildcard_actions_are_found_in_allow_statements_only() {
    let doc = PolicyDocument::new()
        .statement(
            Statement::allow()
                .actions(["s3:Get*", "s3:PutObject"])
                .resource("*"),
        )
        .statement(Statement::allow().not_actions(["iam:*"]).resource("*"))
        .statement(Statement::deny().action("*").resource("*"));
    assert_eq!(doc.wildcard_actions(), ["s3:Get*", "iam:*"]);
}

#[test]
fn documents_go_into_json_typed_properties() {
    let doc = PolicyDocument::new().statement(
        Statement::allow()
            .action("sts:AssumeRole")
            .principal(Principal::service("lambda.amazonaws.com")),
    );
    let role = iam::Role::new(doc.clone());
    assert_eq!(role.to_json()["AssumeRolePolicyDocument"], doc.to_json());
}

#[test]
fn statements_differing_only_in_resources_merge() {
    let mut doc = PolicyDocument::new();
    doc.merge(
        Statement::allow()
            .action("sqs:SendMessage")
            .resource("arn:a"),
    );
    doc.merge(
        Statement::allow()
            .action("sqs:SendMessage")
            .resource("arn:b"),
    );
    doc.merge(
        Statement::allow()
            .action("sqs:SendMessage")
            .resource("arn:a"),
    );
    doc.merge(
        Statement::allow()
            .action("sqs:ReceiveMessage")
            .resource("arn:a"),
    );
    doc.merge(
        Statement::deny()
            .action("sqs:SendMessage")
            .resource("arn:c"),
    );
    let json = doc.to_json();
    assert_eq!(json["Statement"].as_array().unwrap().len(), 3);
    assert_eq!(json["Statement"][0]["Resource"], json!(["arn:a", "arn:b"]));
}
