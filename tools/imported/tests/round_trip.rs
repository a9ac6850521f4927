//! The import round trip's second half: each fixture's compiled
//! `template()` renders equal to its input (the first half, in
//! infra-import's tests, checks the modules are what the importer writes):
//! the same document as the input read into the model and rendered
//! (canonical order, `DependsOn` as a sorted list), and for the templates
//! this library rendered, the input itself.

#[path = "../fixtures.rs"]
mod fixtures;

use imported_templates::TEMPLATES;
use infra::{canonicalize, Template};

#[test]
fn every_imported_template_renders_equal_to_its_input() {
    let all = fixtures::fixtures();
    let mut names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    names.sort();
    let modules: Vec<&str> = TEMPLATES.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names, modules,
        "fixtures.json and the crate's modules name the same fixtures"
    );
    for fixture in &all {
        let doc = fixtures::input(fixture);
        let template = TEMPLATES
            .iter()
            .find(|(name, _)| *name == fixture.name)
            .map(|(_, f)| f);
        let built = template.expect("listed")().render().unwrap_or_else(|e| {
            panic!(
                "{}: the imported template does not validate:\n{e}",
                fixture.name
            )
        });
        let read = Template::from_document(&doc)
            .unwrap_or_else(|e| panic!("{}: {e}", fixture.name))
            .render()
            .unwrap_or_else(|e| panic!("{}: the input does not validate:\n{e}", fixture.name));
        assert_eq!(built.json(), read.json(), "{}", fixture.name);
        if !fixture.input.ends_with(".expanded.json") && fixture.name != "odd_corners" {
            // Rendered by this library: equal to the very input.
            assert_eq!(
                built.json(),
                &canonicalize(&doc),
                "{} against its input",
                fixture.name
            );
        }
    }
}
