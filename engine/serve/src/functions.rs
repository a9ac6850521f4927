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

use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;

use crate::error::{Result, ServeError};

/// Where an application's Rust functions are: one crate, one binary per
/// function (`cargo lambda watch` serves every binary of the crate).
#[derive(Debug, Clone)]
pub struct RustFunctions {
    /// The crate's directory.
    pub package_dir: PathBuf,
    /// (logical ID in the template, binary name) of each function.
    pub binaries: Vec<(String, String)>,
}

impl RustFunctions {
    /// The binary built for the function `logical_id`.
    pub fn binary(&self, logical_id: &str) -> Option<&str> {
        self.binaries
            .iter()
            .find(|(id, _)| id == logical_id)
            .map(|(_, binary)| binary.as_str())
    }
}

/// The tools serving runs.
#[derive(Debug, Clone)]
pub struct Tools {
    /// A `bin` folder holding `cargo-lambda` and `python` (the managed
    /// Python environment's).
    pub bin_dir: PathBuf,
    /// The cargo target directory the functions are built into.
    pub target_dir: PathBuf,
}

/// Longest wait for `cargo lambda watch` to listen.
const START_LIMIT: Duration = Duration::from_secs(120);

/// A running `cargo lambda watch` and a client for it.
pub struct FunctionHost {
    child: Child,
    client: aws_sdk_lambda::Client,
    log: PathBuf,
}

impl FunctionHost {
    /// Starts `cargo lambda watch` for every binary of `functions`' crate,
    /// with `vars` in their environment; its output goes to `log`.
    pub async fn start(
        tools: &Tools,
        functions: &RustFunctions,
        vars: &BTreeMap<String, String>,
        log: &Path,
    ) -> Result<Self> {
        let port = emulator::free_port().map_err(|e| ServeError::Start(e.to_string()))?;
        let dir = log
            .parent()
            .ok_or_else(|| ServeError::Missing(format!("{} has no folder", log.display())))?;
        std::fs::create_dir_all(dir)
            .map_err(ServeError::io(format!("creating {}", dir.display())))?;
        // Beside its log, named after it: two apps served at once keep
        // their own environments.
        let env_file = log.with_extension("env");
        let mut text = String::new();
        for (k, v) in vars {
            if v.contains('\n') {
                return Err(ServeError::Environment(format!(
                    "environment variable {k} holds a line break; cargo lambda cannot pass it"
                )));
            }
            text.push_str(&format!("{k}={v}\n"));
        }
        std::fs::write(&env_file, text)
            .map_err(ServeError::io(format!("writing {}", env_file.display())))?;
        let out =
            File::create(log).map_err(ServeError::io(format!("creating {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(ServeError::io(format!("opening {}", log.display())))?;
        let path = std::env::join_paths(
            std::iter::once(tools.bin_dir.clone()).chain(
                std::env::var_os("PATH")
                    .iter()
                    .flat_map(std::env::split_paths),
            ),
        )
        .map_err(|e| ServeError::Environment(format!("PATH: {e}")))?;
        let child = Command::new(tools.bin_dir.join("cargo-lambda"))
            .args(["lambda", "watch", "--ignore-changes", "--quiet"])
            .args(["--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()])
            .arg("--env-file")
            .arg(&env_file)
            .current_dir(&functions.package_dir)
            .env("PATH", path)
            .env("CARGO_TARGET_DIR", &tools.target_dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own process group, so that stopping it stops the
            // functions it started too.
            .process_group(0)
            .spawn()
            .map_err(|e| {
                ServeError::Start(format!(
                    "starting `cargo lambda watch` from {} ({e}): is the managed Python environment complete?",
                    tools.bin_dir.display()
                ))
            })?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let config = emulator::sdk_config_for(&endpoint).await;
        let mut host = FunctionHost {
            child,
            client: aws_sdk_lambda::Client::new(&config),
            log: log.to_owned(),
        };
        let deadline = Instant::now() + START_LIMIT;
        let package = functions.package_dir.display();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            match host.child.try_wait() {
                Ok(None) => {}
                Ok(Some(status)) => {
                    return Err(ServeError::Start(format!(
                        "`cargo lambda watch` for {package} exited ({status}); see {}",
                        host.log.display()
                    )))
                }
                Err(e) => {
                    return Err(ServeError::Start(format!(
                        "waiting for `cargo lambda watch` for {package}: {e}"
                    )))
                }
            }
            if Instant::now() > deadline {
                return Err(ServeError::Start(format!(
                    "`cargo lambda watch` for {package} did not listen on port {port} within {}s; see {}",
                    START_LIMIT.as_secs(),
                    host.log.display()
                )));
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
            .map_err(|e| aws_sdk_lambda::error::DisplayErrorContext(&e).to_string())?;
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
