//! [`CompletionQueue`]: io_uring-style batches over every backend.
//!
//! One task (or thread) submits many operations — [`Op`]s: reads, writes,
//! socket ops, timeouts, opens... — each with a `u64` token, and takes
//! their [`Completion`]s in the order they finish, with
//! [`wait`](CompletionQueue::wait) (an ordinary future, for `select!`),
//! [`timed_wait`](CompletionQueue::timed_wait),
//! [`try_next`](CompletionQueue::try_next), or from a plain thread
//! [`wait_blocking`](CompletionQueue::wait_blocking). The same code runs on
//! io_uring, on epoll, and where no zio runtime runs (the process-wide
//! fallback driver serves the ops there). No task per operation, no
//! callbacks.
//!
//! ```
//! # zio::runtime::Runtime::new().unwrap().block_on(async {
//! use std::os::fd::AsRawFd;
//! use zio::cq::{CompletionQueue, Op, Output};
//! let file = std::fs::File::open("/proc/self/status")?;
//! let mut cq: CompletionQueue = CompletionQueue::with_capacity(64);
//! for i in 0..4 {
//!     cq.submit(Op::read_at(file.as_raw_fd(), Vec::with_capacity(64), i * 64), i)?;
//! }
//! while let Some(c) = cq.wait().await {
//!     let Output::Read(n, buf) = c.into_output() else { unreachable!() };
//!     assert_eq!(n?, buf.len());
//! }
//! # Ok::<_, Box<dyn std::error::Error>>(()) }).unwrap();
//! ```
//!
//! # Ownership
//!
//! An op owns its buffers (and the fds it produces) until its completion
//! hands them back. The queue keeps the ops in preallocated cells; a cell
//! is reused only after its op's final completion was taken. Dropping a
//! queue with ops in flight cancels them: the cells, with the buffers,
//! live on (kept by the drivers) until the kernel has finished each op,
//! then go; an fd an orphaned `accept` or `open` produced is closed.
//!
//! An op names the file it acts on by descriptor number, and holds that
//! file from its submission to its completion: closing the descriptor, or
//! another file taking its number, does not redirect it (see [`Op`] for
//! how, per backend, and for the one window on io_uring).
//!
//! # Multi-thread runtimes
//!
//! On io_uring, an op goes into the ring of the worker whose task submits
//! it. File ops (reads and writes at an offset, `open`, `fsync`, `statx`,
//! `ftruncate` and the path ops: the kernel does their work while it takes
//! them, or in its own workers, never waiting for an event) are shared
//! instead when other workers of the runtime have no task to run: they
//! take turns between this worker's ring and each idle worker's, so one
//! queue's batch of page-cache reads runs on as many CPUs.
//! An idle worker that gets tasks again keeps the ops it took until they
//! complete; completions arrive in the queue as usual, in completion order.
//! Such an op holds its file by a duplicate of the descriptor, as on the
//! epoll backend (see [`Op`]).
//!
//! # Cancellation
//!
//! [`cancel`](CompletionQueue::cancel) asks the kernel to stop an op; the
//! op then completes with an error of kind
//! [`Interrupted`](std::io::ErrorKind::Interrupted), or with its result if
//! it finished first. Either way its buffers come back.
//!
//! # Allocation
//!
//! [`with_capacity`](CompletionQueue::with_capacity) allocates the cells
//! and makes room for as many ops in the calling thread's driver; after
//! that, submitting and taking completions allocate nothing for nop,
//! timeout, read, write, recv, send, accept, connect, close, fsync,
//! ftruncate, shutdown and poll. The vectored and addressed ops (`readv`,
//! `writev`, `recv_from`, `send_to`) allocate their iovec array, and the
//! ops on paths (`open`, `statx`, `rename`, `unlink`, `rmdir`, `mkdir`,
//! `symlink`, `link`) their paths. A queue used where no zio runtime runs
//! sends its ops to the fallback driver through a queue that allocates a
//! block now and then, as do the file ops a worker hands to idle workers,
//! and a runtime's own scratch space grows to its high-water mark once.
//!
//! # Layout
//!
//! - `op.rs`: [`Op`], one constructor per operation, each mapped to the
//!   reactor's op of that name (`reactor/ops/`), and what holds the op's
//!   file while it is in flight.
//! - `completion.rs`: [`Completion`], [`Output`], [`OpId`], [`SubmitError`].
//! - `queue.rs`: [`CompletionQueue`] and its futures, on the reactor's
//!   pool of reusable op cells (`reactor/pool.rs`, where the unsafe code
//!   and the argument for it live).

mod completion;
mod op;
mod queue;

pub use completion::{Completion, OpId, Output, SubmitError};
pub use op::{Interest, Op};
pub use queue::{CompletionQueue, TimedWait, Wait};
