//! `IORING_OP_RECVMSG` into several owned buffers (`readv`, `recv_from`).
//!
//! The `msghdr`, the iovecs and the address storage live in the op, which
//! sits at a fixed heap address while the kernel may read them.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};
use socket2::{SockAddr, SockAddrStorage};

use crate::io::IoBufMut;
use crate::reactor::fd::OpFd;
use crate::reactor::leftover::KeepAs;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, Interest, OpCode, SharedFd};

/// Receives into the spare capacity of each buffer in turn, and the
/// sender's address.
pub(crate) struct RecvMsg<B, F = SharedFd> {
    fd: F,
    bufs: Vec<B>,
    iovecs: Vec<libc::iovec>,
    storage: SockAddrStorage,
    msg: libc::msghdr,
    /// As [`Recv`](super::Recv)'s.
    keep: Option<KeepAs>,
}

// SAFETY: the raw pointers in `iovecs` and `msg` point into the op's own
// buffers and storage; they are only used by whoever owns the op.
unsafe impl<B: Send, F: Send> Send for RecvMsg<B, F> {}
// SAFETY: the raw pointers are written and used only through `&mut self`
// (`prepare`); what `&self` reads is plain data.
unsafe impl<B: Sync, F: Sync> Sync for RecvMsg<B, F> {}

impl<B, F: std::fmt::Debug> std::fmt::Debug for RecvMsg<B, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvMsg")
            .field("fd", &self.fd)
            .field("bufs", &self.bufs.len())
            .finish()
    }
}

impl<B: IoBufMut, F: AsRawFd> RecvMsg<B, F> {
    pub(crate) fn new(fd: F, bufs: Vec<B>) -> RecvMsg<B, F> {
        RecvMsg {
            fd,
            bufs,
            iovecs: Vec::new(),
            storage: SockAddrStorage::zeroed(),
            // SAFETY: an all-zero msghdr is a valid empty one.
            msg: unsafe { std::mem::zeroed() },
            keep: None,
        }
    }

    /// As [`Recv::keeping`](super::Recv::keeping); a datagram is kept
    /// with its sender.
    pub(crate) fn keeping(self, keep: KeepAs) -> RecvMsg<B, F> {
        RecvMsg {
            keep: Some(keep),
            ..self
        }
    }

    /// Points the msghdr at the buffers (each from its start, as every
    /// read does) and the storage.
    /// Called once `self` sits where the kernel will see it.
    fn prepare(&mut self) -> *mut libc::msghdr {
        self.iovecs = self
            .bufs
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.stable_mut_ptr().cast(),
                iov_len: b.bytes_total(),
            })
            .collect();
        self.msg.msg_name = (&mut self.storage as *mut SockAddrStorage).cast();
        self.msg.msg_namelen = self.storage.size_of();
        self.msg.msg_iov = self.iovecs.as_mut_ptr();
        self.msg.msg_iovlen = self.iovecs.len();
        &mut self.msg
    }
}

impl<B: IoBufMut, F: OpFd + Send + 'static> OpCode for RecvMsg<B, F> {
    type Output = (io::Result<(usize, SockAddr)>, Vec<B>);

    fn uring_entry(&mut self) -> Entry {
        let msg = self.prepare();
        opcode::RecvMsg::new(Fd(self.fd.as_raw_fd()), msg).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Ready {
            fd: self.fd.as_raw_fd(),
            file: self.fd.file(),
            interest: Interest::Read,
        }
    }

    fn syscall(&mut self) -> i32 {
        let msg = self.prepare();
        // SAFETY: the msghdr points at memory the op owns.
        syscall_result(unsafe { libc::recvmsg(self.fd.as_raw_fd(), msg, libc::MSG_DONTWAIT) })
    }

    fn complete(mut self, res: i32, _flags: u32) -> Self::Output {
        let n = match cqe_result(res) {
            Ok(n) => n as usize,
            Err(e) => return (Err(e), self.bufs),
        };
        crate::reactor::ops::set_init_vectored(&mut self.bufs, n);
        // SAFETY: the kernel wrote an address of its family into the
        // storage and its length into `msg_namelen`.
        let addr = unsafe { SockAddr::new(self.storage, self.msg.msg_namelen) };
        (Ok((n, addr)), self.bufs)
    }

    fn complete_orphan(&mut self, res: i32) -> Option<std::task::Waker> {
        let keep = self.keep?;
        let leftover = self.fd.leftover()?;
        let from = (keep == KeepAs::Datagram && res >= 0).then(|| {
            let storage = std::mem::replace(&mut self.storage, SockAddrStorage::zeroed());
            // SAFETY: the receive succeeded: the kernel wrote an address of
            // its family into the storage and its length into the msghdr.
            unsafe { SockAddr::new(storage, self.msg.msg_namelen) }
        });
        let mut left = usize::try_from(res).unwrap_or(0);
        let got = self.bufs.iter().map(|b| {
            let n = left.min(b.bytes_total());
            left -= n;
            // SAFETY: the kernel filled the buffers in order, each from its
            // start, and `n` is within this one's capacity.
            unsafe { std::slice::from_raw_parts(b.stable_ptr(), n) }
        });
        leftover.orphan_done(keep, got, from, res)
    }
}
