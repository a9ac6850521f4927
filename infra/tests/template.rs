//! Templates: every section, resource attributes, escape hatches, and
//! deterministic rendering.

use infra::aws::{dynamodb, s3, sqs};
use infra::{
    fns, pseudo, Attributes, Condition, DeletionPolicy, Mapping, Output, Parameter, RawResource,
    Template, ToJson,
};
use serde_json::json;

fn sample() -> Template {
    let mut t = Template::new();
    t.set_description("sample")
        .set_metadata("Owner", json!("team"));
    let stage = t.parameter(
        "Stage",
        Parameter::string()
            .description("Deployment stage")
            .allowed_values(["prod", "test"])
            .default_value("test"),
    );
    let retention = t.parameter(
        "Retention",
        Parameter::integer()
            .min_value(60)
            .max_value(1_209_600)
            .default_value(345_600),
    );
    let prod = t.condition("IsProd", Condition::equals(&stage, "prod"));
    let sizes = t.mapping(
        "Sizes",
        Mapping::new()
            .entry("prod", [("Delay", "5")])
            .entry("test", [("Delay", "0")]),
    );
    let dlq = t.add(
        "DeadLetters",
        sqs::Queue::new().message_retention_period(&retention),
    );
    let queue = t.add_with(
        "Jobs",
        sqs::Queue::new().delay_seconds(sizes.find(&stage, "Delay").cast::<i64>().unwrap()),
        Attributes::new()
            .depends_on(&dlq)
            .deletion_policy(DeletionPolicy::Retain)
            .update_replace_policy(DeletionPolicy::Retain)
            .condition(&prod)
            .metadata(json!({ "Comment": "main queue" })),
    );
    t.output(
        "JobsUrl",
        Output::new(queue.queue_url())
            .description("where jobs go")
            .export(fns::sub("${AWS::StackName}-JobsUrl"))
            .condition(&prod),
    );
    t.output("Region", pseudo::region());
    t
}

#[test]
fn renders_every_section() {
    let json = sample().render().unwrap().json().clone();
    assert_eq!(json["AWSTemplateFormatVersion"], "2010-09-09");
    assert_eq!(json["Description"], "sample");
    assert_eq!(json["Metadata"], json!({ "Owner": "team" }));
    assert_eq!(
        json["Parameters"]["Stage"],
        json!({ "Type": "String", "Description": "Deployment stage", "AllowedValues": ["prod", "test"], "Default": "test" })
    );
    assert_eq!(
        json["Parameters"]["Retention"],
        json!({ "Type": "Number", "MinValue": 60, "MaxValue": 1_209_600, "Default": 345_600 })
    );
    assert_eq!(json["Mappings"]["Sizes"]["prod"]["Delay"], "5");
    let jobs = &json["Resources"]["Jobs"];
    assert_eq!(jobs["Type"], "AWS::SQS::Queue");
    assert_eq!(jobs["DependsOn"], json!(["DeadLetters"]));
    assert_eq!(jobs["DeletionPolicy"], "Retain");
    assert_eq!(jobs["UpdateReplacePolicy"], "Retain");
    assert_eq!(jobs["Condition"], "IsProd");
    assert_eq!(jobs["Metadata"], json!({ "Comment": "main queue" }));
    assert_eq!(
        jobs["Properties"]["DelaySeconds"],
        json!({ "Fn::FindInMap": ["Sizes", { "Ref": "Stage" }, "Delay"] })
    );
    assert_eq!(
        json["Outputs"]["JobsUrl"],
        json!({
            "Value": { "Fn::GetAtt": ["Jobs", "QueueUrl"] },
            "Description": "where jobs go",
            "Export": { "Name": { "Fn::Sub": "${AWS::StackName}-JobsUrl" } },
            "Condition": "IsProd",
        })
    );
}

