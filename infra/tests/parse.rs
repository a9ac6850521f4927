//! Templates read back: every reviewed snapshot, as JSON and as YAML, parses
//! into a `Template` that validates and renders back equal to its input;
//! YAML's short forms become the JSON intrinsics; what is not a template is
//! an error naming the place.

use infra::{canonicalize, Template};
use serde_json::json;

fn snapshots() -> Vec<(String, serde_json::Value)> {
    let dir =
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../snapshots");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "snap") {
            let text = std::fs::read_to_string(&path).unwrap();
            let body = text
                .strip_prefix("---")
                .and_then(|rest| rest.split_once("\n---\n"))
                .map_or(text.as_str(), |(_, body)| body);
            out.push((
                path.display().to_string(),
                serde_json::from_str(body).unwrap(),
            ));
        }
    }
    assert!(out.len() >= 4, "{out:?}");
    out
}

#[test]
fn every_snapshot_renders_back_equal_from_json_and_from_yaml() {
    for (name, doc) in snapshots() {
        let parsed =
            Template::from_json(&doc.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rendered = parsed.render().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(rendered.json(), &canonicalize(&doc), "{name} from JSON");
        let yaml = rendered.yaml_text();
        let again = Template::from_yaml(&yaml).unwrap_or_else(|e| panic!("{name} YAML: {e}"));
        assert_eq!(
            again.render().unwrap().json(),
            &canonicalize(&doc),
            "{name} from YAML"
        );
    }
}

#[test]
fn short_forms_become_intrinsics() {
    let yaml = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Parameters:
  Size: { Type: Number }
Rules:
  SmallEnough:
    Assertions:
      - Assert: !Contains [["1", "2"], !Ref Size]
Conditions:
  Big: !Equals [!Ref Size, "2"]
Resources:
  Q:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties:
      DelaySeconds: !Ref Size
      QueueName: !Sub "${AWS::StackName}-q"
  Alarm:
    Type: AWS::CloudWatch::Alarm
    DependsOn: Q
    Condition: Big
    Properties:
      ComparisonOperator: GreaterThanThreshold
      EvaluationPeriods: 1
      Threshold: 1
      MetricName: ApproximateNumberOfMessagesVisible
      Namespace: AWS/SQS
      Period: 60
      Statistic: Maximum
      Dimensions:
        - Name: QueueName
          Value: !GetAtt Q.QueueName
Outputs:
  Arn: { Value: !GetAtt [Q, Arn] }
"#;
    let t = Template::from_yaml(yaml).unwrap();
    let rendered = t.render().unwrap();
    let doc = rendered.json();
    assert_eq!(doc["Transform"], "AWS::LanguageExtensions");
    assert_eq!(
        doc["Rules"]["SmallEnough"]["Assertions"][0]["Assert"],
        json!({"Fn::Contains": [["1", "2"], {"Ref": "Size"}]})
    );
    assert_eq!(
        doc["Conditions"]["Big"],
        json!({"Fn::Equals": [{"Ref": "Size"}, "2"]})
    );
    assert_eq!(
        doc["Resources"]["Q"]["Properties"]["QueueName"],
        json!({"Fn::Sub": "${AWS::StackName}-q"})
    );
    assert_eq!(doc["Resources"]["Q"]["DeletionPolicy"], "Retain");
    assert_eq!(doc["Resources"]["Alarm"]["DependsOn"], json!(["Q"]));
    assert_eq!(
        doc["Resources"]["Alarm"]["Properties"]["Dimensions"][0]["Value"],
        json!({"Fn::GetAtt": ["Q", "QueueName"]})
    );
    assert_eq!(
        doc["Outputs"]["Arn"]["Value"],
        json!({"Fn::GetAtt": ["Q", "Arn"]})
    );
}

#[test]
fn a_parsed_template_is_validated_like_a_built_one() {
    let t = Template::from_json(
        &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": -5}},
                              "R": {"Type": "AWS::SQS::Queue", "DependsOn": ["Nothing"]}}})
        .to_string(),
    )
    .unwrap();
    let text = t.validate().unwrap_err().to_string();
    assert!(
        text.contains("resource `Q`: Properties.VisibilityTimeout: -5 is below the minimum 0"),
        "{text}"
    );
    assert!(text.contains("`Nothing`"), "{text}");
}

#[test]
fn what_is_not_a_template_names_the_place() {
    let err = |doc: serde_json::Value| {
        Template::from_json(&doc.to_string())
            .unwrap_err()
            .to_string()
    };
    assert!(err(json!({"Resource": {}})).starts_with("Resource: is not a template section"));
    assert!(err(json!({"Resources": {"Q": {"Properties": {}}}}))
        .contains("Resources.Q.Type: is missing"));
    assert!(err(
        json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Keep"}}})
    )
    .contains("Resources.Q.DeletionPolicy: \"Keep\" is not Delete"));
    assert!(
        err(json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Propertes": {}}}}))
            .contains("Resources.Q.Propertes: is not a resource attribute")
    );
    assert!(
        err(json!({"AWSTemplateFormatVersion": "2020-01-01", "Resources": {}}))
            .contains("not 2010-09-09")
    );
    assert!(Template::from_json("{")
        .unwrap_err()
        .to_string()
        .contains("not valid JSON"));
    assert!(Template::from_yaml("Resources: !GetAtt Q")
        .unwrap_err()
        .to_string()
        .contains("names no attribute"));
}

#[test]
fn for_each_loops_read_back_as_loops() {
    let doc = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::LanguageExtensions",
        "Parameters": {"Names": {"Type": "CommaDelimitedList"}},
        "Resources": {
            "Keep": {"Type": "AWS::SQS::Queue"},
            "Fn::ForEach::Queues": ["Name", {"Ref": "Names"}, {"Queue${Name}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Name"}}}}]
        },
        "Outputs": {
            "Fn::ForEach::Urls": ["Name", {"Ref": "Names"}, {"Url${Name}": {"Value": {"Ref": {"Fn::Sub": "Queue${Name}"}}}}]
        }
    });
    let t = Template::from_document(&doc).unwrap();
    assert_eq!(t.resources().count(), 1, "the loop is not a resource");
    assert_eq!(t.render().unwrap().json(), &canonicalize(&doc));
}
