//! `IORING_OP_MKDIRAT`: creates a directory.

use std::ffi::CString;
use std::io;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

/// Creates the directory `path` with `mode` (masked by the umask).
#[derive(Debug)]
pub(crate) struct MkDirAt {
    path: CString,
    mode: libc::mode_t,
}

impl MkDirAt {
    pub(crate) fn new(path: CString, mode: u32) -> MkDirAt {
        MkDirAt { path, mode }
    }
}

impl OpCode for MkDirAt {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::MkDirAt::new(Fd(libc::AT_FDCWD), self.path.as_ptr())
            .mode(self.mode)
            .build()
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(opcode::MkDirAt::CODE)
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        // SAFETY: `path` is a NUL-terminated string owned by the op.
        let ret = unsafe { libc::mkdirat(libc::AT_FDCWD, self.path.as_ptr(), self.mode) };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
