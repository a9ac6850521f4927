//! The topology of a template that is not the visitor counter's: a queue
//! and a table stream, each driving a function, built with infra's
//! constructs; and the emulator's template without the mappings, their
//! references made placeholders.

use infra::aws::dynamodb::table::StreamViewType;
use infra::constructs::{
    dynamodb_event_source, sqs_event_source, FunctionCode, KeyAttribute, Queue, QueueProps,
    RateUnit, RustFunction, RustFunctionProps, Schedule, ScheduleExpr, SqsSource, StreamSource,
    Table, TableProps,
};
use infra::{Output, Template, Value};
use stack_local::emulate::{for_emulator, placeholder};
use stack_local::topology::{of, Source};

fn template() -> Template {
    let mut t = Template::new();
    let code = || FunctionCode {
        bucket: Value::Lit("artifacts".into()),
        key: Value::Lit("code.zip".into()),
    };
    let queue = Queue::new(&mut t, "Jobs", QueueProps::default());
    let mut worker = RustFunction::new(&mut t, "Worker", RustFunctionProps::new(code()));
    let source = SqsSource {
        batch_size: 5,
        ..SqsSource::default()
    };
    let mapping = sqs_event_source(&mut t, "WorkerSource", &queue, &mut worker, source);
    let table = Table::new(
        &mut t,
        "Orders",
        TableProps {
            stream: Some(StreamViewType::NewImage),
            ..TableProps::new(KeyAttribute::string("id"))
        },
    );
    let mut mailer = RustFunction::new(&mut t, "Mailer", RustFunctionProps::new(code()));
    dynamodb_event_source(
        &mut t,
        "MailerSource",
        &table,
        &mut mailer,
        StreamSource::default(),
    )
    .unwrap();
    let report = RustFunction::new(&mut t, "Report", RustFunctionProps::new(code()));
    let every = ScheduleExpr::every(15, RateUnit::Minute).unwrap();
    Schedule::new(&mut t, "Quarterly", &every, &report);
    t.output("Mapping", Output::new(mapping.reference()));
    t
}

#[test]
fn event_sources_are_read_from_any_template() {
    let t = of(&template());
    assert!(t.apis.is_empty() && t.distributions.is_empty());
    let by_function = |f: &str| {
        t.event_sources
            .iter()
            .find(|e| e.function == f)
            .map(|e| e.source.clone())
            .unwrap_or_else(|| panic!("no source for {f}: {:?}", t.event_sources))
    };
    assert_eq!(
        by_function("Worker"),
        Source::Queue {
            queue: "Jobs".into(),
            batch_size: 5,
            batching_window_s: 0,
            report_batch_item_failures: true,
        }
    );
    assert!(
        matches!(by_function("Mailer"), Source::Stream { table, latest: true, .. } if table == "Orders")
    );
    assert_eq!(
        by_function("Report"),
        Source::Schedule {
            rule: "Quarterly".into(),
            expression: "rate(15 minutes)".into(),
            every_s: Some(900),
        }
    );
}

#[test]
fn the_emulator_gets_the_template_without_what_it_cannot_run() {
    let rendered = template().render().unwrap();
    let emulated = for_emulator(rendered.json());
    let resources = emulated.template["Resources"].as_object().unwrap();
    assert!(!resources.contains_key("WorkerSource"));
    assert!(!resources.contains_key("MailerSource"));
    assert!(resources.contains_key("Worker") && resources.contains_key("Jobs"));
    assert_eq!(
        emulated
            .served_locally
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["MailerSource", "WorkerSource"]
    );
    assert_eq!(
        emulated.template["Outputs"]["Mapping"]["Value"],
        placeholder("WorkerSource", None)
    );
}
