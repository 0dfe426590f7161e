//! `IORING_OP_POLL_ADD`, one-shot: completes when the socket is ready.
//!
//! The readiness half of the poll-based traits (`compat/`) and of ops that
//! have no per-call nonblocking flag (accept, connect): wait with this,
//! then run the nonblocking syscall.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::fd::OpFd;
use crate::reactor::{cqe_result, EpollPlan, Interest, OpCode, SharedFd};

/// Waits until the socket is readable or writable (or has an error or a
/// hang-up, which poll always reports). Resolves to the ready mask.
#[derive(Debug)]
pub(crate) struct PollAdd<F = SharedFd> {
    fd: F,
    interest: Interest,
}

impl<F: AsRawFd> PollAdd<F> {
    pub(crate) fn new(fd: F, interest: Interest) -> PollAdd<F> {
        PollAdd { fd, interest }
    }

    fn events(&self) -> libc::c_short {
        match self.interest {
            Interest::Read => libc::POLLIN,
            Interest::Write => libc::POLLOUT,
        }
    }
}

impl<F: OpFd + Send + 'static> OpCode for PollAdd<F> {
    type Output = io::Result<u32>;

    fn uring_entry(&mut self) -> Entry {
        opcode::PollAdd::new(Fd(self.fd.as_raw_fd()), self.events() as u32).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Poll {
            fd: self.fd.as_raw_fd(),
            file: self.fd.file(),
            interest: self.interest,
        }
    }

    fn syscall(&mut self) -> i32 {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: self.events(),
            revents: 0,
        };
        // SAFETY: one valid pollfd; a zero timeout never blocks.
        match unsafe { libc::poll(&mut pfd, 1, 0) } {
            0 => -libc::EAGAIN,
            n if n < 0 => crate::reactor::syscall_result(-1),
            _ => i32::from(pfd.revents),
        }
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<u32> {
        cqe_result(res)
    }
}
