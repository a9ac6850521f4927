//! Typed structs for properties the registry schemas leave as free JSON
//! but AWS documents field by field; each converts into the property's
//! `Value<Json>`, so `sqs::Queue::new().redrive_policy(RedrivePolicy::new(...))`
//! is checked by the compiler instead of spelled as `json!`.

pub mod sqs;
