//! The `Rules` section, typed: a rule's condition and assertions built from
//! the functions CloudFormation allows there, and the checks `validate`
//! runs on every rule (typed or JSON): the rule's shape, only rule
//! functions, references to parameters only.
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html>)
//!
//! ```
//! use infra::rule::{self, Rule};
//! use infra::{Parameter, Template};
//!
//! let mut t = Template::new();
//! let env = t.parameter("Env", Parameter::string());
//! let size = t.parameter("Size", Parameter::string());
//! t.rule(
//!     "ProdIsLarge",
//!     Rule::when(rule::equals(&env, "prod"))
//!         .assert(rule::contains(["large", "xlarge"], &size), "prod needs a large size"),
//! );
//! ```

use serde_json::json;

use crate::json::{Json, ToJson};
use crate::parameter::Param;
use crate::value::Value;

/// A rule function's result: a condition or assertion, or a value
/// (`Fn::ValueOf`, `Fn::RefAll`) that the others take.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleExpr(Json);

impl ToJson for RuleExpr {
    fn to_json(&self) -> Json {
        self.0.clone()
    }
}

/// What a rule function takes: a parameter's handle, a literal, or another
/// rule function.
pub trait RuleArg {
    /// Its JSON.
    fn rule_json(&self) -> Json;
}

impl RuleArg for RuleExpr {
    fn rule_json(&self) -> Json {
        self.0.clone()
    }
}

impl<T> RuleArg for &Param<T> {
    fn rule_json(&self) -> Json {
        json!({ "Ref": self.logical_id() })
    }
}

impl<T: ToJson> RuleArg for Value<T> {
    fn rule_json(&self) -> Json {
        self.to_json()
    }
}

impl RuleArg for &str {
    fn rule_json(&self) -> Json {
        Json::String((*self).to_owned())
    }
}

impl<const N: usize> RuleArg for [&str; N] {
    fn rule_json(&self) -> Json {
        Json::Array(self.iter().map(|s| Json::String((*s).to_owned())).collect())
    }
}

fn call(name: &str, args: Json) -> RuleExpr {
    RuleExpr(json!({ name: args }))
}

/// `Fn::Equals`: two values are equal.
pub fn equals(a: impl RuleArg, b: impl RuleArg) -> RuleExpr {
    call("Fn::Equals", json!([a.rule_json(), b.rule_json()]))
}

/// `Fn::Contains`: `value` is one of `list`.
pub fn contains(list: impl RuleArg, value: impl RuleArg) -> RuleExpr {
    call("Fn::Contains", json!([list.rule_json(), value.rule_json()]))
}

/// `Fn::EachMemberEquals`: every member of `list` equals `value`.
pub fn each_member_equals(list: impl RuleArg, value: impl RuleArg) -> RuleExpr {
    call(
        "Fn::EachMemberEquals",
        json!([list.rule_json(), value.rule_json()]),
    )
}

/// `Fn::EachMemberIn`: every member of `list` is one of `allowed`.
pub fn each_member_in(list: impl RuleArg, allowed: impl RuleArg) -> RuleExpr {
    call(
        "Fn::EachMemberIn",
        json!([list.rule_json(), allowed.rule_json()]),
    )
}

/// `Fn::RefAll`: every value of a parameter type in the account and Region
/// (`AWS::EC2::VPC::Id`).
pub fn ref_all(parameter_type: &str) -> RuleExpr {
    call("Fn::RefAll", json!(parameter_type))
}

/// `Fn::ValueOf`: an attribute of the resource a parameter names
/// (`Fn::ValueOf [SubnetParam, VpcId]`).
pub fn value_of<T>(parameter: &Param<T>, attribute: &str) -> RuleExpr {
    call("Fn::ValueOf", json!([parameter.logical_id(), attribute]))
}

/// `Fn::ValueOfAll`: that attribute for every value of a parameter type.
pub fn value_of_all(parameter_type: &str, attribute: &str) -> RuleExpr {
    call("Fn::ValueOfAll", json!([parameter_type, attribute]))
}

