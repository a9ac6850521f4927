//! `cargo xtask codegen`: infra's resource types from the vendored registry
//! schemas (the `infra-codegen` crate), written, checked or refreshed.

use anyhow::{bail, Context, Result};
use infra_codegen::schema::{self, CfnLintPackage};

use crate::pyenv::PyEnv;
use crate::workspace;

/// Options of `cargo xtask codegen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Compare instead of writing: fail when the committed code is stale.
    #[arg(long)]
    pub check: bool,
    /// First copy the schemas again from the pinned cfn-lint (needs the package index).
    #[arg(long, conflicts_with = "check")]
    pub refresh_schemas: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let root = workspace::root()?;
    if args.refresh_schemas {
        let env = PyEnv::ensure()?;
        let version = env
            .command("cfn-lint")
            .arg("--version")
            .output()
            .context("running cfn-lint --version")?;
        let package = CfnLintPackage {
            dir: env.package_dir("cfnlint")?,
            version: String::from_utf8_lossy(&version.stdout).into_owned(),
        };
        let done = schema::refresh(&root, &package)?;
        crate::out::say!(
            "vendored {} schemas of {} services into {}",
            done.schemas,
            done.services,
            schema::SCHEMA_DIR
        );
    }
    if args.check && infra_codegen::confirmed(&root)? {
        crate::out::say!(
            "generated code is fresh (its fingerprint matches the inputs and every file; {})",
            infra_codegen::fingerprint::FILE
        );
        return Ok(());
    }
    if args.check {
        crate::out::say!("the fingerprint does not confirm the generated code: generating it all to compare (about two minutes)");
    }
    let plan = infra_codegen::plan(&root)?;
    if args.check {
        if plan.is_fresh() {
            crate::out::say!("generated code is fresh ({} files)", plan.file_count());
            return Ok(());
        }
        let mut msg = String::from(
            "generated code is stale; run `cargo xtask codegen` and commit the result",
        );
        for p in plan.changed.iter().take(10) {
            msg.push_str(&format!("\n  differs: {}", p.display()));
        }
        for p in plan.stale.iter().take(10) {
            msg.push_str(&format!("\n  not generated any more: {}", p.display()));
        }
        bail!(msg);
    }
    plan.write(&root)?;
    crate::out::say!(
        "{} files generated: {} written, {} removed",
        plan.file_count(),
        plan.changed.len(),
        plan.stale.len()
    );
    Ok(())
}
