//! Owned-buffer traits for completion-based I/O.
//!
//! An op hands the kernel a pointer into its buffer and keeps the buffer
//! until the kernel is done, so buffers are passed by value and come back
//! with the result: `(io::Result<usize>, B)`.
//!
//! Stream sockets also offer readiness-based polling on borrowed memory
//! ([`PollRead`]/[`PollWrite`]), which the tokio and futures-io trait impls
//! and zio-hyper build on.

mod buf;
mod poll;

pub use buf::{IoBuf, IoBufMut};
pub(crate) use poll::sealed;
pub use poll::{PollRead, PollWrite};
