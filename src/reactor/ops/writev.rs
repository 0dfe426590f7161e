//! `IORING_OP_WRITEV` from several owned buffers (on [`Vectored`], shared
//! with `readv`).

use std::io;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry};

use super::readv::Vectored;
use crate::io::IoBuf;
use crate::reactor::op::{cqe_result, EpollPlan, Interest, OpCode};

/// Writes the initialized bytes of each buffer in turn at `offset`
/// (`u64::MAX`: the file position), like `pwritev`.
#[derive(Debug)]
pub(crate) struct Writev<B>(Vectored<B>);

impl<B: IoBuf> Writev<B> {
    pub(crate) fn new(fd: RawFd, bufs: Vec<B>, offset: u64) -> Writev<B> {
        Writev(Vectored::new(fd, bufs, offset))
    }
}

/// A write sends a buffer's initialized bytes; the kernel only reads them
/// (the pointer is `*mut` for the iovec's sake).
fn span<B: IoBuf>(buf: &mut B) -> (*mut u8, usize) {
    (buf.stable_ptr().cast_mut(), buf.bytes_init())
}

impl<B: IoBuf> OpCode for Writev<B> {
    type Output = (io::Result<usize>, Vec<B>);

    fn uring_entry(&mut self) -> Entry {
        let (fd, iovecs, n, offset) = self.0.prepare(span);
        opcode::Writev::new(fd, iovecs, n).offset(offset).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        self.0.epoll_plan(Interest::Write)
    }

    fn syscall(&mut self) -> i32 {
        self.0
            .syscall(span, Interest::Write, libc::writev, libc::pwritev)
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        (cqe_result(res).map(|n| n as usize), self.0.into_bufs())
    }
}
