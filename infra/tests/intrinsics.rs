//! Every intrinsic renders to the JSON CloudFormation documents, and fits any
//! property type, not only strings.

use infra::aws::{dynamodb, lambda, sqs};
use infra::{fns, pseudo, sub, Condition, Mapping, Parameter, Template, ToJson, Value};
use serde_json::json;

#[test]
fn pseudo_parameters() {
    let cases = [
        (pseudo::region(), "AWS::Region"),
        (pseudo::account_id(), "AWS::AccountId"),
        (pseudo::stack_name(), "AWS::StackName"),
        (pseudo::stack_id(), "AWS::StackId"),
        (pseudo::partition(), "AWS::Partition"),
        (pseudo::url_suffix(), "AWS::URLSuffix"),
        (pseudo::no_value(), "AWS::NoValue"),
    ];
    for (value, name) in cases {
        assert_eq!(value.to_json(), json!({ "Ref": name }));
    }
    assert_eq!(
        pseudo::notification_arns().to_json(),
        json!({ "Ref": "AWS::NotificationARNs" })
    );
}

#[test]
fn ref_and_get_att_through_handles() {
    let mut t = Template::new();
    let queue = t.add("Jobs", sqs::Queue::new());
    assert_eq!(queue.reference().to_json(), json!({ "Ref": "Jobs" }));
    assert_eq!(
        Value::<String>::from(&queue).to_json(),
        json!({ "Ref": "Jobs" })
    );
    assert_eq!(
        queue.arn().to_json(),
        json!({ "Fn::GetAtt": ["Jobs", "Arn"] })
    );
    assert_eq!(
        queue.queue_url().to_json(),
        json!({ "Fn::GetAtt": ["Jobs", "QueueUrl"] })
    );
}

#[test]
fn sub_forms() {
    assert_eq!(
        fns::sub("${AWS::StackName}-x").to_json(),
        json!({ "Fn::Sub": "${AWS::StackName}-x" })
    );
    assert_eq!(
        fns::sub_with(
            "${A}/${B}",
            [("A", Value::from("a")), ("B", pseudo::region())]
        )
        .to_json(),
        json!({ "Fn::Sub": ["${A}/${B}", { "A": "a", "B": { "Ref": "AWS::Region" } }] })
    );
}

#[test]
fn interpolate_escapes_literals_and_inlines_references() {
    let mut t = Template::new();
    let queue = t.add("Jobs", sqs::Queue::new());
    let value = sub!(
        "x${y}-",
        pseudo::region(),
        "-",
        queue.arn(),
        "-",
        fns::import_value("Shared")
    );
    assert_eq!(
        value.to_json(),
        json!({ "Fn::Sub": ["x${!y}-${AWS::Region}-${Jobs.Arn}-${Part0}", { "Part0": { "Fn::ImportValue": "Shared" } }] })
    );
    assert_eq!(sub!("plain", "text"), Value::Lit("plaintext".to_owned()));
}

#[test]
fn interpolate_variable_names_never_shadow_references() {
    let mut t = Template::new();
    let part0 = t.add("Part0", sqs::Queue::new());
    let value = sub!(part0.reference(), fns::base64("x"));
    assert_eq!(
        value.to_json(),
        json!({ "Fn::Sub": ["${Part0}${Part1}", { "Part1": { "Fn::Base64": "x" } }] })
    );
}

#[test]
fn join_select_split_and_friends() {
    assert_eq!(
        fns::join(",", ["a", "b"]).to_json(),
        json!({ "Fn::Join": [",", ["a", "b"]] })
    );
    let split = fns::split(",", "a,b");
    assert_eq!(split.to_json(), json!({ "Fn::Split": [",", "a,b"] }));
    assert_eq!(
        fns::select(1, split.clone()).to_json(),
        json!({ "Fn::Select": [1, { "Fn::Split": [",", "a,b"] }] })
    );
    assert_eq!(
        fns::join_list("-", split).to_json(),
        json!({ "Fn::Join": ["-", { "Fn::Split": [",", "a,b"] }] })
    );
    assert_eq!(
        fns::import_value("Out").to_json(),
        json!({ "Fn::ImportValue": "Out" })
    );
    assert_eq!(fns::get_azs("").to_json(), json!({ "Fn::GetAZs": "" }));
    assert_eq!(fns::base64("hi").to_json(), json!({ "Fn::Base64": "hi" }));
    assert_eq!(
        fns::cidr("10.0.0.0/16", 4, 8).to_json(),
        json!({ "Fn::Cidr": ["10.0.0.0/16", 4, 8] })
    );
}

