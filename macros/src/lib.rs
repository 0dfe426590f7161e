//! Attribute macros for [zio]: `#[zio::main]` and `#[zio::test]`.
//!
//! Use them through the `zio` crate, which re-exports them (feature `macros`,
//! on by default); this crate is not meant to be a direct dependency.
//!
//! Both macros turn an `async fn` into a plain `fn` that builds a zio runtime
//! and runs the function's body on it with `block_on`:
//!
//! - [`macro@main`] defaults to the multi-thread runtime, like `#[tokio::main]`;
//! - [`macro@test`] defaults to the current-thread runtime and adds `#[test]`,
//!   like `#[tokio::test]`.
//!
//! # Arguments
//!
//! | argument | values | default |
//! | --- | --- | --- |
//! | `flavor` | `"current_thread"`, `"multi_thread"` | `main`: `"multi_thread"`, `test`: `"current_thread"` |
//! | `worker_threads` | an integer > 0; only with `flavor = "multi_thread"` | the runtime's default |
//! | `crate` | a path in a string, e.g. `"my_zio"` | `"::zio"` |
//!
//! The expansion uses only this public builder chain of `zio::runtime`:
//! `Builder::new_multi_thread()` / `Builder::new_current_thread()`,
//! `.worker_threads(n)`, `.enable_all()`, `.build()`,
//! `.expect("Failed building the Runtime")`, `.block_on(body)`.
//!
//! # Examples
//!
//! (Not run here: a proc-macro crate's doctests cannot depend on `zio`.
//! `tests/macros_pass.rs` in the `zio` crate runs code like this.)
//!
//! ```ignore
//! #[zio::main(worker_threads = 4)]
//! async fn main() {
//!     let answer = zio::spawn(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(answer, 42);
//! }
//! ```
//!
//! [zio]: https://docs.rs/zio
#![deny(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

use proc_macro::TokenStream;

mod config;
mod entry;

/// Runs an `async fn main` on a zio runtime.
///
/// The function becomes a plain `fn` that builds a runtime, then runs the
/// body on it with `block_on` and returns what the body returns. Attributes,
/// visibility and the return type (for example `Result<(), E>`) are kept; a
/// function named `main` must take no arguments.
///
/// The default runtime is the multi-thread one with as many workers as the
/// runtime chooses; see the [crate docs](crate#arguments) for the arguments.
///
/// # Examples
///
/// (Not run here: a proc-macro crate's doctests cannot depend on `zio`.)
///
/// ```ignore
/// #[zio::main]
/// async fn main() -> std::io::Result<()> {
///     zio::time::sleep(std::time::Duration::from_millis(10)).await;
///     Ok(())
/// }
/// ```
///
/// A current-thread runtime, or a fixed number of workers:
///
/// ```ignore
/// #[zio::main(flavor = "current_thread")]
/// async fn main() {
///     println!("hello from one thread");
/// }
/// ```
///
/// ```ignore
/// #[zio::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {
///     println!("hello from two workers");
/// }
/// ```
///
/// If `zio` is renamed in `Cargo.toml`, tell the macro where it is:
///
/// ```ignore
/// #[my_zio::main(crate = "my_zio")]
/// async fn main() {}
/// ```
///
/// The function becomes
///
/// ```ignore
/// fn main() {
///     let body = async move { /* the body */ };
///     let rt = ::zio::runtime::Builder::new_multi_thread()
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime");
///     return rt.block_on(body);
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::main(args.into(), item.into()).into()
}

/// Runs an `async fn` test on a zio runtime.
///
/// Like [`macro@main`], but it adds `#[test]` and the default runtime is the
/// current-thread one, a fresh runtime per test. The test may return
/// `Result<(), E>` like any `#[test]` function; it must take no arguments,
/// and must not carry a `#[test]` attribute of its own.
///
/// # Examples
///
/// (Not run here: a proc-macro crate's doctests cannot depend on `zio`.
/// `tests/macros_pass.rs` in the `zio` crate has tests like these.)
///
/// ```ignore
/// #[zio::test]
/// async fn adds() {
///     assert_eq!(async { 1 + 1 }.await, 2);
/// }
///
/// #[zio::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn spawns() -> std::io::Result<()> {
///     let n = zio::spawn(async { 7 }).await.unwrap();
///     assert_eq!(n, 7);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::test(args.into(), item.into()).into()
}
