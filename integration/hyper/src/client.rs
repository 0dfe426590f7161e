//! The client: hyper-util's pooling `Client` on zio, with [`ZioConnector`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Body;
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::{Builder, Client};
use zio::net::TcpStream;

use crate::{ZioExecutor, ZioIo, ZioTimer};

/// A client builder set up for zio: [`ZioExecutor`] runs its connections,
/// [`ZioTimer`] drives its timeouts and its pool's idle expiry.
///
/// Configure it as hyper-util documents, then `build` it with a
/// [`ZioConnector`]. For HTTP/2 over plain TCP (h2c with prior knowledge)
/// set `http2_only(true)`.
///
/// # Examples
///
/// ```
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
///
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let h2 = zio_hyper::client_builder()
///     .http2_only(true)
///     .build::<_, Empty<Bytes>>(zio_hyper::ZioConnector::new());
/// # drop(h2);
/// # });
/// ```
pub fn client_builder() -> Builder {
    let mut builder = Client::builder(ZioExecutor::new());
    builder.timer(ZioTimer::new()).pool_timer(ZioTimer::new());
    builder
}

/// A pooling HTTP/1.1 client (`http://` URLs) on zio, sending request
/// bodies of type `B`.
///
/// Connections are kept alive and reused; see [`client_builder`] to
/// configure it or to speak HTTP/2.
///
/// # Examples
///
/// ```no_run
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
///
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let client = zio_hyper::client::<Empty<Bytes>>();
/// let response = client.get("http://127.0.0.1:3000/".parse()?).await?;
/// println!("{}", response.status());
/// let body = response.into_body().collect().await?.to_bytes();
/// println!("{}", String::from_utf8_lossy(&body));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub fn client<B>() -> Client<ZioConnector, B>
where
    B: Body + Send,
    B::Data: Send,
{
    client_builder().build(ZioConnector::new())
}

/// Opens TCP connections on zio for hyper-util's `Client`: a
/// `tower_service::Service<Uri>` answering with a [`ZioIo`]`<TcpStream>`.
///
/// It serves `http://` URIs (port 80 unless the URI names one); other
/// schemes fail with `InvalidInput`, as TLS is not its job. Connected
/// sockets have `TCP_NODELAY` set.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
///
/// let connector = zio_hyper::ZioConnector::new().connect_timeout(Duration::from_secs(5));
/// let client = zio_hyper::client_builder().build::<_, Empty<Bytes>>(connector);
/// # drop(client);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ZioConnector {
    connect_timeout: Option<Duration>,
}

impl ZioConnector {
    /// A connector with no connect timeout.
    pub fn new() -> ZioConnector {
        ZioConnector::default()
    }

    /// Fails a connection attempt with `TimedOut` after `timeout`.
    pub fn connect_timeout(mut self, timeout: Duration) -> ZioConnector {
        self.connect_timeout = Some(timeout);
        self
    }
}

impl tower_service::Service<Uri> for ZioConnector {
    type Response = ZioIo<TcpStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<ZioIo<TcpStream>>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(connect(uri, self.connect_timeout))
    }
}

impl Connection for ZioIo<TcpStream> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// Connects to `uri`'s host and port.
async fn connect(uri: Uri, timeout: Option<Duration>) -> io::Result<ZioIo<TcpStream>> {
    let target = host_and_port(&uri)?;
    let connecting = TcpStream::connect(target);
    let stream = match timeout {
        None => connecting.await?,
        Some(limit) => zio::time::timeout(limit, connecting).await.map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("connecting to {uri} timed out after {limit:?}"),
            )
        })??,
    };
    stream.set_nodelay(true)?;
    Ok(ZioIo::new(stream))
}

/// The host (without IPv6 brackets) and port an `http://` URI names.
fn host_and_port(uri: &Uri) -> io::Result<(String, u16)> {
    let invalid =
        |what: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {uri}"));
    match uri.scheme_str() {
        Some("http") => {}
        Some(_) => return Err(invalid("ZioConnector speaks plain http only")),
        None => return Err(invalid("the URI has no scheme")),
    }
    let host = uri.host().ok_or_else(|| invalid("the URI has no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_owned(), uri.port_u16().unwrap_or(80)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(uri: &str) -> io::Result<(String, u16)> {
        host_and_port(&uri.parse().unwrap())
    }

    #[test]
    fn host_and_port_of_http_uris() {
        assert_eq!(
            target("http://example.com/x").unwrap(),
            ("example.com".into(), 80)
        );
        assert_eq!(
            target("http://127.0.0.1:8080").unwrap(),
            ("127.0.0.1".into(), 8080)
        );
        assert_eq!(target("http://[::1]:81/").unwrap(), ("::1".into(), 81));
    }

    #[test]
    fn other_uris_are_invalid_input() {
        for uri in ["https://example.com/", "/relative", "ftp://example.com/"] {
            let err = target(uri).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{uri}");
        }
    }
}
