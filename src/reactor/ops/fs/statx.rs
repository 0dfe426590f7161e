//! `IORING_OP_STATX`: file metadata of a path or of an open descriptor.

use std::ffi::CString;
use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue::Entry, types};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode, SharedFd};

/// What we ask for: everything `stat` has, plus the birth time.
const MASK: u32 = libc::STATX_BASIC_STATS | libc::STATX_BTIME;

/// `statx` into a boxed buffer the op owns (the kernel writes it until the
/// completion; the box keeps its address when the op moves).
#[derive(Debug)]
pub(crate) struct Statx {
    /// `None`: `path` is relative to the current directory.
    dirfd: Option<SharedFd>,
    path: CString,
    flags: i32,
    buf: Box<libc::statx>,
}

impl Statx {
    /// Metadata of `path`, following a final symlink if `follow`.
    pub(crate) fn path(path: CString, follow: bool) -> Statx {
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        Statx::new(None, path, flags)
    }

    /// Metadata of the open file `fd`.
    pub(crate) fn fd(fd: SharedFd) -> Statx {
        Statx::new(Some(fd), CString::default(), libc::AT_EMPTY_PATH)
    }

    fn new(dirfd: Option<SharedFd>, path: CString, flags: i32) -> Statx {
        // SAFETY: `statx` is a plain C struct of integers, for which all
        // zero bytes is a valid value.
        let buf = Box::new(unsafe { std::mem::zeroed::<libc::statx>() });
        Statx {
            dirfd,
            path,
            flags,
            buf,
        }
    }

    fn dirfd(&self) -> i32 {
        self.dirfd
            .as_ref()
            .map_or(libc::AT_FDCWD, |fd| fd.as_raw_fd())
    }
}

impl OpCode for Statx {
    type Output = io::Result<Box<libc::statx>>;

    fn uring_entry(&mut self) -> Entry {
        let buf: *mut libc::statx = &mut *self.buf;
        opcode::Statx::new(
            types::Fd(self.dirfd()),
            self.path.as_ptr(),
            buf.cast::<types::statx>(),
        )
        .flags(self.flags)
        .mask(MASK)
        .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        let dirfd = self.dirfd();
        // SAFETY: `path` is NUL-terminated and `buf` a valid, exclusively
        // owned `statx` buffer.
        let ret =
            unsafe { libc::statx(dirfd, self.path.as_ptr(), self.flags, MASK, &mut *self.buf) };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<Box<libc::statx>> {
        cqe_result(res).map(|_| self.buf)
    }
}
