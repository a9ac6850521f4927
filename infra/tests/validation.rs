//! Validation names the part and the problem, and reports every problem at once.

use infra::aws::{iam, sqs};
use infra::{
    fns, limits, Attributes, Condition, Output, Parameter, RawResource, Template, ValidationError,
    Value,
};
use serde_json::json;

fn errors(t: &Template) -> Vec<ValidationError> {
    t.validate().expect_err("the template should be invalid").0
}

#[test]
fn an_empty_template_is_rejected() {
    assert_eq!(errors(&Template::new()), [ValidationError::NoResources]);
}

#[test]
fn invalid_and_duplicate_ids() {
    let mut t = Template::new();
    t.add("my-queue", sqs::Queue::new());
    t.add("Q", sqs::Queue::new());
    t.add("Q", sqs::Queue::new());
    t.parameter("Q", Parameter::string());
    t.output("bad name", Output::new("x"));
    let e = errors(&t);
    assert!(e.contains(&ValidationError::InvalidId {
        kind: "resource",
        id: "my-queue".into()
    }));
    assert!(e.contains(&ValidationError::DuplicateId {
        kind: "resource",
        id: "Q".into()
    }));
    assert!(e.contains(&ValidationError::DuplicateId {
        kind: "resource and parameter",
        id: "Q".into()
    }));
    assert!(e.contains(&ValidationError::InvalidId {
        kind: "output",
        id: "bad name".into()
    }));
    let message = t.validate().unwrap_err().to_string();
    assert!(
        message.starts_with("the template has 4 problems:"),
        "{message}"
    );
    assert!(
        message.contains("resource `my-queue` has an invalid logical ID"),
        "{message}"
    );
}

#[test]
fn unknown_references_name_where_they_are() {
    let mut other = Template::new();
    let elsewhere = other.add("Elsewhere", sqs::Queue::new());
    let stray = other.condition("Stray", Condition::equals("a", "b"));

    let mut t = Template::new();
    t.add(
        "Q",
        sqs::Queue::new()
            .queue_name(fns::sub(
                "${Missing}-${Gone.Arn}-${AWS::Region}-${!Literal}",
            ))
            .redrive_policy(Value::<infra::Json>::raw(
                json!({ "deadLetterTargetArn": infra::ToJson::to_json(&elsewhere.arn()) }),
            )),
    );
    t.add_with(
        "R",
        RawResource::new("Custom::X", json!({})),
        Attributes::new().depends_on(&elsewhere).condition(&stray),
    );
    t.output("O", Output::new(fns::if_(&stray, "a", "b")));
    let e = errors(&t);
    let unknown =
        |location: &str, wanted: &'static str, target: &str| ValidationError::UnknownReference {
            location: location.into(),
            wanted,
            target: target.into(),
        };
    assert!(
        e.contains(&unknown("resource `Q`", "resource or parameter", "Missing")),
        "{e:?}"
    );
    assert!(
        e.contains(&unknown(
            "resource `Q`",
            "resource (for Fn::GetAtt)",
            "Gone"
        )),
        "{e:?}"
    );
    assert!(
        e.contains(&unknown(
            "resource `Q`",
            "resource (for Fn::GetAtt)",
            "Elsewhere"
        )),
        "{e:?}"
    );
    assert!(
        e.contains(&unknown(
            "DependsOn of resource `R`",
            "resource",
            "Elsewhere"
        )),
        "{e:?}"
    );
    assert!(
        e.contains(&unknown("Condition of resource `R`", "condition", "Stray")),
        "{e:?}"
    );
    assert!(
        e.contains(&unknown("output `O`", "condition", "Stray")),
        "{e:?}"
    );
    assert_eq!(e.len(), 6, "{e:?}");
}

#[test]
fn conditions_may_only_reference_parameters() {
    let mut t = Template::new();
    let q = t.add("Q", sqs::Queue::new());
    t.condition("UsesResource", Condition::equals(&q, "x"));
    t.condition("UsesUnknown", Condition::equals(fns::sub("${Nope}"), "x"));
    let e = errors(&t);
    assert!(
        e.iter().any(
            |e| matches!(e, ValidationError::InvalidReference { location, problem }
        if location == "condition `UsesResource`" && problem.contains("only parameters"))
        ),
        "{e:?}"
    );
    assert!(e.contains(&ValidationError::UnknownReference {
        location: "condition `UsesUnknown`".into(),
        wanted: "parameter",
        target: "Nope".into()
    }));
}

