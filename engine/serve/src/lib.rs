//! A stack deployed to an emulator, made to run as on AWS.
//!
//! moto's CloudFormation creates a stack's tables, queues, buckets and
//! functions but runs none of them, nor API Gateway v2 or CloudFront.
//! [`serve()`] reads from the template (through `stack_local::topology`)
//! what the emulator cannot run and runs it on loopback: the Rust functions
//! under `cargo lambda watch` ([`functions`]) with the environment the
//! emulator recorded for them, the HTTP and WebSocket APIs (`gateway`),
//! and the queues, table streams and schedules polled into the functions
//! with Lambda's semantics (`emulator`'s event sources).
//! [`Served::serve_distribution`] adds a CloudFront stand-in ([`cdn`]) with
//! its viewer-request functions ([`edge`], Python, inline code).
//!
//! Any application can be served: where its code is comes from a
//! [`RustFunctions`] (the crate and the binary of each function), where the
//! tools are from [`Tools`]. Nothing prints: what happens reaches the
//! caller as [`Event`]s, and errors are [`ServeError`]s.

pub mod cdn;
pub mod edge;
mod error;
pub mod functions;
mod serve;

pub use error::ServeError;
pub use functions::{RustFunctions, Tools};
pub use serve::{
    physical_ids, queue_url, scheduled_event, serve, EdgeRequest, Event, Events, ServeRequest,
    Served,
};
