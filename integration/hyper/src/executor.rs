//! [`ZioExecutor`]: hyper's `Executor` on zio tasks.

use std::future::Future;

use zio::runtime::Handle;

/// Spawns the tasks hyper asks for (HTTP/2 streams, client connections)
/// as zio tasks.
///
/// [`ZioExecutor::new`] spawns on the runtime of the thread that calls
/// `execute`; [`ZioExecutor::with_handle`] on a given runtime, from any
/// thread.
///
/// # Panics
///
/// An executor made by `new` panics in `execute` when called outside a zio
/// runtime, as [`zio::spawn`] does: use `with_handle` where hyper may run
/// on other threads (a client polled by another executor, say).
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor;
///
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = zio::sync::oneshot::channel();
/// zio_hyper::ZioExecutor::new().execute(async move {
///     tx.send(42).unwrap();
/// });
/// assert_eq!(rx.await.unwrap(), 42);
/// # });
/// ```
#[derive(Clone, Debug, Default)]
pub struct ZioExecutor {
    handle: Option<Handle>,
}

impl ZioExecutor {
    /// An executor that spawns on the current zio runtime.
    pub fn new() -> ZioExecutor {
        ZioExecutor { handle: None }
    }

    /// An executor that spawns on `handle`'s runtime, whichever thread
    /// calls it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let executor = zio_hyper::ZioExecutor::with_handle(rt.handle().clone());
    /// # drop(executor);
    /// ```
    pub fn with_handle(handle: Handle) -> ZioExecutor {
        ZioExecutor {
            handle: Some(handle),
        }
    }
}

impl<F> hyper::rt::Executor<F> for ZioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// Spawns `future` detached: hyper's tasks end on their own.
    fn execute(&self, future: F) {
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(zio::spawn(future)),
        }
    }
}
