//! `IORING_OP_WRITE` from an owned buffer.

use std::io;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::io::IoBuf;
use crate::reactor::op::{cqe_result, ready_now, syscall_result, EpollPlan, Interest, OpCode};

/// Writes the buffer's initialized bytes at `offset` (`u64::MAX`: the file
/// position).
#[derive(Debug)]
pub(crate) struct Write<B> {
    fd: RawFd,
    buf: B,
    offset: u64,
}

impl<B: IoBuf> Write<B> {
    pub(crate) fn new(fd: RawFd, buf: B, offset: u64) -> Write<B> {
        Write { fd, buf, offset }
    }
}

impl<B: IoBuf> OpCode for Write<B> {
    type Output = (io::Result<usize>, B);

    fn uring_entry(&mut self) -> Entry {
        let len = u32::try_from(self.buf.bytes_init()).unwrap_or(u32::MAX);
        opcode::Write::new(Fd(self.fd), self.buf.stable_ptr(), len)
            .offset(self.offset)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        super::position_plan(self.fd, self.offset, Interest::Write)
    }

    fn syscall(&mut self) -> i32 {
        if self.offset == u64::MAX && !ready_now(self.fd, Interest::Write) {
            return -libc::EAGAIN;
        }
        let ptr = self.buf.stable_ptr().cast();
        let len = self.buf.bytes_init();
        // SAFETY: reads `len` initialized bytes of the buffer the op owns.
        let ret = unsafe {
            if self.offset == u64::MAX {
                libc::write(self.fd, ptr, len)
            } else {
                libc::pwrite(self.fd, ptr, len, self.offset as libc::off_t)
            }
        };
        syscall_result(ret)
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        (cqe_result(res).map(|n| n as usize), self.buf)
    }
}