#[test]
fn cycles_through_references_and_depends_on() {
    let mut t = Template::new();
    let a = t.add(
        "A",
        sqs::Queue::new().queue_name(fns::sub("${B.QueueName}")),
    );
    let b = t.add("B", sqs::Queue::new().queue_name(fns::sub("${C}")));
    t.add_with("C", sqs::Queue::new(), Attributes::new().depends_on(&a));
    let _ = b;
    let e = errors(&t);
    assert_eq!(
        e,
        [ValidationError::Cycle {
            kind: "resource",
            path: vec!["A".into(), "B".into(), "C".into(), "A".into()]
        }]
    );
    assert_eq!(
        e[0].to_string(),
        "resource dependency cycle: A -> B -> C -> A"
    );
}

#[test]
fn a_resource_depending_on_itself_is_a_cycle() {
    let mut t = Template::new();
    let role = t.add(
        "Role",
        iam::Role::new(json!({})).description(fns::sub("${Role.Arn}")),
    );
    let _ = role;
    assert!(
        matches!(&errors(&t)[..], [ValidationError::Cycle { path, .. }] if path == &["Role", "Role"])
    );
}

#[test]
fn condition_cycles() {
    let mut t = Template::new();
    t.add("Q", sqs::Queue::new());
    let mut other = Template::new();
    let b = other.condition("B", Condition::equals("1", "1"));
    let a = t.condition("A", Condition::is(&b));
    t.condition("B", Condition::not(Condition::is(&a)));
    assert!(errors(&t).iter().any(|e| matches!(
        e,
        ValidationError::Cycle {
            kind: "condition",
            ..
        }
    )));
}

#[test]
fn and_or_take_two_to_ten_conditions() {
    let mut t = Template::new();
    t.add("Q", sqs::Queue::new());
    let a = t.condition("A", Condition::equals("1", "1"));
    t.condition("Lonely", Condition::and([Condition::is(&a)]));
    assert!(errors(&t).iter().any(|e| matches!(e, ValidationError::InvalidReference { problem, .. } if problem.contains("2 to 10"))));
}

#[test]
fn quotas() {
    let mut t = Template::new();
    for i in 0..=limits::RESOURCES {
        t.add(&format!("Q{i}"), sqs::Queue::new());
    }
    for i in 0..=limits::OUTPUTS {
        t.output(&format!("O{i}"), Output::new("x"));
    }
    for i in 0..=limits::PARAMETERS {
        t.parameter(&format!("P{i}"), Parameter::string());
    }
    let e = errors(&t);
    assert!(e.contains(&ValidationError::TooMany {
        what: "resources",
        count: 501,
        limit: 500
    }));
    assert!(e.contains(&ValidationError::TooMany {
        what: "outputs",
        count: 201,
        limit: 200
    }));
    assert!(e.contains(&ValidationError::TooMany {
        what: "parameters",
        count: 201,
        limit: 200
    }));
}

#[test]
fn body_size_limit() {
    let mut t = Template::new();
    for i in 0..400 {
        t.add(
            &format!("Q{i}"),
            RawResource::new("Custom::Big", json!({ "Blob": "x".repeat(3000) })),
        );
    }
    match t.render() {
        Err(e) => assert!(
            matches!(
                e.0[..],
                [ValidationError::TooLarge {
                    limit: 1_048_576,
                    ..
                }]
            ),
            "{e}"
        ),
        Ok(_) => panic!("a 1.2 MB template rendered"),
    }
}

#[test]
fn nan_is_reported() {
    let mut t = Template::new();
    t.add("Q", RawResource::new("Custom::X", json!({})));
    t.add(
        "N",
        infra::aws::cloudwatch::Alarm::new().threshold(f64::NAN),
    );
    assert!(errors(&t).iter().any(|e| e.to_string().contains("NaN")));
}
