//! `IORING_OP_RECV` into an owned buffer's spare capacity.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::io::IoBufMut;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, Interest, OpCode, SharedFd};

/// Receives into the buffer's spare capacity (`bytes_init..bytes_total`).
#[derive(Debug)]
pub(crate) struct Recv<B> {
    fd: SharedFd,
    buf: B,
}

impl<B: IoBufMut> Recv<B> {
    pub(crate) fn new(fd: SharedFd, buf: B) -> Recv<B> {
        Recv { fd, buf }
    }

    fn spare(&mut self) -> (*mut u8, usize) {
        let init = self.buf.bytes_init();
        let spare = self.buf.bytes_total() - init;
        // SAFETY: `init <= bytes_total`, so the pointer stays inside the
        // buffer's allocation.
        (unsafe { self.buf.stable_mut_ptr().add(init) }, spare)
    }
}

impl<B: IoBufMut> OpCode for Recv<B> {
    type Output = (io::Result<usize>, B);

    fn uring_entry(&mut self) -> Entry {
        let (ptr, len) = self.spare();
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        opcode::Recv::new(Fd(self.fd.as_raw_fd()), ptr, len).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Ready {
            fd: self.fd.as_raw_fd(),
            interest: Interest::Read,
        }
    }

    fn syscall(&mut self) -> i32 {
        let (ptr, len) = self.spare();
        // SAFETY: `ptr..ptr+len` is the buffer's spare capacity, owned by
        // the op while it runs.
        let ret = unsafe { libc::recv(self.fd.as_raw_fd(), ptr.cast(), len, libc::MSG_DONTWAIT) };
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
