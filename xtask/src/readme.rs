//! Keeps the docs honest: the README's example is `infra/examples/quickstart.rs`
//! verbatim and the output it shows is what that example prints, and
//! ARCHITECTURE.md's map names only paths that exist and every part a
//! newcomer looks for (each crate folder, each xtask module), and every
//! crate depends only on the crates its rules allow.

use anyhow::{bail, Context, Result};

use crate::synth::{self, Format, Source};
use crate::workspace;

const CODE_BEGIN: &str = "<!-- quickstart:code -->\n```rust\n";
const OUTPUT_BEGIN: &str = "<!-- quickstart:output -->\n```yaml\n";
const IMPORT_SAM_BEGIN: &str = "<!-- import:sam -->\n```yaml\n";
const IMPORT_RUST_BEGIN: &str = "<!-- import:rust -->\n```rust\n";
const END: &str = "```\n";

pub fn check() -> Result<()> {
    check_readme()?;
    let root = workspace::root()?;
    let text =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).context("reading ARCHITECTURE.md")?;
    let problems = map_problems(&text, &root);
    if !problems.is_empty() {
        bail!(
            "ARCHITECTURE.md's map is out of date: {}",
            problems.join("; ")
        );
    }
    let problems = dependency_problems(&text, &workspace_edges()?);
    if !problems.is_empty() {
        bail!(
            "the crates' dependencies break ARCHITECTURE.md's rules: {}",
            problems.join("; ")
        );
    }
    Ok(())
}

/// Each workspace crate and the workspace crates it depends on (any kind:
/// normal, dev, build), from `cargo metadata`.
fn workspace_edges() -> Result<std::collections::BTreeMap<String, Vec<String>>> {
    let out = std::process::Command::new(workspace::cargo())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace::root()?)
        .output()
        .context("running cargo metadata")?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata's output")?;
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let names: std::collections::BTreeSet<&str> =
        packages.iter().filter_map(|p| p["name"].as_str()).collect();
    Ok(packages
        .iter()
        .filter_map(|p| {
            let mut deps: Vec<String> = p["dependencies"]
                .as_array()?
                .iter()
                .filter_map(|d| d["name"].as_str())
                .filter(|d| names.contains(d))
                .map(str::to_owned)
                .collect();
            deps.sort();
            deps.dedup();
            Some((p["name"].as_str()?.to_owned(), deps))
        })
        .collect())
}

/// What breaks the `## Crate dependencies` block of `text` (one
/// `crate: allowed, crates` line each, `-` for none): a crate without a
/// line, a line for no crate, an edge its line does not allow.
fn dependency_problems(
    text: &str,
    edges: &std::collections::BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let Some(block) = text
        .split_once("## Crate dependencies\n")
        .and_then(|(_, rest)| rest.split_once("```text\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
    else {
        return vec!["it has no `## Crate dependencies` text block".into()];
    };
    let allowed: std::collections::BTreeMap<&str, Vec<&str>> = block
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(name, list)| {
            let list = list
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty() && *d != "-")
                .collect();
            (name.trim(), list)
        })
        .collect();
    let mut problems = Vec::new();
    for (name, deps) in edges {
        let Some(ok) = allowed.get(name.as_str()) else {
            problems.push(format!("crate {name} has no line"));
            continue;
        };
        for dep in deps {
            if !ok.contains(&dep.as_str()) {
                problems.push(format!(
                    "{name} depends on {dep}, which its line does not allow"
                ));
            }
        }
    }
    for name in allowed.keys() {
        if !edges.contains_key(*name) {
            problems.push(format!(
                "the line for {name} names no crate of the workspace"
            ));
        }
    }
    problems
}

/// The folders whose every entry the map must name.
const MAPPED_FOLDERS: &[&str] = &[
    "apps/uploads",
    "engine",
    "lambdas",
    "tools",
    "xtask",
    "xtask/src",
];

