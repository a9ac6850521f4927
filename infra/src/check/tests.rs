use super::*;
use serde_json::json;

static INNER: Node = Node {
    rules: &[Rule::Enum(&["A", "B"])],
    props: &[],
    items: None,
    values: None,
};
static ROOT: Node = Node {
    rules: &[Rule::Required(&["Size"]), Rule::RequiredXor(&["X", "Y"])],
    props: &[
        (
            "Size",
            &Node {
                rules: &[Rule::Minimum(1.0), Rule::Maximum(10.0)],
                props: &[],
                items: None,
                values: None,
            },
        ),
        (
            "Names",
            &Node {
                rules: &[Rule::MaxItems(2)],
                props: &[],
                items: Some(&Node {
                    rules: &[Rule::Pattern("^[a-z]+$"), Rule::MaxLength(4)],
                    props: &[],
                    items: None,
                    values: None,
                }),
                values: None,
            },
        ),
        (
            "Modes",
            &Node {
                rules: &[],
                props: &[],
                items: None,
                values: Some(&INNER),
            },
        ),
    ],
    items: None,
    values: None,
};

fn findings(value: serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(&ROOT, &value, "Properties", &mut out);
    out.into_iter().map(|f| (f.path, f.problem)).collect()
}

#[test]
fn each_rule_names_the_path_and_the_value() {
    let found = findings(json!({
        "Size": 50,
        "X": 1, "Y": 2,
        "Names": ["ok", "Bad", "toolong", "x"],
        "Modes": {"first": "A", "second": "C"}
    }));
    let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Properties",
            "Properties.Size",
            "Properties.Names",
            "Properties.Names[1]",
            "Properties.Names[2]",
            "Properties.Modes.second",
        ],
        "{found:?}"
    );
    assert!(found[0].1.contains("exactly one of `X`, `Y`"), "{found:?}");
    assert_eq!(found[1].1, "50 is above the maximum 10");
    assert!(found[2].1.contains("4 items; at most 2"), "{found:?}");
    assert!(found[3].1.contains("does not match the pattern ^[a-z]+$"));
    assert!(found[4].1.contains("7 characters; at most 4"));
    assert!(found[5].1.contains("\"C\" is not one of `A`, `B`"));
}

#[test]
fn intrinsics_and_numeric_strings() {
    // An intrinsic is resolved at deploy time: not checked.
    assert!(findings(json!({"Size": {"Ref": "P"}, "X": {"Fn::If": ["c", 1, 2]}})).is_empty());
    // CloudFormation reads "0" as a number.
    let found = findings(json!({"Size": "0", "Y": 1}));
    assert_eq!(
        found,
        [(
            "Properties.Size".to_owned(),
            "0 is below the minimum 1".to_owned()
        )]
    );
    // A missing required property.
    let found = findings(json!({"X": 1}));
    assert_eq!(found[0].1, "`Size` is required");
}

#[test]
fn documented_rules_cover_what_the_schemas_omit() {
    let mut out = Vec::new();
    documented::check(
        "AWS::Lambda::Function",
        &json!({"Timeout": 1000, "Code": {}}),
        &mut out,
    );
    let paths: Vec<&str> = out.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["Properties.Timeout", "Properties.Code"], "{out:?}");
    let mut out = Vec::new();
    documented::check(
        "AWS::Lambda::Function",
        &json!({"Timeout": 1000, "CapacityProviderConfig": {}, "Code": {"S3Bucket": "b", "S3Key": "k"}}),
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    let mut out = Vec::new();
    documented::check(
        "AWS::CloudWatch::Alarm",
        &json!({"EvaluationPeriods": 1, "AlarmActions": ["not-an-arn", {"Ref": "Topic"}]}),
        &mut out,
    );
    let paths: Vec<&str> = out.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["Properties", "Properties.AlarmActions[0]"],
        "{out:?}"
    );
    assert!(out[0].problem.contains("`ComparisonOperator` is required"));
}

#[test]
fn a_queues_redrive_policy_is_checked_as_documented() {
    let mut out = Vec::new();
    documented::check(
        "AWS::SQS::Queue",
        &json!({"RedrivePolicy": {"deadLetterTargetArn": "dlq", "maxReceiveCount": 0}}),
        &mut out,
    );
    let paths: Vec<&str> = out.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Properties.RedrivePolicy.deadLetterTargetArn",
            "Properties.RedrivePolicy.maxReceiveCount"
        ],
        "{out:?}"
    );
    let typed = crate::shapes::sqs::RedrivePolicy::new("arn:aws:sqs:us-east-1:1:dlq".to_owned(), 5);
    let mut out = Vec::new();
    documented::check(
        "AWS::SQS::Queue",
        &json!({"RedrivePolicy": crate::ToJson::to_json(&typed)}),
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
}

static CHOICE: Node = Node {
    rules: &[Rule::RequiredXor(&["A", "B"]), Rule::MinItems(1)],
    props: &[(
        "Name",
        &Node {
            rules: &[Rule::Pattern("^[a-z]+$"), Rule::Arn("AWS::X::Y.Arn")],
            props: &[],
            items: None,
            values: None,
        },
    )],
    items: None,
    values: None,
};

fn choice(value: serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(&CHOICE, &value, "Properties", &mut out);
    out.into_iter().map(|f| f.problem).collect()
}

#[test]
fn what_is_decided_at_deploy_time_is_not_judged_now() {
    let no_value = json!({"Ref": "AWS::NoValue"});
    // AWS::NoValue leaves a property out.
    assert_eq!(choice(json!({"A": 1, "B": no_value})), Vec::<String>::new());
    // Two conditional alternatives: which one is given depends on a condition.
    assert_eq!(
        choice(json!({
            "A": {"Fn::If": ["C", 1, no_value]},
            "B": {"Fn::If": ["C", no_value, 2]}
        })),
        Vec::<String>::new()
    );
    // A flag set to false chooses nothing.
    assert_eq!(
        choice(json!({"A": "arn", "B": false})),
        Vec::<String>::new()
    );
    // Dynamic references resolve at deploy time.
    assert_eq!(
        choice(json!({"A": 1, "Name": "{{resolve:ssm:/name}}"})),
        Vec::<String>::new()
    );
    // An empty string is no ARN to judge (schemas allow "" for "none").
    assert_eq!(
        choice(json!({"A": 1, "Name": ""})).len(),
        1,
        "only the pattern"
    );
    // Both given is still wrong.
    assert!(choice(json!({"A": 1, "B": 2}))[0].contains("(`A`, `B` given)"));
}

#[test]
fn conditional_code_and_promql_alarms_pass() {
    let no_value = json!({"Ref": "AWS::NoValue"});
    let mut out = Vec::new();
    documented::check(
        "AWS::Lambda::Function",
        &json!({"Code": {
            "ZipFile": {"Fn::If": ["Inline", "code", no_value]},
            "S3Bucket": {"Fn::If": ["Inline", no_value, "b"]},
            "S3Key": {"Fn::If": ["Inline", no_value, "k"]}
        }}),
        &mut out,
    );
    documented::check(
        "AWS::CloudWatch::Alarm",
        &json!({"EvaluationCriteria": {"PromQLCriteria": {"Query": "up == 0"}}}),
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    // Above 5,400 s the schema's maximum reports it; the documented rule does not repeat it.
    documented::check("AWS::Lambda::Function", &json!({"Timeout": 6000}), &mut out);
    assert!(out.is_empty(), "{out:?}");
}
