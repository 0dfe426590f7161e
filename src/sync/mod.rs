//! Synchronization primitives that work everywhere: between zio tasks,
//! tasks on any other executor (tokio, `futures::executor`, ...) and plain
//! OS threads, in any combination, in one process.
//!
//! The API is `tokio::sync`'s, so switching is a rename. What differs:
//!
//! - Async methods use only the `Waker` they are polled with; no runtime
//!   context is needed, and none is looked up.
//! - `blocking_*` methods never panic: they park the calling thread (on a
//!   zio worker, after handing its queued tasks to the other workers).
//! - `*_timeout` methods (`recv_timeout`, `send_timeout`, `lock_timeout`,
//!   `acquire_timeout`, ...) work with no runtime at all.
//!
//! # How it is built
//!
//! - `waiters.rs`: the intrusive FIFO wait list (nodes live in the waiting
//!   futures, `!Unpin`, no allocation per waiter) under a short lock, and
//!   the cancel-safety rule: a dropped waiter hands back what it was given.
//! - `batch_semaphore.rs`: the fair semaphore the rest is built on
//!   ([`Semaphore`], [`Mutex`], [`RwLock`], [`OnceCell`], bounded
//!   [`mpsc`], whose receiver gives slots back on a cache line of its own).
//! - `own_line.rs`: `OwnLine`, a value on cache lines of its own.
//! - `notify.rs` ([`Notify`]), `barrier.rs`, `oneshot.rs`, `broadcast.rs`,
//!   `watch.rs`, `mpsc/`: the primitives.
//! - `blocking.rs`: the thread parker behind `blocking_*`; `timeout.rs`:
//!   the deadline behind `*_timeout` (on `crate::time`'s timers, which work
//!   off-runtime too).
//!
//! Model checks: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --lib --release sync::` runs the `loom_tests` modules next to the code.

mod barrier;
mod batch_semaphore;
mod blocking;
pub mod broadcast;
mod error;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod own_line;
mod rwlock;
mod semaphore;
mod timeout;
mod waiters;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use error::{
    AcquireError, AcquireTimeoutError, LockTimeoutError, TryAcquireError, TryLockError,
};
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

pub mod futures {
    //! Named futures, as in `tokio::sync::futures`.
    pub use super::notify::Notified;
}
