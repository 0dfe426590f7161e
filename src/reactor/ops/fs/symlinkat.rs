//! `IORING_OP_SYMLINKAT`: creates a symbolic link.

use std::ffi::CString;
use std::io;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

/// Creates `link`, a symbolic link whose content is `target`.
#[derive(Debug)]
pub(crate) struct SymlinkAt {
    target: CString,
    link: CString,
}

impl SymlinkAt {
    pub(crate) fn new(target: CString, link: CString) -> SymlinkAt {
        SymlinkAt { target, link }
    }
}

impl OpCode for SymlinkAt {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::SymlinkAt::new(Fd(libc::AT_FDCWD), self.target.as_ptr(), self.link.as_ptr()).build()
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(opcode::SymlinkAt::CODE)
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        // SAFETY: both paths are NUL-terminated strings owned by the op.
        let ret =
            unsafe { libc::symlinkat(self.target.as_ptr(), libc::AT_FDCWD, self.link.as_ptr()) };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
