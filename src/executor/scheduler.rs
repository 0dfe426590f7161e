//! A runtime's shared state and where a woken task goes.
//!
//! Each worker slot has a local queue (unbounded) that other workers steal
//! from, and a queue of `!Send` tasks that only its own thread runs. A task
//! woken on a worker of its runtime goes to that worker (the LIFO slot, or
//! the back of the local queue if it yielded); a task woken anywhere else
//! goes to the global injector, and a parked worker is woken for it. A
//! current-thread runtime is the same machinery with one slot, run by
//! whichever thread is inside `block_on`, without the LIFO slot (FIFO, as
//! tokio's current-thread scheduler).

use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;

use async_task::ScheduleInfo;
use concurrent_queue::ConcurrentQueue;

use super::blocking::BlockingPool;
use super::cancelled::Cancelled;
use super::config::Config;
use super::idle::Idle;
use super::registry::Registry;
use super::run_queue::RunQueue;
use super::spare::{self, Claim, Spare, SpareSlots};
use super::task::Runnable;
use super::worker;
use crate::reactor::backend::IoBackend;
use crate::reactor::DriverShared;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
}

/// One worker's queues and the unparker of its driver.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) queue: RunQueue,
    /// `!Send` tasks spawned on this slot; run only by `local_owner`.
    pub(crate) local: ConcurrentQueue<Runnable>,
    /// The thread that spawned the slot's first `!Send` task. A
    /// current-thread runtime can be driven from different threads over its
    /// life; its `!Send` tasks run only when their own thread drives it.
    pub(crate) local_owner: OnceLock<ThreadId>,
    pub(crate) driver: Arc<DriverShared>,
    /// Whether the slot's worker has no task to run (it searches for one,
    /// or parks): work handed to its driver gets its attention at once. A
    /// hint, written only when it changes.
    pub(crate) idle: AtomicBool,
    /// For a spare slot (run by stand-ins): whether a stand-in runs it, and
    /// its driver while none does; see `spare.rs`.
    pub(crate) spare: Option<Spare>,
}

impl Slot {
    fn new(flavor: Flavor, spare: Option<Spare>) -> std::io::Result<Slot> {
        Ok(Slot {
            queue: match flavor {
                Flavor::CurrentThread => RunQueue::local(),
                Flavor::MultiThread => RunQueue::shared(),
            },
            local: ConcurrentQueue::unbounded(),
            local_owner: OnceLock::new(),
            driver: DriverShared::new()?,
            idle: AtomicBool::new(false),
            spare,
        })
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) injector: ConcurrentQueue<Runnable>,
    /// The workers' slots, indexes `0..workers`; see [`Shared::slot`].
    slots: Box<[Slot]>,
    /// The spare slots stand-ins run, indexes `workers..` (added as
    /// blocking sections need them; none on a current-thread runtime).
    spares: SpareSlots<Slot>,
    pub(crate) idle: Idle,
    registry: Registry,
    shutdown: AtomicBool,
    /// Tasks scheduled after `shutdown` was set, dropped by the shutdown.
    pub(crate) cancelled: Cancelled,
    pub(crate) blocking: BlockingPool,
    pub(crate) flavor: Flavor,
    /// Number of worker slots (the spares for stand-ins come after them).
    pub(crate) workers: usize,
    pub(crate) config: Config,
    /// The backend the runtime's drivers use (set by the first one).
    pub(crate) io_backend: OnceLock<IoBackend>,
    /// Worker and stand-in threads, joined at shutdown.
    pub(crate) threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Shared {
    /// A runtime with `workers` worker slots and, for a multi-thread
    /// runtime, room for `max(workers, max_blocking_threads)` spare slots
    /// for stand-ins, added as blocking sections need them.
    pub(crate) fn new(flavor: Flavor, workers: usize, config: Config) -> std::io::Result<Shared> {
        let spares = match flavor {
            Flavor::CurrentThread => 0,
            Flavor::MultiThread => workers.max(config.blocking.max_threads),
        };
        let slots = (0..workers)
            .map(|_| Slot::new(flavor, None))
            .collect::<std::io::Result<Box<[Slot]>>>()?;
        Ok(Shared {
            injector: ConcurrentQueue::unbounded(),
            slots,
            spares: SpareSlots::new(spares),
            idle: Idle::new(workers),
            registry: Registry::new(),
            shutdown: AtomicBool::new(false),
            cancelled: Cancelled::new(),
            blocking: BlockingPool::new(config.blocking.clone()),
            flavor,
            workers,
            config,
            io_backend: OnceLock::new(),
            threads: Mutex::new(Vec::new()),
        })
    }

    /// Slot `index`: a worker's, or a spare one (which exists once its index
    /// was handed out by `start_standin`).
    pub(crate) fn slot(&self, index: usize) -> &Slot {
        match self.slots.get(index) {
            Some(slot) => slot,
            None => self
                .spares
                .get(index - self.workers)
                .expect("a spare slot is added before its index is handed out"),
        }
    }

    /// Number of slots: the workers' and the spare ones added so far.
    pub(crate) fn slot_count(&self) -> usize {
        self.workers + self.spares.len()
    }

    /// Every slot: the workers', then the spare ones added so far.
    pub(crate) fn all_slots(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().chain(self.spares.iter())
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Starts shutdown: no task runs again; queued runnables are dropped by
    /// the workers, later wakes hand theirs to `cancelled`.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        self.injector.close();
        for slot in self.all_slots() {
            slot.driver.unpark();
        }
    }

    /// Where a woken `Send` task goes.
    pub(crate) fn schedule(self: &Arc<Self>, runnable: Runnable, info: ScheduleInfo) {
        if self.is_shutdown() {
            self.cancelled.push(runnable);
            return;
        }
        if let Err(r) = worker::schedule_local(self, runnable, info.woken_while_running) {
            self.inject(r);
        }
    }

    /// Puts `runnable` in the global queue. `false` once the runtime shuts
    /// down (the queue is closed): the task is cancelled, its future
    /// dropped by the shutdown (`cancelled.rs`), never by the caller.
    pub(crate) fn push_global(&self, runnable: Runnable) -> bool {
        match self.injector.push(runnable) {
            Ok(()) => true,
            Err(e) => {
                self.cancelled.push(e.into_inner());
                false
            }
        }
    }

    /// [`push_global`](Self::push_global), then wakes a parked worker for
    /// the task.
    pub(crate) fn inject(&self, runnable: Runnable) {
        if self.push_global(runnable) {
            self.notify_parked();
        }
    }

    /// Where a woken `!Send` task of worker `index` goes: its own local
    /// queue, whatever thread woke it.
    pub(crate) fn schedule_pinned(&self, index: usize, runnable: Runnable) {
        let slot = self.slot(index);
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
            self.slot(index).driver.unpark();
        }
    }

