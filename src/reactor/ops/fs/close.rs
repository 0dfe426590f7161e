//! `IORING_OP_CLOSE`: closes a descriptor through the ring, so a close that
//! flushes (NFS, FUSE) does not stall the thread.

use std::io;
use std::os::fd::{IntoRawFd, OwnedFd};

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

/// Closes `fd`. If the op is dropped before it is submitted, the `OwnedFd`
/// closes the descriptor as usual.
#[derive(Debug)]
pub(crate) struct Close {
    fd: Option<OwnedFd>,
}

impl Close {
    pub(crate) fn new(fd: OwnedFd) -> Close {
        Close { fd: Some(fd) }
    }

    fn take_raw(&mut self) -> i32 {
        self.fd
            .take()
            .expect("a close op is submitted once")
            .into_raw_fd()
    }
}

impl OpCode for Close {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::Close::new(Fd(self.take_raw())).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        let fd = self.take_raw();
        // SAFETY: we owned `fd` (taken out of its `OwnedFd`) and close it once.
        syscall_result(unsafe { libc::close(fd) } as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
