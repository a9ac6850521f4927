//! The Rust functions running as Lambda runs them: `cargo lambda watch`
//! (pinned, from the managed Python environment) serves the Lambda Invoke API
//! on a loopback port, and functions are invoked by binary name through the
//! real `aws-sdk-lambda` client.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;

use crate::build::FUNCTIONS_PACKAGE;
use crate::pyenv::PyEnv;
use crate::sdk_error::sdk_error;
use crate::workspace;

/// Longest wait for `cargo lambda watch` to listen.
const START_LIMIT: Duration = Duration::from_secs(120);

/// A running `cargo lambda watch` and a client for it.
pub struct FunctionHost {
    child: Child,
    client: aws_sdk_lambda::Client,
    log: PathBuf,
}

impl FunctionHost {
    /// Starts `cargo lambda watch` for every binary of the functions crate,
    /// with `vars` in their environment; its output goes to `log`.
    pub async fn start(env: &PyEnv, vars: &BTreeMap<String, String>, log: &Path) -> Result<Self> {
        let port = emulator::free_port()?;
        let dir = log.parent().context("the log file needs a directory")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let env_file = dir.join("functions.env");
        let mut text = String::new();
        for (k, v) in vars {
            if v.contains('\n') {
                bail!("environment variable {k} holds a line break; cargo lambda cannot pass it");
            }
            text.push_str(&format!("{k}={v}\n"));
        }
        std::fs::write(&env_file, text)
            .with_context(|| format!("writing {}", env_file.display()))?;
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let package = workspace::root()?.join("lambdas/functions");
        let path = match std::env::var_os("PATH") {
            Some(p) => std::env::join_paths(
                std::iter::once(env.bin_dir()).chain(std::env::split_paths(&p)),
            )?,
            None => env.bin_dir().into_os_string(),
        };
        let child = Command::new(env.bin("cargo-lambda"))
            .args(["lambda", "watch", "--ignore-changes", "--quiet"])
            .args(["--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()])
            .arg("--env-file")
            .arg(&env_file)
            .current_dir(&package)
            .env("PATH", path)
            .env("CARGO_TARGET_DIR", workspace::target_dir()?)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own process group, so that stopping it stops the
            // functions it started too.
            .process_group(0)
            .spawn()
            .context(
                "starting `cargo lambda watch` (is the managed Python environment complete?)",
            )?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let config = emulator::sdk_config_for(&endpoint).await;
        let mut host = FunctionHost {
            child,
            client: aws_sdk_lambda::Client::new(&config),
            log: log.to_owned(),
        };
        let deadline = Instant::now() + START_LIMIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = host.child.try_wait()? {
                bail!(
                    "`cargo lambda watch` for {FUNCTIONS_PACKAGE} exited ({status}); see {}",
                    host.log.display()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "`cargo lambda watch` did not listen on port {port} within {}s; see {}",
                    START_LIMIT.as_secs(),
                    host.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(host)
    }

    /// Invokes the function built as `binary` and returns its JSON response;
    /// a function error is an `Err` with its message.
    pub async fn invoke(&self, binary: &str, event: &Value) -> Result<Value, String> {
        let out = self
            .client
            .invoke()
            .function_name(binary)
            .payload(Blob::new(event.to_string()))
            .send()
            .await
            .map_err(|e| sdk_error(&e).to_string())?;
        let payload = out
            .payload()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .unwrap_or_default();
        if let Some(kind) = out.function_error() {
            return Err(format!("{binary} failed ({kind}): {payload}"));
        }
        if payload.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&payload)
            .map_err(|e| format!("{binary} answered with something not JSON ({e}): {payload}"))
    }
}

impl Drop for FunctionHost {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's process group; no memory is touched.
            unsafe {
                libc::kill(-pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // SAFETY: as above.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }
}
