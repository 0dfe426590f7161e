//! `IORING_OP_CONNECT` to an address the op owns.
//!
//! The socket is nonblocking while it connects (`connect` has no per-call
//! nonblocking flag). io_uring waits for the handshake anyway (measured on
//! 6.18); the nonblocking `syscall` starts the connect and reports
//! `EAGAIN` while it is in progress, then reads `SO_ERROR` once writable.

use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types::Fd};
use socket2::SockAddr;

use crate::reactor::fd::OpFd;
use crate::reactor::{cqe_result, syscall_result, EpollPlan, Interest, OpCode, SharedFd};

pub(crate) struct Connect<F = SharedFd> {
    fd: F,
    addr: SockAddr,
    /// `syscall` started the connect and it is in progress.
    in_progress: bool,
}

impl<F: std::fmt::Debug> std::fmt::Debug for Connect<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connect")
            .field("fd", &self.fd)
            .field("in_progress", &self.in_progress)
            .finish()
    }
}

impl<F: AsRawFd> Connect<F> {
    pub(crate) fn new(fd: F, addr: SockAddr) -> Connect<F> {
        Connect {
            fd,
            addr,
            in_progress: false,
        }
    }
}

impl<F: OpFd + Send + 'static> OpCode for Connect<F> {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        let ptr = self.addr.as_ptr().cast::<libc::sockaddr>();
        opcode::Connect::new(Fd(self.fd.as_raw_fd()), ptr, self.addr.len()).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Ready {
            fd: self.fd.as_raw_fd(),
            file: self.fd.file(),
            interest: Interest::Write,
        }
    }

    fn syscall(&mut self) -> i32 {
        let fd = self.fd.as_raw_fd();
        if self.in_progress {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLOUT,
                revents: 0,
            };
            // SAFETY: one valid pollfd; a zero timeout never blocks.
            if unsafe { libc::poll(&mut pfd, 1, 0) } == 0 {
                return -libc::EAGAIN;
            }
            let mut err: libc::c_int = 0;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: `err` and `len` are valid for an int option.
            let ret = unsafe {
                libc::getsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_ERROR,
                    (&mut err as *mut libc::c_int).cast(),
                    &mut len,
                )
            };
            if ret < 0 {
                return syscall_result(-1);
            }
            return -err;
        }
        let ptr = self.addr.as_ptr().cast::<libc::sockaddr>();
        // SAFETY: the address and its length are owned by the op.
        let ret = syscall_result(unsafe { libc::connect(fd, ptr, self.addr.len()) } as isize);
        match -ret {
            libc::EINPROGRESS | libc::EALREADY => {
                self.in_progress = true;
                -libc::EAGAIN
            }
            // A Unix socket whose listener's backlog is full: try again
            // when writable.
            _ => ret,
        }
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
