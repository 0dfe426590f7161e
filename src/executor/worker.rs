//! The worker loop: run tasks, look at the driver, steal, spin, park.
//!
//! A worker thread of a multi-thread runtime runs `Worker::run` until
//! shutdown; a current-thread runtime's `block_on` runs the same loop for
//! its one slot until the main future completes. While the loop runs, a
//! thread-local points at the worker's context so that tasks woken on this
//! thread are queued here (on a multi-thread runtime, in the LIFO slot for
//! message passing) without touching shared queues.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::scheduler::{Flavor, Shared};
use super::task::Runnable;
use crate::reactor::{self, DriverShared};

/// How many times in a row the LIFO slot may run before the local queue
/// gets a turn (two tasks waking each other must not starve the rest).
const LIFO_LIMIT: u32 = 3;
/// The most tasks one steal moves: half the victim's queue, up to this
/// (the queues are unbounded; a steal stays short, and the next comes
/// when these have run).
const STEAL_MAX: usize = 128;
/// Rounds of stealing attempts before a worker parks. A parked worker costs
/// ~15 µs to wake, so a short spin pays off when work arrives soon; each
/// round yields the CPU (see `Worker::search`).
const SPIN_ROUNDS: u32 = 32;

/// The part of a worker that code running on its thread (schedule calls,
/// `block_in_place`) may reach through the thread-local.
pub(crate) struct WorkerCtx {
    pub(crate) shared: Arc<Shared>,
    pub(crate) index: usize,
    lifo: Cell<Option<Runnable>>,
    /// Inside `block_in_place`: tasks woken here go to the injector.
    blocked: Cell<bool>,
}

thread_local! {
    static CURRENT: Cell<*const WorkerCtx> = const { Cell::new(std::ptr::null()) };
}

/// Where the `turn`-th of a run of ops the calling worker hands out goes:
/// the ops take turns between the caller (`None`) and each other worker of
/// its runtime that has no task to run (`Some` of that worker's driver).
/// `None` off a worker, or when every other worker is busy. Stand-ins are
/// left out: one may exit while work it was handed waits in its driver.
pub(crate) fn idle_sibling_driver(turn: usize) -> Option<Arc<DriverShared>> {
    with_ctx(|ctx| {
        let shared = &ctx.shared;
        let idle = |&w: &usize| w != ctx.index && shared.slot(w).idle.load(Ordering::Relaxed);
        let count = (0..shared.workers).filter(idle).count();
        let pick = turn % (count + 1);
        let worker = (0..shared.workers).filter(idle).nth(pick.checked_sub(1)?)?;
        Some(shared.slot(worker).driver.clone())
    })
    .flatten()
}

/// Runs `f` with the calling thread's worker context, if it is a worker.
fn with_ctx<R>(f: impl FnOnce(&WorkerCtx) -> R) -> Option<R> {
    let ptr = CURRENT.try_with(|c| c.get()).ok()?;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the pointer is set by `Worker::run_until` to a context that
    // lives on its stack frame (boxed) and is reset before the frame ends.
    Some(f(unsafe { &*ptr }))
}

/// Queues `runnable` on the current thread's worker if that worker belongs
/// to `shared` and is not blocked; otherwise hands it back.
pub(crate) fn schedule_local(
    shared: &Arc<Shared>,
    runnable: Runnable,
    yielded: bool,
) -> Result<(), Runnable> {
    let mut runnable = Some(runnable);
    let done = with_ctx(|ctx| {
        if !Arc::ptr_eq(&ctx.shared, shared) || ctx.blocked.get() {
            return false;
        }
        let r = runnable.take().expect("runnable");
        if yielded {
            // A task that yields lets pending work run first: with nothing
            // else queued here, that is the global queue's.
            if ctx.shared.slot(ctx.index).queue.is_empty() {
                if let Some(other) = pop_injector(ctx) {
                    push_queue(ctx, other);
                }
            }
            push_queue(ctx, r);
        } else if ctx.shared.flavor == Flavor::CurrentThread {
            // One thread runs everything: a LIFO slot would only make a
            // task that awaits many others (a join loop) bounce back after
            // each of them. FIFO, as tokio's current-thread scheduler.
            push_queue(ctx, r);
        } else if let Some(prev) = ctx.lifo.replace(Some(r)) {
            push_queue(ctx, prev);
        }
        true
    });
    match (done, runnable) {
        (Some(true), _) => Ok(()),
        (_, Some(r)) => Err(r),
        (_, None) => unreachable!("runnable taken only when queued"),
    }
}

