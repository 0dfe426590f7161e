//! The owned halves of a `TcpStream`.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};

use super::listener::to_inet;
use super::TcpStream;
use crate::compat::Readiness;
use crate::net::socket::Socket;

/// The read half of a [`TcpStream`], from
/// [`into_split`](TcpStream::into_split). Implements the poll-based
/// `AsyncRead` traits and `std::io::Read`, and has the async owned-buffer
/// reads.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
/// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
/// # let (peer, _) = listener.accept().await?;
/// let (reader, _writer) = stream.into_split();
/// peer.write_all(b"x".to_vec()).await.0?;
/// let (n, _) = reader.read(Vec::with_capacity(8)).await;
/// assert_eq!(n?, 1);
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub struct OwnedReadHalf {
    pub(crate) sock: Socket,
    pub(crate) read: Readiness,
}

/// The write half of a [`TcpStream`], from
/// [`into_split`](TcpStream::into_split). Implements the poll-based
/// `AsyncWrite` traits and `std::io::Write`, and has the async
/// owned-buffer writes.
///
/// Dropping it shuts the write direction down (the peer reads EOF), as in
/// tokio; [`reunite`](OwnedWriteHalf::reunite) does not.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
/// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
/// # let (peer, _) = listener.accept().await?;
/// let (_reader, writer) = stream.into_split();
/// writer.write_all(b"bye".to_vec()).await.0?;
/// drop(writer);
/// let (res, buf) = peer.read_exact(Vec::with_capacity(3)).await;
/// res?;
/// let (n, _) = peer.read(Vec::with_capacity(8)).await;
/// assert_eq!(n?, 0, "EOF after the write half was dropped");
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub struct OwnedWriteHalf {
    pub(crate) sock: Socket,
    pub(crate) write: Readiness,
    shutdown_on_drop: bool,
}

/// The halves given to `reunite` came from different streams; they are
/// handed back.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let a = zio::net::TcpStream::connect(listener.local_addr()?).await?;
/// let b = zio::net::TcpStream::connect(listener.local_addr()?).await?;
/// let (ra, _wa) = a.into_split();
/// let (_rb, wb) = b.into_split();
/// let zio::net::ReuniteError(_ra, _wb) = ra.reunite(wb).unwrap_err();
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}

fn reunite(read: OwnedReadHalf, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
    if !read.sock.same_socket(&write.sock) {
        return Err(ReuniteError(read, write));
    }
    write.shutdown_on_drop = false;
    let mut stream = TcpStream::from_socket(read.sock);
    stream.read = read.read;
    stream.write = std::mem::take(&mut write.write);
    Ok(stream)
}

impl OwnedReadHalf {
    /// Puts the stream back together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] (with both halves) if they are from different
    /// streams.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (r, w) = stream.into_split();
    /// let stream = r.reunite(w).unwrap();
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        reunite(self, other)
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (r, _w) = stream.into_split();
    /// assert_eq!(r.peer_addr()?, listener.local_addr()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().peer_addr()?)
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// `getsockname`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (r, _w) = stream.into_split();
    /// assert!(r.local_addr()?.ip().is_loopback());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().local_addr()?)
    }

    read_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
# let (stream, _w) = zio::net::TcpStream::connect(listener.local_addr()?).await?.into_split();
# let (peer, _) = listener.accept().await?;"#
    );
}

impl OwnedWriteHalf {
    pub(crate) fn new(sock: Socket, write: Readiness) -> OwnedWriteHalf {
        OwnedWriteHalf {
            sock,
            write,
            shutdown_on_drop: true,
        }
    }

    /// Puts the stream back together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] (with both halves) if they are from different
    /// streams.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (r, w) = stream.into_split();
    /// let stream = w.reunite(r).unwrap();
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        reunite(other, self)
    }

    /// Drops the half without shutting the write direction down.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_r, w) = stream.into_split();
    /// w.forget();
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_r, w) = stream.into_split();
    /// assert_eq!(w.peer_addr()?, listener.local_addr()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().peer_addr()?)
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// `getsockname`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_r, w) = stream.into_split();
    /// assert!(w.local_addr()?.ip().is_loopback());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().local_addr()?)
    }

    write_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
# let (_r, stream) = zio::net::TcpStream::connect(listener.local_addr()?).await?.into_split();
# let (peer, _) = listener.accept().await?;"#
    );
}

std_read_impls!(OwnedReadHalf);
std_write_impls!(OwnedWriteHalf);
fd_impls!(OwnedReadHalf, OwnedWriteHalf);

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.sock.sock().shutdown(Shutdown::Write);
        }
    }
}

impl fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("fd", &self.sock.raw())
            .finish()
    }
}

impl fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("fd", &self.sock.raw())
            .finish()
    }
}
