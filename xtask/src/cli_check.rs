//! The commands step: the command line a user types, run as a user runs
//! it (xtask's own binary, one process per command) against one embedded
//! emulator: `deploy --json`, `diff` (clean, changed with `--fail`, after a
//! `deploy --no-execute` that must change nothing), `gc --json`, `cost
//! --json`, and the AWS path up to its first call through a profile file
//! whose endpoint is the emulator (`--aws --profile`), and the refusals.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use crate::pyenv::PyEnv;

const STACK: &str = "cli-check";

struct Run {
    exe: PathBuf,
    env: Vec<(&'static str, PathBuf)>,
}

impl Run {
    /// `cargo xtask ARGS`: its output, whatever its exit status.
    fn output(&self, args: &[&str]) -> Result<Output> {
        let mut command = Command::new(&self.exe);
        // The profile files alone decide: credentials and a region in the
        // environment would win over them (the SDKs' order).
        for var in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
        ] {
            command.env_remove(var);
        }
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_os_str())))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running cargo xtask {}", args.join(" ")))
    }

    /// `cargo xtask ARGS`, which must succeed; its standard output.
    fn ok(&self, args: &[&str]) -> Result<String> {
        let out = self.output(args)?;
        if !out.status.success() {
            bail!(
                "`cargo xtask {}` failed ({}):\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `cargo xtask ARGS --json`'s one JSON object.
    fn json(&self, args: &[&str]) -> Result<Value> {
        let text = self.ok(args)?;
        serde_json::from_str(text.trim()).with_context(|| {
            format!(
                "`cargo xtask {}` printed no JSON object: {text}",
                args.join(" ")
            )
        })
    }

    /// `cargo xtask ARGS`, which must fail; its standard error.
    fn fails(&self, args: &[&str], code: i32) -> Result<String> {
        let out = self.output(args)?;
        ensure!(
            out.status.code() == Some(code),
            "`cargo xtask {}` exited {} where {code} was due",
            args.join(" "),
            out.status
        );
        Ok(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A config and a credentials file with profile `ci`, whose endpoint is `endpoint`.
fn profile_files(dir: &Path, endpoint: &str) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(
        &config,
        format!("[profile ci]\nregion = us-east-1\nendpoint_url = {endpoint}\n"),
    )?;
    std::fs::write(
        &credentials,
        "[ci]\naws_access_key_id = AKIACLICHECK00000001\naws_secret_access_key = secret\n",
    )?;
    Ok((config, credentials))
}

pub fn run() -> Result<()> {
    let exe = std::env::current_exe().context("finding xtask's own binary")?;
    let env = PyEnv::ensure()?;
    let moto = emulator::Moto::start_from(&env.bin_dir())?;
    let url = moto.endpoint().to_owned();
    let dir = crate::workspace::target_dir()?.join("cli-check");
    let (config, credentials) = profile_files(&dir, &url)?;
    let run = Run {
        exe,
        env: vec![
            ("AWS_CONFIG_FILE", config),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials),
        ],
    };
    let on = [
        "--endpoint",
        url.as_str(),
        "--stage",
        "test",
        "--stack",
        STACK,
    ];

    let deployed = run.json(&[&["deploy"][..], &on, &["--yes", "--json", "--quiet"]].concat())?;
    ensure!(deployed["changed"] == true, "deploy --json: {deployed}");
    ensure!(
        deployed["outputs"]["QueueName"].is_string(),
        "deploy --json has no outputs: {deployed}"
    );
    crate::out::say!(
        "deploy --json: stack {STACK} created, {} outputs",
        deployed["outputs"].as_object().map_or(0, |o| o.len())
    );

    let clean = run.json(&[&["diff"][..], &on, &["--json"]].concat())?;
    ensure!(
        clean["resources"].as_array().is_some_and(Vec::is_empty),
        "diff right after deploy: {clean}"
    );
    let changed = ["--log-retention-days", "7"];
    let stderr = run.fails(&[&["diff"][..], &on, &changed, &["--fail"]].concat(), 1)?;
    ensure!(
        stderr.contains("the template differs"),
        "diff --fail: {stderr}"
    );
    let text =
        String::from_utf8_lossy(&run.output(&[&["diff"][..], &on, &changed].concat())?.stdout)
            .into_owned();
    ensure!(
        text.contains("Properties.RetentionInDays: 30 -> 7"),
        "diff shows no path: {text}"
    );
    crate::out::say!(
        "diff: none after deploy; a changed retention shown by path, and --fail exits 1"
    );

    let pending = run.json(
        &[
            &["deploy"][..],
            &on,
            &changed,
            &["--no-execute", "--json", "--quiet"],
        ]
        .concat(),
    )?;
    ensure!(
        pending["change_set"].is_string() && pending["changed"] == false,
        "deploy --no-execute: {pending}"
    );
    let still = run.json(&[&["diff"][..], &on, &changed, &["--json"]].concat())?;
    ensure!(
        !still["resources"].as_array().is_some_and(Vec::is_empty),
        "--no-execute changed the stack: {still}"
    );
    crate::out::say!(
        "deploy --no-execute: change set {} left, nothing changed",
        pending["change_set"]
    );

    let gc = run.json(&["gc", "--endpoint", &url, "--dry-run", "--json"])?;
    ensure!(
        gc["dry_run"] == true && gc["stacks"].is_array(),
        "gc --json: {gc}"
    );

    let cost = run.json(&["cost", "--visits-per-month", "10000", "--json"])?;
    let rows: f64 = cost["services"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["usd"].as_f64())
        .sum();
    let total = cost["total_usd"].as_f64().unwrap_or(-1.0);
    ensure!(
        (rows - total).abs() < 1e-9,
        "cost rows {rows} do not add up to {total}"
    );
    crate::out::say!("gc --json and cost --json: rows add up to ${total:.4}");

    // The AWS path, through the profile file, up to and past its first call.
    let stderr = String::from_utf8_lossy(
        &run.output(&[
            "destroy",
            "--aws",
            "--profile",
            "ci",
            "--stack",
            "no-such-stack",
            "--yes",
        ])?
        .stderr,
    )
    .into_owned();
    ensure!(
        stderr.contains("profile ci, region us-east-1") && stderr.contains("AWS account"),
        "destroy --aws --profile ci did not say where it acts: {stderr}"
    );
    let stderr = run.fails(
        &[
            "destroy",
            "--aws",
            "--profile",
            "nope",
            "--region",
            "us-east-1",
            "--stack",
            "x",
            "--yes",
        ],
        1,
    )?;
    ensure!(
        stderr.contains("profile nope is in neither"),
        "an unknown profile: {stderr}"
    );
    let stderr = run.fails(&["deploy", "--profile", "ci"], 2)?;
    ensure!(
        stderr.contains("--aws"),
        "--profile without --aws: {stderr}"
    );
    crate::out::say!("--aws --profile: account, profile and region named before acting; an unknown profile is refused by name");
    Ok(())
}
