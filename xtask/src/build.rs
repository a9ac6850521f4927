//! `cargo xtask build`: the Rust functions as Lambda `bootstrap` binaries,
//! built by cargo-lambda (pinned, in the managed Python environment, with zig
//! for cross-compiling) with the release profile's size settings.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::pyenv::PyEnv;
use crate::workspace;

/// The crate holding the functions, and its binaries (declared once, in
/// the stack's manifest).
pub use visitor_stack::manifest::{BINARIES, FUNCTIONS_PACKAGE};

/// Target CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Arch {
    /// Graviton (aarch64-unknown-linux-gnu).
    Arm64,
    /// x86-64 (x86_64-unknown-linux-gnu).
    X86_64,
}

impl Arch {
    fn triple(self) -> &'static str {
        match self {
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Arch::Arm64 => "--arm64",
            Arch::X86_64 => "--x86-64",
        }
    }
}

/// Options of `cargo xtask build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// CPU to build for; match `architecture` in resume.toml.
    #[arg(long, value_enum, default_value_t = Arch::Arm64)]
    pub arch: Arch,
}

/// One built function.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The stack's logical ID of the function.
    pub function: &'static str,
    /// The `bootstrap` binary.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
}

pub fn run(args: &Args) -> Result<()> {
    let artifacts = build(args.arch)?;
    eprintln!("{:<12} {:>10}  path", "function", "bytes");
    for a in &artifacts {
        eprintln!("{:<12} {:>10}  {}", a.function, a.bytes, a.path.display());
    }
    Ok(())
}

/// Builds every function for `arch` and returns the binaries.
pub fn build(arch: Arch) -> Result<Vec<Artifact>> {
    check_target(arch)?;
    let env = PyEnv::ensure()?;
    let path = std::env::join_paths(std::iter::once(env.bin_dir()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    crate::out::say!(
        "building the functions for {} (release profile; first build takes minutes)",
        arch.triple()
    );
    let zig = env.package_dir("ziglang")?.join("zig");
    let status = Command::new(env.bin("cargo-lambda"))
        .args([
            "lambda",
            "build",
            "--release",
            arch.flag(),
            "--package",
            FUNCTIONS_PACKAGE,
        ])
        .env("PATH", path)
        .env("CARGO_ZIGBUILD_ZIG_PATH", zig)
        .current_dir(workspace::root()?)
        // Standard output is the command's result (`--json`): builds talk on stderr.
        .stdout(std::io::stderr())
        .status()
        .context("running cargo-lambda")?;
    if !status.success() {
        bail!("cargo lambda build failed ({status})");
    }
    let dir = workspace::target_dir()?.join("lambda");
    BINARIES
        .iter()
        .map(|(function, binary)| {
            let path = dir.join(binary).join("bootstrap");
            let bytes = std::fs::metadata(&path)
                .with_context(|| format!("cargo-lambda did not produce {}", path.display()))?
                .len();
            Ok(Artifact {
                function,
                path,
                bytes,
            })
        })
        .collect()
}

/// The standard library for `arch` must be installed (rustup cannot reach
/// its servers from every machine).
fn check_target(arch: Arch) -> Result<()> {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .context("running rustc")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !sysroot.join("lib/rustlib").join(arch.triple()).exists() {
        bail!(
            "the Rust standard library for {} is not installed: run `rustup target add {}`, \
             or build for the other CPU with `--arch {}` and set `architecture` in resume.toml to match",
            arch.triple(),
            arch.triple(),
            if arch == Arch::Arm64 { "x86-64" } else { "arm64" }
        );
    }
    Ok(())
}
