//! Function start-up time: a function binary is started with a stand-in of
//! the Lambda Runtime API on loopback; it is ready when it asks for its first
//! event (`GET /2018-06-01/runtime/invocation/next`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::AsyncReadExt;

/// Longest wait for one start.
const LIMIT: Duration = Duration::from_secs(20);

/// Milliseconds from spawn to the first `next` request, once per run.
pub async fn init_ms(
    binary: &Path,
    env: &BTreeMap<String, String>,
    runs: usize,
) -> Result<Vec<f64>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let api = listener.local_addr()?.to_string();
        let started = Instant::now();
        // Only what Lambda's environment holds (PATH, LANG and TZ as Lambda sets
        // them: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime):
        // this machine's variables
        // (SSL_CERT_DIR, proxies, ...) would change what the SDK does at
        // start-up.
        let mut child = tokio::process::Command::new(binary)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LANG", "en_US.UTF-8")
            .env("TZ", ":UTC")
            .envs(env)
            .env("AWS_LAMBDA_RUNTIME_API", &api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let ready = tokio::time::timeout(LIMIT, async {
            loop {
                let (mut socket, _) = listener.accept().await?;
                let mut seen = Vec::new();
                let mut buffer = [0u8; 1024];
                loop {
                    let n = socket.read(&mut buffer).await?;
                    if n == 0 {
                        break;
                    }
                    seen.extend_from_slice(&buffer[..n]);
                    if seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                if String::from_utf8_lossy(&seen).contains("/runtime/invocation/next") {
                    return Ok::<_, std::io::Error>(started.elapsed());
                }
            }
        })
        .await;
        let _ = child.kill().await;
        match ready {
            Ok(Ok(elapsed)) => times.push(elapsed.as_secs_f64() * 1000.0),
            Ok(Err(e)) => bail!("{}: {e}", binary.display()),
            Err(_) => bail!(
                "{} did not ask for an event within {}s (does it start without AWS?)",
                binary.display(),
                LIMIT.as_secs()
            ),
        }
    }
    Ok(times)
}
