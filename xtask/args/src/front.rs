//! The front door's `main`: `synth` is answered in this process; anything
//! else becomes `cargo run --package xtask -- ARGS` in this process's place.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

use crate::{synth, workspace};

/// The one command the front door answers; the full xtask has the same one.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Front {
    #[command(subcommand)]
    command: Only,
    /// The full xtask's output flags, accepted here too (synth prints only
    /// the template).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[arg(long, global = true, value_name = "WHEN")]
    color: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Only {
    Synth(Box<synth::Args>),
}

/// Runs `synth` with `render_synth`, or hands the command line to the full
/// xtask. `exec` keeps one process: signals reach xtask as they would
/// without the front door, and xtask's exit code is ours.
pub fn main(render_synth: fn(&synth::Args) -> anyhow::Result<()>) -> ExitCode {
    workspace::forget_cargo_run_env();
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "synth") {
        let Only::Synth(synth_args) = Front::parse_from(&args).command;
        return match render_synth(&synth_args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::FAILURE
            }
        };
    }
    let err = Command::new(workspace::cargo())
        .args(["run", "--quiet", "--package", "xtask", "--"])
        .args(args.iter().skip(1))
        .exec();
    eprintln!("error: could not run `cargo run --package xtask`: {err}");
    ExitCode::FAILURE
}