#[test]
fn rendering_is_deterministic_and_canonical() {
    let a = sample().render().unwrap();
    let b = sample().render().unwrap();
    assert_eq!(a.json_text(), b.json_text());
    // Keys are sorted at every level, whatever the insertion order.
    let text = a.json_text();
    let pos = |k: &str| text.find(k).unwrap();
    assert!(pos("\"AWSTemplateFormatVersion\"") < pos("\"Conditions\""));
    assert!(pos("\"Conditions\"") < pos("\"Description\""));
    assert!(
        pos("\"Outputs\"") < pos("\"Parameters\"") && pos("\"Parameters\"") < pos("\"Resources\"")
    );
    assert!(text.ends_with("}\n"));
    // Adding resources in another order gives the same bytes.
    let mut x = Template::new();
    x.add("A", sqs::Queue::new());
    x.add("B", sqs::Queue::new());
    let mut y = Template::new();
    y.add("B", sqs::Queue::new());
    y.add("A", sqs::Queue::new());
    assert_eq!(
        x.render().unwrap().json_text(),
        y.render().unwrap().json_text()
    );
}

#[test]
fn yaml_says_the_same_as_json() {
    let rendered = sample().render().unwrap();
    let yaml = rendered.yaml_text();
    let parsed: serde_json::Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(&parsed, rendered.json());
    assert!(yaml.starts_with("AWSTemplateFormatVersion"));
}

#[test]
fn raw_resources_and_overrides() {
    let mut t = Template::new();
    let custom = t.add(
        "Thing",
        RawResource::new(
            "Custom::Thing",
            json!({ "ServiceToken": "arn:aws:lambda:x" }),
        ),
    );
    let bucket = t.add_with(
        "Site",
        s3::Bucket::new().bucket_name("b"),
        Attributes::new()
            .override_property("NewFeature.Enabled", json!(true))
            .remove_property("BucketName"),
    );
    t.override_property(&bucket, "Extra", custom.get_att("Value").to_json());
    let json = t.render().unwrap().json().clone();
    assert_eq!(json["Resources"]["Thing"]["Type"], "Custom::Thing");
    assert_eq!(
        json["Resources"]["Site"]["Properties"],
        json!({ "NewFeature": { "Enabled": true }, "Extra": { "Fn::GetAtt": ["Thing", "Value"] } })
    );
}

#[test]
fn tables_use_the_shared_tag_type() {
    let table = dynamodb::Table::new(vec![dynamodb::table::KeySchema::new(
        "pk",
        dynamodb::table::KeyType::Hash,
    )])
    .tags(vec![infra::Tag::new("app", "resume")]);
    let queue = sqs::Queue::new().tags(vec![infra::Tag::new("app", "resume")]);
    assert_eq!(
        table.to_json()["Tags"],
        json!([{ "Key": "app", "Value": "resume" }])
    );
    assert_eq!(queue.to_json()["Tags"], table.to_json()["Tags"]);
}

#[test]
fn introspection_for_tools() {
    let t = sample();
    let ids: Vec<&str> = t.resources().map(|r| r.logical_id()).collect();
    assert_eq!(ids, ["DeadLetters", "Jobs"]);
    let jobs = t.resource("Jobs").unwrap();
    assert_eq!(jobs.resource_type(), "AWS::SQS::Queue");
    assert_eq!(jobs.depends_on(), ["DeadLetters"]);
    assert_eq!(jobs.condition(), Some("IsProd"));
    assert_eq!(t.outputs().count(), 2);
    assert_eq!(t.parameters().count(), 2);
}

#[test]
fn inline_size_limit_is_reported() {
    let mut t = Template::new();
    t.add("Q", sqs::Queue::new());
    assert!(t.render().unwrap().fits_inline());
    let mut big = Template::new();
    for i in 0..300 {
        big.add(
            &format!("Queue{i}"),
            sqs::Queue::new().queue_name(format!("{:0>200}", i)),
        );
    }
    assert!(!big.render().unwrap().fits_inline());
}
