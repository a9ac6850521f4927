//! Keeps the README honest: its example is `infra/examples/quickstart.rs`
//! verbatim, and the output it shows is what that example prints.

use anyhow::{bail, Context, Result};

use crate::synth::{self, Format, Source};
use crate::workspace;

const CODE_BEGIN: &str = "<!-- quickstart:code -->\n```rust\n";
const OUTPUT_BEGIN: &str = "<!-- quickstart:output -->\n```yaml\n";
const END: &str = "```\n";

pub fn check() -> Result<()> {
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
