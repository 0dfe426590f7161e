//! [`Listener`]: where the server gets its connections, and the accept
//! step of its loop (connection limit, accept-error handling).

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use zio::io::{PollRead, PollWrite};
use zio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use zio::sync::{OwnedSemaphorePermit, Semaphore};

/// A source of connections for the [`Server`](crate::Server): zio's
/// `TcpListener` and `UnixListener`, or a wrapper around one (to count,
/// filter or log connections).
///
/// Dropping the listener must close it: the server does so when a
/// graceful shutdown begins, so that new connections are refused.
///
/// # Examples
///
/// A listener that counts its connections:
///
/// ```
/// use std::io;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// struct Counting(zio::net::TcpListener, Arc<AtomicUsize>);
///
/// impl zio_hyper::Listener for Counting {
///     type Io = zio::net::TcpStream;
///
///     async fn accept(&mut self) -> io::Result<zio::net::TcpStream> {
///         let stream = zio_hyper::Listener::accept(&mut self.0).await?;
///         self.1.fetch_add(1, Ordering::Relaxed);
///         Ok(stream)
///     }
/// }
/// ```
pub trait Listener: Send + 'static {
    /// The connection type: a zio stream socket.
    type Io: PollRead + PollWrite + Unpin + Send + 'static;

    /// Accepts the next connection.
    ///
    /// An error is about this attempt only: the server logs it and tries
    /// again (after a pause unless the error concerned only the one
    /// connection, such as `ECONNABORTED`).
    ///
    /// # Cancel safety
    ///
    /// The server drops this future when it shuts down; a connection
    /// accepted in that instant may be lost (closed).
    fn accept(&mut self) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

impl Listener for TcpListener {
    type Io = TcpStream;

    /// Accepts a connection and sets `TCP_NODELAY` on it (HTTP writes
    /// whole responses; Nagle would only delay them).
    async fn accept(&mut self) -> io::Result<TcpStream> {
        let (stream, peer) = TcpListener::accept(self).await?;
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "could not set TCP_NODELAY");
        }
        Ok(stream)
    }
}

impl Listener for UnixListener {
    type Io = UnixStream;

    async fn accept(&mut self) -> io::Result<UnixStream> {
        let (stream, _) = UnixListener::accept(self).await?;
        Ok(stream)
    }
}

/// How long the loop pauses after an accept error that is not the
/// connection's own (running out of file descriptors, memory...).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Waits for a free connection slot, then accepts a connection; retries
/// on errors, so it only ever returns a connection.
pub(super) async fn accept<L: Listener>(
    listener: &mut L,
    permits: &Arc<Semaphore>,
) -> (L::Io, OwnedSemaphorePermit) {
    let permit = permits
        .clone()
        .acquire_owned()
        .await
        .expect("the server never closes its connection semaphore");
    loop {
        match listener.accept().await {
            Ok(io) => return (io, permit),
            Err(e) if is_connection_error(&e) => {
                tracing::debug!(error = %e, "accept: the connection failed before it was accepted");
            }
            Err(e) => {
                tracing::warn!(error = %e, pause = ?ACCEPT_ERROR_PAUSE, "accept failed; retrying after a pause");
                zio::time::sleep(ACCEPT_ERROR_PAUSE).await;
            }
        }
    }
}

/// Errors about one connection only, after which the next accept may
/// succeed at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
