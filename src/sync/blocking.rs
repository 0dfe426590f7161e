//! Waiting for a `zio::sync` future from synchronous code.
//!
//! [`block_on`] polls a future on the calling thread with a `Waker` that
//! unparks that thread; [`block_on_deadline`] gives up at a deadline and drops
//! the future (every future in `zio::sync` is cancel safe where that matters,
//! so nothing is lost). Both first go through [`block_in_place_if_worker`] so
//! that on a zio worker the worker's queued tasks move to other workers before
//! this thread blocks. No runtime is needed anywhere.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Instant;

// STAND-IN (issue 5): the executor will provide
// `crate::executor::block_in_place_if_worker` with this exact signature: on a
// zio worker thread it hands the worker's queued tasks to other workers, then
// calls `f`; elsewhere it just calls `f`. Until it lands this calls `f`.
// To swap: delete this fn and `use crate::executor::block_in_place_if_worker;`.
pub(crate) fn block_in_place_if_worker<R>(f: impl FnOnce() -> R) -> R {
    f()
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

/// Runs `fut` to completion on this thread, parking while it is pending.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    block_in_place_if_worker(|| run(fut, None)).expect("no deadline")
}

/// Like [`block_on`], but drops `fut` and returns `None` once `deadline`
/// has passed. Never returns `None` before `deadline`.
pub(crate) fn block_on_deadline<F: Future>(fut: F, deadline: Option<Instant>) -> Option<F::Output> {
    block_in_place_if_worker(|| run(fut, deadline))
}

fn run<F: Future>(fut: F, deadline: Option<Instant>) -> Option<F::Output> {
    let mut fut = pin!(fut);
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
        while !tw.notified.swap(false, Ordering::Acquire) {
            match deadline {
                None => std::thread::park(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    std::thread::park_timeout(d - now);
                }
            }
        }
    }
}

/// Clears `BUSY` when the outermost `run` ends (even by a panic).
struct ResetBusy(bool);

impl Drop for ResetBusy {
    fn drop(&mut self) {
        if self.0 {
            let _ = BUSY.try_with(|b| b.set(false));
        }
    }
}

/// `now + timeout`, or `None` ("never") if that overflows `Instant`.
pub(crate) fn deadline_after(timeout: std::time::Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
