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

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use super::scheduler::Flavor;
use super::worker::{self, MainWaker, Worker};
use crate::reactor::{self, Completions};

/// Runs a future to completion on the calling thread.
///
/// Needs no runtime: on a plain thread it parks the thread between polls,
/// and the future's zio I/O and timers are served by a process-wide
/// fallback driver. Called inside a zio task it does not stall the runtime:
/// on a multi-thread runtime the worker's queued tasks move to the other
/// workers; on a current-thread runtime the thread keeps running the
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
            let waker = MainWaker::new(shared.slots[index].driver.clone());
            let mut nested = Worker::new(shared, index);
            if let Some(out) = nested.run_until(Some((future, &waker))) {
                return out;
            }
            unreachable!("a current-thread runtime cannot shut down inside its own block_on");
        }
        if let Some(guard) = worker::enter_blocking() {
            return park_in_driver(future, &MainWaker::new(guard.driver().clone()));
        }
    }
    park_thread(future)
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
            return park_thread(future);
        }
    }
}

/// Polls `future`, parking the thread between polls.
fn park_thread<F: Future>(mut future: std::pin::Pin<&mut F>) -> F::Output {
    let parker = Arc::new(ThreadWaker {
        thread: std::thread::current(),
        notified: AtomicBool::new(false),
    });
    let waker = Waker::from(parker.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        while !parker.notified.swap(false, Ordering::Acquire) {
            std::thread::park();
        }
    }
}

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
