//! `cargo xtask import`: an existing CloudFormation or SAM template as Rust
//! that rebuilds it through infra's typed API (the `infra-import` crate).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use heck::ToSnakeCase;

use crate::pyenv::PyEnv;
use crate::workspace;

/// Options of `cargo xtask import`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cargo xtask import template.yaml                 print the Rust to standard output\n  \
    cargo xtask import sam.yaml --out infra/stack/src  write infra/stack/src/sam.rs\n\n\
    The file holds `pub fn template() -> infra::Template`: each resource of a generated\n\
    type through its constructor and setters, Ref and GetAtt through handles, parameters\n\
    and conditions typed. A SAM template (Transform: AWS::Serverless-2016-10-31) is first\n\
    expanded with AWS's own transform (aws-sam-translator, pinned in the managed Python\n\
    environment), so the Rust is plain CloudFormation. What the typed API cannot say\n\
    exactly stays JSON in place (Value::raw, RawResource) and is listed.")]
pub struct Args {
    /// The template: JSON or YAML (short forms such as !Ref included).
    pub file: PathBuf,
    /// Write `<DIR>/<file stem>.rs` instead of printing the source.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write the template that was imported (a SAM template's expansion) as JSON.
    #[arg(long, value_name = "FILE")]
    pub expanded: Option<PathBuf>,
    /// Replace `<DIR>/<file stem>.rs` when it exists (otherwise refused).
    #[arg(long, requires = "out")]
    pub force: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let root = workspace::root()?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut doc = infra_import::document(&text)
        .with_context(|| format!("{} is not a template", args.file.display()))?;
    if infra_import::sam::is_sam(&doc) {
        crate::out::say!("expanding the SAM template with AWS's transform (aws-sam-translator)");
        let env = PyEnv::ensure()?;
        doc = infra_import::sam::expand(&env.bin("python"), &doc)
            .with_context(|| format!("expanding {}", args.file.display()))?;
    }
    if let Some(path) = &args.expanded {
        let text = canonical(&doc).with_context(|| args.file.display().to_string())?;
        write(path, &text)?;
    }
    let options = infra_import::Options {
        source_name: args.file.display().to_string(),
        command: command_line(args),
    };
    let imported = infra_import::import(&root, &doc, &options)
        .with_context(|| format!("importing {}", args.file.display()))?;
    match &args.out {
        None => print!("{}", imported.source),
        Some(dir) => {
            let stem = args
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().to_snake_case())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "imported".to_owned());
            let path = dir.join(format!("{stem}.rs"));
            if path.exists() && !args.force {
                anyhow::bail!(
                    "{} exists: pass --force to replace it, or choose another --out",
                    path.display()
                );
            }
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            write(&path, &imported.source)?;
        }
    }
    let features: Vec<&str> = imported.features.iter().map(String::as_str).collect();
    crate::out::say!(
        "{} resources typed; needs infra's features: {}",
        imported.typed,
        if features.is_empty() {
            "(none)".to_owned()
        } else {
            features.join(", ")
        }
    );
    if !imported.fallbacks.is_empty() {
        crate::out::say!(
            "{} places stay JSON (Value::raw, RawResource):",
            imported.fallbacks.len()
        );
        for place in &imported.fallbacks {
            crate::out::detail!("    {place}");
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    crate::out::say!("wrote {}", path.display());
    Ok(())
}

fn command_line(args: &Args) -> String {
    let mut line = format!("cargo xtask import {}", args.file.display());
    if let Some(dir) = &args.out {
        line.push_str(&format!(" --out {}", dir.display()));
    }
    line
}

/// The round trip's inputs that come from elsewhere, checked: each
/// example's file is what the example renders, each SAM template's
/// expansion what the pinned transform gives today; and a template the
/// transform rejects is an error naming the resource (`cargo xtask test`,
/// step `import`).
pub fn check() -> Result<()> {
    let root = workspace::root()?;
    let inputs = root.join(INPUTS);
    let mut stale = Vec::new();
    let examples = crate::synth::examples()?;
    for example in &examples {
        let rendered = crate::synth::render(
            &crate::synth::Source::Example(example.clone()),
            crate::synth::Format::Json,
        )?;
        let path = inputs.join(format!("{example}.json"));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(rendered.as_str()) {
            stale.push(format!(
                "{}: run `cargo xtask synth --example {example} --format json --out {}`",
                path.display(),
                path.display()
            ));
        }
    }
    let env = PyEnv::ensure()?;
    let python = env.bin("python");
    let mut sam = Vec::new();
    for entry in
        std::fs::read_dir(&inputs).with_context(|| format!("reading {}", inputs.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|x| x == "yaml") {
            sam.push(path);
        }
    }
    sam.sort();
    for path in &sam {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let doc = infra_import::document(&text).with_context(|| path.display().to_string())?;
        let expanded = infra_import::sam::expand(&python, &doc)
            .with_context(|| format!("expanding {}", path.display()))?;
        let rendered = canonical(&expanded).with_context(|| path.display().to_string())?;
        let out = path.with_extension("expanded.json");
        let relative = Path::new(INPUTS).join(path.file_name().unwrap_or_default());
        let args = Args {
            file: relative.clone(),
            out: None,
            expanded: None,
            force: false,
        };
        if std::fs::read_to_string(&out).ok().as_deref() != Some(rendered.as_str()) {
            stale.push(format!(
                "{}: run `cargo xtask import {} --expanded {}`",
                out.display(),
                relative.display(),
                out.display()
            ));
        }
        // What the command writes is the fixture the round trip compiles.
        let options = infra_import::Options {
            source_name: relative.display().to_string(),
            command: command_line(&args),
        };
        let source = infra_import::import(&root, &expanded, &options)?.source;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let fixture = root.join("tools/imported/src").join(format!("{stem}.rs"));
        if std::fs::read_to_string(&fixture).ok().as_deref() != Some(source.as_str()) {
            stale.push(format!(
                "{}: not what `{}` writes",
                fixture.display(),
                command_line(&args)
            ));
        }
    }
    if !stale.is_empty() {
        anyhow::bail!(
            "the import fixtures' inputs are stale:\n  {}\nthen `UPDATE_IMPORTS=1 cargo test -p infra-import --test fixtures` and review the diff",
            stale.join("\n  ")
        );
    }
    // The transform's own rejection reaches the user with its reasons.
    let broken = serde_json::json!({
        "Transform": infra_import::sam::SERVERLESS,
        "Resources": {"Counter": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "provided.al2023"}}}
    });
    match infra_import::sam::expand(&python, &broken) {
        Err(e @ infra_import::ImportError::SamRejected(_))
            if e.to_string().contains("[Counter]") => {}
        other => {
            anyhow::bail!("a SAM function without code should be rejected naming it, got {other:?}")
        }
    }
    crate::out::say!(
        "import inputs fresh: {} examples, {} SAM expansions; a broken SAM template is rejected by name",
        examples.len(),
        sam.len()
    );
    Ok(())
}

/// Where the round trip's inputs live.
const INPUTS: &str = "tools/imported/inputs";

/// A template document as this library renders it (canonical JSON).
fn canonical(doc: &serde_json::Value) -> Result<String> {
    let rendered = infra::Template::from_document(doc)
        .context("the template does not read back")?
        .render()
        .map_err(|e| anyhow::anyhow!("the template does not validate:\n{e}"))?;
    Ok(rendered.json_text().to_owned())
}
