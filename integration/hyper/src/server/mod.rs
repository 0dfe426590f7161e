//! The server: [`Server`] (the builder) and [`serve`].
//!
//! The accept loop lives here: it takes a connection-limit permit, accepts
//! (retrying after accept errors, see `listener.rs`), and spawns one task
//! per connection into a `JoinSet`. `connection.rs` is that task: it tells
//! HTTP/1 from HTTP/2 by the preface (`sniff.rs`), serves the connection
//! with hyper, and starts hyper's graceful shutdown when the server's
//! shutdown watch fires. On shutdown the loop drops the listener (new
//! connections are refused), signals every connection, waits for them up
//! to the deadline and aborts the rest.

mod connection;
mod listener;
mod sniff;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::HttpService;
use zio::sync::{watch, Semaphore};
use zio::task::{JoinError, JoinSet};

use crate::BoxError;
use connection::Protocols;
pub use listener::Listener;

/// A hyper service zio-hyper can serve; implemented for every suitable
/// type, never by hand.
///
/// That is any `hyper::service::Service<Request<Incoming>, Response =
/// Response<B>>` (such as `hyper::service::service_fn(f)` or axum's router
/// wrapped in hyper-util's `TowerToHyperService`) that is `Clone + Send +
/// 'static` (each connection gets a clone), with a `Send` future, a `Send`
/// body `B` and errors that convert into [`BoxError`].
pub trait ServerService:
    HttpService<
        Incoming,
        ResBody: Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
}

impl<S> ServerService for S where
    S: HttpService<
            Incoming,
            ResBody: Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// Serves HTTP/1.1 and HTTP/2 on `listener` with the default [`Server`]
/// settings, until the returned future is dropped.
///
/// Each connection runs in its own zio task and gets a clone of `service`.
///
/// # Examples
///
/// ```no_run
/// use http_body_util::Full;
/// use hyper::body::{Bytes, Incoming};
/// use hyper::{Request, Response};
///
/// async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
///     Ok(Response::new(Full::new(Bytes::from("Hello, World!"))))
/// }
///
/// #[zio::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = zio::net::TcpListener::bind("127.0.0.1:3000").await?;
///     zio_hyper::serve(listener, hyper::service::service_fn(hello)).await;
///     Ok(())
/// }
/// ```
pub async fn serve<L: Listener, S: ServerService>(listener: L, service: S) {
    Server::new().serve(listener, service).await
}

/// An HTTP server: its settings, then [`serve`](Server::serve) or
/// [`serve_with_shutdown`](Server::serve_with_shutdown).
///
/// Both protocols share one port: a connection that opens with the HTTP/2
/// preface is served as HTTP/2 (h2c with prior knowledge), any other as
/// HTTP/1.x. `TCP_NODELAY` is set on accepted TCP sockets. Accept errors
/// never end the server: per-connection ones (`ECONNABORTED`...) are
/// skipped, others (`EMFILE`, `ENFILE`, `ENOBUFS`...) are logged with
/// `tracing` and retried after a short pause.
///
/// # Panics
///
/// Serving outside a zio runtime panics: each connection is a zio task.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
///
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = zio::sync::oneshot::channel::<()>();
/// let server = zio_hyper::Server::new()
///     .max_connections(100)
///     .header_read_timeout(Duration::from_secs(10))
///     .shutdown_timeout(Duration::from_secs(5));
/// let service = hyper::service::service_fn(|_| async {
///     Ok::<_, hyper::Error>(hyper::Response::new(Empty::<Bytes>::new()))
/// });
/// let running = zio::spawn(server.serve_with_shutdown(listener, service, async {
///     let _ = stopped.await;
/// }));
/// stop.send(()).unwrap();
/// running.await.unwrap();
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Server {
    header_read_timeout: Duration,
    keep_alive: bool,
    max_connections: usize,
    max_header_bytes: usize,
    shutdown_timeout: Duration,
}

