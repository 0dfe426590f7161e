//! `IORING_OP_RECV` into an owned buffer.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::io::IoBufMut;
use crate::reactor::fd::OpFd;
use crate::reactor::leftover::KeepAs;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, Interest, OpCode, SharedFd};

/// Receives into `buf[buf_offset..bytes_total]` (reads land at the start
/// of a buffer, as for files; `buf_offset` lets `read_exact` continue where
/// a short read stopped). On completion the first `buf_offset + n` bytes
/// are initialized.
#[derive(Debug)]
pub(crate) struct Recv<B, F = SharedFd> {
    fd: F,
    buf: B,
    buf_offset: usize,
    /// How a dropped read keeps what the buffer holds, in the fd's
    /// leftover (`reactor/leftover.rs`); `None`: it does not.
    keep: Option<KeepAs>,
}

impl<B: IoBufMut, F: AsRawFd> Recv<B, F> {
    /// # Panics
    ///
    /// If `buf_offset > buf.bytes_total()` (a bug of the caller in `net`).
    pub(crate) fn new(fd: F, buf: B, buf_offset: usize) -> Recv<B, F> {
        assert!(
            buf_offset <= buf.bytes_total(),
            "recv offset past the buffer"
        );
        Recv {
            fd,
            buf,
            buf_offset,
            keep: None,
        }
    }

    /// The same receive for a read that keeps its data if dropped (the op
    /// wrapped in the fd's `Leftover::keep`): the bytes the buffer holds,
    /// from its start, go to the fd's leftover as `keep`. A datagram's
    /// sender is then the socket's peer: a receive without the sender is
    /// for connected sockets.
    pub(crate) fn keeping(self, keep: KeepAs) -> Recv<B, F> {
        Recv {
            keep: Some(keep),
            ..self
        }
    }

    fn target(&mut self) -> (*mut u8, usize) {
        let len = self.buf.bytes_total() - self.buf_offset;
        // SAFETY: `buf_offset <= bytes_total` (checked in `new`), so the
        // pointer stays inside the buffer's allocation.
        (
            unsafe { self.buf.stable_mut_ptr().add(self.buf_offset) },
            len,
        )
    }
}

impl<B: IoBufMut, F: OpFd + Send + 'static> OpCode for Recv<B, F> {
    type Output = (io::Result<usize>, B);

    fn uring_entry(&mut self) -> Entry {
        let (ptr, len) = self.target();
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        opcode::Recv::new(Fd(self.fd.as_raw_fd()), ptr, len).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Ready {
            fd: self.fd.as_raw_fd(),
            file: self.fd.file(),
            interest: Interest::Read,
        }
    }

    fn syscall(&mut self) -> i32 {
        let (ptr, len) = self.target();
        // SAFETY: `ptr..ptr+len` is the buffer's spare capacity, owned by
        // the op while it runs.
        let ret = unsafe { libc::recv(self.fd.as_raw_fd(), ptr.cast(), len, libc::MSG_DONTWAIT) };
        syscall_result(ret)
    }

    fn complete(mut self, res: i32, _flags: u32) -> Self::Output {
        let result = cqe_result(res).map(|n| n as usize);
        if let Ok(n) = result {
            let init = self.buf_offset + n;
            // SAFETY: the kernel initialized `n` bytes after the old `init`.
            unsafe { self.buf.set_init(init) };
        }
        (result, self.buf)
    }

    fn complete_orphan(&mut self, res: i32) -> Option<std::task::Waker> {
        let keep = self.keep?;
        let leftover = self.fd.leftover()?;
        let n = self.buf_offset + usize::try_from(res).unwrap_or(0);
        // SAFETY: the first `buf_offset` bytes hold what earlier receives
        // of the same read got, and the kernel initialized `res` more
        // (within the capacity it was given).
        let got = unsafe { std::slice::from_raw_parts(self.buf.stable_ptr(), n) };
        let from = (keep == KeepAs::Datagram && res >= 0)
            .then(|| {
                // SAFETY: the op holds the descriptor open.
                let fd = unsafe { BorrowedFd::borrow_raw(self.fd.as_raw_fd()) };
                socket2::SockRef::from(&fd).peer_addr().ok()
            })
            .flatten();
        leftover.orphan_done(keep, [got], from, res)
    }
}
