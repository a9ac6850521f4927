//! What a stack keeps when it is deleted, and what a deleted stack kept.
//!
//! A resource whose `DeletionPolicy` is `Retain` (or `RetainExceptOnCreate`)
//! outlives its stack: CloudFormation removes it from the stack and leaves it
//! as it is
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html>).
//! [`crate::destroy::destroy`] therefore never empties such a bucket and
//! names everything it left. And because CloudFormation names a resource without a fixed name
//! `<stack>-<logical id>-<random>`
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html>),
//! creating the stack again makes new, empty tables beside the retained ones;
//! [`leftover_tables`] finds those so a deploy can stop and say so instead.

use serde_json::Value;

use crate::destroy::DestroyError;

/// A resource a stack retains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    /// Its logical ID in the template.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// Its name or ARN.
    pub physical_id: String,
}

impl Retained {
    /// What it is, for people.
    pub fn kind(&self) -> &'static str {
        match self.resource_type.as_str() {
            "AWS::DynamoDB::Table" => "table (its items are kept)",
            "AWS::S3::Bucket" => "bucket (its objects are kept)",
            "AWS::Lambda::Version" => "Lambda@Edge version (replicas may still run it)",
            "AWS::Lambda::Function" => "function (Lambda@Edge replicas still run it)",
            _ => "resource",
        }
    }

    /// How to delete it by hand, when its data is no longer wanted.
    pub fn how_to_delete(&self, region: &str) -> String {
        let id = &self.physical_id;
        match self.resource_type.as_str() {
            "AWS::DynamoDB::Table" => {
                format!("aws dynamodb delete-table --region {region} --table-name {id}")
            }
            "AWS::S3::Bucket" => format!(
                "empty it, every version included (S3 console: Empty), then: aws s3api delete-bucket --region {region} --bucket {id}"
            ),
            "AWS::Lambda::Version" => match id.rsplit_once(':') {
                Some((function, version)) => format!(
                    "once CloudFront's replicas are gone (hours after the distribution changed): aws lambda delete-function --region {region} --function-name {function} --qualifier {version}"
                ),
                None => format!("aws lambda delete-function --region {region} --function-name {id}"),
            },
            "AWS::Lambda::Function" => format!(
                "once CloudFront's replicas are gone (hours after the distribution is deleted): aws lambda delete-function --region {region} --function-name {id}"
            ),
            other => format!("delete {id} ({other}) in the console"),
        }
    }
}

/// Whether a template resource outlives its stack's deletion.
fn retains(resource: &Value) -> bool {
    matches!(
        resource["DeletionPolicy"].as_str(),
        Some("Retain" | "RetainExceptOnCreate")
    )
}

/// The logical IDs and types a template retains when its stack is deleted.
pub fn retained_in(template: &Value) -> Vec<(String, String)> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| retains(r))
        .map(|(id, r)| {
            (
                id.clone(),
                r["Type"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The stack's deployed template (as CloudFormation stored it).
pub async fn deployed_template(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<Value, DestroyError> {
    let stored = cfn
        .get_template()
        .stack_name(stack)
        .send()
        .await
        .map_err(DestroyError::aws(format!(
            "reading stack {stack}'s template"
        )))?;
    let body = stored.template_body().unwrap_or("{}");
    // CloudFormation returns JSON templates as JSON; a YAML one would need
    // its own parser, and this engine deploys JSON only.
    serde_json::from_str(body).map_err(|source| DestroyError::TemplateNotJson {
        stack: stack.to_owned(),
        source,
    })
}

/// Tables a deleted stack named `stack` left behind: those named like the
/// ones `template` retains would be (`<stack>-<logical id>-...`).
pub async fn leftover_tables(
    dynamodb: &aws_sdk_dynamodb::Client,
    stack: &str,
    template: &Value,
) -> Result<Vec<Retained>, DestroyError> {
    let prefixes: Vec<(String, String)> = retained_in(template)
        .into_iter()
        .filter(|(_, t)| t == "AWS::DynamoDB::Table")
        .map(|(id, _)| (format!("{stack}-{id}-"), id))
        .collect();
    if prefixes.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut pages = dynamodb.list_tables().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(DestroyError::aws("listing tables"))?;
        for name in page.table_names() {
            if let Some((_, id)) = prefixes.iter().find(|(p, _)| name.starts_with(p.as_str())) {
                found.push(Retained {
                    logical_id: id.clone(),
                    resource_type: "AWS::DynamoDB::Table".into(),
                    physical_id: name.clone(),
                });
            }
        }
    }
    Ok(found)
}

/// The message deploy stops with when `found` tables of a deleted `stack`
/// still exist.
pub fn leftovers_message(stack: &str, region: &str, found: &[Retained]) -> String {
    let list: Vec<String> = found
        .iter()
        .map(|r| {
            format!(
                "  {} ({}), retained from an earlier {stack}",
                r.physical_id, r.logical_id
            )
        })
        .collect();
    let deletes: Vec<String> = found
        .iter()
        .map(|r| format!("    {}", r.how_to_delete(region)))
        .collect();
    format!(
        "stack {stack} does not exist, but tables it retained when it was deleted do:\n{}\n\
         Creating it now would start new, empty tables beside them. Choose:\n\
         \x20 - keep the counts: import the tables into the new stack with a change set of type IMPORT\n\
         \x20   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import-new-stack.html),\n\
         \x20   or deploy under another name (--stack NAME) and keep them as an archive;\n\
         \x20 - drop the counts: delete them, then deploy again:\n{}",
        list.join("\n"),
        deletes.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retained_resources_are_read_from_the_template() {
        let t = serde_json::json!({"Resources": {
            "Counts": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain"},
            "Site": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate"},
            "Queue": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete"},
            "Fn": {"Type": "AWS::Lambda::Function"}
        }});
        assert_eq!(
            retained_in(&t),
            [
                ("Counts".to_owned(), "AWS::DynamoDB::Table".to_owned()),
                ("Site".to_owned(), "AWS::S3::Bucket".to_owned())
            ]
        );
    }

    #[test]
    fn each_kind_says_how_to_delete_it() {
        let version = Retained {
            logical_id: "EdgeVersionabc".into(),
            resource_type: "AWS::Lambda::Version".into(),
            physical_id: "arn:aws:lambda:us-east-1:1:function:edge:3".into(),
        };
        assert!(version
            .how_to_delete("us-east-1")
            .contains("--function-name arn:aws:lambda:us-east-1:1:function:edge --qualifier 3"));
        let table = Retained {
            logical_id: "Counts".into(),
            resource_type: "AWS::DynamoDB::Table".into(),
            physical_id: "site-prod-Counts-ABC".into(),
        };
        let message = leftovers_message("site-prod", "us-east-1", &[table]);
        assert!(
            message.contains("site-prod-Counts-ABC (Counts)"),
            "{message}"
        );
        assert!(
            message.contains("delete-table --region us-east-1 --table-name site-prod-Counts-ABC")
        );
        assert!(message.contains("IMPORT"));
    }
}
