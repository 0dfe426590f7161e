//! `IORING_OP_READ` into an owned buffer.

use std::io;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::io::IoBufMut;
use crate::reactor::op::{cqe_result, ready_now, syscall_result, EpollPlan, Interest, OpCode};

/// Reads into the buffer from its start, up to its capacity
/// (`bytes_total`), at `offset` (`u64::MAX`: the file position), like every
/// read in zio.
#[derive(Debug)]
pub(crate) struct Read<B> {
    fd: RawFd,
    buf: B,
    offset: u64,
}

impl<B: IoBufMut> Read<B> {
    pub(crate) fn new(fd: RawFd, buf: B, offset: u64) -> Read<B> {
        Read { fd, buf, offset }
    }
}

impl<B: IoBufMut> OpCode for Read<B> {
    type Output = (io::Result<usize>, B);

    fn uring_entry(&mut self) -> Entry {
        let len = u32::try_from(self.buf.bytes_total()).unwrap_or(u32::MAX);
        opcode::Read::new(Fd(self.fd), self.buf.stable_mut_ptr(), len)
            .offset(self.offset)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        super::position_plan(self.fd, self.offset, Interest::Read)
    }

    fn syscall(&mut self) -> i32 {
        if self.offset == u64::MAX && !ready_now(self.fd, Interest::Read) {
            return -libc::EAGAIN;
        }
        let len = self.buf.bytes_total();
        let ptr = self.buf.stable_mut_ptr().cast();
        // SAFETY: the pointer and length describe the buffer's capacity,
        // which the op owns exclusively while it runs.
        let ret = unsafe {
            if self.offset == u64::MAX {
                libc::read(self.fd, ptr, len)
            } else {
                libc::pread(self.fd, ptr, len, self.offset as libc::off_t)
            }
        };
        syscall_result(ret)
    }

    fn complete(mut self, res: i32, _flags: u32) -> Self::Output {
        let result = cqe_result(res).map(|n| n as usize);
        if let Ok(n) = result {
            // SAFETY: the kernel initialized the first `n` bytes.
            unsafe { self.buf.set_init(n) };
        }
        (result, self.buf)
    }
}
