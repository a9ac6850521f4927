//! What `cargo xtask`'s two binaries share without depending on a stack.
//!
//! `cargo xtask` runs the front door (`xtask-front`), which links only
//! `infra` and the stacks and answers `synth` itself; any other command it
//! hands to the full `xtask` binary ([`front::main`]). Both parse the same
//! [`synth::Args`] and [`config::ConfigArgs`]. Nothing here depends on a
//! stack, so after an edit to a stack crate only that crate and the front
//! door's small binary are rebuilt before the template prints.

pub mod config;
pub mod front;
pub mod synth;
pub mod workspace;
