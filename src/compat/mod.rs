//! The poll-based I/O traits of tokio (`tokio::io::{AsyncRead,
//! AsyncWrite}`) and futures-io (`futures_io::{AsyncRead, AsyncWrite}`) for
//! zio's stream sockets: `TcpStream`, its owned halves, `UnixStream` and
//! its owned halves.
//!
//! They are readiness-based: a poll tries the nonblocking syscall
//! (`recv`/`send` with `MSG_DONTWAIT`) on the caller's own buffer. On
//! `EAGAIN` it arms a one-shot `POLL_ADD` through the ring (kept in the
//! stream's per-direction readiness state, so polling again does not submit
//! again; each poll updates the op's waker) and returns `Pending`. So:
//!
//! - no extra copy, and no borrowed buffer is ever handed to the kernel;
//! - a write error is reported by the very `poll_write` that caused it;
//! - dropping a pending read loses no bytes: nothing was read.
//!
//! `poll_flush` has nothing to do (no userspace buffer); `poll_shutdown`
//! is `shutdown(SHUT_WR)`, which never blocks.
//!
//! Files (someone else's) use owned-buffer ops instead: they have no
//! readiness.

//!
//! With the `tokio-context` feature, this module also has the tokio-context
//! shim
#![cfg_attr(feature = "tokio-context", doc = "([`TokioContext`]):")]
#![cfg_attr(not(feature = "tokio-context"), doc = "(`TokioContext`):")]
//! futures that call `tokio::spawn`, `tokio::time` or `tokio::net` run
//! inside zio.

pub(crate) mod file;
mod readiness;
#[cfg(feature = "tokio-context")]
mod tokio_context;
mod traits;

pub(crate) use readiness::Readiness;
#[cfg(feature = "tokio-context")]
pub use tokio_context::{tokio_handle, TokioContext, TokioContextExt};
