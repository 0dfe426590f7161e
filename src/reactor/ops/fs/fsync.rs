//! `IORING_OP_FSYNC`: `fsync`, or `fdatasync` with the `DATASYNC` flag.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd, types::FsyncFlags};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode, SharedFd};

/// Flushes a file's data (and with `datasync == false` its metadata too).
#[derive(Debug)]
pub(crate) struct Fsync<F = SharedFd> {
    fd: F,
    datasync: bool,
}

impl<F: AsRawFd> Fsync<F> {
    pub(crate) fn new(fd: F, datasync: bool) -> Fsync<F> {
        Fsync { fd, datasync }
    }
}

impl<F: AsRawFd + Send + 'static> OpCode for Fsync<F> {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        let flags = if self.datasync {
            FsyncFlags::DATASYNC
        } else {
            FsyncFlags::empty()
        };
        opcode::Fsync::new(Fd(self.fd.as_raw_fd()))
            .flags(flags)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        let fd = self.fd.as_raw_fd();
        // SAFETY: plain syscalls on a descriptor the op keeps open.
        let ret = unsafe {
            if self.datasync {
                libc::fdatasync(fd)
            } else {
                libc::fsync(fd)
            }
        };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
