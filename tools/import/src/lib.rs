//! An existing CloudFormation template as Rust source that rebuilds it
//! through infra's typed API: `cargo xtask import` is its command line.
//!
//! Each resource of a generated type is written with its constructor and
//! setters (`aws::sqs::Queue::new().queue_name(...)`), nested structures and
//! enums typed; each `Ref` and array-form `Fn::GetAtt` goes through the
//! handle of the resource or parameter it names, so the resources are
//! written in an order where every handle exists before its first use;
//! parameters are typed by what their `Ref` yields, conditions built with
//! `Condition`, mappings with `Mapping`, outputs with `Output`. Whatever the
//! typed API cannot say exactly (a property the schema does not know, a
//! string where the schema has a number) is written as JSON in place
//! (`Value::raw`, `RawResource`), handles still inside, and listed in
//! [`Imported::fallbacks`]: the source always rebuilds a template that
//! renders equal to its input.
//!
//! A SAM template is expanded first with AWS's own transform ([`sam`]);
//! the importer reads plain CloudFormation.

mod catalog;
mod error;
mod rust;
pub mod sam;
mod sections;
mod values;

use std::collections::BTreeSet;
use std::path::Path;

pub use error::ImportError;
use serde_json::Value as Json;

/// The Rust source of one imported template.
#[derive(Debug, Clone)]
pub struct Imported {
    /// A formatted Rust module with `pub fn template() -> infra::Template`.
    pub source: String,
    /// The infra cargo features (services) the source needs.
    pub features: BTreeSet<String>,
    /// How many resources were written with their generated type.
    pub typed: usize,
    /// Where the source holds JSON rather than typed values, and why
    /// (`Resources.Fn.Properties.Timeout: a string where the schema has an
    /// integer`).
    pub fallbacks: Vec<String>,
}

/// What to write at the top of the source.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The file the template came from, named in the module's docs.
    pub source_name: String,
    /// The command that wrote it (`cargo xtask import site.yaml`).
    pub command: String,
}

/// Imports the template `doc` (a JSON document, as
/// [`infra::document_from_yaml`] gives for YAML), reading the generated
/// API's shape from the vendored schemas under the workspace `root`.
pub fn import(root: &Path, doc: &Json, options: &Options) -> Result<Imported, ImportError> {
    let mut out = sections::write(root, doc, options)?;
    // Indented first: where rustfmt cannot lay a statement out (a string
    // longer than a line), it keeps the statement as written.
    out.source = infra_codegen::rustfmt(&rust::reindent(&out.source))?;
    Ok(out)
}

/// A template's text as its JSON document: JSON when it starts with `{`,
/// YAML otherwise (short-form intrinsics included).
pub fn document(text: &str) -> Result<Json, ImportError> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| ImportError::Parse(infra::ParseError::Json(e)))
    } else {
        Ok(infra::document_from_yaml(text)?)
    }
}
