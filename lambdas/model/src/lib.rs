//! What every part of the visitor counter agrees on: the visit message, the
//! environment variables a function reads, the tables' key design, which
//! paths are pages, the processor's repair message, and (feature `aws`)
//! client construction.

#[cfg(feature = "aws")]
pub mod clients;
pub mod env;
pub mod fixtures;
pub mod message;
pub mod paths;
#[cfg(feature = "aws")]
pub mod provision;
pub mod repair;
pub mod tables;
