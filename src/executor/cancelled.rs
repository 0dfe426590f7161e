//! Tasks cancelled by shutdown, dropped outside the wake that scheduled
//! them.
//!
//! Once a runtime shuts down, a woken task is not run: dropping its
//! runnable drops its future. That drop must not happen inside the wake,
//! because the waker's caller may hold a lock that the future's drop takes
//! (h2 wakes its tasks under its stream lock, and the connection's drop
//! takes that lock: dropping there deadlocks). So runnables scheduled
//! during shutdown are kept here, and the thread that shuts the runtime down
//! drops them after it joined the workers, at the top of its stack.
//!
//! A task scheduled after shutdown finished (spawned through a `Handle`
//! kept past the runtime's drop, or woken from a thread that shutdown did
//! not wait for) has nobody left to drop it later: its scheduler drops it
//! (which a spawn after shutdown does in tokio too).

use std::sync::atomic::{fence, AtomicBool, Ordering};

use concurrent_queue::ConcurrentQueue;

use super::task::Runnable;

#[derive(Debug)]
pub(crate) struct Cancelled {
    queue: ConcurrentQueue<Runnable>,
    /// Set when shutdown dropped the last of `queue` and leaves.
    finished: AtomicBool,
}

impl Cancelled {
    pub(crate) fn new() -> Cancelled {
        Cancelled {
            queue: ConcurrentQueue::unbounded(),
            finished: AtomicBool::new(false),
        }
    }

    /// Takes a runnable of a task that will not run again; its future is
    /// dropped by [`Cancelled::finish`], or here once that has run.
    pub(crate) fn push(&self, runnable: Runnable) {
        // Unbounded and never closed: the push cannot fail.
        let _ = self.queue.push(runnable);
        // Pairs with the fence in `finish`: either `finish` sees this
        // runnable or this sees `finished` (store, fence, load on both
        // sides).
        fence(Ordering::SeqCst);
        if self.finished.load(Ordering::Relaxed) {
            self.drop_all();
        }
    }

    /// Drops every runnable kept so far and those their drops schedule,
    /// and from now on has each later one dropped by its scheduler.
    pub(crate) fn finish(&self) {
        // First with `finished` still clear: a drop here that wakes another
        // task (under some lock of its own) only queues that task, and this
        // loop drops it next, outside that wake.
        self.drop_all();
        self.finished.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        self.drop_all();
    }

    fn drop_all(&self) {
        while let Ok(runnable) = self.queue.pop() {
            drop(runnable);
        }
    }
}
