//! The pseudo-parameters CloudFormation defines in every stack.

use crate::fns::reference_json;
use crate::value::Value;

fn pseudo<T>(name: &str) -> Value<T> {
    Value::Expr(reference_json(name))
}

/// `AWS::Region`: the region the stack is in.
pub fn region() -> Value<String> {
    pseudo("AWS::Region")
}

/// `AWS::AccountId`: the account that owns the stack.
pub fn account_id() -> Value<String> {
    pseudo("AWS::AccountId")
}

/// `AWS::StackName`: the stack's name.
pub fn stack_name() -> Value<String> {
    pseudo("AWS::StackName")
}

/// `AWS::StackId`: the stack's ARN.
pub fn stack_id() -> Value<String> {
    pseudo("AWS::StackId")
}

/// `AWS::Partition`: `aws`, `aws-cn` or `aws-us-gov`. Use it in ARNs.
pub fn partition() -> Value<String> {
    pseudo("AWS::Partition")
}

/// `AWS::URLSuffix`: `amazonaws.com` in most regions.
pub fn url_suffix() -> Value<String> {
    pseudo("AWS::URLSuffix")
}

/// `AWS::NotificationARNs`: the stack's notification topics.
pub fn notification_arns() -> Value<Vec<Value<String>>> {
    pseudo("AWS::NotificationARNs")
}

/// `AWS::NoValue` of any type: removes the property where it is used.
pub fn no_value<T>() -> Value<T> {
    Value::no_value()
}

/// Every pseudo-parameter name, for validation.
pub(crate) const NAMES: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];
