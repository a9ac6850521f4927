//! `cargo xtask`: the project's command line.

mod access;
mod bench;
mod browser;
mod build;
mod cli_check;
mod clients;
mod codegen;
mod cost;
mod counting_check;
mod deny;
mod deploy;
mod diff;
mod events;
mod forget;
mod import;
mod invoke;
mod lint;
mod local;
mod logs;
mod out;
mod pyenv;
mod readme;
mod sdk_error;
mod signals;
mod stop_check;
mod sync;
mod test_cmd;
mod test_stack;
mod uploads;
mod workflows;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
pub(crate) use xtask_front::{stack_config, synth};

/// Typed CloudFormation for a serverless visitor counter: generate, synthesize,
/// lint and test it.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
    /// Print only results, warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print every AWS call the deploy path makes.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Colour and live progress on standard error [auto: on a terminal, unless NO_COLOR is set].
    #[arg(long, global = true, value_enum, default_value_t = out::ColorArg::Auto, value_name = "WHEN")]
    color: out::ColorArg,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    Synth(Box<synth::Args>),
    /// Estimate what the prod stage costs a month at a number of visits (list prices, measured units).
    Cost(Box<cost::Args>),
    /// Run cfn-lint (pinned, in the managed Python environment) on every template.
    Lint,
    /// Run every check the project has: what CI runs.
    Test(test_cmd::Args),
    /// Create the artifact bucket and, for GitHub Actions, the OIDC deploy roles.
    Bootstrap(Box<deploy::bootstrap::Args>),
    /// Show what a deploy would change: values by path, replacements, security changes.
    Diff(Box<diff::Args>),
    /// Deploy a stage: package, upload, apply a change set (emulator by default; --aws opts in).
    Deploy(Box<deploy::Args>),
    /// Measure speed and cost on the embedded emulator against the naive design.
    Bench(bench::Args),
    /// Run the whole site and its live counter on this machine (embedded emulator).
    Local(Box<local::Args>),
    /// Print the functions' logs, newest last (local run by default; --aws: CloudWatch Logs).
    Logs(Box<logs::Args>),
    /// Keep a test stack in step with the working tree: code updated directly, the stack by change set.
    Sync(Box<sync::Args>),
    /// Deploy a throw-away test stack, run the integration suite on it, tear it down.
    TestStack(Box<test_stack::Args>),
    /// Delete a stack; what its template retains (tables, site bucket, edge versions) stays, listed with how to delete it.
    Destroy(deploy::DestroyArgs),
    /// Delete test stacks that a crashed run left behind (by name, tag and age; 2h at least).
    Gc(deploy::GcArgs),
    /// Delete what a stack stores about one visitor's address, and say what it was.
    Forget(Box<forget::Args>),
    /// Build the Rust functions as Lambda bootstrap binaries (cargo-lambda, release).
    Build(build::Args),
    /// Print a realistic Lambda event for one of the functions.
    GenerateEvent(events::Args),
    /// Run one function on an event against the embedded emulator; print its response.
    Invoke(invoke::Args),
    /// Generate the resource types in infra/src/aws/ from the vendored schemas.
    Codegen(codegen::Args),
    /// Write Rust that rebuilds an existing CloudFormation or SAM template through the typed API.
    Import(import::Args),
}

fn main() -> ExitCode {
    xtask_args::workspace::forget_cargo_run_env();
    let cli = Cli::parse();
    out::init(cli.quiet, cli.verbose, cli.color);
    if let Err(e) = signals::install() {
        eprintln!("warning: {e:#}; SIGTERM and SIGHUP will stop xtask without tearing down");
    }
    let result = match &cli.command {
        Cmd::Synth(args) => synth::run(args),
        Cmd::Cost(args) => cost::run(args),
        Cmd::Lint => lint::run(),
        Cmd::Test(args) => test_cmd::run(args),
        Cmd::Bootstrap(args) => deploy::bootstrap::run(args),
        Cmd::Deploy(args) => deploy::run(args),
        Cmd::Diff(args) => diff::run(args),
        Cmd::Bench(args) => bench::run(args),
        Cmd::Local(args) => local::run(args),
        Cmd::Logs(args) => logs::run(args),
        Cmd::Sync(args) => sync::run(args),
        Cmd::TestStack(args) => test_stack::run(args),
        Cmd::Destroy(args) => deploy::run_destroy(args),
        Cmd::Gc(args) => deploy::run_gc(args),
        Cmd::Forget(args) => forget::run(args),
        Cmd::Build(args) => build::run(args),
        Cmd::GenerateEvent(args) => events::run(args),
        Cmd::Invoke(args) => invoke::run(args),
        Cmd::Codegen(args) => codegen::run(args),
        Cmd::Import(args) => import::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            match err.downcast_ref::<signals::Interrupted>() {
                Some(signals::Interrupted(signal)) => {
                    // Whatever a dropped handle did not stop goes now.
                    signals::stop_descendants();
                    ExitCode::from(signal.exit_code())
                }
                None => ExitCode::FAILURE,
            }
        }
    }
}
