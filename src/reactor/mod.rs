//! The reactor: operations as data, the `Op<T>` future that carries one
//! through the kernel, and the drivers that own the rings.
//!
//! - `op.rs`: the `OpCode` trait (an op describes itself), the shared
//!   `OpCell` and the `Op<T>` future with its lifecycle and cancel-on-drop.
//! - `ops/`: one file per operation.
//! - `leftover.rs`: what a socket's dropped reads took, kept for
//!   its next read.
//! - `pool.rs`: reusable op cells, the storage of a completion queue: no
//!   allocation per op.
//! - `driver.rs`: the per-thread driver (ring, timers, inbox for other
//!   threads) and the thread-local through which ops find it.
//! - `uring/`: the io_uring backend (setup, submission with back-pressure,
//!   waiting, reaping).
//! - `unpark.rs`: waking a parked driver from another thread.
//! - `fallback.rs`: the process-wide driver thread that serves ops and
//!   timers polled where no zio runtime runs.

pub(crate) mod backend;
mod driver;
mod epoll;
mod fallback;
mod fd;
mod leftover;
mod op;
pub(crate) mod ops;
mod pool;
mod unpark;
mod uring;

#[cfg(test)]
pub(crate) use driver::live_ops;
pub(crate) use driver::{
    add_timer, install, reap_now, uninstall, with_current, Completions, Driver, DriverShared,
};
pub(crate) use pool::{Key, OpPool};
pub(crate) use uring::{has_opcode, RingConfig};
pub(crate) use {
    fd::SharedFd,
    leftover::KeepAs,
    op::{cqe_result, syscall_result, EpollPlan, Interest, Op, OpCode},
};

#[cfg(test)]
mod tests;