#[test]
fn conditions_and_if() {
    let mut t = Template::new();
    let stage = t.parameter("Stage", Parameter::string());
    let prod = t.condition("IsProd", Condition::equals(&stage, "prod"));
    let eu = t.condition("InEu", Condition::equals(pseudo::region(), "eu-west-1"));
    t.condition(
        "ProdOutsideEu",
        Condition::and([Condition::is(&prod), Condition::not(Condition::is(&eu))]),
    );
    let either = t.condition(
        "Either",
        Condition::or([Condition::is(&prod), Condition::is(&eu)]),
    );
    let v: Value<i64> = fns::if_(&either, 3, Value::no_value());
    assert_eq!(
        v.to_json(),
        json!({ "Fn::If": ["Either", 3, { "Ref": "AWS::NoValue" }] })
    );
    let rendered = {
        t.add("Q", sqs::Queue::new());
        t.render().unwrap()
    };
    assert_eq!(
        rendered.json()["Conditions"],
        json!({
            "IsProd": { "Fn::Equals": [{ "Ref": "Stage" }, "prod"] },
            "InEu": { "Fn::Equals": [{ "Ref": "AWS::Region" }, "eu-west-1"] },
            "ProdOutsideEu": { "Fn::And": [{ "Condition": "IsProd" }, { "Fn::Not": [{ "Condition": "InEu" }] }] },
            "Either": { "Fn::Or": [{ "Condition": "IsProd" }, { "Condition": "InEu" }] },
        })
    );
}

#[test]
fn find_in_map() {
    let mut t = Template::new();
    let sizes = t.mapping("Sizes", Mapping::new().entry("prod", [("Memory", "512")]));
    assert_eq!(
        sizes.find(pseudo::region(), "Memory").to_json(),
        json!({ "Fn::FindInMap": ["Sizes", { "Ref": "AWS::Region" }, "Memory"] })
    );
}

/// goformation's mistake avoided: intrinsics go into number, boolean, list,
/// map and nested-structure fields, not only strings.
#[test]
fn intrinsics_fit_every_property_type() {
    let mut t = Template::new();
    let timeout = t.parameter("Timeout", Parameter::integer().min_value(1).max_value(900));
    let ids = t.parameter("Subnets", Parameter::comma_delimited_list());
    let prod = t.condition("IsProd", Condition::equals(pseudo::region(), "us-east-1"));
    let queue = sqs::Queue::new()
        .visibility_timeout(&timeout) // number field, Ref to a Number parameter
        .fifo_queue(fns::if_(&prod, true, false)); // boolean field
    let q = t.add("Q", queue);
    let function = lambda::Function::new(
        // nested structure chosen by a condition
        fns::if_(
            &prod,
            lambda::function::Code::new().s3_bucket("a").s3_key("k"),
            lambda::function::Code::new().zip_file("def handler(e, c): pass"),
        ),
        "arn:aws:iam::123456789012:role/x",
    )
    .timeout(
        fns::select(0, fns::split(",", "3,4"))
            .cast::<i64>()
            .unwrap(),
    )
    .vpc_config(lambda::function::VpcConfig::new().subnet_ids(&ids)) // list field
    .environment(lambda::function::Environment::new().variables(Value::raw(
        json!({ "Fn::If": ["IsProd", { "A": "1" }, {}] }),
    )));
    let f = t.add("F", function);
    let props = t.resource(f.logical_id()).unwrap().properties();
    assert_eq!(props["Code"]["Fn::If"][0], json!("IsProd"));
    assert_eq!(props["VpcConfig"]["SubnetIds"], json!({ "Ref": "Subnets" }));
    assert_eq!(props["Timeout"]["Fn::Select"][0], json!(0));
    let qprops = t.resource(q.logical_id()).unwrap().properties();
    assert_eq!(qprops["VisibilityTimeout"], json!({ "Ref": "Timeout" }));
    assert_eq!(
        qprops["FifoQueue"],
        json!({ "Fn::If": ["IsProd", true, false] })
    );
    let table = dynamodb::Table::new(fns::if_(
        &prod,
        vec![dynamodb::table::KeySchema::new(
            "pk",
            dynamodb::table::KeyType::Hash,
        )],
        Value::no_value(),
    ));
    assert!(table.key_schema.to_json()["Fn::If"].is_array());
}

#[test]
fn numbers_render_plainly() {
    assert_eq!(Value::<f64>::from(5).to_json(), json!(5));
    assert_eq!(Value::<f64>::from(0.5).to_json(), json!(0.5));
}
