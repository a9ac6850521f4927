//! The fixtures of `fixtures.json` and their inputs, read by both tests of
//! the round trip (infra-import's `tests/fixtures.rs`, which writes the
//! modules, and this crate's `tests/round_trip.rs`, which renders them).

// Shared by two tests; each uses a part.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// The command that writes the fixtures, named in each one's header.
pub const COMMAND: &str = "UPDATE_IMPORTS=1 cargo test -p infra-import --test fixtures";

/// One fixture of `fixtures.json`.
pub struct Fixture {
    pub name: String,
    /// The input's path from the workspace root.
    pub input: String,
    /// How many places the import writes as JSON.
    pub fallbacks: usize,
}

/// The file and command a fixture's header names: a SAM template's own
/// `cargo xtask import` (which writes exactly the fixture, `cargo xtask
/// test` checks), the test that writes the others.
pub fn options(fixture: &Fixture) -> (String, String) {
    match fixture.input.strip_suffix(".expanded.json") {
        Some(stem) => {
            let yaml = format!("{stem}.yaml");
            let command = format!("cargo xtask import {yaml}");
            (yaml, command)
        }
        None => (fixture.input.clone(), COMMAND.to_owned()),
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// This folder.
pub fn dir() -> PathBuf {
    root().join("tools/imported")
}

/// Every fixture.
pub fn fixtures() -> Vec<Fixture> {
    let path = dir().join("fixtures.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Json =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    doc["fixtures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| Fixture {
            name: f["name"].as_str().unwrap_or_default().to_owned(),
            input: f["input"].as_str().unwrap_or_default().to_owned(),
            fallbacks: f["fallbacks"].as_u64().unwrap_or_default() as usize,
        })
        .collect()
}

/// A fixture's input document; a `.snap` holds it after insta's header
/// (between two `---` lines).
pub fn input(fixture: &Fixture) -> Json {
    let path = root().join(&fixture.input);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let body = text
        .strip_prefix("---")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text.as_str(), |(_, body)| body);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{}: {e}", fixture.input))
}
