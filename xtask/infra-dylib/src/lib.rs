//! `infra` and what it depends on, linked once into a shared library.
//!
//! A binary that names this crate links `infra` from it instead of copying
//! `infra`'s code into itself, so relinking after an edit to a stack takes
//! milliseconds. Rust links such a binary's standard library dynamically
//! too; `cargo run` puts both libraries on the library path.

pub use clap;
pub use infra::*;
pub use serde;
pub use serde_json;
pub use toml;
