//! `cargo xtask`: `synth` is answered here, anything else by the full xtask.

use std::process::ExitCode;

// Linked for its effect: infra comes from the shared library (see its docs).
use infra_dylib as _;

fn main() -> ExitCode {
    xtask_args::front::main(xtask_front::synth::run)
}
