//! `IORING_OP_ACCEPT` (single-shot), producing a close-on-exec socket in
//! blocking mode (accepted sockets do not inherit the listener's
//! `O_NONBLOCK`; see `ops/net/mod.rs` for why connected sockets block).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use io_uring::{opcode, squeue::Entry, types::Fd};
use socket2::{SockAddr, SockAddrStorage};

use crate::reactor::fd::OpFd;
use crate::reactor::{syscall_result, EpollPlan, Interest, OpCode, SharedFd};

/// Accepts one connection on a (nonblocking) listener, with the peer's
/// address written into storage the op owns.
pub(crate) struct Accept<F = SharedFd> {
    fd: F,
    storage: SockAddrStorage,
    len: libc::socklen_t,
}

impl<F: std::fmt::Debug> std::fmt::Debug for Accept<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accept").field("fd", &self.fd).finish()
    }
}

impl<F: AsRawFd> Accept<F> {
    pub(crate) fn new(fd: F) -> Accept<F> {
        let storage = SockAddrStorage::zeroed();
        let len = storage.size_of();
        Accept { fd, storage, len }
    }

    fn addr_ptr(&mut self) -> *mut libc::sockaddr {
        // `SockAddrStorage` is `repr(transparent)` over `sockaddr_storage`.
        (&mut self.storage as *mut SockAddrStorage).cast()
    }
}

impl<F: OpFd + Send + 'static> OpCode for Accept<F> {
    type Output = io::Result<(OwnedFd, SockAddr)>;

    fn uring_entry(&mut self) -> Entry {
        let addr = self.addr_ptr();
        opcode::Accept::new(Fd(self.fd.as_raw_fd()), addr, &mut self.len)
            .flags(libc::SOCK_CLOEXEC)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Ready {
            fd: self.fd.as_raw_fd(),
            file: self.fd.file(),
            interest: Interest::Read,
        }
    }

    fn syscall(&mut self) -> i32 {
        self.len = self.storage.size_of();
        let addr = self.addr_ptr();
        // SAFETY: `addr` and `len` describe storage the op owns; the
        // listener is nonblocking, so this returns `EAGAIN` when no
        // connection waits.
        let ret =
            unsafe { libc::accept4(self.fd.as_raw_fd(), addr, &mut self.len, libc::SOCK_CLOEXEC) };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> Self::Output {
        if res < 0 {
            return Err(io::Error::from_raw_os_error(-res));
        }
        // SAFETY: a successful accept returned a new descriptor that
        // nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(res) };
        // SAFETY: the kernel wrote an address of its family and set `len`.
        let addr = unsafe { SockAddr::new(self.storage, self.len) };
        Ok((fd, addr))
    }

    fn complete_orphan(&mut self, res: i32) -> Option<std::task::Waker> {
        if res >= 0 {
            // The accept completed after its future was dropped: nobody
            // will use the connection, so close it (the peer sees EOF or
            // a reset).
            // SAFETY: the new descriptor is owned by nothing else.
            drop(unsafe { OwnedFd::from_raw_fd(res) });
        }
        None
    }
}
