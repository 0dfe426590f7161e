//! `IORING_OP_FTRUNCATE` (Linux 6.9+; older kernels run the syscall on the
//! blocking pool, see `support.rs`).

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use super::FsOp;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode, SharedFd};

/// Truncates or extends a file to `len` bytes (`len <= i64::MAX`, checked by
/// the caller).
#[derive(Debug)]
pub(crate) struct Ftruncate {
    fd: SharedFd,
    len: u64,
}

impl Ftruncate {
    pub(crate) fn new(fd: SharedFd, len: u64) -> Ftruncate {
        Ftruncate { fd, len }
    }
}

impl OpCode for Ftruncate {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::Ftruncate::new(Fd(self.fd.as_raw_fd()), self.len).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        let len = libc::off_t::try_from(self.len).unwrap_or(libc::off_t::MAX);
        // SAFETY: a plain syscall on a descriptor the op keeps open.
        syscall_result(unsafe { libc::ftruncate(self.fd.as_raw_fd(), len) } as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}

impl FsOp for Ftruncate {
    const CODE: u8 = opcode::Ftruncate::CODE;
}
