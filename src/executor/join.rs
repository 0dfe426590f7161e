//! `JoinHandle`, `AbortHandle` and `JoinError`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::task::{panic_message, TaskMeta, TaskResult};

/// An owned permission to join a task: awaiting it gives the task's output,
/// or a [`JoinError`] if it panicked or was aborted.
///
/// Dropping a `JoinHandle` detaches the task: it keeps running.
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel safe: dropping the `await` loses
/// nothing; the handle can be awaited again.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = zio::spawn(async { 1 + 1 });
/// assert_eq!(handle.await.unwrap(), 2);
/// # });
/// ```
pub struct JoinHandle<T> {
    /// `None` once the output was taken.
    task: Option<async_task::FallibleTask<TaskResult<T>, TaskMeta>>,
    /// The task's metadata, kept alive by the task handle above (and by the
    /// allocation it points to, which outlives the handle's use of it here).
    meta: NonNull<TaskMeta>,
    /// The task's waker: `abort` wakes the task with it so that it sees the
    /// flag (a task that is queued or running already will see it anyway).
    waker: Waker,
}

// SAFETY: as `async_task::Task<T, M>`: the handle moves the output across
// threads (`T: Send`) and shares the metadata (`TaskMeta: Sync`).
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the metadata and the task's state.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(
        task: async_task::Task<TaskResult<T>, TaskMeta>,
        waker: Waker,
    ) -> JoinHandle<T> {
        let meta = NonNull::from(task.metadata());
        JoinHandle {
            task: Some(task.fallible()),
            meta,
            waker,
        }
    }

    /// The task's metadata, while this handle still holds the task.
    fn meta(&self) -> Option<&TaskMeta> {
        self.task.as_ref()?;
        // SAFETY: `self.task` is Some, and a task handle holds a reference
        // to the task's allocation, where the metadata lives; so it is alive
        // for as long as `self` is borrowed.
        Some(unsafe { self.meta.as_ref() })
    }

    /// Aborts the task. If it has not completed yet, it will not be polled
    /// again and awaiting this handle gives [`JoinError::is_cancelled`]. A
    /// task that already completed keeps its output.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let handle = zio::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort(&self) {
        let Some(meta) = self.meta() else { return };
        meta.abort();
        self.waker.wake_by_ref();
    }

    /// Whether the task has finished (completed, panicked or aborted).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let handle = zio::spawn(std::future::pending::<()>());
    /// assert!(!handle.is_finished());
    /// handle.abort();
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|t| t.is_finished())
    }

    /// A handle that can abort the task from anywhere, without joining it.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let handle = zio::spawn(std::future::pending::<()>());
    /// let abort = handle.abort_handle();
    /// abort.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            target: self
                .meta()
                .map(|meta| (self.waker.clone(), NonNull::from(meta))),
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let task = self
            .task
            .as_mut()
            .expect("JoinHandle polled after completion");
        match Pin::new(task).poll(cx) {
            Poll::Ready(out) => {
                self.task = None;
                // `None`: the runnable was dropped before completion (runtime
                // shutdown): the task was cancelled.
                Poll::Ready(out.unwrap_or_else(|| Err(JoinError::cancelled())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a task without the right to join it. Cheap to clone; `Send` and
/// `Sync`.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = zio::spawn(std::future::pending::<()>());
/// let abort = handle.abort_handle();
/// std::thread::spawn(move || abort.abort()).join().unwrap();
/// assert!(handle.await.unwrap_err().is_cancelled());
/// # });
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    /// The task's waker (which keeps the task's allocation, and so its
    /// metadata, alive) and its metadata; `None` if the task had finished.
    target: Option<(Waker, NonNull<TaskMeta>)>,
}

// SAFETY: the waker is Send + Sync; the pointer is only used for a shared
// reference to `TaskMeta`, which is Sync, and stays valid while the waker
// (held alongside) keeps the task allocation alive.
unsafe impl Send for AbortHandle {}
// SAFETY: as above.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// Aborts the task; see [`JoinHandle::abort`].
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let h = zio::spawn(std::future::pending::<()>());
    /// h.abort_handle().abort();
    /// # });
    /// ```
    pub fn abort(&self) {
        if let Some((waker, meta)) = &self.target {
            // SAFETY: `waker` keeps the task allocation, which holds the
            // metadata, alive (a waker must reach the task's header to
            // schedule it).
            unsafe { meta.as_ref() }.abort();
            waker.wake_by_ref();
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle").finish_non_exhaustive()
    }
}

/// Why a task did not complete: it panicked or was aborted.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let err = zio::spawn(async { panic!("boom") }).await.unwrap_err();
/// assert!(err.is_panic());
/// # });
/// ```
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(payload),
        }
    }

    /// Whether the task was aborted (or dropped by a runtime shutdown).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let h = zio::spawn(std::future::pending::<()>());
    /// h.abort();
    /// assert!(h.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// assert!(zio::spawn(async { panic!() }).await.unwrap_err().is_panic());
    /// # });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// Panics if the error is not a panic; check [`is_panic`](Self::is_panic)
    /// or use [`try_into_panic`](Self::try_into_panic).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let err = zio::spawn(async { panic!("boom") }).await.unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    /// # });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic: the task was cancelled, not panicked")
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// # Errors
    ///
    /// Returns `Err(self)` if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let h = zio::spawn(std::future::pending::<()>());
    /// h.abort();
    /// assert!(h.await.unwrap_err().try_into_panic().is_err());
    /// # });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p),
            Repr::Cancelled => Err(self),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Panic(p) => write!(f, "task panicked with message {:?}", panic_message(&**p)),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::Panic(p) => write!(f, "JoinError::Panic({:?})", panic_message(&**p)),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e.to_string())
    }
}