fn push_queue(ctx: &WorkerCtx, runnable: Runnable) {
    let shared = &ctx.shared;
    let queue = &shared.slot(ctx.index).queue;
    queue.push(runnable);
    // Only worth waking a parked worker when there is more here than this
    // worker runs next (as tokio's `should_notify_others`).
    if queue.len() >= 2 && shared.flavor == Flavor::MultiThread {
        shared.notify_parked();
    }
}

fn owns_local(slot: &super::scheduler::Slot) -> bool {
    slot.local_owner.get() == Some(&std::thread::current().id())
}

/// Takes a `!Send` task of the worker's slot, if this thread owns them.
fn pop_local(ctx: &WorkerCtx) -> Option<Runnable> {
    let slot = ctx.shared.slot(ctx.index);
    if slot.local.is_empty() || !owns_local(slot) {
        return None;
    }
    slot.local.pop().ok()
}

/// Takes a task from the injector, moving a fair share more to the
/// worker's queue.
fn pop_injector(ctx: &WorkerCtx) -> Option<Runnable> {
    let shared = &ctx.shared;
    let first = shared.injector.pop().ok()?;
    let slot = shared.slot(ctx.index);
    let room = slot.queue.batch_room();
    let batch = (shared.injector.len() / shared.workers).min(room);
    for _ in 0..batch {
        let Ok(t) = shared.injector.pop() else { break };
        slot.queue.push(t);
    }
    Some(first)
}

/// The runtime and slot of the calling thread, if it is a worker.
pub(crate) fn current() -> Option<(Arc<Shared>, usize)> {
    with_ctx(|ctx| (ctx.shared.clone(), ctx.index))
}

/// Moves the worker's queued tasks (LIFO slot and local queue) to the
/// injector, for other workers to run.
fn hand_off(ctx: &WorkerCtx) {
    let shared = &ctx.shared;
    let slot = shared.slot(ctx.index);
    let lifo = ctx.lifo.take();
    for r in lifo
        .into_iter()
        .chain(std::iter::from_fn(|| slot.queue.pop()))
    {
        shared.push_global(r);
    }
    shared.notify_parked();
}

/// Marks the calling worker (if any) blocked: its queued tasks move to the
/// injector, and on a multi-thread runtime it stops counting as a worker
/// while a stand-in thread runs a spare slot in its place, so the runtime
/// keeps its full number of workers. The calling worker may itself be a
/// stand-in (a task it runs blocks): it gets a stand-in of its own, on a
/// spare slot added if need be (see `spare.rs`). Undone when the guard
/// drops.
pub(crate) fn enter_blocking() -> Option<BlockingGuard> {
    with_ctx(|ctx| {
        if ctx.blocked.replace(true) {
            return None;
        }
        let shared = &ctx.shared;
        let standin = if shared.flavor == Flavor::MultiThread {
            shared.idle.leave();
            shared.start_standin()
        } else {
            None
        };
        hand_off(ctx);
        Some(BlockingGuard {
            shared: shared.clone(),
            standin,
        })
    })
    .flatten()
}

/// The calling worker is inside a blocking section; see [`enter_blocking`].
pub(crate) struct BlockingGuard {
    shared: Arc<Shared>,
    /// The spare slot whose stand-in runs meanwhile.
    standin: Option<usize>,
}

impl Drop for BlockingGuard {
    fn drop(&mut self) {
        with_ctx(|ctx| ctx.blocked.set(false));
        if self.shared.flavor == Flavor::MultiThread {
            self.shared.idle.join();
        }
        if let Some(index) = self.standin {
            let slot = self.shared.slot(index);
            if let Some(spare) = &slot.spare {
                spare.retire();
            }
            slot.driver.unpark();
        }
    }
}

/// Wakes the main future of a `block_on` and the thread running it.
pub(crate) struct MainWaker {
    woken: AtomicBool,
    driver: Arc<DriverShared>,
}

impl MainWaker {
    pub(crate) fn new(driver: Arc<DriverShared>) -> Arc<MainWaker> {
        Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            driver,
        })
    }

    pub(crate) fn take(&self) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, Ordering::AcqRel) {
            self.driver.unpark();
        }
    }
}

/// Sets the thread-local context for the lifetime of the loop.
struct CtxGuard {
    prev: *const WorkerCtx,
}

impl Drop for CtxGuard {
    fn drop(&mut self) {
        let prev = self.prev;
        let _ = CURRENT.try_with(|c| c.set(prev));
    }
}

pub(crate) struct Worker {
    ctx: Box<WorkerCtx>,
    tick: u32,
    lifo_streak: u32,
    searching: bool,
    /// What this worker's slot says in `idle`.
    idle: bool,
    rng: u32,
    completions: reactor::Completions,
}

