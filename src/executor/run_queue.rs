//! A worker slot's run queue.
//!
//! On a multi-thread runtime other workers steal from it, so it is a
//! concurrent queue. On a current-thread runtime nobody else ever touches
//! it, so it is a plain `VecDeque`: no atomic read-modify-write per
//! schedule.
//!
//! Both are unbounded: a worker keeps every task its own driver wakes,
//! and work moves to other workers only by stealing. A bounded queue (256,
//! as tokio's) overflowed to the injector whenever a driver turn woke more
//! tasks than it held, and from the injector any worker takes a task. At
//! 512 connections (clients and server in one process) nearly every wake
//! went that way (~32,400 of ~32,800 per round of 8,192 round trips), so
//! tasks talking over a socket sat on different workers half of the time
//! whatever stealing did, and each such message crossed CPUs. On this
//! machine, in its phases where crossing CPUs is dear, that took zio from
//! ~9.7 to ~12.3 us per round trip (tokio ~11.6).

use std::cell::UnsafeCell;
use std::collections::VecDeque;

use concurrent_queue::ConcurrentQueue;

use super::task::Runnable;

/// The most tasks a worker takes from the injector at once, beside the one
/// it runs, so that the others get a share.
const INJECTOR_BATCH: usize = 128;

#[derive(Debug)]
pub(crate) enum RunQueue {
    /// A multi-thread worker's queue, which other workers steal from.
    Shared(Box<ConcurrentQueue<Runnable>>),
    /// A current-thread runtime's queue.
    Local(LocalQueue),
}

/// The run queue of a current-thread runtime.
///
/// Only one thread at a time ever touches it: the thread driving the
/// runtime, i.e. the one inside `Runtime::block_on` that took the runtime's
/// core (a second concurrent `block_on` does not drive the runtime), or the
/// thread dropping the runtime (no `block_on` can be running then). Wakes
/// from any other thread go to the injector, never here. Each access is a
/// short borrow that runs no user code.
#[derive(Debug, Default)]
pub(crate) struct LocalQueue(UnsafeCell<VecDeque<Runnable>>);

// SAFETY: see the type's docs: accesses are confined to one thread at a
// time by the runtime's core hand-over (a mutex), which also orders them.
unsafe impl Sync for LocalQueue {}

impl LocalQueue {
    fn with<R>(&self, f: impl FnOnce(&mut VecDeque<Runnable>) -> R) -> R {
        // SAFETY: one thread at a time, and no borrow outlives `f`, which
        // never re-enters the queue (see the type's docs).
        f(unsafe { &mut *self.0.get() })
    }
}

impl RunQueue {
    pub(crate) fn shared() -> RunQueue {
        RunQueue::Shared(Box::new(ConcurrentQueue::unbounded()))
    }

    pub(crate) fn local() -> RunQueue {
        RunQueue::Local(LocalQueue::default())
    }

    /// Queues `r` at the back.
    pub(crate) fn push(&self, r: Runnable) {
        match self {
            // Unbounded and never closed: the push cannot fail.
            RunQueue::Shared(q) => {
                let _ = q.push(r);
            }
            RunQueue::Local(q) => q.with(|q| q.push_back(r)),
        }
    }

    pub(crate) fn pop(&self) -> Option<Runnable> {
        match self {
            RunQueue::Shared(q) => q.pop().ok(),
            RunQueue::Local(q) => q.with(|q| q.pop_front()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            RunQueue::Shared(q) => q.len(),
            RunQueue::Local(q) => q.with(|q| q.len()),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many tasks it takes in one batch from the injector.
    pub(crate) fn batch_room(&self) -> usize {
        match self {
            RunQueue::Shared(_) => INJECTOR_BATCH,
            RunQueue::Local(_) => usize::MAX,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::executor::task::spawn_raw;

    /// A worker's queue takes every task its driver wakes, however many:
    /// none is handed back to go to the injector (and from there to any
    /// worker).
    #[test]
    fn a_workers_queue_keeps_every_task_in_order() {
        let queue = RunQueue::shared();
        let mut handles = Vec::new();
        for i in 0..10_000usize {
            // SAFETY: the future and its output are `Send`, so the runnable
            // and the handle may be used on any thread.
            let (runnable, handle) = unsafe { spawn_raw(async move { i }, |_, _| {}, None) };
            queue.push(runnable);
            assert_eq!(queue.len(), i + 1, "task {i} handed back");
            handles.push(handle);
        }
        assert_eq!(queue.len(), 10_000);
        for (i, handle) in handles.iter_mut().enumerate() {
            queue.pop().expect("queued").run();
            assert_eq!(futures::executor::block_on(handle).ok(), Some(i), "FIFO");
        }
        assert!(queue.is_empty());
    }
}
