//! A runtime's shared state and where a woken task goes.
//!
//! Each worker slot has a bounded local queue that other workers steal
//! from, and a queue of `!Send` tasks that only its own thread runs. A task
//! woken on a worker of its runtime goes to that worker (the LIFO slot, or
//! the back of the local queue if it yielded); a task woken anywhere else
//! goes to the global injector, and a parked worker is woken for it. A
//! current-thread runtime is the same machinery with one slot, run by
//! whichever thread is inside `block_on`.

use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::ThreadId;

use async_task::ScheduleInfo;
use concurrent_queue::ConcurrentQueue;

use super::blocking::BlockingPool;
use super::config::Config;
use super::idle::Idle;
use super::registry::Registry;
use super::task::Runnable;
use super::worker;
use crate::reactor::backend::IoBackend;
use crate::reactor::DriverShared;

/// Capacity of a worker's stealable queue; past it tasks overflow to the
/// injector.
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
}

/// One worker's queues and the unparker of its driver.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) queue: ConcurrentQueue<Runnable>,
    /// `!Send` tasks spawned on this slot; run only by `local_owner`.
    pub(crate) local: ConcurrentQueue<Runnable>,
    /// The thread that spawned the slot's first `!Send` task. A
    /// current-thread runtime can be driven from different threads over its
    /// life; its `!Send` tasks run only when their own thread drives it.
    pub(crate) local_owner: OnceLock<ThreadId>,
    pub(crate) driver: Arc<DriverShared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) injector: ConcurrentQueue<Runnable>,
    pub(crate) slots: Box<[Slot]>,
    pub(crate) idle: Idle,
    registry: Registry,
    shutdown: AtomicBool,
    pub(crate) blocking: BlockingPool,
    pub(crate) flavor: Flavor,
    pub(crate) config: Config,
    /// The backend the runtime's drivers use (set by the first one).
    pub(crate) io_backend: OnceLock<IoBackend>,
}

impl Shared {
    pub(crate) fn new(flavor: Flavor, workers: usize, config: Config) -> std::io::Result<Shared> {
        let slots = (0..workers)
            .map(|_| {
                Ok(Slot {
                    queue: ConcurrentQueue::bounded(LOCAL_QUEUE_CAPACITY),
                    local: ConcurrentQueue::unbounded(),
                    local_owner: OnceLock::new(),
                    driver: DriverShared::new()?,
                })
            })
            .collect::<std::io::Result<Box<[Slot]>>>()?;
        Ok(Shared {
            injector: ConcurrentQueue::unbounded(),
            slots,
            idle: Idle::new(workers),
            registry: Registry::new(),
            shutdown: AtomicBool::new(false),
            blocking: BlockingPool::new(config.blocking.clone()),
            flavor,
            config,
            io_backend: OnceLock::new(),
        })
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Starts shutdown: no task runs again; queued runnables are dropped by
    /// the workers, later wakes drop theirs.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        self.injector.close();
        for slot in self.slots.iter() {
            slot.driver.unpark();
        }
    }

    /// Where a woken `Send` task goes.
    pub(crate) fn schedule(self: &Arc<Self>, runnable: Runnable, info: ScheduleInfo) {
        if self.is_shutdown() {
            drop(runnable);
            return;
        }
        let runnable = match worker::schedule_local(self, runnable, info.woken_while_running) {
            Ok(()) => return,
            Err(r) => r,
        };
        match self.injector.push(runnable) {
            Ok(()) => self.notify_parked(),
            // Closed: the runtime is shutting down; the task is cancelled.
            Err(e) => drop(e.into_inner()),
        }
    }

    /// Where a woken `!Send` task of worker `index` goes: its own local
    /// queue, whatever thread woke it.
    pub(crate) fn schedule_pinned(&self, index: usize, runnable: Runnable) {
        let slot = &self.slots[index];
        match slot.local.push(runnable) {
            Ok(()) => slot.driver.unpark(),
            // The worker thread is gone: the future may only be dropped on
            // that thread, so it is leaked rather than dropped here.
            Err(e) => std::mem::forget(e.into_inner()),
        }
    }

    /// Wakes a parked worker if there is work and nobody searches.
    pub(crate) fn notify_parked(&self) {
        fence(Ordering::SeqCst);
        if let Some(index) = self.idle.worker_to_notify() {
            self.slots[index].driver.unpark();
        }
    }

    /// Whether any queue holds a task (used before parking as the last
    /// searcher).
    pub(crate) fn has_stealable_work(&self) -> bool {
        !self.injector.is_empty() || self.slots.iter().any(|s| !s.queue.is_empty())
    }
}
