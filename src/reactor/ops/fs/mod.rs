//! Ops of `fs`: one file per operation, each plain data implementing
//! `OpCode` (an io_uring SQE, and the same operation as one plain syscall
//! for the epoll backend's blocking pool and for blocking calls).
//!
//! Paths live in the op as a `CString` (a stable heap address the kernel may
//! read until the completion); fds as a `SharedFd` clone, so a file is
//! closed only after its last op completed; buffers by value.
//!
//! The ops io_uring gained after 5.10, the oldest kernel zio rings on
//! (`FTRUNCATE` in 6.9, the path ops in 5.11/5.15), name their opcode
//! (`OpCode::probed_opcode`): where the kernel lacks it, the driver runs
//! their syscall on the blocking pool instead.

mod close;
mod fsync;
mod ftruncate;
mod linkat;
mod mkdirat;
mod openat;
mod read_at;
mod renameat;
mod statx;
mod symlinkat;
mod unlinkat;
mod write_at;

pub(crate) use close::Close;
pub(crate) use fsync::Fsync;
pub(crate) use ftruncate::Ftruncate;
pub(crate) use linkat::LinkAt;
pub(crate) use mkdirat::MkDirAt;
pub(crate) use openat::OpenAt;
pub(crate) use read_at::ReadAt;
pub(crate) use renameat::RenameAt;
pub(crate) use statx::Statx;
pub(crate) use symlinkat::SymlinkAt;
pub(crate) use unlinkat::UnlinkAt;
pub(crate) use write_at::WriteAt;
