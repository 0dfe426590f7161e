//! `IORING_OP_FTRUNCATE` (Linux 6.9+; older kernels run the syscall on the
//! blocking pool, see `uring/probe.rs`).

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode, SharedFd};

/// Truncates or extends a file to `len` bytes (`EINVAL` past `i64::MAX`).
#[derive(Debug)]
pub(crate) struct Ftruncate<F = SharedFd> {
    fd: F,
    len: u64,
}

impl<F: AsRawFd> Ftruncate<F> {
    pub(crate) fn new(fd: F, len: u64) -> Ftruncate<F> {
        Ftruncate { fd, len }
    }
}

impl<F: AsRawFd + Send + 'static> OpCode for Ftruncate<F> {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::Ftruncate::new(Fd(self.fd.as_raw_fd()), self.len).build()
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(opcode::Ftruncate::CODE)
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        // A length the kernel cannot represent: `EINVAL`, as from the ring.
        let Ok(len) = libc::off_t::try_from(self.len) else {
            return -libc::EINVAL;
        };
        // SAFETY: a plain syscall on a descriptor the op keeps open.
        syscall_result(unsafe { libc::ftruncate(self.fd.as_raw_fd(), len) } as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