/// What is wrong with the map in `text` against the tree at `root`: paths
/// it names that do not exist, and entries of [`MAPPED_FOLDERS`] it does
/// not name (a folder counts as named when a path inside it is).
fn map_problems(text: &str, root: &std::path::Path) -> Vec<String> {
    let block = text
        .split_once("## Map\n\n```\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .map(|(block, _)| block)
        .unwrap_or_default();
    if block.is_empty() {
        return vec!["it has no `## Map` code block".into()];
    }
    let mut named = Vec::new();
    let mut top = String::new();
    for line in block.lines() {
        let indent = line.len() - line.trim_start().len();
        let Some(token) = line.split_whitespace().next() else {
            continue;
        };
        // A path is followed by its description (or ends the line).
        let is_path = (token.contains('/') || token.contains('.'))
            && line.trim_start().len() > token.len()
            || line.trim() == token;
        let path = match indent {
            0 if is_path => {
                if token.ends_with('/') {
                    top = token.to_owned();
                }
                token.to_owned()
            }
            2 if is_path && !top.is_empty() => format!("{top}{token}"),
            _ => continue,
        };
        if !(path.contains('/') || path.contains('.')) {
            continue;
        }
        named.push(path.trim_end_matches('/').to_owned());
    }
    let mut problems: Vec<String> = named
        .iter()
        .filter(|p| !root.join(p).exists())
        .map(|p| format!("{p} does not exist"))
        .collect();
    for folder in MAPPED_FOLDERS {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            problems.push(format!(
                "{folder} (whose entries it must name) does not exist"
            ));
            continue;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.') && n != "node_modules" && n != "__pycache__")
            .collect();
        names.sort();
        for name in names {
            let path = format!("{folder}/{name}");
            let inside = format!("{path}/");
            if !named.iter().any(|n| *n == path || n.starts_with(&inside)) {
                problems.push(format!("{path} is not in it"));
            }
        }
    }
    problems
}

fn check_readme() -> Result<()> {
    let root = workspace::root()?;
    let readme = std::fs::read_to_string(root.join("README.md")).context("reading README.md")?;
    let code = std::fs::read_to_string(root.join("infra/examples/quickstart.rs"))?;
    let output = synth::render(&Source::Example("quickstart".into()), Format::Yaml)?;
    let mut problems = Vec::new();
    for (what, begin, expected) in [
        ("example code", CODE_BEGIN, code.as_str()),
        ("rendered output", OUTPUT_BEGIN, &output),
    ] {
        match block(&readme, begin) {
            Some(shown) if shown == expected => {}
            Some(_) => problems.push(format!(
                "the README's {what} differs from what the code gives"
            )),
            None => problems.push(format!(
                "the README has no {what} block (marker {:?})",
                begin.lines().next()
            )),
        }
    }
    if !problems.is_empty() {
        bail!(
            "{}; copy infra/examples/quickstart.rs and the output of `cargo xtask synth --example quickstart --format yaml` into README.md",
            problems.join("; ")
        );
    }
    check_import(&readme, &root)?;
    check_costs(&readme, &root)
}

/// The README's import example is the fixture: the SAM template and the
/// Rust the round trip checks.
fn check_import(readme: &str, root: &std::path::Path) -> Result<()> {
    let mut problems = Vec::new();
    for (begin, file) in [
        (IMPORT_SAM_BEGIN, "tools/imported/inputs/hello_sam.yaml"),
        (IMPORT_RUST_BEGIN, "tools/imported/src/hello_sam.rs"),
    ] {
        let expected =
            std::fs::read_to_string(root.join(file)).with_context(|| format!("reading {file}"))?;
        if block(readme, begin) != Some(expected.as_str()) {
            problems.push(file);
        }
    }
    if !problems.is_empty() {
        bail!(
            "the README's import example differs from {}: copy them into its blocks under \"Importing a CloudFormation or SAM template\"",
            problems.join(" and ")
        );
    }
    Ok(())
}

/// The visits a month the README quotes `cargo xtask cost` at.
pub const COST_QUOTES: [u64; 2] = [10_000, 1_000_000];

/// The README quotes what `cargo xtask cost` prints now, at each of
/// [`COST_QUOTES`]: a change to the prices, the measured units or the
/// template shows up here.
fn check_costs(readme: &str, root: &std::path::Path) -> Result<()> {
    let config = visitor_stack::StackConfig::default();
    for visits in COST_QUOTES {
        let priced =
            crate::cost::price(root, &config, visits, crate::cost::Assumptions::default())?;
        let expected = crate::cost::summary(visits, &priced);
        let begin = format!("<!-- cost:{visits} -->\n```text\n");
        match block(readme, &begin) {
            Some(shown) if shown == expected => {}
            Some(_) => bail!(
                "the README's cost at {visits} visits differs from what `cargo xtask cost --visits-per-month {visits}` prints now:\n{expected}copy it into README.md"
            ),
            None => bail!("the README has no cost block for {visits} visits (marker `<!-- cost:{visits} -->`)"),
        }
    }
    Ok(())
}

fn block<'a>(text: &'a str, begin: &str) -> Option<&'a str> {
    let start = text.find(begin)? + begin.len();
    let len = text[start..].find(END)?;
    Some(&text[start..start + len])
}

#[cfg(test)]
mod map_tests {
    use super::*;

    #[test]
    fn the_crates_depend_only_as_the_rules_allow() {
        let root = workspace::root().unwrap();
        let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        assert_eq!(
            dependency_problems(&text, &workspace_edges().unwrap()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_forbidden_or_unlisted_edge_is_named() {
        let text = "## Crate dependencies\n\n```text\ninfra: -\nold: infra\n```\n";
        let edges = std::collections::BTreeMap::from([
            ("infra".to_owned(), vec!["xtask".to_owned()]),
            ("xtask".to_owned(), vec![]),
        ]);
        assert_eq!(
            dependency_problems(text, &edges),
            [
                "infra depends on xtask, which its line does not allow",
                "crate xtask has no line",
                "the line for old names no crate of the workspace",
            ]
        );
    }

    #[test]
    fn the_architecture_map_matches_the_tree() {
        let root = workspace::root().unwrap();
        let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        assert_eq!(map_problems(&text, &root), Vec::<String>::new());
    }

    #[test]
    fn a_stale_or_missing_entry_is_named() {
        let root = workspace::root().unwrap();
        let text = "## Map\n\n```\nxtask/                  the tool\n  src/gone.rs           removed\n```\n";
        let problems = map_problems(text, &root);
        assert!(
            problems.contains(&"xtask/src/gone.rs does not exist".to_owned()),
            "{problems:?}"
        );
        assert!(
            problems.contains(&"xtask/src/main.rs is not in it".to_owned()),
            "{problems:?}"
        );
    }
}