/// `Fn::And`: all of 2 to 10 conditions hold.
pub fn and(conditions: impl IntoIterator<Item = RuleExpr>) -> RuleExpr {
    call(
        "Fn::And",
        Json::Array(conditions.into_iter().map(|c| c.0).collect()),
    )
}

/// `Fn::Or`: at least one of 2 to 10 conditions holds.
pub fn or(conditions: impl IntoIterator<Item = RuleExpr>) -> RuleExpr {
    call(
        "Fn::Or",
        Json::Array(conditions.into_iter().map(|c| c.0).collect()),
    )
}

/// `Fn::Not`: the condition does not hold.
pub fn not(condition: RuleExpr) -> RuleExpr {
    call("Fn::Not", json!([condition.0]))
}

/// One rule: assertions, checked when its condition holds (always without one).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    condition: Option<Json>,
    assertions: Vec<Json>,
}

impl Rule {
    /// A rule checked on every create and update.
    pub fn always() -> Self {
        Rule {
            condition: None,
            assertions: Vec::new(),
        }
    }

    /// A rule checked when `condition` (`RuleCondition`) holds.
    pub fn when(condition: RuleExpr) -> Self {
        Rule {
            condition: Some(condition.0),
            assertions: Vec::new(),
        }
    }

    /// Adds an assertion and the message CloudFormation shows when it fails.
    pub fn assert(mut self, assertion: RuleExpr, description: impl Into<String>) -> Self {
        self.assertions
            .push(json!({ "Assert": assertion.0, "AssertDescription": description.into() }));
        self
    }
}

impl From<Rule> for Json {
    fn from(rule: Rule) -> Json {
        let mut out = crate::JsonMap::new();
        if let Some(c) = rule.condition {
            out.insert("RuleCondition".into(), c);
        }
        out.insert("Assertions".into(), Json::Array(rule.assertions));
        Json::Object(out)
    }
}

/// The functions a rule may use.
const FUNCTIONS: &[&str] = &[
    "Fn::And",
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::Equals",
    "Fn::Not",
    "Fn::Or",
    "Fn::RefAll",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
];

/// The problems of rule `name`: (place, problem). `parameters` are the
/// template's parameter names; a `Ref` may name one or a pseudo-parameter.
pub(crate) fn check(name: &str, rule: &Json, parameters: &[&str]) -> Vec<(String, String)> {
    let place = format!("rule `{name}`");
    let mut out = Vec::new();
    let Some(map) = rule.as_object() else {
        return vec![(place, "must be an object with Assertions".to_owned())];
    };
    for key in map
        .keys()
        .filter(|k| *k != "RuleCondition" && *k != "Assertions")
    {
        out.push((
            format!("{place}.{key}"),
            "is not part of a rule (RuleCondition, Assertions)".to_owned(),
        ));
    }
    if let Some(condition) = map.get("RuleCondition") {
        walk(
            &format!("{place}.RuleCondition"),
            condition,
            parameters,
            &mut out,
        );
    }
    match map.get("Assertions").and_then(Json::as_array) {
        Some(list) if !list.is_empty() => {
            for (i, a) in list.iter().enumerate() {
                let here = format!("{place}.Assertions[{i}]");
                match a.get("Assert") {
                    Some(assert) => walk(&format!("{here}.Assert"), assert, parameters, &mut out),
                    None => out.push((here.clone(), "has no Assert".to_owned())),
                }
                if a.get("AssertDescription").is_some_and(|d| !d.is_string()) {
                    out.push((
                        format!("{here}.AssertDescription"),
                        "must be a string".to_owned(),
                    ));
                }
            }
        }
        _ => out.push((
            format!("{place}.Assertions"),
            "must be a non-empty list".to_owned(),
        )),
    }
    out
}

