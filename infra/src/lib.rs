//! Typed CloudFormation.
//!
//! Every resource type of the supported services is a Rust type generated from
//! AWS's official registry schemas ([`aws`]); every property accepts a literal or
//! an intrinsic ([`Value`]); resources, parameters, conditions and mappings are
//! referred to through typed handles; a [`Template`] is validated before it is
//! rendered to canonical JSON or YAML.
//!
//! ```
//! use infra::aws::{dynamodb, sqs};
//! use infra::{Output, Template};
//!
//! let mut template = Template::new();
//! let table = template.add(
//!     "Visits",
//!     dynamodb::Table::new(vec![dynamodb::table::KeySchema::new("pk", dynamodb::table::KeyType::Hash)])
//!         .attribute_definitions(vec![dynamodb::table::AttributeDefinition::new("pk", dynamodb::table::AttributeType::S)])
//!         .billing_mode(dynamodb::table::BillingMode::PayPerRequest),
//! );
//! let queue = template.add("Inbox", sqs::Queue::new().visibility_timeout(60));
//! template.output("TableStream", Output::new(table.stream_arn()));
//! template.output("QueueUrl", Output::new(queue.queue_url()));
//! let rendered = template.render().expect("valid template");
//! assert!(rendered.json_text().contains("\"AWS::DynamoDB::Table\""));
//! ```
//!
//! Generated types live in [`aws`], one module per service behind a cargo
//! feature of the same name (the default features: the services the
//! constructs use, and SSM; `all-services` for every one). The hand-written parts:
//! [`fns`] and [`pseudo`] (intrinsics), [`policy`] (IAM documents),
//! [`RawResource`] and [`Attributes::override_property`] (escape hatches).

pub mod access;
pub mod check;
mod conditions;
#[cfg(feature = "constructs")]
pub mod constructs;
pub mod diff;
pub mod fns;
mod for_each;
#[cfg(feature = "from-json")]
mod from_json;
mod json;
mod mapping;
#[cfg(feature = "cloudformation")]
pub mod nested;
mod output;
mod parameter;
mod parse;
pub mod policy;
pub mod pseudo;
mod render;
mod resource;
mod resource_policies;
pub mod rule;
pub mod shapes;
mod tag;
mod template;
mod validate;
mod value;

/// Resource types generated from the CloudFormation registry schemas, one
/// module per service. Do not edit: `cargo xtask codegen` writes them.
#[allow(
    clippy::too_many_arguments,
    clippy::module_inception,
    clippy::enum_variant_names,
    clippy::should_implement_trait,
    clippy::wrong_self_convention,
    clippy::upper_case_acronyms,
    clippy::large_enum_variant,
    clippy::type_complexity
)]
pub mod aws;

pub use conditions::{Condition, ConditionRef};
pub use for_each::{ForEachSection, FOR_EACH};
#[cfg(feature = "from-json")]
#[doc(hidden)]
pub use from_json::{
    object as from_json_object, optional as from_json_optional, required as from_json_required,
    variant as from_json_variant,
};
#[cfg(feature = "from-json")]
pub use from_json::{FromJson, FromJsonError};
pub use json::{canonicalize, json_object, Json, JsonMap, ToJson};
#[doc(hidden)]
pub use json::{put, put_opt};
pub use mapping::{Mapping, MappingRef};
pub use output::Output;
pub use parameter::{Param, Parameter};
pub use parse::{document_from_yaml, ParseError};
pub use render::{Rendered, MAX_BODY_BYTES, MAX_INLINE_BODY_BYTES};
pub use resource::{
    Attributes, DeletionPolicy, Handle, LogicalIdRef, RawResource, Resource, ResourceEntry,
};
pub use resource_policies::{
    CodeDeployLambdaAliasUpdate, CreationPolicy, ResourceSignal, RollingUpdate, UpdatePolicy,
};
pub use tag::Tag;
pub use template::{transforms, Template};
pub use validate::{limits, ValidationError, ValidationErrors};
pub use value::Value;
