//! `IORING_OP_LINKAT`: creates a hard link.

use std::ffi::CString;
use std::io;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

/// Creates `link`, a new name for `original` (a symlink `original` is
/// linked itself, not followed, as `std::fs::hard_link` does on Linux).
#[derive(Debug)]
pub(crate) struct LinkAt {
    original: CString,
    link: CString,
}

impl LinkAt {
    pub(crate) fn new(original: CString, link: CString) -> LinkAt {
        LinkAt { original, link }
    }
}

impl OpCode for LinkAt {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        let cwd = Fd(libc::AT_FDCWD);
        opcode::LinkAt::new(cwd, self.original.as_ptr(), cwd, self.link.as_ptr()).build()
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(opcode::LinkAt::CODE)
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        // SAFETY: both paths are NUL-terminated strings owned by the op.
        let ret = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                self.original.as_ptr(),
                libc::AT_FDCWD,
                self.link.as_ptr(),
                0,
            )
        };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
