//! `IORING_OP_WRITE` at an explicit file offset (or at the file position),
//! from an owned buffer.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use super::read_at::MAX_RW;
use crate::io::IoBuf;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode, SharedFd};

/// Writes `buf[buf_offset..bytes_init]` at file offset `offset`;
/// `u64::MAX` writes at the file position (what `O_APPEND` files need to
/// move it).
#[derive(Debug)]
pub(crate) struct WriteAt<B> {
    fd: SharedFd,
    buf: B,
    offset: u64,
    buf_offset: usize,
}

impl<B: IoBuf> WriteAt<B> {
    /// # Panics
    /// If `buf_offset > buf.bytes_init()` (a bug of the caller in `fs`).
    pub(crate) fn new(fd: SharedFd, buf: B, offset: u64, buf_offset: usize) -> WriteAt<B> {
        assert!(
            buf_offset <= buf.bytes_init(),
            "write past the buffer's end"
        );
        WriteAt {
            fd,
            buf,
            offset,
            buf_offset,
        }
    }

    fn source(&self) -> (*const u8, usize) {
        let len = (self.buf.bytes_init() - self.buf_offset).min(MAX_RW);
        // SAFETY: `buf_offset <= bytes_init` (checked in `new`), so the
        // pointer stays inside the buffer.
        let ptr = unsafe { self.buf.stable_ptr().add(self.buf_offset) };
        (ptr, len)
    }
}

impl<B: IoBuf> OpCode for WriteAt<B> {
    type Output = (io::Result<usize>, B);

    fn uring_entry(&mut self) -> Entry {
        let (ptr, len) = self.source();
        opcode::Write::new(Fd(self.fd.as_raw_fd()), ptr, len as u32)
            .offset(self.offset)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        let (ptr, len) = self.source();
        let fd = self.fd.as_raw_fd();
        // SAFETY: reads `len` initialized bytes of the buffer the op owns.
        let ret = unsafe {
            if self.offset == u64::MAX {
                libc::write(fd, ptr.cast(), len)
            } else {
                let offset = libc::off_t::try_from(self.offset).unwrap_or(libc::off_t::MAX);
                libc::pwrite(fd, ptr.cast(), len, offset)
            }
        };
        syscall_result(ret)
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        (cqe_result(res).map(|n| n as usize), self.buf)
    }
}
