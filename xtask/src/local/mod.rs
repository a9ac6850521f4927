//! `cargo xtask local`: the whole site and its live counter on one machine.
//! The `prod` stage is deployed to the embedded emulator through the same
//! path as AWS, then what the emulator cannot run is served here, read from
//! the template: the functions (`functions`), the APIs and event sources
//! (`serve`), the edge recorder (`edge`) and the distribution (`cdn`).

pub mod cdn;
pub mod edge;
pub mod functions;
pub mod serve;

use crate::stack_config::Load as _;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use visitor_stack::{outputs, StackConfig, Stage};

use crate::deploy::site::{self, SiteConfig};
use crate::deploy::{self, DeployOptions, Target};
use crate::pyenv::PyEnv;
use crate::stack_config::ConfigArgs;
use crate::{signals, workspace};
use edge::EdgeHost;
use serve::{serve, ServeRequest, Served};
use stack_local::emulate::ServedApi;
use stack_local::topology::{self, Origin};

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
    after_help = "Everything runs on loopback: moto (the emulator), the functions under cargo lambda\nwatch, the APIs, the queue and stream pollers, the edge recorder and a CloudFront\nstand-in serving the site. Ctrl-C stops all of it.\n\nExamples:\n  cargo xtask local\n  cargo xtask local --port 3000"
)]
pub struct Args {
    /// Port of the site (127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Everything `local` started; dropping it stops all of it.
pub struct Running {
    /// The site's URL.
    pub url: String,
    /// The emulator's endpoint.
    pub endpoint: String,
    _served: Served,
    _edge: Vec<Arc<EdgeHost>>,
    _target: Target,
}

impl Running {
    /// A deployed resource's physical ID (a table's name) by logical ID.
    pub fn physical_id(&self, logical_id: &str) -> Option<&str> {
        self._served.physical_id(logical_id)
    }
}

pub fn run(args: &Args) -> Result<()> {
    let config = args.config.load()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let starting = signals::waiter();
        let running = tokio::select! {
            running = start(&config, args.port, None) => running?,
            signal = starting.signal() => return Err(signals::Interrupted(signal).into()),
        };
        // Claimed before "up" is said: a signal sent in answer finds it.
        let serving = signals::waiter();
        eprintln!(
            "\n==> the site is up: {}\n    emulator at {}; Ctrl-C stops everything\n    the functions' logs: cargo xtask logs --follow\n",
            running.url, running.endpoint
        );
        // Ctrl-C, a closed terminal (SIGHUP) or SIGTERM: the way to stop.
        let signal = serving.signal().await;
        eprintln!("==> {}: stopping everything", signal.name());
        drop(running);
        Ok(())
    })
}

/// Deploys `prod` to a fresh embedded emulator and serves it on `port`.
pub async fn start(config: &StackConfig, port: u16, site_dir: Option<PathBuf>) -> Result<Running> {
    let config = &*deploy::with_site_dir(config, site_dir.as_deref())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                anyhow!("port {port} is in use: pass --port with a free one (--port 0 picks any)")
            }
            _ => anyhow!("cannot listen on 127.0.0.1:{port}: {e}"),
        })?;
    let url = format!("http://{}", listener.local_addr()?);
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
    eprintln!(
        "==> starting the functions (cargo lambda watch; their output is in {})",
        dir.join("functions.log").display()
    );
    let mut served = serve(&ServeRequest {
        sdk: &sdk,
        endpoint: &endpoint,
        stack: &stack,
        template: &template,
        env: &env,
        log: &dir.join("functions.log"),
        log_dir: &dir.join(LOGS),
        http_addr: ([127, 0, 0, 1], 0).into(),
        log_invocations: true,
        record_calls: None,
    })
    .await?;

    let topology = topology::of(&template);
    let distribution = topology
        .distributions
        .first()
        .cloned()
        .context("the prod stage has no CloudFront distribution to serve")?;
    served.add(
        &distribution.id,
        ServedApi {
            id: "LOCAL".into(),
            endpoint: url.clone(),
            execute_api: url.clone(),
        },
    );
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let mut buckets = HashMap::new();
    let mut apis = HashMap::new();
    let mut edge = HashMap::new();
    let mut hosts = Vec::new();
    for behavior in &distribution.behaviors {
        match &behavior.origin {
            Origin::Bucket(id) => {
                let name = served
                    .physical_id(id)
                    .with_context(|| format!("the stack has no bucket {id}"))?;
                buckets.insert(id.clone(), name.to_owned());
            }
            Origin::Api(id) => {
                let base = served
                    .api_endpoint(id)
                    .with_context(|| format!("API {id} is not served"))?;
                apis.insert(id.clone(), base.to_owned());
            }
        }
        // APIs a response header names (a CSP's connect-src) are served too.
        for header in &behavior.headers {
            for part in &header.value {
                if let topology::Part::ApiOrigin(id) = part {
                    if let Some(base) = served.api_endpoint(id) {
                        apis.insert(id.clone(), base.to_owned());
                    }
                }
            }
        }
        let Some(function) = &behavior.viewer_request else {
            continue;
        };
        if edge.contains_key(function) {
            continue;
        }
        // `Fn::Sub` fills a queue's `Ref` with its URL, as the endpoint reports it.
        let mut references = HashMap::new();
        for r in template.resources() {
            if let Some(id) = served.physical_id(r.logical_id()) {
                let value = if r.resource_type() == "AWS::SQS::Queue" {
                    serve::queue_url(&sqs, id).await?
                } else {
                    id.to_owned()
                };
                references.insert(r.logical_id().to_owned(), value);
            }
        }
        let reference = |id: &str| {
            references
                .get(id)
                .cloned()
                .with_context(|| format!("the stack has no resource {id} to fill ${{{id}}}"))
        };
        let (code, handler) = edge::inline_code(&template, function, &reference)?;
        let host = Arc::new(
            EdgeHost::start(
                &env,
                &code,
                &handler,
                &dir.join(function),
                &visitor_model::env::local_log_file(&dir.join(LOGS), function),
                &endpoint,
            )
            .await?,
        );
        hosts.push(host.clone());
        edge.insert(function.clone(), host);
    }
    cdn::serve(
        listener,
        cdn::Cdn {
            distribution,
            buckets,
            apis,
            edge,
            s3: aws_sdk_s3::Client::new(&sdk),
        },
    )?;

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
        _served: served,
        _edge: hosts,
        _target: target,
    })
}
