//! Owned-buffer traits for completion-based I/O.
//!
//! An op hands the kernel a pointer into its buffer and keeps the buffer
//! until the kernel is done, so buffers are passed by value and come back
//! with the result: `(io::Result<usize>, B)`.

mod buf;

pub use buf::{IoBuf, IoBufMut};
