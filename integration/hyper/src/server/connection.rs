//! One connection's task: sniff the protocol, serve it with hyper, shut it
//! down gracefully when the server asks.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use zio::io::{PollRead, PollWrite};
use zio::sync::watch;

use super::sniff::{sniff, Protocol, Rewind};
use super::{Server, ServerService};
use crate::{ZioExecutor, ZioIo, ZioTimer};

/// hyper's connection builders, configured once per server.
#[derive(Debug)]
pub(super) struct Protocols {
    header_read_timeout: Duration,
    http1: http1::Builder,
    http2: http2::Builder<ZioExecutor>,
}

/// How often an HTTP/2 connection pings an idle peer to see it is alive.
const HTTP2_KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(60);

impl Protocols {
    pub(super) fn new(server: &Server) -> Protocols {
        let mut http1 = http1::Builder::new();
        http1
            .timer(ZioTimer::new())
            .header_read_timeout(server.header_read_timeout)
            .keep_alive(server.keep_alive)
            .max_buf_size(server.max_header_bytes);
        let mut http2 = http2::Builder::new(ZioExecutor::new());
        http2
            .timer(ZioTimer::new())
            .keep_alive_interval(HTTP2_KEEP_ALIVE_INTERVAL)
            .max_header_list_size(u32::try_from(server.max_header_bytes).unwrap_or(u32::MAX));
        Protocols {
            header_read_timeout: server.header_read_timeout,
            http1,
            http2,
        }
    }
}

/// Serves one connection to its end. Errors end the connection only;
/// they are logged at debug level (clients vanish all the time).
pub(super) async fn serve<T, S>(
    io: T,
    service: S,
    protocols: Arc<Protocols>,
    mut shutdown: watch::Receiver<bool>,
) where
    T: PollRead + PollWrite + Unpin + Send + 'static,
    S: ServerService,
{
    let sniffed = zio::select! {
        sniffed = zio::time::timeout(protocols.header_read_timeout, sniff(ZioIo::new(io))) => sniffed,
        _ = shutdown.changed() => return,
    };
    let (protocol, io) = match sniffed {
        Ok(Ok(sniffed)) => sniffed,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "connection closed before its first request");
            return;
        }
        Err(_) => {
            tracing::debug!("connection sent nothing within the header-read timeout");
            return;
        }
    };
    let served = match protocol {
        Protocol::Http1 => {
            let connection = protocols
                .http1
                .serve_connection(io, service)
                .with_upgrades();
            until_shutdown(connection, &mut shutdown).await
        }
        Protocol::Http2 => {
            let connection = protocols.http2.serve_connection(io, service);
            until_shutdown(connection, &mut shutdown).await
        }
    };
    if let Err(e) = served {
        tracing::debug!(error = %e, ?protocol, "connection ended with an error");
    }
}

/// A hyper server connection that can finish gracefully.
trait GracefulConnection: Future<Output = hyper::Result<()>> {
    /// Finishes the requests in flight, then closes.
    fn graceful_shutdown(self: Pin<&mut Self>);
}

impl<T, S> GracefulConnection for http1::UpgradeableConnection<Rewind<T>, S>
where
    T: PollRead + PollWrite + Unpin + Send + 'static,
    S: ServerService,
{
    fn graceful_shutdown(self: Pin<&mut Self>) {
        http1::UpgradeableConnection::graceful_shutdown(self)
    }
}

impl<T, S> GracefulConnection for http2::Connection<Rewind<T>, S, ZioExecutor>
where
    T: PollRead + PollWrite + Unpin + Send + 'static,
    S: ServerService,
{
    fn graceful_shutdown(self: Pin<&mut Self>) {
        http2::Connection::graceful_shutdown(self)
    }
}

/// Drives `connection`; when `shutdown` fires, asks it to finish
/// gracefully and drives it to its end.
async fn until_shutdown<C: GracefulConnection>(
    connection: C,
    shutdown: &mut watch::Receiver<bool>,
) -> hyper::Result<()> {
    let mut connection = pin!(connection);
    zio::select! {
        ended = connection.as_mut() => return ended,
        _ = shutdown.changed() => connection.as_mut().graceful_shutdown(),
    }
    connection.await
}
