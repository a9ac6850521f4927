//! `tools/imported/inputs/odd_corners.json` rebuilt through infra's typed API,
//! written by `UPDATE_IMPORTS=1 cargo test -p infra-import --test fixtures`.
//! Needs infra's features `cloudformation`, `lambda`, `logs`, `sns`, `sqs`.
//! `template()` builds a template that renders equal to the input (in canonical
//! order).

#![allow(unused_imports)]

use std::collections::BTreeMap;

use infra::aws;
use infra::{
    fns, pseudo, Attributes, Condition, DeletionPolicy, Json, Mapping, Output, Parameter,
    RawResource, Template, ToJson, Value,
};
use serde_json::json;

/// The template, built.
pub fn template() -> Template {
    let mut t = Template::new();
    t.set_description("Every section and the corners the typed API writes as JSON");
    t.transform("AWS::LanguageExtensions");
    let env = t.parameter(
        "Env",
        Parameter::string()
            .allowed_values(["prod", "test"])
            .default_value("test"),
    );
    let ratio = t.parameter("Ratio", Parameter::number().default_value(0.5));
    let retention = t.parameter(
        "Retention",
        Parameter::integer()
            .raw_key("Default", json!("14"))
            .min_value(1),
    );
    let secret = t.parameter(
        "Secret",
        Parameter::string().raw_key("NoEcho", json!("true")),
    );
    let subnets = t.parameter(
        "Subnets",
        Parameter::comma_delimited_list().default_value(["a", "b"]),
    );
    let type_parameter = t.parameter("Type", Parameter::string().default_value("site"));
    let vpc = t.parameter("Vpc", Parameter::aws_type("AWS::EC2::VPC::Id"));
    let accounts = t.mapping(
        "Accounts",
        Mapping::new()
            .json_entry("prod", json!({"Id": 123456789012_i64}))
            .entry("test", [("Id", "210987654321")]),
    );
    let names = t.mapping(
        "Names",
        Mapping::new()
            .entry("prod", [("Queue", "visits")])
            .entry("test", [("Queue", "visits-test")]),
    );
    let sizes = t.mapping(
        "Sizes",
        Mapping::new()
            .json_entry(
                "prod",
                json!({"Count": 3, "Memory": "1024", "Zones": ["a", "b"]}),
            )
            .json_entry("test", json!({"Count": 1, "Memory": "128", "Zones": ["a"]})),
    );
    let is_prod = t.condition("IsProd", Condition::equals(env.reference(), "prod"));
    let is_test = t.condition("IsTest", Condition::not(Condition::is(&is_prod)));
    t.condition(
        "ProdOrLong",
        Condition::or([
            Condition::is(&is_prod),
            Condition::equals(
                retention.reference().into_type::<String>(),
                Value::<String>::raw(json!(30)),
            ),
        ]),
    );
    let dlq = t.add_with(
        "Dlq",
        aws::sqs::Queue::new().visibility_timeout(fns::select::<i64>(
            0,
            Value::<Vec<Value<i64>>>::from(vec![30, 60]),
        )),
        Attributes::new().condition(&is_prod),
    );
    t.add(
        "Fn",
        aws::lambda::Function::new(
            aws::lambda::function::Code::new()
                .zip_file("def handler(event, context):\n    return 1\n"),
            "arn:aws:iam::123456789012:role/fn",
        )
        .environment(aws::lambda::function::Environment::new().variables([
            ("ACCOUNT", accounts.find("prod", "Id").into_type::<Json>()),
            (
                "QUEUE",
                Value::<Json>::raw(json!({"Fn::GetAtt": "Queue.Arn"})),
            ),
        ]))
        .handler("index.handler")
        .runtime(aws::lambda::function::Runtime::Python312),
    );
    t.add(
        "Match",
        aws::sns::Topic::new().display_name(type_parameter.reference()),
    );
    let queue = t.add_with(
        "Queue",
        aws::sqs::Queue::new()
            .delay_seconds(Value::<i64>::raw(json!("5")))
            .message_retention_period(fns::if_::<i64>(&is_prod, 1209600, Value::<i64>::no_value()))
            .queue_name(names.find(env.reference(), "Queue"))
            .tags(vec![
                infra::Tag::new("env", env.reference()),
                infra::Tag::new("stack", pseudo::stack_name()),
            ]),
        Attributes::new()
            .deletion_policy(DeletionPolicy::Retain)
            .update_replace_policy(DeletionPolicy::Retain),
    );
    let logs = t.add_with(
        "Logs",
        aws::logs::LogGroup::new()
            .log_group_name(fns::join(
                "/",
                vec![
                    Value::<String>::from("/app"),
                    env.reference(),
                    fns::select::<String>(1, fns::split(":", queue.arn())),
                ],
            ))
            .retention_in_days(retention.reference()),
        Attributes::new()
            .depends_on(&queue)
            .metadata(json!({"Purpose": "logs"})),
    );
    let topic = t.add(
        "Topic",
        RawResource::new(
            "AWS::SNS::Topic",
            infra::json_object([
                ("Colour", json!("blue")),
                (
                    "DisplayName",
                    fns::sub_with(
                        "${Name}-${AWS::Region}",
                        [("Name", fns::import_value("shared-name"))],
                    )
                    .to_json(),
                ),
                ("FifoTopic", json!(false)),
                (
                    "Subscription",
                    json!([{"Endpoint": {"Fn::GetAtt": "Queue.Arn"}, "Protocol": "sqs"}]),
                ),
            ]),
        ),
    );
    t.add_with(
        "Thing",
        RawResource::new("Custom::Thing", infra::json_object([
            ("Blocks", fns::cidr("10.0.0.0/16", 4, 8).to_json()),
            ("Count", sizes.find(env.reference(), "Count").to_json()),
            ("Encoded", fns::base64(secret.reference()).to_json()),
            ("Ratio", ratio.reference().to_json()),
            ("ServiceToken", fns::sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:thing").to_json()),
            ("Subnets", subnets.reference().to_json()),
            ("Vpc", vpc.reference().to_json()),
            ("Zones", fns::get_azs("").to_json()),
        ])),
        Attributes::new()
            .depends_on(&topic)
            .depends_on(&logs),
    );
    t.add_with(
        "Wait",
        aws::cloudformation::WaitConditionHandle::new(),
        Attributes::new().condition(&is_test),
    );
    t.set_metadata(
        "Owner",
        json!({"Env": env.reference().to_json(), "Team": "site"}),
    );
    t.rule(
        "ProdNeedsRetention",
        infra::json_object([
            (
                "Assertions",
                Json::Array(vec![infra::json_object([(
                    "Assert",
                    json!({"Fn::Not": [{"Fn::Equals": [retention.reference().to_json(), "1"]}]}),
                )])]),
            ),
            (
                "RuleCondition",
                json!({"Fn::Equals": [env.reference().to_json(), "prod"]}),
            ),
        ]),
    );
    t.for_each(
        infra::ForEachSection::Resources,
        "Extra",
        "Name",
        subnets.reference(),
        infra::json_object([(
            "Extra${Name}",
            infra::json_object([
                (
                    "Properties",
                    infra::json_object([
                        ("QueueName", fns::sub("extra-${Name}").to_json()),
                        (
                            "Tags",
                            json!([{"Key": "of", "Value": queue.reference().to_json()}]),
                        ),
                    ]),
                ),
                ("Type", json!("AWS::SQS::Queue")),
            ]),
        )]),
    );
    t.output("DlqArn", Output::new(dlq.arn()).condition(&is_prod));
    t.output(
        "Length",
        Output::new(fns::to_json_string(infra::json_object([(
            "Count",
            fns::length(subnets.reference().into_type::<Vec<Value<Json>>>()).to_json(),
        )]))),
    );
    t.output(
        "QueueUrl",
        Output::new(queue.reference())
            .description("The queue")
            .export(fns::sub("${AWS::StackName}-queue")),
    );
    t.output(
        "Zones",
        Output::new(fns::join_list(",", sizes.find_list("prod", "Zones"))),
    );
    t
}
