//! The tokio-context shim: run futures that call into tokio (`tokio::spawn`,
//! `tokio::time`, `tokio::net`) inside zio.
//!
//! Such a future needs a tokio runtime's context while it is polled: tokio
//! panics with "there is no reactor running" otherwise. [`TokioContext`]
//! enters the context of a tokio runtime for every poll (and for the drop)
//! of the future it wraps: the caller's own tokio runtime if the thread is
//! already inside one, else a process-wide tokio runtime started on first
//! use ([`tokio_handle`]). That runtime has one worker thread, which runs
//! what the future `tokio::spawn`s and drives tokio's I/O and timers.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::runtime::{Builder, Handle, Runtime};

/// The process-wide tokio runtime, started on first use.
static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The tokio runtime that [`TokioContext`] enters where no tokio runtime
/// is current: started on first use with one worker thread
/// (`zio-tokio-context`) and I/O and time enabled; it lives until the
/// process exits.
///
/// # Panics
///
/// If the tokio runtime cannot be started (the OS refuses a thread or an
/// epoll instance): there is no tokio context to offer then.
///
/// # Examples
///
/// ```
/// let answer = zio::compat::tokio_handle().block_on(async { 6 * 7 });
/// assert_eq!(answer, 42);
/// ```
pub fn tokio_handle() -> &'static Handle {
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("zio-tokio-context")
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("zio: cannot start the tokio-context runtime: {e}"))
        })
        .handle()
}

pin_project! {
    /// A future (or stream, reader, writer) polled inside a tokio
    /// runtime's context; see the [module docs](self).
    ///
    /// Created by [`TokioContext::new`] or
    /// [`TokioContextExt::tokio_context`].
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as the wrapped future: dropping the wrapper drops the
    /// future (inside the tokio context, so tokio resources it holds are
    /// released where they belong).
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::compat::TokioContextExt;
    ///
    /// #[zio::main]
    /// async fn main() {
    ///     let v = async {
    ///         tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    ///         tokio::spawn(async { 7 }).await.unwrap()
    ///     }
    ///     .tokio_context()
    ///     .await;
    ///     assert_eq!(v, 7);
    /// }
    /// ```
    #[derive(Debug)]
    pub struct TokioContext<F> {
        #[pin]
        inner: Option<F>,
    }

    impl<F> PinnedDrop for TokioContext<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_some() {
                let _enter = enter();
                this.inner.set(None);
            }
        }
    }
}

/// Enters a tokio context unless the thread is inside one already.
fn enter() -> Option<tokio::runtime::EnterGuard<'static>> {
    match Handle::try_current() {
        Ok(_) => None,
        Err(_) => Some(tokio_handle().enter()),
    }
}

impl<F> TokioContext<F> {
    /// Wraps `inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// use zio::compat::TokioContext;
    /// let n = TokioContext::new(async { tokio::spawn(async { 1 }).await.unwrap() }).await;
    /// assert_eq!(n, 1);
    /// # });
    /// ```
    pub fn new(inner: F) -> TokioContext<F> {
        TokioContext { inner: Some(inner) }
    }

    /// The wrapped value.
    pub fn get_ref(&self) -> &F {
        self.inner.as_ref().expect("present until dropped")
    }

    /// The wrapped value, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        self.inner.as_mut().expect("present until dropped")
    }

    /// Polls the inner value inside the tokio context.
    fn with_inner<R>(self: Pin<&mut Self>, f: impl FnOnce(Pin<&mut F>) -> R) -> R {
        let _enter = enter();
        let inner = self.project().inner.as_pin_mut();
        f(inner.expect("present until dropped"))
    }
}

impl<F: Future> Future for TokioContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.with_inner(|f| f.poll(cx))
    }
}

impl<S: futures_core::Stream> futures_core::Stream for TokioContext<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.with_inner(|s| s.poll_next(cx))
    }
}

impl<R: tokio::io::AsyncRead> tokio::io::AsyncRead for TokioContext<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.with_inner(|r| r.poll_read(cx, buf))
    }
}

impl<W: tokio::io::AsyncWrite> tokio::io::AsyncWrite for TokioContext<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.with_inner(|w| w.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.with_inner(|w| w.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.get_ref().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.with_inner(|w| w.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.with_inner(|w| w.poll_shutdown(cx))
    }
}

/// Adds [`tokio_context`](TokioContextExt::tokio_context) to every type.
pub trait TokioContextExt: Sized {
    /// Wraps `self` so that it is polled inside a tokio context.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// use zio::compat::TokioContextExt;
    /// let l = tokio::net::TcpListener::bind("127.0.0.1:0").tokio_context().await.unwrap();
    /// assert!(l.local_addr().is_ok());
    /// # });
    /// ```
    fn tokio_context(self) -> TokioContext<Self> {
        TokioContext::new(self)
    }
}

impl<T> TokioContextExt for T {}
