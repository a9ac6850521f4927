//! `cargo xtask local`: the whole site and its live counter on one machine.
//! The `prod` stage is deployed to the embedded emulator through the same
//! path as AWS, then what the emulator cannot run is served by
//! `stack_serve`, read from the template: the functions, the APIs and event
//! sources, the edge recorder and the distribution. `--app uploads` serves
//! the second application through the same calls (`uploads.rs`).

pub mod uploads;

use crate::stack_config::Load as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use visitor_stack::{outputs, StackConfig, Stage};

use crate::build::BINARIES;
use crate::deploy::site::{self, SiteConfig};
use crate::deploy::{self, DeployOptions, Target};
use crate::pyenv::PyEnv;
use crate::stack_config::ConfigArgs;
use crate::synth::AppArg;
use crate::{signals, workspace};
use stack_serve::{serve, EdgeRequest, Event, Events, RustFunctions, ServeRequest, Served, Tools};

/// The folder under the local run's directory where each function writes
/// its own log (see [`logs_dir`]).
const LOGS: &str = "logs";

/// Where the functions of `cargo xtask local` write their logs, one file
/// per function (what `cargo xtask logs` reads by default).
pub fn logs_dir() -> Result<PathBuf> {
    Ok(workspace::target_dir()?.join("local").join(LOGS))
}

/// Options of `cargo xtask local`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Everything runs on loopback: moto (the emulator), the functions under cargo lambda\nwatch, the APIs, the queue, stream and schedule pollers, the edge recorder and a\nCloudFront stand-in serving the site. Ctrl-C stops all of it.\n\nExamples:\n  cargo xtask local\n  cargo xtask local --port 3000\n  cargo xtask local --app uploads        # the second application: its bucket, queue and indexer"
)]
pub struct Args {
    /// Port of the site (127.0.0.1) [default: 8080]; 0 picks a free one.
    #[arg(long)]
    pub port: Option<u16>,
    /// Which application to run: the visitor counter's prod stage, or the
    /// uploads pipeline (apps/uploads; no site, so no port).
    #[arg(long, value_enum, default_value_t = AppArg::Visitor)]
    pub app: AppArg,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Everything `local` started; dropping it stops all of it.
pub struct Running {
    /// The site's URL.
    pub url: String,
    /// The emulator's endpoint.
    pub endpoint: String,
    served: Served,
    _target: Target,
}

impl Running {
    /// A deployed resource's physical ID (a table's name) by logical ID.
    pub fn physical_id(&self, logical_id: &str) -> Option<&str> {
        self.served.physical_id(logical_id)
    }
}

pub fn run(args: &Args) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let starting = signals::waiter();
        let (running, up, endpoint) = match args.app {
            AppArg::Visitor => {
                let config = args.config.load()?;
                let running = tokio::select! {
                    running = start(&config, args.port.unwrap_or(8080), None) => running?,
                    signal = starting.signal() => return Err(signals::Interrupted(signal).into()),
                };
                let up = format!(
                    "the site is up: {}\n    the functions' logs: cargo xtask logs --follow",
                    running.url
                );
                let endpoint = running.endpoint.clone();
                (Box::new(running) as Box<dyn Send>, up, endpoint)
            }
            AppArg::Uploads => {
                if args.port.is_some() || args.config.given() {
                    anyhow::bail!("--app uploads serves no site and has no stack configuration: drop --port and the configuration flags");
                }
                let running = tokio::select! {
                    running = uploads::start() => running?,
                    signal = starting.signal() => return Err(signals::Interrupted(signal).into()),
                };
                let up = format!(
                    "the uploads app is up: put files into s3://{} (aws --endpoint-url {} s3 cp FILE s3://{}/)\n    the functions' output: {}",
                    running.bucket,
                    running.endpoint,
                    running.bucket,
                    running.log.display()
                );
                let endpoint = running.endpoint.clone();
                (Box::new(running) as Box<dyn Send>, up, endpoint)
            }
        };
        // Claimed before "up" is said: a signal sent in answer finds it.
        let serving = signals::waiter();
        eprintln!(
            "\n==> {up}\n    emulator at {endpoint}; Ctrl-C stops everything\n"
        );
        // Ctrl-C, a closed terminal (SIGHUP) or SIGTERM: the way to stop.
        let signal = serving.signal().await;
        crate::out::say!("{}: stopping everything", signal.name());
        drop(running);
        Ok(())
    })
}

/// The managed Python environment's tools and the target directory, as
/// `stack_serve` runs them.
pub fn tools(env: &PyEnv) -> Result<Tools> {
    Ok(Tools {
        bin_dir: env.bin_dir(),
        target_dir: workspace::target_dir()?,
    })
}

