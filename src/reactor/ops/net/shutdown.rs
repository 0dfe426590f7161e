//! `IORING_OP_SHUTDOWN` (Linux 5.11+; on 5.10 the driver runs the syscall
//! on the blocking pool): shuts down one or both directions of a socket.

use std::io;
use std::net::Shutdown as How;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

#[derive(Debug)]
pub(crate) struct Shutdown {
    fd: RawFd,
    how: libc::c_int,
}

impl Shutdown {
    pub(crate) fn new(fd: RawFd, how: How) -> Shutdown {
        let how = match how {
            How::Read => libc::SHUT_RD,
            How::Write => libc::SHUT_WR,
            How::Both => libc::SHUT_RDWR,
        };
        Shutdown { fd, how }
    }
}

impl OpCode for Shutdown {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::Shutdown::new(Fd(self.fd), self.how).build()
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(opcode::Shutdown::CODE)
    }

    fn epoll_plan(&self) -> EpollPlan {
        // `shutdown(2)` never blocks: run it at once.
        EpollPlan::After(std::time::Duration::ZERO)
    }

    fn syscall(&mut self) -> i32 {
        // SAFETY: a plain syscall on a descriptor number.
        syscall_result(unsafe { libc::shutdown(self.fd, self.how) } as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
