//! `IORING_OP_RENAMEAT`: renames a path, replacing the destination.

use std::ffi::CString;
use std::io;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

/// Renames `from` to `to` (`rename(2)` semantics).
#[derive(Debug)]
pub(crate) struct RenameAt {
    from: CString,
    to: CString,
}

impl RenameAt {
    pub(crate) fn new(from: CString, to: CString) -> RenameAt {
        RenameAt { from, to }
    }
}

impl OpCode for RenameAt {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        let cwd = Fd(libc::AT_FDCWD);
        opcode::RenameAt::new(cwd, self.from.as_ptr(), cwd, self.to.as_ptr()).build()
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(opcode::RenameAt::CODE)
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        // SAFETY: both paths are NUL-terminated strings owned by the op.
        let ret = unsafe {
            libc::renameat(
                libc::AT_FDCWD,
                self.from.as_ptr(),
                libc::AT_FDCWD,
                self.to.as_ptr(),
            )
        };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