/// Where the counter's Rust functions are (its manifest's binaries).
pub fn counter_functions() -> Result<RustFunctions> {
    Ok(RustFunctions {
        package_dir: workspace::root()?.join("lambdas/functions"),
        binaries: BINARIES
            .iter()
            .map(|(id, binary)| (id.to_string(), binary.to_string()))
            .collect(),
    })
}

/// What serving reports, printed: each invocation when `invocations`
/// (local mode), always what went wrong.
pub fn print_events(invocations: bool) -> Events {
    Arc::new(move |event| {
        match event {
        Event::Invoked {
            function,
            what,
            elapsed,
            error,
        } => {
            if invocations {
                let outcome = error.map_or_else(|| "ok".to_owned(), |e| format!("FAILED: {e}"));
                eprintln!(
                    "    {function:<12} {what} ({} ms) {outcome}",
                    elapsed.as_millis()
                );
            }
        }
        Event::Retried {
            function,
            retried,
            delivered,
        } => eprintln!(
            "    {function}: {retried} of {delivered} messages failed and go back to the queue"
        ),
        Event::Skipped { function, skipped } => {
            eprintln!("    {function}: {skipped} stream records skipped after retries")
        }
        Event::PollFailed {
            function,
            source,
            error,
        } => eprintln!("    polling {source} for {function}: {error}"),
        Event::NotServed { function, source } => eprintln!(
            "    {source} feeds {function}, which is not one of the served Rust functions: it is not polled"
        ),
        Event::NotScheduled {
            function,
            rule,
            expression,
        } => eprintln!(
            "    {function}: {rule}'s {expression} is not kept locally (only rate(...) schedules are)"
        ),
    }
    })
}

/// Makes `dir` an empty folder (a new run's logs start over).
pub fn clear_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("emptying {}", dir.display())),
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Binds the site's port, with a message that says what to do when taken.
pub async fn listen(port: u16) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                anyhow!("port {port} is in use: pass --port with a free one (--port 0 picks any)")
            }
            _ => anyhow!("cannot listen on 127.0.0.1:{port}: {e}"),
        })
}

/// Deploys `prod` to a fresh embedded emulator and serves it on `port`.
pub async fn start(config: &StackConfig, port: u16, site_dir: Option<PathBuf>) -> Result<Running> {
    let config = &*deploy::with_site_dir(config, site_dir.as_deref())?;
    let listener = listen(port).await?;
    let env = PyEnv::ensure()?;
    let moto = emulator::Moto::start_from(&env.bin_dir())?;
    let target = Target::Embedded(moto);
    let endpoint = target.endpoint().unwrap_or_default().to_owned();
    let stack = format!("{}-local", config.app_name);
    let options = DeployOptions {
        yes: true,
        timeout: Duration::from_secs(600),
        site_dir: site_dir.clone(),
        ..DeployOptions::default()
    };
    let deployed = deploy::deploy(&target, Stage::Prod, &stack, config, &options).await?;

    let template = visitor_stack::build(Stage::Prod, config)?;
    let sdk = target.sdk_config().await;
    let dir = workspace::target_dir()?.join("local");
    crate::out::say!(
        "starting the functions (cargo lambda watch; their output is in {})",
        dir.join("functions.log").display()
    );
    let log_dir = dir.join(LOGS);
    clear_dir(&log_dir)?;
    let tools = tools(&env)?;
    let mut served = serve(&ServeRequest {
        sdk: &sdk,
        endpoint: &endpoint,
        stack: &stack,
        template: &template,
        functions: &counter_functions()?,
        tools: &tools,
        log: &dir.join("functions.log"),
        extra_env: BTreeMap::from([(
            visitor_model::env::LOCAL_LOG_DIR.to_owned(),
            log_dir.to_string_lossy().into_owned(),
        )]),
        http_addr: ([127, 0, 0, 1], 0).into(),
        events: print_events(true),
    })
    .await?;
    let url = served
        .serve_distribution(
            &template,
            listener,
            &EdgeRequest {
                tools: &tools,
                code_dir: &dir,
                log_file: &|function| visitor_model::env::local_log_file(&log_dir, function),
            },
        )
        .await
        .context("serving the prod stage's CloudFront distribution")?;

    // The page's config.json names what is served here.
    let resolved = served.outputs(&deployed.outputs);
    let bucket = resolved
        .get(outputs::SITE_BUCKET)
        .context("the stack has no site bucket")?;
    let site_dir = match site_dir {
        Some(d) => d,
        None => workspace::root()?.join("site"),
    };
    let files = site::collect(&site_dir, &SiteConfig::from_outputs(&resolved)?)?;
    site::publish(&sdk, None, bucket, &files, None)
        .await
        .context("publishing config.json for local mode")?;
    Ok(Running {
        url,
        endpoint,
        served,
        _target: target,
    })
}
