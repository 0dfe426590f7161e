//! Blocking the calling thread on a future.
//!
//! Three cases:
//! - a plain thread (or a multi-thread runtime's `block_on` thread): the
//!   thread parks until the future's waker unparks it; ops and timers the
//!   future polls go to the fallback driver;
//! - a worker of a multi-thread runtime (inside a task): the worker's queued
//!   tasks move to the injector for the other workers, and the thread parks
//!   in its own driver, so ops and timers that live on its ring keep
//!   completing while it waits;
//! - the thread driving a current-thread runtime (inside a task): there is
//!   no other worker to hand tasks to, so the thread runs a nested loop of
//!   the same slot until the future completes.

use std::cell::Cell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use super::backoff::Backoff;
use super::scheduler::Flavor;
use super::worker::{self, MainWaker, Worker};
use crate::reactor::{self, Completions};

/// Runs a future to completion on the calling thread.
///
/// Needs no runtime: on a plain thread it parks the thread between polls,
/// and the future's zio I/O and timers are served by a process-wide
/// fallback driver. Called inside a zio task it does not stall the runtime:
/// on a multi-thread runtime the worker's queued tasks move to the other
/// workers and a stand-in thread runs tasks in its place (as for
/// [`block_in_place`](crate::task::block_in_place), nested calls
/// included); on a current-thread runtime the thread keeps running the
/// runtime's other tasks while it waits.
///
/// # Examples
///
/// ```
/// let v = zio::block_on(async { 40 + 2 });
/// assert_eq!(v, 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let future = pin!(future);
    if let Some((shared, index)) = worker::current() {
        if shared.flavor == Flavor::CurrentThread {
            Worker::flush_lifo_of_current();
            let waker = MainWaker::new(shared.slot(index).driver.clone());
            let mut nested = Worker::new(shared, index);
            if let Some(out) = nested.run_until(Some((future, &waker))) {
                return out;
            }
            unreachable!("a current-thread runtime cannot shut down inside its own block_on");
        }
        // `None` when already inside a blocking section (a blocking call in
        // a future being blocked on): keep the outer section's stand-in.
        let _section = worker::enter_blocking();
        let waker = MainWaker::new(shared.slot(index).driver.clone());
        return park_in_driver(future, &waker);
    }
    park_thread(future, None).expect("no deadline")
}

/// [`block_on`] that gives up at `deadline` (dropping the future) and
/// returns `None` then, never before it.
pub(crate) fn block_on_deadline<F: Future>(
    future: F,
    deadline: Option<std::time::Instant>,
) -> Option<F::Output> {
    match deadline {
        None => Some(block_on(future)),
        // On a worker the deadline is a timer of the worker's own driver,
        // which `block_on` keeps running while it waits.
        Some(d) if worker::current().is_some() => {
            block_on(crate::time::timeout_at(d.into(), future)).ok()
        }
        Some(d) => park_thread(pin!(future), Some(d)),
    }
}

/// Polls `future`, parking in the calling worker's driver between polls.
fn park_in_driver<F: Future>(
    mut future: std::pin::Pin<&mut F>,
    waker: &Arc<MainWaker>,
) -> F::Output {
    let task_waker = Waker::from(waker.clone());
    let mut cx = Context::from_waker(&task_waker);
    let mut completions = Completions::default();
    loop {
        if waker.take() {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
        let parked = reactor::with_current(|d| d.park(None, &mut completions));
        completions.run();
        if parked.is_none() {
            // No driver here after all: fall back to parking the thread.
            return park_thread(future, None).expect("no deadline");
        }
    }
}

/// Unparks its thread; `notified` filters out spurious unparks.
struct ThreadWaker {
    thread: Thread,
    notified: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.notified.swap(true, Ordering::Release) {
            self.thread.unpark();
        }
    }
}

thread_local! {
    /// Set while `run` uses `PARKER`: a nested `run` (a future that blocks
    /// inside `block_on`) takes a fresh parker so no wake-up is stolen.
    static BUSY: Cell<bool> = const { Cell::new(false) };
    static PARKER: (Arc<ThreadWaker>, Waker) = {
        let tw = Arc::new(ThreadWaker {
            thread: std::thread::current(),
            notified: AtomicBool::new(false),
        });
        let waker = Waker::from(tw.clone());
        (tw, waker)
    };
}

/// Polls `future` on the calling thread, parking the thread between polls;
/// gives up (`None`) once `deadline` has passed, never before it.
fn park_thread<F: Future>(
    mut fut: Pin<&mut F>,
    deadline: Option<std::time::Instant>,
) -> Option<F::Output> {
    // A thread-local parker avoids an allocation per call. Nested, or while
    // this thread is being torn down (TLS destroyed), use a fresh one.
    let busy = BUSY.try_with(|b| b.replace(true)).unwrap_or(true);
    let local = if busy {
        None
    } else {
        PARKER.try_with(|(tw, w)| (tw.clone(), w.clone())).ok()
    };
    let _reset = ResetBusy(!busy);
    let (tw, waker) = local.unwrap_or_else(|| {
        let tw = Arc::new(ThreadWaker {
            thread: std::thread::current(),
            notified: AtomicBool::new(false),
        });
        (tw.clone(), Waker::from(tw))
    });
    let mut cx = Context::from_waker(&waker);
    loop {
        tw.notified.store(false, Ordering::Relaxed);
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Some(v);
        }
        // A wake-up often follows within microseconds (the other side of a
        // channel is running on another core): spin briefly on the flag
        // before paying for a park/unpark pair.
        if spin_for_wake(&tw.notified) {
            continue;
        }
        while !tw.notified.swap(false, Ordering::Acquire) {
            match deadline {
                None => std::thread::park(),
                Some(d) => {
                    let now = std::time::Instant::now();
                    if now >= d {
                        return None;
                    }
                    std::thread::park_timeout(d - now);
                }
            }
        }
    }
}

/// Spins (then yields) a few times waiting for `flag`; consumes it and
/// returns `true` if it was set.
fn spin_for_wake(flag: &AtomicBool) -> bool {
    SPIN_FOR_WAKE
        .run(|| (flag.load(Ordering::Relaxed) && flag.swap(false, Ordering::Acquire)).then_some(()))
        .is_some()
}

const SPIN_FOR_WAKE: Backoff = Backoff {
    steps: 10,
    spin_steps: 5,
};

/// Clears `BUSY` when the outermost `run` ends (even by a panic).
struct ResetBusy(bool);

impl Drop for ResetBusy {
    fn drop(&mut self) {
        if self.0 {
            let _ = BUSY.try_with(|b| b.set(false));
        }
    }
}
