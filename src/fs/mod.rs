//! Files: [`File`], [`OpenOptions`] and the free functions of `std::fs`
//! (names and semantics as in `std::fs` and `tokio::fs`), on io_uring.
//!
//! Opening, reading, writing, syncing, truncating, `statx`, closing,
//! unlinking, renaming and creating directories and links are io_uring
//! operations: no thread hop. What has no io_uring operation — directory
//! listings ([`read_dir`]), [`canonicalize`], [`read_link`],
//! [`set_permissions`], [`remove_dir_all`] — runs on the blocking pool, as
//! does an operation the kernel's io_uring lacks (probed once per process:
//! `FTRUNCATE` needs Linux 6.9). Under the epoll backend every file
//! operation runs on the blocking pool.
//!
//! # Outside the runtime
//!
//! Everything here works on any thread. Async calls polled where no zio
//! runtime runs (a tokio runtime, `futures::executor::block_on`, a plain
//! thread's [`zio::block_on`](crate::block_on)) go to zio's process-wide
//! fallback driver and never block the caller's executor; [`File`] also
//! implements blocking [`std::io::Read`], [`Write`](std::io::Write) and
//! [`Seek`](std::io::Seek) as plain syscalls on the calling thread.
//!
//! # Examples
//!
//! ```
//! # zio::block_on(async {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("greeting.txt");
//! zio::fs::write(&path, "hello").await?;
//! assert_eq!(zio::fs::read_to_string(&path).await?, "hello");
//! zio::fs::remove_file(&path).await?;
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
//!
//! Layout: `file.rs` ([`File`]), `file_blocking.rs` (its `std::io` impls),
//! `open_options.rs`, `metadata.rs` ([`Metadata`], [`FileType`]),
//! `read_dir.rs`, `read_write.rs` (whole-file helpers), `dir.rs`, `path.rs`.
//! The operations themselves live in `reactor/ops/fs/`.

mod dir;
mod file;
mod file_blocking;
mod metadata;
mod open_options;
mod path;
mod read_dir;
mod read_write;
mod util;

pub use dir::{create_dir, create_dir_all, remove_dir, remove_dir_all};
pub use file::File;
pub use metadata::{FileType, Metadata};
pub use open_options::OpenOptions;
pub use path::{
    canonicalize, hard_link, metadata, read_link, remove_file, rename, set_permissions, symlink,
    symlink_metadata, try_exists,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};
pub use read_write::{copy, read, read_to_string, write};
pub(crate) use util::cstr;
