//! `IORING_OP_WRITEV` from several owned buffers.

use std::io;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use super::{position_plan, vectored_syscall};
use crate::io::IoBuf;
use crate::reactor::op::{cqe_result, EpollPlan, Interest, OpCode};

/// Writes the initialized bytes of each buffer in turn at `offset`
/// (`u64::MAX`: the file position), like `pwritev`.
pub(crate) struct Writev<B> {
    fd: RawFd,
    bufs: Vec<B>,
    /// Filled in place just before the kernel or the syscall reads it.
    iovecs: Vec<libc::iovec>,
    offset: u64,
}

// SAFETY: the raw pointers in `iovecs` point into the op's own buffers and
// are only used by whoever owns the op.
unsafe impl<B: Send> Send for Writev<B> {}
// SAFETY: the raw pointers are written and used only through `&mut self`
// (`prepare`); what `&self` reads is plain data.
unsafe impl<B: Sync> Sync for Writev<B> {}

impl<B> std::fmt::Debug for Writev<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writev")
            .field("fd", &self.fd)
            .field("bufs", &self.bufs.len())
            .field("offset", &self.offset)
            .finish()
    }
}

impl<B: IoBuf> Writev<B> {
    pub(crate) fn new(fd: RawFd, bufs: Vec<B>, offset: u64) -> Writev<B> {
        let iovecs = Vec::with_capacity(bufs.len());
        Writev {
            fd,
            bufs,
            iovecs,
            offset,
        }
    }

    /// Points the iovecs at the buffers' initialized bytes.
    fn prepare(&mut self) -> (*const libc::iovec, usize) {
        self.iovecs.clear();
        self.iovecs.extend(self.bufs.iter().map(|b| libc::iovec {
            iov_base: b.stable_ptr().cast_mut().cast(),
            iov_len: b.bytes_init(),
        }));
        (self.iovecs.as_ptr(), self.iovecs.len())
    }
}

impl<B: IoBuf> OpCode for Writev<B> {
    type Output = (io::Result<usize>, Vec<B>);

    fn uring_entry(&mut self) -> Entry {
        let (iov, n) = self.prepare();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        opcode::Writev::new(Fd(self.fd), iov, n)
            .offset(self.offset)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        position_plan(self.fd, self.offset, Interest::Write)
    }

    fn syscall(&mut self) -> i32 {
        self.prepare();
        let (fd, offset) = (self.fd, self.offset);
        vectored_syscall(
            fd,
            offset,
            Interest::Write,
            &self.iovecs,
            libc::writev,
            libc::pwritev,
        )
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        (cqe_result(res).map(|n| n as usize), self.bufs)
    }
}
