//! The visitor counter's Rust functions. Each handler is a plain async
//! function on a small context struct, testable without the Lambda runtime;
//! the binaries in `src/bin/` only wire `lambda_runtime`.

pub mod broadcaster;
pub mod classify;
pub mod connect;
pub mod counts;
mod dynamo;
pub mod processor;
pub mod runtime;