impl Worker {
    pub(crate) fn new(shared: Arc<Shared>, index: usize) -> Worker {
        Worker {
            ctx: Box::new(WorkerCtx {
                shared,
                index,
                lifo: Cell::new(None),
                blocked: Cell::new(false),
            }),
            tick: 0,
            lifo_streak: 0,
            searching: false,
            idle: false,
            rng: 0x9E37_79B9 ^ (index as u32 + 1),
            completions: reactor::Completions::default(),
        }
    }

    fn spare(&self) -> Option<&super::spare::Spare> {
        self.ctx.shared.slot(self.ctx.index).spare.as_ref()
    }

    /// A stand-in whose blocking section is over.
    fn retiring(&self) -> bool {
        self.spare().is_some_and(|s| s.is_retiring())
    }

    /// A retiring stand-in that nothing binds to its slot any more: nothing
    /// of the slot is left in flight on its driver, and no `!Send` task is
    /// bound to its thread. Until then it runs tasks and parks like any
    /// worker (parked, a completion wakes it).
    fn may_exit(&self) -> bool {
        let slot = self.shared().slot(self.ctx.index);
        self.retiring()
            && slot.local_owner.get().is_none()
            && reactor::with_current(|d| d.ops_in_flight() == 0).unwrap_or(true)
    }

    /// A retiring stand-in stops once it may (see `may_exit`); it then
    /// moves its slot to EXITING (unless a new section revived it).
    fn can_retire(&self) -> bool {
        self.may_exit() && self.spare().is_some_and(|s| s.begin_exit())
    }

    /// Moves the worker's queued tasks to the injector (a retiring
    /// stand-in).
    pub(crate) fn hand_off(&mut self) {
        hand_off(&self.ctx);
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.ctx.shared
    }

    /// Runs tasks until `main` completes (or, without `main`, until the
    /// runtime shuts down). The thread's driver must be installed.
    pub(crate) fn run_until<F: Future>(
        &mut self,
        mut main: Option<(Pin<&mut F>, &Arc<MainWaker>)>,
    ) -> Option<F::Output> {
        let prev = CURRENT.with(|c| c.replace(&*self.ctx));
        let _guard = CtxGuard { prev };
        let interval = self.shared().config.event_interval;
        loop {
            if let Some((fut, waker)) = main.as_mut() {
                if waker.take() {
                    let w = Waker::from((*waker).clone());
                    if let Poll::Ready(out) = fut.as_mut().poll(&mut Context::from_waker(&w)) {
                        return Some(out);
                    }
                }
            }
            if self.shared().is_shutdown() || self.can_retire() {
                // A notifier may have just picked this worker as a searcher:
                // give that back, or no worker would ever be woken again.
                self.stop_searching();
                return None;
            }
            self.tick = self.tick.wrapping_add(1);
            if let Some(task) = self.next_task() {
                self.run_task(task);
                if self.tick % interval == 0 {
                    self.maintenance();
                }
                continue;
            }
            self.maintenance();
            let main_woken = main.as_ref().is_some_and(|(_, w)| w.is_woken());
            if main_woken || self.has_own_work() {
                continue;
            }
            if let Some(task) = self.search() {
                self.run_task(task);
                continue;
            }
            self.park(main.as_ref().map(|(_, w)| *w));
        }
    }

    fn has_own_work(&self) -> bool {
        let slot = self.shared().slot(self.ctx.index);
        let lifo = self.ctx.lifo.take();
        let has_lifo = lifo.is_some();
        self.ctx.lifo.set(lifo);
        has_lifo || !slot.queue.is_empty() || (!slot.local.is_empty() && owns_local(slot))
    }

    fn next_task(&mut self) -> Option<Runnable> {
        let ctx = &*self.ctx;
        let slot = ctx.shared.slot(ctx.index);
        if self.tick % ctx.shared.config.event_interval == 0 {
            if let Some(t) = pop_injector(ctx) {
                return Some(t);
            }
        }
        if self.lifo_streak < LIFO_LIMIT {
            if let Some(t) = ctx.lifo.take() {
                self.lifo_streak += 1;
                return Some(t);
            }
        } else if let Some(t) = ctx.lifo.take() {
            // Let the queue run first; the LIFO task waits its turn there.
            push_queue(ctx, t);
        }
        self.lifo_streak = 0;
        slot.queue
            .pop()
            .or_else(|| pop_local(ctx))
            .or_else(|| pop_injector(ctx))
    }

    fn run_task(&mut self, task: Runnable) {
        self.set_idle(false);
        self.stop_searching();
        task.run();
    }