fn walk(place: &str, value: &Json, parameters: &[&str], out: &mut Vec<(String, String)>) {
    match value {
        Json::Array(items) => items.iter().for_each(|i| walk(place, i, parameters, out)),
        Json::Object(map) if map.len() == 1 => {
            let Some((key, arg)) = map.iter().next() else {
                return;
            };
            if key == "Ref" {
                let target = arg.as_str().unwrap_or_default();
                if !target.starts_with("AWS::") && !parameters.contains(&target) {
                    out.push((place.to_owned(), format!("refers to `{target}`, which is not a parameter (a rule sees parameters only)")));
                }
            } else if key == "Condition"
                || (key.starts_with("Fn::") && !FUNCTIONS.contains(&key.as_str()))
            {
                out.push((
                    place.to_owned(),
                    format!("{key} is not a rule function ({})", FUNCTIONS.join(", ")),
                ));
            } else if key == "Fn::ValueOf" {
                let target = arg.get(0).and_then(Json::as_str).unwrap_or_default();
                if !parameters.contains(&target) {
                    out.push((
                        place.to_owned(),
                        format!("Fn::ValueOf names `{target}`, which is not a parameter"),
                    ));
                }
            } else if (key == "Fn::And" || key == "Fn::Or")
                && !arg.as_array().is_some_and(|a| (2..=10).contains(&a.len()))
            {
                out.push((place.to_owned(), format!("{key} takes 2 to 10 conditions")));
            } else {
                walk(place, arg, parameters, out);
            }
        }
        Json::Object(map) => map.values().for_each(|v| walk(place, v, parameters, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parameter;

    #[test]
    fn a_typed_rule_renders_as_documented_and_checks_clean() {
        let mut t = crate::Template::new();
        let env = t.parameter("Env", Parameter::string());
        let subnets = t.parameter(
            "Subnets",
            Parameter::aws_list_type("List<AWS::EC2::Subnet::Id>"),
        );
        let rule = Rule::when(equals(&env, "prod")).assert(
            each_member_in(
                value_of(&subnets, "VpcId"),
                value_of_all("AWS::EC2::VPC::Id", "Id"),
            ),
            "the subnets are in one of the account's VPCs",
        );
        let json = Json::from(rule);
        assert_eq!(
            json,
            json!({
                "RuleCondition": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "Assertions": [{
                    "Assert": {"Fn::EachMemberIn": [{"Fn::ValueOf": ["Subnets", "VpcId"]}, {"Fn::ValueOfAll": ["AWS::EC2::VPC::Id", "Id"]}]},
                    "AssertDescription": "the subnets are in one of the account's VPCs"
                }]
            })
        );
        assert!(check("R", &json, &["Env", "Subnets"]).is_empty());
    }

    #[test]
    fn what_a_rule_cannot_hold_is_named() {
        let found = check(
            "R",
            &json!({
                "RuleCondition": {"Fn::If": ["C", 1, 2]},
                "Assertions": [{"Assert": {"Fn::Equals": [{"Ref": "Queue"}, "x"]}}, {"AssertDescription": 5}],
                "Extra": 1
            }),
            &["Env"],
        );
        let problems: Vec<String> = found.iter().map(|(p, m)| format!("{p}: {m}")).collect();
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(problems[0].starts_with("rule `R`.Extra: is not part of a rule"));
        assert!(problems[1].contains("Fn::If is not a rule function"));
        assert!(problems[2].contains("refers to `Queue`, which is not a parameter"));
        assert!(problems[3].ends_with("Assertions[1]: has no Assert"));
        assert!(problems[4].ends_with("AssertDescription: must be a string"));
        assert_eq!(
            check("R", &json!({"Assertions": []}), &[])[0].1,
            "must be a non-empty list"
        );
    }

    #[test]
    fn a_named_condition_is_not_a_rule_function() {
        let found = check(
            "R",
            &json!({"Assertions": [{"Assert": {"Condition": "IsProd"}}]}),
            &[],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].1.contains("Condition is not a rule function"),
            "{found:?}"
        );
    }
}
