//! What must not compile: a missing required property, an attribute the type
//! does not have, a value of the wrong type.

#[test]
fn type_errors_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
