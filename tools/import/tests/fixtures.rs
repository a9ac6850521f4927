//! The import round trip's first half: each fixture's module in
//! tools/imported/src is what the importer writes today from its input
//! (`UPDATE_IMPORTS=1` writes it), with exactly the expected number of
//! places written as JSON; a fixture expected to have none holds no raw
//! JSON and no `Ref` outside a handle. The second half (compile, render,
//! compare) is tools/imported's `tests/round_trip.rs`.

#[path = "../../imported/fixtures.rs"]
mod fixtures;

#[test]
fn every_fixture_is_what_the_importer_writes() {
    let update = std::env::var_os("UPDATE_IMPORTS").is_some();
    let mut stale = Vec::new();
    for fixture in fixtures::fixtures() {
        let (source_name, command) = fixtures::options(&fixture);
        let options = infra_import::Options {
            source_name,
            command,
        };
        let imported =
            infra_import::import(&fixtures::root(), &fixtures::input(&fixture), &options)
                .unwrap_or_else(|e| panic!("importing {}: {e}", fixture.input));
        assert_eq!(
            imported.fallbacks.len(),
            fixture.fallbacks,
            "{}: the places written as JSON: {:#?}",
            fixture.name,
            imported.fallbacks
        );
        if fixture.fallbacks == 0 {
            let source = &imported.source;
            for json in [
                "RawResource::new(",
                "raw_key(",
                "Condition::raw(",
                "json_entry(",
                "\"Fn::",
            ] {
                assert!(!source.contains(json), "{}: {json}", fixture.name);
            }
            assert!(!source.contains(">::raw("), "{}: Value::raw", fixture.name);
            assert!(
                !source.contains("{\"Ref\""),
                "{}: a Ref not through a handle",
                fixture.name
            );
        }
        let path = fixtures::dir()
            .join("src")
            .join(format!("{}.rs", fixture.name));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != imported.source {
            if update {
                std::fs::write(&path, &imported.source)
                    .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale imports (run `{}` and review the diff): {stale:?}",
        fixtures::COMMAND
    );
}