impl Default for Server {
    fn default() -> Server {
        Server {
            header_read_timeout: Duration::from_secs(30),
            keep_alive: true,
            max_connections: 1024,
            max_header_bytes: 64 * 1024,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// hyper's smallest HTTP/1 buffer.
const MIN_HEADER_BYTES: usize = 8 * 1024;

impl Server {
    /// A server with the defaults: a 30 s header-read timeout, keep-alive
    /// on, at most 1024 connections, 64 KiB of request head, and a 30 s
    /// graceful-shutdown deadline.
    pub fn new() -> Server {
        Server::default()
    }

    /// How long a client may take to send a request's head (HTTP/1), and
    /// a new connection its first bytes; an idle keep-alive connection is
    /// closed after this long too. A client too slow is disconnected.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Server {
        self.header_read_timeout = timeout;
        self
    }

    /// Whether HTTP/1 connections are kept open for further requests
    /// (default: yes).
    pub fn keep_alive(mut self, enabled: bool) -> Server {
        self.keep_alive = enabled;
        self
    }

    /// At most `max` connections are served at once; further clients wait
    /// in the listener's backlog. Keep it below the process's open-file
    /// limit (`ulimit -n`).
    ///
    /// # Panics
    ///
    /// If `max` is 0: such a server could never serve anyone.
    #[track_caller]
    pub fn max_connections(mut self, max: usize) -> Server {
        assert!(max > 0, "Server::max_connections must be at least 1");
        self.max_connections = max;
        self
    }

    /// The largest request head accepted, in bytes (values below 8 KiB,
    /// hyper's minimum, count as 8 KiB). A larger HTTP/1 head is answered
    /// with `431 Request Header Fields Too Large`; on HTTP/2 it is the
    /// advertised header-list limit.
    pub fn max_header_bytes(mut self, max: usize) -> Server {
        self.max_header_bytes = max.max(MIN_HEADER_BYTES);
        self
    }

    /// How long a graceful shutdown waits for in-flight requests before it
    /// closes the connections still open.
    pub fn shutdown_timeout(mut self, deadline: Duration) -> Server {
        self.shutdown_timeout = deadline;
        self
    }

    /// Serves `listener` until the returned future is dropped (dropping it
    /// closes the listener and every connection at once).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(service: impl zio_hyper::ServerService) -> std::io::Result<()> {
    /// let listener = zio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// zio_hyper::Server::new().keep_alive(false).serve(listener, service).await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve<L: Listener, S: ServerService>(self, listener: L, service: S) {
        self.serve_with_shutdown(listener, service, std::future::pending())
            .await
    }

    /// Serves `listener` until `signal` completes, then shuts down
    /// gracefully: the listener is closed at once (new connections are
    /// refused), requests in flight run to completion (idle connections
    /// close, HTTP/2 clients get a `GOAWAY`), and whatever is still open
    /// after the [`shutdown_timeout`](Server::shutdown_timeout) is closed.
    /// Completes when every connection is gone.
    ///
    /// See the [`Server`] example.
    pub async fn serve_with_shutdown<L, S, F>(self, mut listener: L, service: S, signal: F)
    where
        L: Listener,
        S: ServerService,
        F: Future<Output = ()>,
    {
        let protocols = Arc::new(Protocols::new(&self));
        let permits = Arc::new(Semaphore::new(self.max_connections));
        let (shutdown, shutdown_seen) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut signal = pin!(signal);
        loop {
            let (io, permit) = zio::select! {
                biased;
                () = &mut signal => break,
                accepted = listener::accept(&mut listener, &permits) => accepted,
            };
            while let Some(ended) = connections.try_join_next() {
                report_panic(ended);
            }
            let connection = connection::serve(
                io,
                service.clone(),
                protocols.clone(),
                shutdown_seen.clone(),
            );
            connections.spawn(async move {
                connection.await;
                drop(permit);
            });
        }
        drop(listener);
        tracing::debug!(
            connections = connections.len(),
            "shutting down: listener closed"
        );
        shutdown.send_replace(true);
        drain(connections, self.shutdown_timeout).await;
    }
}

/// Waits up to `deadline` for the connection tasks to end, then aborts
/// the rest.
async fn drain(mut connections: JoinSet<()>, deadline: Duration) {
    let all_ended = zio::time::timeout(deadline, async {
        while let Some(ended) = connections.join_next().await {
            report_panic(ended);
        }
    })
    .await;
    if all_ended.is_err() {
        tracing::warn!(
            connections = connections.len(),
            ?deadline,
            "graceful shutdown deadline passed: closing the connections still open"
        );
        connections.shutdown().await;
    }
}

/// Logs a connection task that panicked (its service panicked).
fn report_panic(ended: Result<(), JoinError>) {
    if let Err(e) = ended {
        tracing::error!(error = %e, "a connection task panicked");
    }
}
