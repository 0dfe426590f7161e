//! One file per operation. Each is plain data implementing `OpCode`.
//!
//! The raw-fd ops here (nop, timeout, read, write, readv, writev) serve the
//! completion queue (`crate::cq`); `fs/` and `net/` hold the ops of
//! `zio::fs` and `zio::net`, which the completion queue runs too.

pub(crate) mod fs;
pub(crate) mod net;
mod nop;
mod read;
mod readv;
mod timeout;
mod write;
mod writev;

pub(crate) use nop::Nop;
pub(crate) use read::Read;
pub(crate) use readv::Readv;
pub(crate) use timeout::Timeout;
pub(crate) use write::Write;
pub(crate) use writev::Writev;

use std::os::fd::RawFd;

use crate::io::IoBufMut;
use crate::reactor::fd::FileId;
use crate::reactor::op::{ready_now, syscall_result, EpollPlan, Interest};

/// How epoll runs a read or write at `offset`: at the file position
/// (`u64::MAX`) the fd may be a pipe, socket or tty, which have readiness;
/// at an offset it is a file, whose syscall goes to the blocking pool.
/// These ops name a bare number: the completion queue's duplicate.
fn position_plan(fd: RawFd, offset: u64, interest: Interest) -> EpollPlan {
    if offset == u64::MAX {
        EpollPlan::Ready {
            fd,
            file: FileId::Private,
            interest,
        }
    } else {
        EpollPlan::Blocking
    }
}

/// `readv`/`writev` (`plain`) at the file position, `preadv`/`pwritev`
/// (`positioned`) at an offset; `EAGAIN` if a stream is not ready.
fn vectored_syscall(
    fd: RawFd,
    offset: u64,
    interest: Interest,
    iovecs: &[libc::iovec],
    plain: unsafe extern "C" fn(libc::c_int, *const libc::iovec, libc::c_int) -> isize,
    positioned: unsafe extern "C" fn(
        libc::c_int,
        *const libc::iovec,
        libc::c_int,
        libc::off_t,
    ) -> isize,
) -> i32 {
    if offset == u64::MAX && !ready_now(fd, interest) {
        return -libc::EAGAIN;
    }
    let n = libc::c_int::try_from(iovecs.len()).unwrap_or(libc::c_int::MAX);
    // SAFETY: the iovecs describe memory of buffers the calling op owns
    // exclusively while it runs.
    let ret = unsafe {
        if offset == u64::MAX {
            plain(fd, iovecs.as_ptr(), n)
        } else {
            let offset = libc::off_t::try_from(offset).unwrap_or(libc::off_t::MAX);
            positioned(fd, iovecs.as_ptr(), n, offset)
        }
    };
    syscall_result(ret)
}

/// Marks the bytes a vectored read of `n` bytes filled: the kernel fills
/// the buffers in order, each from its start up to its capacity.
pub(crate) fn set_init_vectored<B: IoBufMut>(bufs: &mut [B], n: usize) {
    let mut left = n;
    for b in bufs {
        let got = left.min(b.bytes_total());
        // SAFETY: the kernel (or the syscall) filled the iovecs in order;
        // this buffer received its first `got` bytes, within its capacity.
        unsafe { b.set_init(got) };
        left -= got;
    }
}
