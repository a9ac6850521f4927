//! `cargo xtask synth`: render a stage's template (or a library example) to
//! standard output or a file.

use anyhow::{Context, Result};
use visitor_stack::{IpStorage, StackConfig, Stage};
pub use xtask_args::synth::{examples, render_example, AppArg, Args, Format, StageArg};

use crate::stack_config::Load;

/// The stage a `--stage` value names.
pub fn stage(arg: StageArg) -> Stage {
    match arg {
        StageArg::Prod => Stage::Prod,
        StageArg::Test => Stage::Test,
    }
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
    /// The uploads pipeline (apps/uploads).
    Uploads,
}

impl Source {
    pub fn file_stem(&self) -> String {
        match self {
            Source::Stage { label, .. } => label.clone(),
            Source::Example(name) => format!("example-{name}"),
            Source::Bootstrap => "bootstrap".into(),
            Source::Uploads => "uploads".into(),
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let source = match (&args.example, args.app) {
        (Some(name), _) => Source::Example(name.clone()),
        (None, AppArg::Uploads) => Source::Uploads,
        (None, AppArg::Visitor) => Source::Stage {
            stage: stage(args.stage),
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
    sources.push(Source::Uploads);
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

pub fn render(source: &Source, format: Format) -> Result<String> {
    match source {
        Source::Uploads => {
            let rendered = uploads_stack::build()?
                .render()
                .context("the uploads template is invalid")?;
            Ok(match format {
                Format::Json => rendered.json_text().to_owned(),
                Format::Yaml => rendered.yaml_text(),
            })
        }
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
        Source::Example(name) => render_example(name, format),
    }
}
