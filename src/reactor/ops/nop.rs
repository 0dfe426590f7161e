//! `IORING_OP_NOP`: completes at once. Used to measure the ring and in tests.

use std::io;

use io_uring::{opcode, squeue::Entry};

use crate::reactor::op::{cqe_result, EpollPlan, OpCode};

#[derive(Debug)]
pub(crate) struct Nop;

impl OpCode for Nop {
    type Output = io::Result<()>;

    fn uring_entry(&mut self) -> Entry {
        opcode::Nop::new().build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::After(std::time::Duration::ZERO)
    }

    fn syscall(&mut self) -> i32 {
        0
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<()> {
        cqe_result(res).map(drop)
    }
}
