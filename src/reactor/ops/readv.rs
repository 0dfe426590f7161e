//! `IORING_OP_READV` into several owned buffers.

use std::io;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use super::{position_plan, set_init_vectored, vectored_syscall};
use crate::io::IoBufMut;
use crate::reactor::op::{cqe_result, EpollPlan, Interest, OpCode};

/// Reads into each buffer in turn (each from its start, up to its
/// capacity), at `offset` (`u64::MAX`: the file position), like `preadv`.
pub(crate) struct Readv<B> {
    fd: RawFd,
    bufs: Vec<B>,
    /// Filled in place just before the kernel or the syscall reads it.
    iovecs: Vec<libc::iovec>,
    offset: u64,
}

// SAFETY: the raw pointers in `iovecs` point into the op's own buffers and
// are only used by whoever owns the op.
unsafe impl<B: Send> Send for Readv<B> {}
// SAFETY: the raw pointers are written and used only through `&mut self`
// (`prepare`); what `&self` reads is plain data.
unsafe impl<B: Sync> Sync for Readv<B> {}

impl<B> std::fmt::Debug for Readv<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readv")
            .field("fd", &self.fd)
            .field("bufs", &self.bufs.len())
            .field("offset", &self.offset)
            .finish()
    }
}

impl<B: IoBufMut> Readv<B> {
    pub(crate) fn new(fd: RawFd, bufs: Vec<B>, offset: u64) -> Readv<B> {
        let iovecs = Vec::with_capacity(bufs.len());
        Readv {
            fd,
            bufs,
            iovecs,
            offset,
        }
    }

    /// Points the iovecs at the buffers; called once `self` sits where
    /// the kernel will see it.
    fn prepare(&mut self) -> (*const libc::iovec, usize) {
        self.iovecs.clear();
        self.iovecs
            .extend(self.bufs.iter_mut().map(|b| libc::iovec {
                iov_base: b.stable_mut_ptr().cast(),
                iov_len: b.bytes_total(),
            }));
        (self.iovecs.as_ptr(), self.iovecs.len())
    }
}

impl<B: IoBufMut> OpCode for Readv<B> {
    type Output = (io::Result<usize>, Vec<B>);

    fn uring_entry(&mut self) -> Entry {
        let (iov, n) = self.prepare();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        opcode::Readv::new(Fd(self.fd), iov, n)
            .offset(self.offset)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        position_plan(self.fd, self.offset, Interest::Read)
    }

    fn syscall(&mut self) -> i32 {
        self.prepare();
        let (fd, offset) = (self.fd, self.offset);
        vectored_syscall(
            fd,
            offset,
            Interest::Read,
            &self.iovecs,
            libc::readv,
            libc::preadv,
        )
    }

    fn complete(mut self, res: i32, _flags: u32) -> Self::Output {
        let result = cqe_result(res).map(|n| n as usize);
        if let Ok(n) = result {
            set_init_vectored(&mut self.bufs, n);
        }
        (result, self.bufs)
    }
}
