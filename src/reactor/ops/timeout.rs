//! `IORING_OP_TIMEOUT`: completes after a relative duration.

use std::io;
use std::time::Duration;

use io_uring::types::Timespec;
use io_uring::{opcode, squeue::Entry};

use crate::reactor::op::{EpollPlan, OpCode};

#[derive(Debug)]
pub(crate) struct Timeout {
    /// Read by the kernel when it prepares the SQE; lives in the op cell.
    ts: Timespec,
    after: Duration,
}

impl Timeout {
    pub(crate) fn new(after: Duration) -> Timeout {
        Timeout {
            ts: Timespec::from(after),
            after,
        }
    }
}

impl OpCode for Timeout {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::Timeout::new(&self.ts).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::After(self.after)
    }

    fn syscall(&mut self) -> i32 {
        -libc::ETIME
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        match -res {
            // The timeout expired: the op's purpose.
            libc::ETIME => Ok(()),
            0 => Ok(()),
            errno => Err(io::Error::from_raw_os_error(errno)),
        }
    }
}
