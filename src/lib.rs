//! zio: an async runtime for Linux built on io_uring.
//!
//! - An executor on [`async-task`](https://docs.rs/async-task): a multi-thread
//!   runtime with per-worker queues, a global injector and work stealing, and a
//!   current-thread runtime ([`runtime`], [`task`]).
//! - A completion-based reactor: one io_uring per worker thread; ops own their
//!   buffers until the kernel is done with them.
//! - Timers per worker ([`time`]) that also work where no zio runtime runs.
//! - A bounded blocking pool ([`spawn_blocking`]).
//! - Sync primitives that work between zio, other executors and plain
//!   threads ([`sync`]).
//! - [`CompletionQueue`]: many operations in flight from one task, their
//!   completions taken as they finish ([`cq`]).
//!
//! # Examples
//!
//! ```
//! let rt = zio::runtime::Runtime::new().unwrap();
//! let answer = rt.block_on(async {
//!     let handle = zio::spawn(async { 6 * 7 });
//!     handle.await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod compat;
pub mod cq;
mod executor;
mod loom;
mod reactor;

pub mod fs;
pub mod io;
pub mod net;
pub mod sync;
pub mod time;

pub mod runtime {
    //! The runtime: [`Runtime`], its [`Builder`] and a [`Handle`] to it.
    pub use crate::executor::{Builder, EnterGuard, Handle, Runtime, TryCurrentError};
    pub use crate::reactor::backend::IoBackend;
}

pub mod task {
    //! Tasks: spawning, joining, aborting, yielding, blocking.
    pub use crate::executor::{
        block_in_place, spawn, spawn_blocking, spawn_local, yield_now, AbortHandle, JoinError,
        JoinHandle, JoinSet,
    };
}

pub use cq::CompletionQueue;
pub use executor::{block_on, spawn, spawn_blocking};

pub use tokio::{join, pin, select, try_join};

#[cfg(feature = "macros")]
pub use zio_macros::{main, test};
