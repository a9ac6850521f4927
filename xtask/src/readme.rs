//! Keeps the docs honest: the README's example is `infra/examples/quickstart.rs`
//! verbatim and the output it shows is what that example prints, and
//! ARCHITECTURE.md's map names only paths that exist and every part a
//! newcomer looks for (each crate folder, each xtask module).

use anyhow::{bail, Context, Result};

use crate::synth::{self, Format, Source};
use crate::workspace;

const CODE_BEGIN: &str = "<!-- quickstart:code -->\n```rust\n";
const OUTPUT_BEGIN: &str = "<!-- quickstart:output -->\n```yaml\n";
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
    Ok(())
}

/// The folders whose every entry the map must name.
const MAPPED_FOLDERS: &[&str] = &["apps/uploads", "lambdas", "tools", "xtask", "xtask/src"];

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