    /// Stops counting as a searcher; the last searcher to stop wakes a
    /// parked worker so queued work is not stranded.
    fn stop_searching(&mut self) {
        if self.searching {
            self.searching = false;
            if self.shared().idle.transition_from_searching() {
                self.shared().notify_parked();
            }
        }
    }

    /// Looks at the driver without blocking and wakes what completed.
    fn maintenance(&mut self) {
        let completions = &mut self.completions;
        reactor::with_current(|d| d.poll(completions));
        self.completions.run();
    }

    /// Records in the slot whether this worker has no task to run.
    fn set_idle(&mut self, idle: bool) {
        if self.idle != idle {
            self.idle = idle;
            let slot = self.shared().slot(self.ctx.index);
            slot.idle.store(idle, Ordering::Relaxed);
        }
    }

    /// Steals from the injector and other workers, spinning a little before
    /// giving up.
    fn search(&mut self) -> Option<Runnable> {
        self.set_idle(true);
        if let Some(t) = pop_injector(&self.ctx) {
            return Some(t);
        }
        let shared = self.ctx.shared.clone();
        if shared.slot_count() == 1 {
            return None;
        }
        if !self.searching {
            if !shared.idle.transition_to_searching() {
                return None;
            }
            self.searching = true;
        }
        for _ in 0..SPIN_ROUNDS {
            if let Some(t) = self.steal_once(&shared) {
                return Some(t);
            }
            // This worker's own completions come first: with DEFER_TASKRUN
            // they are posted only when it enters the kernel, so a spin that
            // ignored them would add its whole length to every round trip.
            // Cheap when nothing is pending (no syscall).
            self.maintenance();
            if self.has_own_work() {
                return None;
            }
            // Between rounds the CPU goes to any other thread that wants
            // it (a load generator, another process, a blocking-pool
            // thread): a spin is worth having only on a CPU nobody else
            // wants. A busy-wait here took the CPU from `wrk` on two cores
            // and cost hyper HTTP/1.1 on the multi-thread runtime ~20% of
            // its requests per second.
            std::thread::yield_now();
        }
        None
    }

    fn steal_once(&mut self, shared: &Arc<Shared>) -> Option<Runnable> {
        if let Some(t) = pop_injector(&self.ctx) {
            return Some(t);
        }
        let n = shared.slot_count();
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 17;
        self.rng ^= self.rng << 5;
        let start = self.rng as usize % n;
        let mine = &shared.slot(self.ctx.index).queue;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.ctx.index {
                continue;
            }
            let queue = &shared.slot(victim).queue;
            let count = queue.len().div_ceil(2).min(STEAL_MAX);
            let Some(first) = queue.pop() else {
                continue;
            };
            for _ in 1..count {
                let Some(t) = queue.pop() else { break };
                mine.push(t);
            }
            return Some(first);
        }
        None
    }

    fn park(&mut self, main: Option<&Arc<MainWaker>>) {
        let shared = self.ctx.shared.clone();
        let index = self.ctx.index;
        let was_last = shared.idle.transition_to_parked(index, self.searching);
        self.searching = false;
        if was_last && shared.has_stealable_work() {
            shared.notify_parked();
        }
        loop {
            fence(Ordering::SeqCst);
            if self.has_own_work()
                || !shared.injector.is_empty()
                || shared.is_shutdown()
                || self.may_exit()
                || main.is_some_and(|m| m.is_woken())
            {
                break;
            }
            let completions = &mut self.completions;
            reactor::with_current(|d| d.park(None, completions));
            self.completions.run();
            if !shared.idle.is_parked(index) {
                break;
            }
        }
        if !shared.idle.unpark_self(index) {
            // A notifier took us off the list: we count as searching.
            self.searching = true;
        }
    }

    /// Drops every task queued on this worker (the runtime is shutting
    /// down). Runs on the worker's thread, so `!Send` tasks are dropped
    /// where they live.
    pub(crate) fn drain(&mut self) {
        let slot = self.ctx.shared.slot(self.ctx.index);
        drop(self.ctx.lifo.take());
        while let Some(r) = slot.queue.pop() {
            drop(r);
        }
        slot.local.close();
        let owned = owns_local(slot);
        while let Ok(r) = slot.local.pop() {
            if owned {
                drop(r);
            } else {
                // A `!Send` future may only be dropped on its own thread.
                std::mem::forget(r);
            }
        }
    }

    /// Moves the LIFO task to the queue, so a nested loop on this thread
    /// (see `block_on`) can run it.
    pub(crate) fn flush_lifo_of_current() {
        with_ctx(|ctx| {
            if let Some(t) = ctx.lifo.take() {
                push_queue(ctx, t);
            }
        });
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("index", &self.ctx.index)
            .finish()
    }
}
