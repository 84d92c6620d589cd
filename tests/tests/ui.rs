//! Compile-fail and compile-pass tests of the attributes.
//!
//! Each file under `tests/ui/<attribute>/` must fail to compile with the
//! error in the `.stderr` beside it; each file under `tests/ui/pass/` must
//! compile. After changing a message, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p tests --test ui` and read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/with_retry/*.rs");
    cases.compile_fail("ui/compensate/*.rs");
    cases.compile_fail("ui/with_rollback/*.rs");
    cases.pass("ui/pass/*.rs");
}
