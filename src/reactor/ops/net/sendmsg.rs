//! `IORING_OP_SENDMSG` from several owned buffers (`writev`, `send_to`),
//! with `MSG_NOSIGNAL`.
//!
//! The `msghdr`, the iovecs and the destination address live in the op,
//! which sits at a fixed heap address while the kernel may read them.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};
use socket2::SockAddr;

use crate::io::IoBuf;
use crate::reactor::fd::OpFd;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, Interest, OpCode, SharedFd};

/// Sends the initialized bytes of each buffer in turn, to `addr` if given.
pub(crate) struct SendMsg<B, F = SharedFd> {
    fd: F,
    bufs: Vec<B>,
    iovecs: Vec<libc::iovec>,
    addr: Option<SockAddr>,
    msg: libc::msghdr,
}

// SAFETY: the raw pointers in `iovecs` and `msg` point into the op's own
// buffers and address; they are only used by whoever owns the op.
unsafe impl<B: Send, F: Send> Send for SendMsg<B, F> {}
// SAFETY: the raw pointers are written and used only through `&mut self`
// (`prepare`); what `&self` reads is plain data.
unsafe impl<B: Sync, F: Sync> Sync for SendMsg<B, F> {}

impl<B, F: std::fmt::Debug> std::fmt::Debug for SendMsg<B, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendMsg")
            .field("fd", &self.fd)
            .field("bufs", &self.bufs.len())
            .finish()
    }
}

impl<B: IoBuf, F: AsRawFd> SendMsg<B, F> {
    pub(crate) fn new(fd: F, bufs: Vec<B>, addr: Option<SockAddr>) -> SendMsg<B, F> {
        SendMsg {
            fd,
            bufs,
            iovecs: Vec::new(),
            addr,
            // SAFETY: an all-zero msghdr is a valid empty one.
            msg: unsafe { std::mem::zeroed() },
        }
    }

    /// Points the msghdr at the buffers and the address. Called once
    /// `self` sits where the kernel will see it.
    fn prepare(&mut self) -> *const libc::msghdr {
        self.iovecs = self
            .bufs
            .iter()
            .map(|b| libc::iovec {
                iov_base: b.stable_ptr().cast_mut().cast(),
                iov_len: b.bytes_init(),
            })
            .collect();
        if let Some(addr) = &self.addr {
            self.msg.msg_name = addr.as_ptr().cast_mut().cast();
            self.msg.msg_namelen = addr.len();
        }
        self.msg.msg_iov = self.iovecs.as_mut_ptr();
        self.msg.msg_iovlen = self.iovecs.len();
        &self.msg
    }
}

impl<B: IoBuf, F: OpFd + Send + 'static> OpCode for SendMsg<B, F> {
    type Output = (io::Result<usize>, Vec<B>);

    fn uring_entry(&mut self) -> Entry {
        let msg = self.prepare();
        opcode::SendMsg::new(Fd(self.fd.as_raw_fd()), msg)
            .flags(libc::MSG_NOSIGNAL as u32)
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
        let msg = self.prepare();
        let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
        // SAFETY: the msghdr points at memory the op owns.
        syscall_result(unsafe { libc::sendmsg(self.fd.as_raw_fd(), msg, flags) })
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        (cqe_result(res).map(|n| n as usize), self.bufs)
    }
}
