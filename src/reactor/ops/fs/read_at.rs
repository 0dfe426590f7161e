//! `IORING_OP_READ` at an explicit file offset, into an owned buffer.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::io::IoBufMut;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode, SharedFd};

/// Largest count one read or write transfers (Linux's `MAX_RW_COUNT`); the
/// kernel would cap a longer one there anyway, and it keeps counts in `i32`.
pub(super) const MAX_RW: usize = 0x7fff_f000;

/// Reads file bytes from `offset` (`u64::MAX`: at the file position, for
/// pipes and other streams) into `buf[buf_offset..bytes_total]`; on
/// completion the first `buf_offset + n` bytes of `buf` are initialized.
#[derive(Debug)]
pub(crate) struct ReadAt<B> {
    fd: SharedFd,
    buf: B,
    offset: u64,
    buf_offset: usize,
}

impl<B: IoBufMut> ReadAt<B> {
    /// # Panics
    /// If `buf_offset > buf.bytes_total()` (a bug of the caller in `fs`).
    pub(crate) fn new(fd: SharedFd, buf: B, offset: u64, buf_offset: usize) -> ReadAt<B> {
        assert!(
            buf_offset <= buf.bytes_total(),
            "read past the buffer's end"
        );
        ReadAt {
            fd,
            buf,
            offset,
            buf_offset,
        }
    }

    /// Where the kernel writes, and how many bytes.
    fn target(&mut self) -> (*mut u8, usize) {
        let len = (self.buf.bytes_total() - self.buf_offset).min(MAX_RW);
        // SAFETY: `buf_offset <= bytes_total` (checked in `new`), so the
        // pointer stays inside the buffer's allocation.
        let ptr = unsafe { self.buf.stable_mut_ptr().add(self.buf_offset) };
        (ptr, len)
    }
}

impl<B: IoBufMut> OpCode for ReadAt<B> {
    type Output = (io::Result<usize>, B);

    fn uring_entry(&mut self) -> Entry {
        let (ptr, len) = self.target();
        opcode::Read::new(Fd(self.fd.as_raw_fd()), ptr, len as u32)
            .offset(self.offset)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        let (ptr, len) = self.target();
        let fd = self.fd.as_raw_fd();
        // SAFETY: `ptr..ptr + len` lies in the buffer, which the op owns
        // exclusively while it runs.
        let ret = unsafe {
            if self.offset == u64::MAX {
                libc::read(fd, ptr.cast(), len)
            } else {
                let offset = libc::off_t::try_from(self.offset).unwrap_or(libc::off_t::MAX);
                libc::pread(fd, ptr.cast(), len, offset)
            }
        };
        syscall_result(ret)
    }

    fn complete(mut self, res: i32, _flags: u32) -> Self::Output {
        let result = cqe_result(res).map(|n| n as usize);
        if let Ok(n) = result {
            // SAFETY: the bytes before `buf_offset` were initialized before
            // (the caller's contract for `buf_offset`), the kernel just
            // wrote the `n` after it, and `buf_offset + n <= bytes_total`.
            unsafe { self.buf.set_init(self.buf_offset + n) };
        }
        (result, self.buf)
    }
}
