//! The front door of `cargo xtask`: what needs the stack to answer `synth`.
//!
//! The binary links only `infra` (from a shared library, `infra-dylib`),
//! the stacks and `xtask-args`, so after an edit to a stack crate the
//! template prints in under a second; every other command goes to the full
//! `xtask` binary, which uses this crate for the same configuration and
//! templates.

pub mod stack_config;
pub mod synth;
