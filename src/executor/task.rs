//! Task plumbing on top of `async-task`: the metadata every task carries,
//! the wrapper future that turns a panic or an abort into a `JoinError`,
//! and the one function that creates tasks.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use async_task::{Builder, ScheduleInfo, WithInfo};

use super::join::{JoinError, JoinHandle};
use super::scheduler::Shared;

/// Data stored in every task's header.
#[derive(Debug)]
pub(crate) struct TaskMeta {
    /// The runtime whose registry lists the task once it waits (`None`: a
    /// blocking job).
    runtime: Option<Arc<Shared>>,
    /// Key in that registry, [`UNREGISTERED`] until the task first returns
    /// `Pending`. Only the thread running the task touches it (the task's
    /// own scheduling orders those threads).
    key: AtomicUsize,
    /// Set by `abort`; the wrapper future checks it before each poll.
    aborted: AtomicBool,
}

impl TaskMeta {
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::Release);
    }

    /// Lists the task in its runtime's registry the first time it waits, so
    /// that shutdown reaches it; a task that completes in its first poll
    /// (or was never polled: it sits in a queue, which shutdown drains)
    /// never needs it.
    fn register(&self, waker: &Waker) {
        if let Some(rt) = &self.runtime {
            if self.key.load(Ordering::Relaxed) == UNREGISTERED {
                let key = rt.registry().insert(waker.clone());
                self.key.store(key, Ordering::Relaxed);
            }
        }
    }
}

/// [`TaskMeta::key`] of a task that has not waited yet.
const UNREGISTERED: usize = usize::MAX;

pub(crate) type Runnable = async_task::Runnable<TaskMeta>;

/// What a task's future resolves to inside the executor.
pub(crate) type TaskResult<T> = Result<T, JoinError>;

/// Wraps the user's future: checks the abort flag, catches panics, lists
/// the task in its runtime's registry when it first waits, and takes it
/// out when it is dropped.
struct TaskFuture<'a, F> {
    meta: &'a TaskMeta,
    future: F,
}

impl<F: Future> Future for TaskFuture<'_, F> {
    type Output = TaskResult<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // the wrapper, which is itself pinned inside the task.
        let this = unsafe { self.get_unchecked_mut() };
        if this.meta.aborted.load(Ordering::Acquire) {
            return Poll::Ready(Err(JoinError::cancelled()));
        }
        // SAFETY: see above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => {
                this.meta.register(cx.waker());
                Poll::Pending
            }
            Err(panic) => Poll::Ready(Err(JoinError::panic(panic))),
        }
    }
}

impl<F> Drop for TaskFuture<'_, F> {
    fn drop(&mut self) {
        let key = self.meta.key.load(Ordering::Relaxed);
        if let (Some(rt), true) = (&self.meta.runtime, key != UNREGISTERED) {
            rt.registry().remove(key);
        }
    }
}

/// Creates a task. `schedule` decides where its runnable goes each time it
/// is woken; `runtime` is the runtime whose registry lists the task once
/// it waits, so that shutting the runtime down reaches it.
///
/// # Safety
///
/// For a `!Send` future, the returned runnable, every
/// runnable `schedule` receives and the future itself must be run and
/// dropped on the calling thread only; the `JoinHandle` may go anywhere
/// only if `T: Send`.
pub(crate) unsafe fn spawn_raw<F, S>(
    future: F,
    schedule: S,
    runtime: Option<Arc<Shared>>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + 'static,
    S: Fn(Runnable, ScheduleInfo) + Send + Sync + 'static,
{
    let meta = TaskMeta {
        runtime,
        key: AtomicUsize::new(UNREGISTERED),
        aborted: AtomicBool::new(false),
    };
    let make_future = wrap(future);
    // SAFETY: the future borrows only the task's own metadata, which lives
    // in the task's header for as long as the future exists. `Send`-ness of
    // the future and of the output is the caller's contract (see above).
    let (runnable, task) = unsafe {
        Builder::new()
            .metadata(meta)
            .spawn_unchecked(make_future, WithInfo(schedule))
    };
    let waker = runnable.waker();
    (runnable, JoinHandle::new(task, waker))
}

/// The closure that builds a task's future around its metadata.
fn wrap<'a, F>(future: F) -> impl FnOnce(&'a TaskMeta) -> TaskFuture<'a, F> {
    move |meta| TaskFuture { meta, future }
}

/// Extracts the panic payload's message, for logs.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}
