//! Misuses of `#[zio::main]` and `#[zio::test]` fail with a clear message on
//! the user's code; the expected messages live in `tests/ui/*.stderr`
//! (regenerate with `TRYBUILD=overwrite cargo test --test macros_compile_fail`).
#![cfg(feature = "macros")]

#[test]
fn macros_compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
