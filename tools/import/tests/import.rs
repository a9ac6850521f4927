//! The importer on small templates: what it writes for each shape, the
//! order it writes resources in, and the errors that name the place.

use std::path::{Path, PathBuf};

use infra_import::{import, ImportError, Imported, Options};
use serde_json::{json, Value as Json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(doc: Json) -> Result<Imported, ImportError> {
    import(&root(), &doc, &Options::default())
}

fn source(doc: Json) -> String {
    run(doc).unwrap_or_else(|e| panic!("{e}")).source
}

#[test]
fn a_handle_is_bound_before_its_first_use() {
    // "A" uses "B", which the template (in key order) lists after it.
    let s = source(json!({"Resources": {
        "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["B", "QueueName"]}}},
        "B": {"Type": "AWS::SQS::Queue"}
    }}));
    let b = s.find("let b = t.add(").expect("B bound");
    let a = s.find("\"A\",").expect("A added");
    assert!(b < a, "{s}");
    assert!(s.contains(".queue_name(b.queue_name())"), "{s}");
    // A handle nothing uses is not bound.
    assert!(!s.contains("let a ="), "{s}");
}

#[test]
fn names_become_rust_variables() {
    let s = source(json!({
        "Parameters": {"Type": {"Type": "String"}},
        "Resources": {"Match": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Type"}}}}
    }));
    assert!(s.contains("let type_parameter = t.parameter("), "{s}");
    assert!(
        s.contains(".display_name(type_parameter.reference())"),
        "{s}"
    );
}

#[test]
fn what_no_type_fits_stays_json_and_is_listed() {
    let out = run(json!({"Resources": {
        "Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": "5"}},
        "T": {"Type": "AWS::SNS::Topic", "Properties": {"Colour": "blue"}},
        "C": {"Type": "Custom::Thing", "Properties": {"Arn": {"Fn::GetAtt": ["Q", "Arn"]}}}
    }}))
    .unwrap();
    assert_eq!(out.typed, 1);
    assert!(
        out.source
            .contains(".delay_seconds(Value::<i64>::raw(json!(\"5\")))"),
        "{}",
        out.source
    );
    assert!(
        out.source.contains("RawResource::new(\"Custom::Thing\""),
        "{}",
        out.source
    );
    // The custom resource still refers to the queue through its handle.
    assert!(out.source.contains("q.arn().to_json()"), "{}", out.source);
    assert_eq!(
        out.fallbacks,
        vec![
            "Resources.C: RawResource, as infra has no generated type Custom::Thing".to_owned(),
            "Resources.Q.Properties.DelaySeconds: a string where the schema has an integer"
                .to_owned(),
            "Resources.T: RawResource, as Colour is not a property the schema knows".to_owned(),
        ]
    );
    assert_eq!(out.features.iter().collect::<Vec<_>>(), ["sqs"]);
}

#[test]
fn what_is_not_a_template_names_the_place() {
    let cases = [
        (
            json!({"Resources": {"A": {"Type": "AWS::SQS::Queue", "DependsOn": "Nope"}}}),
            "Resources.A.DependsOn: Nope is not a resource of the template",
        ),
        (
            json!({"Resources": {"A": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Keep"}}}),
            "Resources.A.DeletionPolicy",
        ),
        (
            json!({"Resorces": {}}),
            "Resorces: is not a template section",
        ),
        (
            json!({"Resources": {"A": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"O": {"Value": "x", "Colour": 1}}}),
            "Outputs.O.Colour: is not what an output takes",
        ),
    ];
    for (doc, expected) in cases {
        let err = run(doc).expect_err(expected).to_string();
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn resources_that_need_each_other_are_a_cycle() {
    let err = run(json!({"Resources": {
        "A": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "B"}}},
        "B": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "A"}}}
    }}))
    .expect_err("a cycle");
    assert!(
        matches!(
            err,
            ImportError::Cycle {
                what: "resources",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("A, B"), "{err}");
    let itself = run(json!({"Resources": {
        "A": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "A"}}}
    }}))
    .expect_err("a resource using itself");
    assert!(matches!(itself, ImportError::Cycle { .. }), "{itself}");
}

#[test]
fn yaml_short_forms_are_read() {
    let doc = infra_import::document("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${AWS::StackName}-q'\n").unwrap();
    let s = source(doc);
    assert!(
        s.contains(".queue_name(fns::sub(\"${AWS::StackName}-q\"))"),
        "{s}"
    );
    assert!(infra_import::document("Resources: [").is_err());
}
