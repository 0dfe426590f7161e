//! `IORING_OP_READ` into an owned buffer.

use std::io;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::io::IoBufMut;
use crate::reactor::op::{cqe_result, ready_now, syscall_result, EpollPlan, Interest, OpCode};

/// Reads into the buffer's spare capacity (from `bytes_init` to
/// `bytes_total`) at `offset` (`u64::MAX`: the file position).
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
        let init = self.buf.bytes_init();
        let spare = self.buf.bytes_total() - init;
        // SAFETY: `init <= bytes_total`, so the pointer stays inside the
        // buffer's allocation.
        let ptr = unsafe { self.buf.stable_mut_ptr().add(init) };
        opcode::Read::new(Fd(self.fd), ptr, u32::try_from(spare).unwrap_or(u32::MAX))
            .offset(self.offset)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        // A positioned read is a file read: no readiness. A read at the
        // current position may be a pipe, socket or tty.
        if self.offset == u64::MAX {
            EpollPlan::Ready {
                fd: self.fd,
                interest: Interest::Read,
            }
        } else {
            EpollPlan::Blocking
        }
    }

    fn syscall(&mut self) -> i32 {
        if self.offset == u64::MAX && !ready_now(self.fd, Interest::Read) {
            return -libc::EAGAIN;
        }
        let init = self.buf.bytes_init();
        let spare = self.buf.bytes_total() - init;
        // SAFETY: the pointer and length describe the buffer's spare
        // capacity, which the op owns exclusively while it runs.
        let ret = unsafe {
            let ptr = self.buf.stable_mut_ptr().add(init).cast();
            if self.offset == u64::MAX {
                libc::read(self.fd, ptr, spare)
            } else {
                libc::pread(self.fd, ptr, spare, self.offset as libc::off_t)
            }
        };
        syscall_result(ret)
    }

    fn complete(mut self, res: i32, _flags: u32) -> Self::Output {
        let result = cqe_result(res).map(|n| n as usize);
        if let Ok(n) = result {
            let init = self.buf.bytes_init() + n;
            // SAFETY: the kernel initialized `n` bytes after the old `init`.
            unsafe { self.buf.set_init(init) };
        }
        (result, self.buf)
    }
}
