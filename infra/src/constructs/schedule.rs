//! A function invoked on a schedule: an EventBridge rule with the function
//! as its target, and the permission that lets EventBridge invoke it
//! (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions>).

use crate::aws::events::rule::{State, Target};
use crate::aws::{events, lambda};
use crate::constructs::error::ConstructError;
use crate::constructs::function::RustFunction;
use crate::{Handle, Template};

/// The unit of a [`ScheduleExpr::every`] rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
}

/// When a schedule fires, as EventBridge writes it
/// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleExpr(String);

impl ScheduleExpr {
    /// `rate(N unit)`: every `value` units (singular unit for 1, as
    /// EventBridge requires).
    pub fn every(value: u32, unit: RateUnit) -> Result<Self, ConstructError> {
        if value == 0 {
            return Err(ConstructError::Schedule {
                expression: format!("rate(0 {unit:?})"),
                problem: "a rate must be a positive whole number".into(),
            });
        }
        let name = match unit {
            RateUnit::Minute => "minute",
            RateUnit::Hour => "hour",
            RateUnit::Day => "day",
        };
        let plural = if value == 1 { "" } else { "s" };
        Ok(ScheduleExpr(format!("rate({value} {name}{plural})")))
    }

    /// `cron(minutes hours day-of-month month day-of-week year)`, in UTC.
    /// Six fields, and one of day-of-month and day-of-week must be `?`.
    pub fn cron(fields: &str) -> Result<Self, ConstructError> {
        let expression = format!("cron({fields})");
        let parts: Vec<&str> = fields.split_whitespace().collect();
        let problem = if parts.len() != 6 {
            Some(format!(
                "has {} fields; EventBridge's cron has six (minutes hours day-of-month month day-of-week year)",
                parts.len()
            ))
        } else if (parts[2] == "?") == (parts[4] == "?") {
            Some("exactly one of day-of-month (third) and day-of-week (fifth) must be `?`".into())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(ConstructError::Schedule {
                expression,
                problem,
            }),
            None => Ok(ScheduleExpr(expression)),
        }
    }

    /// The expression as the rule's `ScheduleExpression`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A rule that invokes a function on a schedule. Adds `<id>` (the rule) and
/// `<id>Permission`.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The rule.
    pub rule: Handle<events::Rule>,
    /// EventBridge's permission to invoke the function, for this rule only.
    pub permission: Handle<lambda::Permission>,
}

impl Schedule {
    /// `function` runs at every `when`.
    pub fn new(
        template: &mut Template,
        id: &str,
        when: &ScheduleExpr,
        function: &RustFunction,
    ) -> Self {
        let rule = template.add(
            id,
            events::Rule::new()
                .schedule_expression(when.as_str().to_owned())
                .state(State::Enabled)
                .targets(vec![Target::new(function.arn(), "Function")]),
        );
        let permission = template.add(
            &format!("{id}Permission"),
            lambda::Permission::new(
                "lambda:InvokeFunction",
                function.name(),
                "events.amazonaws.com",
            )
            .source_arn(rule.arn()),
        );
        Schedule { rule, permission }
    }
}
