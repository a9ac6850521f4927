//! `cargo xtask synth`: render a stage's template (or a library example) to
//! standard output or a file.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use visitor_stack::{IpStorage, StackConfig, Stage};

use crate::stack_config::ConfigArgs;
use crate::workspace;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Canonical JSON (sorted keys, two-space indent): what deploy sends.
    Json,
    /// YAML with the same key order.
    Yaml,
}

/// `--stage` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StageArg {
    /// The whole system: CloudFront, the edge recorder, the site (us-east-1).
    Prod,
    /// The counters only, for integration tests.
    Test,
}

impl From<StageArg> for Stage {
    fn from(s: StageArg) -> Self {
        match s {
            StageArg::Prod => Stage::Prod,
            StageArg::Test => Stage::Test,
        }
    }
}

/// Options of `cargo xtask synth`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cargo xtask synth                      # prod, JSON, to stdout\n  cargo xtask synth --stage test --format yaml\n  cargo xtask synth --domain cv.example.com --hosted-zone-id Z0123456789ABC --out prod.json\n  cargo xtask synth --example quickstart  # the library's README example"
)]
pub struct Args {
    /// Which stage to render.
    #[arg(long, value_enum, default_value_t = StageArg::Prod)]
    pub stage: StageArg,
    /// Render a library example from infra/examples/ instead of a stage.
    #[arg(long, value_name = "NAME", conflicts_with = "stage")]
    pub example: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Something that renders to a template.
#[derive(Debug, Clone)]
pub enum Source {
    /// A stage of the visitor counter with a configuration; `label` names
    /// the variant in file names.
    Stage {
        stage: Stage,
        config: Box<StackConfig>,
        label: String,
    },
    /// `cargo run -p infra --example NAME`.
    Example(String),
    /// The bootstrap stack with GitHub deployment roles for an example repository.
    Bootstrap,
}

impl Source {
    pub fn file_stem(&self) -> String {
        match self {
            Source::Stage { label, .. } => label.clone(),
            Source::Example(name) => format!("example-{name}"),
            Source::Bootstrap => "bootstrap".into(),
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let source = match &args.example {
        Some(name) => Source::Example(name.clone()),
        None => Source::Stage {
            stage: args.stage.into(),
            config: Box::new(args.config.load()?),
            label: String::new(),
        },
    };
    let text = render(&source, args.format)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("==> wrote {} ({} bytes)", path.display(), text.len());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Every template the project can synthesize (what `lint` checks): both
/// stages with the default configuration, prod with each kind of domain
/// setup, and the library's examples.
pub fn all_sources() -> Result<Vec<Source>> {
    let stage = |stage: Stage, label: &str, config: StackConfig| Source::Stage {
        stage,
        config: Box::new(config),
        label: label.to_owned(),
    };
    let mut sources = vec![
        stage(Stage::Prod, "prod", StackConfig::default()),
        stage(Stage::Test, "test", StackConfig::default()),
        stage(
            Stage::Prod,
            "prod-dns-certificate",
            variant_dns_certificate(),
        ),
        stage(
            Stage::Prod,
            "prod-existing-certificate",
            variant_existing_certificate(),
        ),
        // Every optional part on: the WAF rate limit, reserved concurrency,
        // CloudFront's standard logs, an alarm address.
        stage(
            Stage::Prod,
            "prod-with-limits",
            StackConfig {
                waf_rate_limit: Some(1000),
                cloudfront_log_days: Some(30),
                alarm_email: Some("owner@example.com".into()),
                processor: visitor_stack::FunctionSize {
                    reserved_concurrency: Some(5),
                    ..StackConfig::default().processor
                },
                ..StackConfig::default()
            },
        ),
    ];
    sources.push(Source::Bootstrap);
    sources.extend(examples()?.into_iter().map(Source::Example));
    Ok(sources)
}

/// Prod with a certificate created in a hosted zone and hashed IPs.
pub fn variant_dns_certificate() -> StackConfig {
    StackConfig {
        domain_names: vec!["cv.example.com".into(), "www.cv.example.com".into()],
        hosted_zone_id: Some("Z0123456789ABCDEFGHIJ".into()),
        ip_storage: IpStorage::Hashed,
        allowed_origins: vec!["http://localhost:8080".into()],
        ..StackConfig::default()
    }
}

/// Prod with a certificate that already exists.
pub fn variant_existing_certificate() -> StackConfig {
    StackConfig {
        domain_names: vec!["cv.example.com".into()],
        certificate_arn: Some(
            "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
                .into(),
        ),
        ..StackConfig::default()
    }
}

/// The library's examples, by file name.
pub fn examples() -> Result<Vec<String>> {
    let dir = workspace::root()?.join("infra").join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".rs")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

pub fn render(source: &Source, format: Format) -> Result<String> {
    match source {
        Source::Bootstrap => {
            let github = visitor_stack::bootstrap::GitHubDeploy {
                repo: "octo/resume".into(),
                environment: visitor_stack::bootstrap::DEPLOY_ENVIRONMENT.into(),
                existing_provider_arn: None,
            };
            let rendered =
                visitor_stack::bootstrap::bootstrap(&StackConfig::default(), Some(&github))?
                    .render()
                    .context("the bootstrap template is invalid")?;
            Ok(match format {
                Format::Json => rendered.json_text().to_owned(),
                Format::Yaml => rendered.yaml_text(),
            })
        }
        Source::Stage { stage, config, .. } => {
            let template = visitor_stack::build(*stage, config)?;
            let rendered = template
                .render()
                .with_context(|| format!("the {} stage's template is invalid", stage.as_str()))?;
            Ok(match format {
                Format::Json => rendered.json_text().to_owned(),
                Format::Yaml => rendered.yaml_text(),
            })
        }
        Source::Example(name) => {
            let known = examples()?;
            if !known.contains(name) {
                bail!("no example `{name}`; choose one of: {}", known.join(", "));
            }
            let mut cmd = Command::new(workspace::cargo());
            cmd.args(["run", "--quiet", "-p", "infra", "--example", name]);
            if format == Format::Yaml {
                cmd.args(["--", "--yaml"]);
            }
            let out = cmd
                .current_dir(workspace::root()?)
                .output()
                .with_context(|| format!("running example {name}"))?;
            if !out.status.success() {
                bail!(
                    "example {name} failed:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            String::from_utf8(out.stdout).context("the example printed non-UTF-8")
        }
    }
}
