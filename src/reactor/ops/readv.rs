//! `IORING_OP_READV` into several owned buffers; and [`Vectored`], what
//! `readv` and `writev` (`writev.rs`) share.

use std::io;
use std::os::fd::RawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use super::{position_plan, set_init_vectored, vectored_syscall};
use crate::io::IoBufMut;
use crate::reactor::op::{cqe_result, EpollPlan, Interest, OpCode};

/// The data of a vectored op: the fd, the buffers, the offset (`u64::MAX`:
/// the file position) and the iovecs the kernel reads, pointed at the
/// buffers just before the kernel or the syscall reads them. `Readv` and
/// `Writev` differ only in which bytes of each buffer they hand over (a
/// buffer's [`Span`]), their opcode and their syscalls.
pub(super) struct Vectored<B> {
    fd: RawFd,
    bufs: Vec<B>,
    iovecs: Vec<libc::iovec>,
    offset: u64,
}

/// The bytes of a buffer a vectored op hands to the kernel: start, length.
pub(super) type Span<B> = fn(&mut B) -> (*mut u8, usize);

/// `readv`/`writev`: a vectored syscall at the file position.
pub(super) type Plain = unsafe extern "C" fn(libc::c_int, *const libc::iovec, libc::c_int) -> isize;
/// `preadv`/`pwritev`: a vectored syscall at an offset.
pub(super) type Positioned =
    unsafe extern "C" fn(libc::c_int, *const libc::iovec, libc::c_int, libc::off_t) -> isize;

// SAFETY: the raw pointers in `iovecs` point into the op's own buffers and
// are only used by whoever owns the op.
unsafe impl<B: Send> Send for Vectored<B> {}
// SAFETY: the raw pointers are written and used only through `&mut self`
// (`prepare`); what `&self` reads is plain data.
unsafe impl<B: Sync> Sync for Vectored<B> {}

impl<B> std::fmt::Debug for Vectored<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vectored")
            .field("fd", &self.fd)
            .field("bufs", &self.bufs.len())
            .field("offset", &self.offset)
            .finish()
    }
}

impl<B> Vectored<B> {
    pub(super) fn new(fd: RawFd, bufs: Vec<B>, offset: u64) -> Vectored<B> {
        let iovecs = Vec::with_capacity(bufs.len());
        Vectored {
            fd,
            bufs,
            iovecs,
            offset,
        }
    }

    /// Points the iovecs at the `span` of each buffer; called once `self`
    /// sits where the kernel will see it. Returns the fd, the iovecs, their
    /// count and the offset, for the SQE.
    pub(super) fn prepare(&mut self, span: Span<B>) -> (Fd, *const libc::iovec, u32, u64) {
        self.iovecs.clear();
        self.iovecs.extend(self.bufs.iter_mut().map(|b| {
            let (base, len) = span(b);
            libc::iovec {
                iov_base: base.cast(),
                iov_len: len,
            }
        }));
        let n = u32::try_from(self.iovecs.len()).unwrap_or(u32::MAX);
        (Fd(self.fd), self.iovecs.as_ptr(), n, self.offset)
    }

    pub(super) fn epoll_plan(&self, interest: Interest) -> EpollPlan {
        position_plan(self.fd, self.offset, interest)
    }

    /// The op as one `plain` (at the file position) or `positioned` call.
    pub(super) fn syscall(
        &mut self,
        span: Span<B>,
        interest: Interest,
        plain: Plain,
        positioned: Positioned,
    ) -> i32 {
        self.prepare(span);
        let (fd, offset) = (self.fd, self.offset);
        vectored_syscall(fd, offset, interest, &self.iovecs, plain, positioned)
    }

    pub(super) fn into_bufs(self) -> Vec<B> {
        self.bufs
    }
}

/// Reads into each buffer in turn (each from its start, up to its
/// capacity), at `offset` (`u64::MAX`: the file position), like `preadv`.
#[derive(Debug)]
pub(crate) struct Readv<B>(Vectored<B>);

impl<B: IoBufMut> Readv<B> {
    pub(crate) fn new(fd: RawFd, bufs: Vec<B>, offset: u64) -> Readv<B> {
        Readv(Vectored::new(fd, bufs, offset))
    }
}

/// A read fills a buffer from its start up to its capacity.
fn span<B: IoBufMut>(buf: &mut B) -> (*mut u8, usize) {
    (buf.stable_mut_ptr(), buf.bytes_total())
}

impl<B: IoBufMut> OpCode for Readv<B> {
    type Output = (io::Result<usize>, Vec<B>);

    fn uring_entry(&mut self) -> Entry {
        let (fd, iovecs, n, offset) = self.0.prepare(span);
        opcode::Readv::new(fd, iovecs, n).offset(offset).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        self.0.epoll_plan(Interest::Read)
    }

    fn syscall(&mut self) -> i32 {
        self.0
            .syscall(span, Interest::Read, libc::readv, libc::preadv)
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        let result = cqe_result(res).map(|n| n as usize);
        let mut bufs = self.0.into_bufs();
        if let Ok(n) = result {
            set_init_vectored(&mut bufs, n);
        }
        (result, bufs)
    }
}
