//! The free functions that find their runtime in the thread-local context:
//! `spawn`, `spawn_local`, `spawn_blocking`, `block_in_place`.

use std::future::Future;

use super::blocking::BlockingPool;
use super::context;
use super::handle::Handle;
use super::join::JoinHandle;
use super::task::spawn_raw;
use super::worker;

/// Spawns a task on the current runtime.
///
/// # Panics
///
/// Panics if called where no zio runtime is entered (outside a task,
/// `Runtime::block_on` or `Handle::enter`), like `tokio::spawn`. Use
/// [`Handle::spawn`](crate::runtime::Handle::spawn) from other threads.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = zio::spawn(async { "hello" });
/// assert_eq!(handle.await.unwrap(), "hello");
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match context::with_current(|handle| handle.spawn(future)) {
        Some(join) => join,
        None => panic!(
            "zio::spawn called outside a zio runtime: call it from a zio task or inside \
             `Runtime::block_on`, or use `Handle::spawn`"
        ),
    }
}

/// Spawns a `!Send` task on the calling worker thread; it is polled and
/// dropped on this thread only.
///
/// # Panics
///
/// Panics if the calling thread is not running a zio runtime's tasks (a
/// worker, or the thread inside a current-thread runtime's `block_on`), or
/// if a current-thread runtime's `!Send` tasks belong to another thread.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// let rt = zio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let shared = Rc::new(5);
///     let h = zio::task::spawn_local(async move { *shared + 1 });
///     assert_eq!(h.await.unwrap(), 6);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let Some((shared, index)) = worker::current() else {
        panic!(
            "zio::task::spawn_local called outside a zio worker: call it from a zio task or \
             inside a current-thread runtime's `block_on`"
        );
    };
    let owner = std::thread::current().id();
    let slot_owner = *shared.slot(index).local_owner.get_or_init(|| owner);
    assert!(
        slot_owner == owner,
        "zio::task::spawn_local: this current-thread runtime's !Send tasks belong to another \
         thread; drive the runtime from one thread to use spawn_local"
    );
    let sched = shared.clone();
    // SAFETY: the runnable is queued only on this slot's local queue, which
    // only this thread pops (`local_owner`), and is dropped only here or
    // leaked (see `Shared::schedule_pinned` and `Worker::drain`); the
    // future never leaves this thread.
    let (runnable, handle) = unsafe {
        spawn_raw(
            future,
            move |r, _| sched.schedule_pinned(index, r),
            Some(shared.clone()),
        )
    };
    runnable.schedule();
    handle
}

/// Runs `f` on a thread of the blocking pool and returns a handle to its
/// result.
///
/// Inside a runtime, `f` runs on that runtime's pool (at most
/// `max_blocking_threads` threads; further jobs queue). Anywhere else it
/// runs on a process-wide pool with the same rules (at most 512 threads),
/// so it never panics for lack of a runtime.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let sum = zio::spawn_blocking(|| (1..=10).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 55);
/// # });
/// ```
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match Handle::try_current() {
        Ok(handle) => handle.spawn_blocking(f),
        Err(_) => BlockingPool::global().spawn(f),
    }
}

/// Runs blocking code on the current thread without stalling the runtime's
/// other tasks.
///
/// On a worker of a multi-thread runtime, the worker's queued tasks move to
/// the global queue first, and a stand-in thread runs the runtime's tasks
/// in the worker's place until `f` returns, so the runtime keeps its number
/// of workers. That holds for nested sections too (a task on a stand-in
/// blocking in turn gets a stand-in of its own), up to
/// `max(max_blocking_threads, worker_threads)` stand-ins at once (see
/// [`Builder::max_blocking_threads`](crate::runtime::Builder::max_blocking_threads)).
/// The worker's armed timers move to the runtime-independent fallback
/// driver and fire on time; what completed on this worker's ring so far is
/// reaped before `f` runs, the ops still out there complete when `f`
/// returns. Elsewhere (a current-thread runtime, a plain thread) `f` just
/// runs.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let v = zio::task::block_in_place(|| {
///     std::thread::sleep(std::time::Duration::from_millis(1));
///     3
/// });
/// assert_eq!(v, 3);
/// # });
/// ```
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    // Nobody drives this thread's driver while `f` runs: what it has done
    // so far (a dropped read's cancel) is reaped now, and the tasks that
    // wakes go with the rest of the queue.
    crate::reactor::reap_now();
    let guard = worker::enter_blocking();
    if guard.is_some() {
        // Nobody drives this thread's driver while `f` runs.
        crate::reactor::with_current(|d| d.hand_timers_to_fallback());
    }
    f()
}
