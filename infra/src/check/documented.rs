//! Rules AWS documents that the registry schemas do not state, each with
//! the page it comes from. They run after the schema's own rules, on the
//! same rendered properties, and skip intrinsic values the same way.

use super::{any_conditional, is_intrinsic, present, Finding};
use crate::json::Json;

/// Properties the documentation marks `Required: Yes` that the schema does
/// not list in `required`, unless one of the exceptions is given: (type,
/// properties, exceptions, source). A PromQL alarm (`EvaluationCriteria`)
/// states its own comparison and period.
pub const REQUIRED: &[(&str, &[&str], &[&str], &str)] = &[(
    "AWS::CloudWatch::Alarm",
    &["ComparisonOperator", "EvaluationPeriods"],
    &["EvaluationCriteria"],
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html",
)];

/// Lists whose every item must be an ARN, where the schema says only
/// "string": (type, property, source).
pub const ARN_LISTS: &[(&str, &str, &str)] = &[
    (
        "AWS::CloudWatch::Alarm",
        "AlarmActions",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html (\"Specify each action as an Amazon Resource Name (ARN)\")",
    ),
    (
        "AWS::CloudWatch::Alarm",
        "OKActions",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html",
    ),
    (
        "AWS::CloudWatch::Alarm",
        "InsufficientDataActions",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html",
    ),
];

/// A Lambda function's timeout: at most 900 seconds; the schema's 5,400 is
/// for functions on Lambda Managed Instances (a `CapacityProviderConfig`)
/// only (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>,
/// and the schema's own description of `Timeout`).
pub const LAMBDA_TIMEOUT_SECONDS: f64 = 900.0;

/// Every documented rule over one resource's properties.
pub fn check(type_name: &str, properties: &Json, out: &mut Vec<Finding>) {
    let Some(map) = properties.as_object() else {
        return;
    };
    for (_, required, unless, _) in REQUIRED.iter().filter(|(t, ..)| *t == type_name) {
        if unless.iter().any(|k| map.contains_key(*k)) {
            continue;
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| !present(map, k))
            .collect();
        if !missing.is_empty() {
            out.push(Finding {
                path: "Properties".into(),
                problem: format!("{} is required", super::names(&missing)),
            });
        }
    }
    for (_, property, _) in ARN_LISTS.iter().filter(|(t, _, _)| *t == type_name) {
        let Some(items) = map.get(*property).and_then(Json::as_array) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            if let Some(text) = item
                .as_str()
                .filter(|s| !s.starts_with("arn:") && !is_intrinsic(item))
            {
                out.push(Finding {
                    path: format!("Properties.{property}[{i}]"),
                    problem: format!(
                        "{:?} is not an ARN (arn:partition:service:...): an alarm action names a topic, an Auto Scaling policy or an EC2 action by ARN",
                        text
                    ),
                });
            }
        }
    }
    if type_name == "AWS::Lambda::Function" {
        lambda_function(map, out);
    }
    if type_name == "AWS::SQS::Queue" {
        sqs_queue(map, out);
    }
}

/// A queue's `RedrivePolicy`: `deadLetterTargetArn` an ARN,
/// `maxReceiveCount` 1 to 1,000
/// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html>).
fn sqs_queue(map: &crate::json::JsonMap, out: &mut Vec<Finding>) {
    let Some(policy) = map
        .get("RedrivePolicy")
        .filter(|p| !is_intrinsic(p))
        .and_then(Json::as_object)
    else {
        return;
    };
    match policy.get("deadLetterTargetArn") {
        None => out.push(Finding {
            path: "Properties.RedrivePolicy".into(),
            problem: "`deadLetterTargetArn` is required".into(),
        }),
        Some(Json::String(arn)) if !arn.starts_with("arn:") => out.push(Finding {
            path: "Properties.RedrivePolicy.deadLetterTargetArn".into(),
            problem: format!("{arn:?} is not an ARN of a queue"),
        }),
        _ => {}
    }
    if let Some(count) = policy.get("maxReceiveCount").and_then(super::as_number) {
        if !(1.0..=1000.0).contains(&count) {
            out.push(Finding {
                path: "Properties.RedrivePolicy.maxReceiveCount".into(),
                problem: format!("{} is outside 1 to 1000", super::number_text(count)),
            });
        }
    }
}

fn lambda_function(map: &crate::json::JsonMap, out: &mut Vec<Finding>) {
    if let Some(timeout) = map.get("Timeout").and_then(super::as_number) {
        // Above 5,400 the schema's own maximum says so.
        if timeout > LAMBDA_TIMEOUT_SECONDS
            && timeout <= 5400.0
            && !present(map, "CapacityProviderConfig")
        {
            out.push(Finding {
                path: "Properties.Timeout".into(),
                problem: format!(
                    "{} is above the maximum 900 seconds (up to 5,400 only on Lambda Managed Instances, with a CapacityProviderConfig)",
                    super::number_text(timeout)
                ),
            });
        }
    }
    // The deployment package: inline code, an image, or an S3 object
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html).
    if let Some(code) = map.get("Code").filter(|c| !is_intrinsic(c)) {
        let Some(code) = code.as_object() else {
            return;
        };
        if any_conditional(code, &["ZipFile", "ImageUri", "S3Bucket", "S3Key"]) {
            return;
        }
        let sources = ["ZipFile", "ImageUri", "S3Bucket"]
            .iter()
            .filter(|k| present(code, k))
            .count();
        let problem = if sources == 0 {
            Some(
                "names no code: give ZipFile (inline), ImageUri, or S3Bucket with S3Key".to_owned(),
            )
        } else if sources > 1 {
            Some("names more than one source: give only one of ZipFile, ImageUri, or S3Bucket with S3Key".to_owned())
        } else if present(code, "S3Bucket") != present(code, "S3Key") {
            Some("`S3Bucket` and `S3Key` go together".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            out.push(Finding {
                path: "Properties.Code".into(),
                problem,
            });
        }
    }
}
