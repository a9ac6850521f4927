//! `cargo xtask local --app uploads`: the second application on one
//! machine, through the same library calls as its test stack
//! (`crate::uploads`): deployed to a fresh embedded emulator, its
//! functions and queue served by `stack_serve`. Put a file into the bucket
//! and the indexer indexes it; the hourly report runs every hour.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use stack_serve::Served;

use crate::deploy::Target;
use crate::pyenv::PyEnv;
use crate::{uploads, workspace};

/// The stack's name on the local emulator.
const STACK: &str = "uploads-local";

/// The uploads app, running; dropping it stops everything.
pub struct Running {
    /// The inbox bucket.
    pub bucket: String,
    /// The emulator's endpoint.
    pub endpoint: String,
    /// The stack's outputs.
    pub outputs: BTreeMap<String, String>,
    /// What is served.
    pub served: Served,
    /// The emulator's SDK configuration.
    pub sdk: aws_config::SdkConfig,
    /// Where the functions' output goes.
    pub log: std::path::PathBuf,
    _target: Target,
}

/// Deploys the app to a fresh embedded emulator and serves it.
pub async fn start() -> Result<Running> {
    let env = PyEnv::ensure()?;
    let target = Target::Embedded(emulator::Moto::start_from(&env.bin_dir())?);
    let endpoint = target.endpoint().unwrap_or_default().to_owned();
    let sdk = target.sdk_config().await;
    let outputs =
        uploads::deploy_emulated(&sdk, STACK, &BTreeMap::new(), Duration::from_secs(600)).await?;
    let log = workspace::target_dir()?.join("local").join("uploads.log");
    let served = uploads::serve_functions(&sdk, &endpoint, STACK, &log, true).await?;
    let bucket = outputs
        .get(uploads_stack::outputs::BUCKET)
        .cloned()
        .unwrap_or_default();
    Ok(Running {
        bucket,
        endpoint,
        outputs,
        served,
        sdk,
        log,
        _target: target,
    })
}

/// The local run checked as the test stack is: started, an upload
/// indexed and reported on through the served functions, stopped.
pub fn check() -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let running = start().await?;
        crate::out::say!("local uploads app up (emulator at {})", running.endpoint);
        uploads::suite(&running.sdk, &running.served, running.outputs.clone()).await?;
        crate::out::say!("the local uploads app works end to end");
        Ok(())
    })
}
