//! A record of what generation read and wrote (`infra/src/aws/fingerprint.txt`):
//! a hash of its inputs (the vendored schemas, the generator's own source,
//! rustfmt's version, the versions of the crates that shape the text) and a
//! hash of every file it wrote. When both match a checkout, the checkout
//! holds exactly what generation would write, which the freshness check can
//! then confirm in a second instead of generating 37 MB again; a hand edit
//! of a generated file, or a changed input, fails the match and the check
//! generates everything to compare.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{CodegenError, Result};

/// The record, relative to the workspace root.
pub const FILE: &str = "infra/src/aws/fingerprint.txt";

/// Folders whose every file is an input (the schemas, the generator).
const INPUT_DIRS: &[&str] = &[crate::schema::SCHEMA_DIR, "tools/codegen/src"];
/// Single files that are inputs.
const INPUT_FILES: &[&str] = &["tools/codegen/Cargo.toml"];
/// The crates whose versions shape the generated text.
const SHAPING_CRATES: &[&str] = &["heck", "serde_json", "regex-lite"];

/// The record's text for `inputs` and `outputs` (hex digests).
pub fn render(inputs: &str, outputs: &str) -> String {
    format!(
        "# Written by `cargo xtask codegen`: hashes of what generation read and wrote,\n\
         # so `cargo xtask codegen --check` can confirm the generated code quickly.\n\
         inputs {inputs}\noutputs {outputs}\n"
    )
}

/// The hash of generation's inputs in the checkout at `root`.
pub fn inputs(root: &Path) -> Result<String> {
    let mut hash = Sha256::new();
    let mut files = Vec::new();
    for dir in INPUT_DIRS {
        list(&root.join(dir), &mut files)?;
    }
    files.extend(INPUT_FILES.iter().map(|f| root.join(f)));
    files.sort();
    for path in &files {
        let bytes = std::fs::read(path).map_err(CodegenError::io("reading", path))?;
        let name = path.strip_prefix(root).unwrap_or(path);
        entry(&mut hash, &name.to_string_lossy(), &bytes);
    }
    let rustfmt = Command::new("rustfmt")
        .arg("--version")
        .output()
        .map_err(|e| {
            CodegenError::Rustfmt(format!("cannot run it ({e}): rustup component add rustfmt"))
        })?;
    entry(&mut hash, "rustfmt --version", &rustfmt.stdout);
    let lock_path = root.join("Cargo.lock");
    let lock =
        std::fs::read_to_string(&lock_path).map_err(CodegenError::io("reading", &lock_path))?;
    for name in SHAPING_CRATES {
        entry(
            &mut hash,
            name,
            locked_version(&lock, name).unwrap_or("?").as_bytes(),
        );
    }
    Ok(hex(&hash.finalize()))
}

/// The hash of generated files, given as (path relative to the root, text).
pub fn outputs<'a>(files: impl IntoIterator<Item = (&'a Path, &'a str)>) -> String {
    let mut files: Vec<(&Path, &str)> = files.into_iter().collect();
    files.sort();
    let mut hash = Sha256::new();
    for (path, text) in files {
        entry(&mut hash, &path.to_string_lossy(), text.as_bytes());
    }
    hex(&hash.finalize())
}

/// The (inputs, outputs) a checkout's record holds; `None` when it has none.
pub fn recorded(root: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(root.join(FILE)).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map(str::to_owned)
    };
    Some((field("inputs")?, field("outputs")?))
}

/// A digest entry that cannot run into the next one.
fn entry(hash: &mut Sha256, name: &str, bytes: &[u8]) {
    for part in [name.as_bytes(), bytes] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The version Cargo.lock pins for a package (the first, if several).
fn locked_version<'a>(lock: &'a str, name: &str) -> Option<&'a str> {
    let header = format!("name = \"{name}\"\nversion = \"");
    let start = lock.find(&header)? + header.len();
    lock[start..].split('"').next()
}

/// Every file below `dir`.
fn list(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(CodegenError::io("listing", dir))?;
    for entry in entries {
        let path = entry.map_err(CodegenError::io("listing", dir))?.path();
        if path.is_dir() {
            list(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_the_lock_file() {
        let lock = "[[package]]\nname = \"heck\"\nversion = \"0.5.0\"\n";
        assert_eq!(locked_version(lock, "heck"), Some("0.5.0"));
        assert_eq!(locked_version(lock, "serde"), None);
    }

    #[test]
    fn outputs_do_not_depend_on_order_and_see_every_byte() {
        let a = outputs([(Path::new("a.rs"), "x"), (Path::new("b.rs"), "y")]);
        let b = outputs([(Path::new("b.rs"), "y"), (Path::new("a.rs"), "x")]);
        assert_eq!(a, b);
        assert_ne!(
            a,
            outputs([(Path::new("a.rs"), "xy"), (Path::new("b.rs"), "")])
        );
        let text = render("1", "2");
        assert!(text.contains("inputs 1\noutputs 2\n"));
    }
}
