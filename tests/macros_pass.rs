//! `#[zio::test]` and `#[zio::main]` expand to code that builds a runtime and
//! runs the body on it.
#![cfg(feature = "macros")]

use std::io;

#[zio::test]
async fn test_default_current_thread() {
    assert_eq!(async { 1 }.await, 1);
}

#[zio::test(flavor = "current_thread")]
async fn test_explicit_current_thread() {
    assert_eq!(async { 1 }.await, 1);
}

#[zio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_multi_thread_two_workers() {
    assert_eq!(async { 1 }.await, 1);
    let n = zio::spawn(async { 6 * 7 }).await.unwrap();
    assert_eq!(n, 42);
}

#[zio::test(flavor = "multi_thread")]
async fn test_multi_thread_default_workers() {
    assert_eq!(async { 1 }.await, 1);
}

#[zio::test]
async fn test_returns_ok_result() -> Result<(), io::Error> {
    let n = async { Ok::<_, io::Error>(1) }.await?;
    assert_eq!(n, 1);
    Ok(())
}

/// `return` inside the body returns from the body, with the declared type.
#[zio::test]
async fn test_early_return() -> Result<(), String> {
    if async { true }.await {
        return Ok(());
    }
    Err("not reached".to_string())
}

#[zio::test]
#[should_panic(expected = "boom")]
async fn test_panics_reach_the_harness() {
    async {}.await;
    panic!("boom");
}

#[zio::test(crate = "zio")]
async fn test_crate_argument() {
    assert_eq!(async { 1 }.await, 1);
}

mod renamed {
    pub(crate) use zio::*;
}

#[zio::test(crate = "crate::renamed")]
async fn test_crate_argument_is_used_as_path() {
    assert_eq!(async { 1 }.await, 1);
}

/// `#[zio::main]` works on any function name; a function not named `main`
/// may take arguments, which move into the body.
#[zio::main]
async fn main_multi_thread(x: u32) -> u32 {
    async { x * 2 }.await
}

#[zio::main(flavor = "current_thread")]
async fn main_current_thread() -> Result<u32, io::Error> {
    Ok(async { 7 }.await)
}

#[zio::main(worker_threads = 1)]
pub(crate) async fn main_one_worker() -> &'static str {
    "done"
}

#[test]
fn main_expansions_run() {
    assert_eq!(main_multi_thread(21), 42);
    assert_eq!(main_current_thread().unwrap(), 7);
    assert_eq!(main_one_worker(), "done");
}
