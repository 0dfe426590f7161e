//! `IORING_OP_UNLINKAT`: removes a file, or with `AT_REMOVEDIR` an empty
//! directory.

use std::ffi::CString;
use std::io;

use io_uring::{opcode, squeue::Entry, types::Fd};

use crate::reactor::{cqe_result, syscall_result, EpollPlan, OpCode};

/// Removes `path`: a directory if `dir`, anything else otherwise.
#[derive(Debug)]
pub(crate) struct UnlinkAt {
    path: CString,
    flags: i32,
}

impl UnlinkAt {
    pub(crate) fn new(path: CString, dir: bool) -> UnlinkAt {
        let flags = if dir { libc::AT_REMOVEDIR } else { 0 };
        UnlinkAt { path, flags }
    }
}

impl OpCode for UnlinkAt {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::UnlinkAt::new(Fd(libc::AT_FDCWD), self.path.as_ptr())
            .flags(self.flags)
            .build()
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(opcode::UnlinkAt::CODE)
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        // SAFETY: `path` is a NUL-terminated string owned by the op.
        let ret = unsafe { libc::unlinkat(libc::AT_FDCWD, self.path.as_ptr(), self.flags) };
        syscall_result(ret as isize)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
