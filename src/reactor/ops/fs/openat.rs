//! `IORING_OP_OPENAT`: opens a path (relative paths against the current
//! directory).

use std::ffi::CString;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

/// Opens `path` with `flags` (which should include `O_CLOEXEC`) and `mode`.
#[derive(Debug)]
pub(crate) struct OpenAt {
    path: CString,
    flags: i32,
    mode: libc::mode_t,
}

impl OpenAt {
    pub(crate) fn new(path: CString, flags: i32, mode: u32) -> OpenAt {
        OpenAt { path, flags, mode }
    }
}

impl OpCode for OpenAt {
    type Output = io::Result<OwnedFd>;

    fn uring_entry(&mut self) -> Entry {
        opcode::OpenAt::new(Fd(libc::AT_FDCWD), self.path.as_ptr())
            .flags(self.flags)
            .mode(self.mode)
            .build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        // SAFETY: `path` is a NUL-terminated string owned by the op.
        let fd = unsafe {
            libc::openat(
                libc::AT_FDCWD,
                self.path.as_ptr(),
                self.flags,
                libc::c_uint::from(self.mode),
            )
        };
        syscall_result(fd as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<OwnedFd> {
        let fd = cqe_result(res)?;
        // SAFETY: the kernel just opened this descriptor for us; nothing
        // else owns it.
        Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
    }

    fn complete_orphan(&mut self, res: i32) -> Option<std::task::Waker> {
        if res >= 0 {
            // SAFETY: the open succeeded after its future was dropped: the
            // descriptor is ours and nobody else will ever see it.
            drop(unsafe { OwnedFd::from_raw_fd(res) });
        }
        None
    }
}
