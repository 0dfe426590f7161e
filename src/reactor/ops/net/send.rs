//! `IORING_OP_SEND` from an owned buffer, with `MSG_NOSIGNAL`.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::io::IoBuf;
use crate::reactor::fd::OpFd;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, Interest, OpCode, SharedFd};

/// Sends the buffer's initialized bytes from `start` on. A peer that has
/// gone away gives `EPIPE`, never `SIGPIPE`.
#[derive(Debug)]
pub(crate) struct Send<B, F = SharedFd> {
    fd: F,
    buf: B,
    start: usize,
}

impl<B: IoBuf, F: AsRawFd> Send<B, F> {
    pub(crate) fn new(fd: F, buf: B, start: usize) -> Send<B, F> {
        Send { fd, buf, start }
    }

    fn bytes(&self) -> (*const u8, usize) {
        let start = self.start.min(self.buf.bytes_init());
        // SAFETY: `start <= bytes_init`, inside the buffer.
        let ptr = unsafe { self.buf.stable_ptr().add(start) };
        (ptr, self.buf.bytes_init() - start)
    }
}

impl<B: IoBuf, F: OpFd + std::marker::Send + 'static> OpCode for Send<B, F> {
    type Output = (io::Result<usize>, B);

    fn uring_entry(&mut self) -> Entry {
        let (ptr, len) = self.bytes();
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        opcode::Send::new(Fd(self.fd.as_raw_fd()), ptr, len)
            .flags(libc::MSG_NOSIGNAL)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Ready {
            fd: self.fd.as_raw_fd(),
            file: self.fd.file(),
            interest: Interest::Write,
        }
    }

    fn syscall(&mut self) -> i32 {
        let (ptr, len) = self.bytes();
        let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
        // SAFETY: `ptr..ptr+len` are initialized bytes of the owned buffer.
        let ret = unsafe { libc::send(self.fd.as_raw_fd(), ptr.cast(), len, flags) };
        syscall_result(ret)
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        (cqe_result(res).map(|n| n as usize), self.buf)
    }
}
