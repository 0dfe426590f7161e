//! `Handle`: a cloneable reference to a runtime, usable from any thread.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::context::{self, EnterGuard};
use super::join::JoinHandle;
use super::scheduler::Shared;
use super::task::spawn_raw;

/// A handle to a runtime: spawn onto it, enter it, block on futures with it
/// entered. Cheap to clone; `Send` and `Sync`.
///
/// # Examples
///
/// ```
/// let rt = zio::runtime::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let join = std::thread::spawn(move || handle.spawn(async { 5 }))
///     .join()
///     .unwrap();
/// assert_eq!(rt.block_on(join).unwrap(), 5);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

/// Returned by [`Handle::try_current`] where no runtime is entered.
#[derive(Debug)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "no zio runtime is entered on this thread: call from a zio task, inside \
             `Runtime::block_on`, or after `Handle::enter`",
        )
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The runtime entered on the calling thread.
    ///
    /// # Panics
    ///
    /// Panics if no runtime is entered; use [`Handle::try_current`] to
    /// check instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = zio::runtime::Handle::current();
    ///     handle.spawn(async {}).await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        }
    }

    /// The runtime entered on the calling thread, if any.
    ///
    /// # Errors
    ///
    /// [`TryCurrentError`] where no runtime is entered.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zio::runtime::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::current().ok_or(TryCurrentError(()))
    }

    /// Spawns a task onto the runtime, from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().spawn(async { 3 });
    /// assert_eq!(rt.block_on(h).unwrap(), 3);
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = self.shared.clone();
        // SAFETY: the future and its output are Send, so the task may run,
        // be dropped and be joined on any thread.
        let (runnable, handle) = unsafe {
            spawn_raw(
                future,
                move |r, info| shared.schedule(r, info),
                Some(self.shared.clone()),
            )
        };
        runnable.schedule();
        handle
    }

    /// Runs `f` on the runtime's blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().spawn_blocking(|| 2 + 2);
    /// assert_eq!(rt.block_on(h).unwrap(), 4);
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // The job runs with the runtime entered, so `Handle::current()` and
        // `zio::spawn` work inside it, as in tokio.
        let handle = self.clone();
        self.shared.blocking.spawn(move || {
            let _enter = handle.enter();
            f()
        })
    }

    /// Runs `future` on the calling thread with this runtime entered.
    ///
    /// This does not drive a current-thread runtime's tasks (only
    /// [`Runtime::block_on`](super::Runtime::block_on) does); zio I/O and
    /// timers in `future` work regardless.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let v = rt.handle().block_on(async { 7 });
    /// assert_eq!(v, 7);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _guard = self.enter();
        super::block_on(future)
    }

    /// The kernel interface this runtime does I/O through: io_uring, or
    /// epoll where io_uring is not available (or `ZIO_BACKEND=epoll`).
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::runtime::IoBackend;
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let backend = rt.handle().io_backend();
    /// assert!(matches!(backend, IoBackend::IoUring | IoBackend::Epoll));
    /// ```
    pub fn io_backend(&self) -> crate::reactor::backend::IoBackend {
        *self
            .shared
            .io_backend
            .get()
            .expect("a built runtime has chosen its backend")
    }

    /// Enters the runtime on the calling thread: `zio::spawn` and
    /// `Handle::current` find it while the guard lives.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let _g = rt.handle().enter();
    /// assert!(zio::runtime::Handle::try_current().is_ok());
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        context::enter(self.clone())
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.shared.flavor)
            .field("workers", &self.shared.workers)
            .finish()
    }
}
