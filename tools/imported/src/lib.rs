//! The import round trip's fixtures: each template of `fixtures.json`
//! imported by `infra-import` into a module of typed Rust (`src/<name>.rs`,
//! generated, never edited by hand), compiled with this crate.
//! infra-import's `tests/fixtures.rs` checks each module is what the
//! importer writes today (`UPDATE_IMPORTS=1 cargo test -p infra-import
//! --test fixtures` writes them again); `tests/round_trip.rs` here checks
//! that its `template()` renders equal to the input.
//!
//! The inputs: every reviewed snapshot; the library's examples as they
//! render (`inputs/<example>.json`); two SAM templates as AWS's transform
//! expands them (`inputs/<name>.yaml` → `inputs/<name>.expanded.json`; the
//! README shows `hello_sam`); and a template of odd corners the typed API
//! writes as JSON. `cargo xtask test` (step `import`) checks the examples'
//! and the expansions' files against the examples and the pinned transform.

use infra::Template;

pub mod bootstrap;
pub mod hello_sam;
pub mod kitchen_sink;
pub mod odd_corners;
pub mod prod;
pub mod prod_with_domain;
pub mod quickstart;
pub mod sam_app;
pub mod test;
pub mod uploads;

/// A fixture's `template()`.
pub type Build = fn() -> Template;

/// Each fixture's `template()`, by its name in `fixtures.json`.
pub const TEMPLATES: &[(&str, Build)] = &[
    ("bootstrap", bootstrap::template),
    ("hello_sam", hello_sam::template),
    ("kitchen_sink", kitchen_sink::template),
    ("odd_corners", odd_corners::template),
    ("prod", prod::template),
    ("prod_with_domain", prod_with_domain::template),
    ("quickstart", quickstart::template),
    ("sam_app", sam_app::template),
    ("test", test::template),
    ("uploads", uploads::template),
];
