//! [`ZioIo`]: hyper's `Read`/`Write` on zio's stream sockets.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use zio::io::{PollRead, PollWrite};

/// A zio stream socket (`TcpStream`, `UnixStream` or an owned half) as
/// hyper's `Read` and `Write`.
///
/// Reads go straight into hyper's (possibly uninitialized) buffer and
/// writes are vectored, through zio's readiness interface: a nonblocking
/// syscall on the caller's memory, a readiness wait on `EAGAIN`. There is
/// no userspace buffer, so flushing is a no-op.
///
/// # Cancel safety
///
/// A poll that returns `Pending` has read or written nothing.
///
/// # Examples
///
/// ```
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
///
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
/// # let addr = listener.local_addr()?;
/// # zio::spawn(zio_hyper::serve(listener, hyper::service::service_fn(|_| async {
/// #     Ok::<_, hyper::Error>(hyper::Response::new(Empty::<Bytes>::new()))
/// # })));
/// let stream = zio::net::TcpStream::connect(addr).await?;
/// let (mut sender, connection) =
///     hyper::client::conn::http1::handshake(zio_hyper::ZioIo::new(stream)).await?;
/// zio::spawn(connection);
/// let request = hyper::Request::get("/").body(Empty::<Bytes>::new())?;
/// let response = sender.send_request(request).await?;
/// assert!(response.status().is_success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ZioIo<T> {
    inner: T,
}

impl<T> ZioIo<T> {
    /// Wraps a zio stream.
    pub fn new(inner: T) -> ZioIo<T> {
        ZioIo { inner }
    }

    /// The wrapped stream.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: PollRead + Unpin> hyper::rt::Read for ZioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `PollRead` is sealed and implemented only by zio's
        // sockets, whose `poll_read_uninit` stores received bytes into the
        // slice and nothing else: it never writes an uninitialized value,
        // so no byte hyper initialized before becomes uninitialized.
        let unfilled = unsafe { buf.as_mut() };
        let n = ready!(Pin::new(&mut self.get_mut().inner).poll_read_uninit(cx, unfilled))?;
        // SAFETY: `poll_read_uninit` returned `Ready(Ok(n))`, which
        // guarantees (a documented contract of the sealed trait) that the
        // first `n` bytes of `unfilled` are initialized.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: PollWrite + Unpin> hyper::rt::Write for ZioIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_slice(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_slices(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown_write(cx)
    }
}
