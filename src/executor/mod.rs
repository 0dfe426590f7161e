//! The executor: runtimes, tasks and the scheduler, on `async-task`.
//!
//! - `runtime.rs`, `handle.rs`, `context.rs`: the public `Runtime`,
//!   `Builder` and `Handle`, and the thread-local that says which runtime
//!   the calling thread belongs to.
//! - `task.rs`, `registry.rs`: creating tasks (metadata, the wrapper that
//!   catches panics and honours abort) and the registry of live tasks that
//!   shutdown and abort reach them through.
//! - `join.rs`, `join_set.rs`: `JoinHandle`, `AbortHandle`, `JoinError`,
//!   `JoinSet`.
//! - `scheduler.rs`, `worker.rs`, `idle.rs`: where a woken task goes (LIFO
//!   slot, local queue, injector), the worker loop (run, steal, spin, park in
//!   the driver), and the accounting of parked and searching workers.
//! - `cancelled.rs`: tasks woken during shutdown, dropped by the shutdown
//!   rather than inside the wake.
//! - `spare.rs`: the spare slots that stand-in workers run while workers
//!   (stand-ins included) are inside blocking sections, added as needed.
//! - `block_on.rs`, `blocking.rs`, `spawn.rs`, `yield_now.rs`: blocking on a
//!   future, the bounded blocking pool, and the free functions.

mod backoff;
mod block_on;
mod blocking;
mod cancelled;
mod config;
mod context;
mod handle;
mod idle;
mod join;
mod join_set;
mod registry;
mod run_queue;
mod runtime;
mod scheduler;
mod spare;
mod spawn;
mod task;
mod worker;
mod yield_now;

pub(crate) use backoff::Backoff;
pub use block_on::block_on;
pub(crate) use block_on::block_on_deadline;
pub use context::EnterGuard;
pub use handle::{Handle, TryCurrentError};
pub use join::{AbortHandle, JoinError, JoinHandle};
pub use join_set::JoinSet;
pub use runtime::{Builder, Runtime};
pub use spawn::{block_in_place, spawn, spawn_blocking, spawn_local};
pub(crate) use worker::idle_sibling_driver;
pub use yield_now::yield_now;

/// Runs `f` on the process-wide blocking pool, detached (the epoll
/// backend's file operations).
pub(crate) fn run_blocking(f: impl FnOnce() + Send + 'static) {
    drop(blocking::BlockingPool::global().spawn(f));
}
