//! A worker slot's run queue.
//!
//! On a multi-thread runtime other workers steal from it, so it is a
//! bounded concurrent queue. On a current-thread runtime nobody else ever
//! touches it, so it is a plain `VecDeque`: no atomic read-modify-write per
//! schedule.

use std::cell::UnsafeCell;
use std::collections::VecDeque;

use concurrent_queue::ConcurrentQueue;

use super::task::Runnable;

/// Capacity of a multi-thread worker's stealable queue; past it tasks
/// overflow to the injector.
pub(crate) const SHARED_CAPACITY: usize = 256;

#[derive(Debug)]
pub(crate) enum RunQueue {
    /// A multi-thread worker's queue: bounded, other workers steal from it.
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
        RunQueue::Shared(Box::new(ConcurrentQueue::bounded(SHARED_CAPACITY)))
    }

    pub(crate) fn local() -> RunQueue {
        RunQueue::Local(LocalQueue::default())
    }

    /// Queues `r` at the back; hands it back if the queue is full.
    pub(crate) fn push(&self, r: Runnable) -> Result<(), Runnable> {
        match self {
            RunQueue::Shared(q) => q.push(r).map_err(|e| e.into_inner()),
            RunQueue::Local(q) => {
                q.with(|q| q.push_back(r));
                Ok(())
            }
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
            RunQueue::Shared(_) => SHARED_CAPACITY / 2,
            RunQueue::Local(_) => usize::MAX,
        }
    }
}