    /// Provides a stand-in worker for a worker entering a blocking
    /// section: revives a retiring one, or starts a thread on a vacant
    /// spare slot, or on a new one if every spare stands in for another
    /// section. Returns the spare slot's index; `None` if no spare can be
    /// had (all of the most the runtime allows stand in already, or a new
    /// one cannot be set up) or the runtime is shutting down.
    pub(crate) fn start_standin(self: &Arc<Self>) -> Option<usize> {
        let spares = || {
            self.spares
                .iter()
                .enumerate()
                .map(|(i, slot)| (self.workers + i, spare_of(slot)))
        };
        match spare::claim(spares, || self.add_spare(), || self.is_shutdown())? {
            Claim::Revived(i) => {
                self.slot(i).driver.unpark();
                Some(i)
            }
            Claim::Vacant(i) => self.spawn_standin(i),
        }
    }

    /// Adds a spare slot, claimed (ACTIVE); returns its index.
    fn add_spare(&self) -> Option<usize> {
        match self
            .spares
            .add(|| Slot::new(Flavor::MultiThread, Some(Spare::claimed())))
        {
            Ok(Some(i)) => Some(self.workers + i),
            Ok(None) => {
                tracing::warn!(
                    "zio: every stand-in worker ({}) stands in for a blocking section; \
                     this one goes without (raise max_blocking_threads)",
                    self.spares.len()
                );
                None
            }
            Err(e) => {
                tracing::warn!("zio: cannot add a spare slot for a stand-in worker: {e}");
                None
            }
        }
    }

    fn slot_spare(&self, index: usize) -> &Spare {
        spare_of(self.slot(index))
    }

    /// Spawns one of the runtime's threads (a worker or a stand-in), named
    /// and sized as configured, and lists it to be joined at shutdown.
    pub(crate) fn spawn_thread(&self, f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        let mut builder = std::thread::Builder::new().name((self.config.thread_name)());
        if let Some(size) = self.config.stack_size {
            builder = builder.stack_size(size);
        }
        let thread = builder.spawn(f)?;
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(thread);
        Ok(())
    }

    fn spawn_standin(self: &Arc<Self>, index: usize) -> Option<usize> {
        self.idle.join();
        let shared = self.clone();
        match self.spawn_thread(move || super::runtime::run_standin(shared, index)) {
            Ok(()) => Some(index),
            Err(e) => {
                tracing::warn!("zio: cannot start a stand-in worker: {e}");
                self.idle.leave();
                self.slot_spare(index).release();
                None
            }
        }
    }

    /// Whether any queue holds a task (used before parking as the last
    /// searcher).
    pub(crate) fn has_stealable_work(&self) -> bool {
        !self.injector.is_empty() || self.all_slots().any(|s| !s.queue.is_empty())
    }
}

fn spare_of(slot: &Slot) -> &Spare {
    slot.spare.as_ref().expect("spare slots follow the workers")
}
