//! The owned halves of a `UnixStream`.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;

use super::{to_unix, UnixStream};
use crate::compat::Readiness;
use crate::net::socket::Socket;

/// The read half of a [`UnixStream`], from
/// [`into_split`](UnixStream::into_split). Implements the poll-based
/// `AsyncRead` traits and `std::io::Read`, and has the async owned-buffer
/// reads.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// # let (stream, peer) = zio::net::UnixStream::pair()?;
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

/// The write half of a [`UnixStream`], from
/// [`into_split`](UnixStream::into_split). Implements the poll-based
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
/// # let (stream, peer) = zio::net::UnixStream::pair()?;
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
/// let (a, _a2) = zio::net::UnixStream::pair()?;
/// let (b, _b2) = zio::net::UnixStream::pair()?;
/// let (ra, _wa) = a.into_split();
/// let (_rb, wb) = b.into_split();
/// let zio::net::unix_split::ReuniteError(_ra, _wb) = ra.reunite(wb).unwrap_err();
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

fn reunite(read: OwnedReadHalf, mut write: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
    if !read.sock.same_socket(&write.sock) {
        return Err(ReuniteError(read, write));
    }
    write.shutdown_on_drop = false;
    let mut stream = UnixStream::from_socket(read.sock);
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
    /// # let (stream, peer) = zio::net::UnixStream::pair()?;
    /// let (r, w) = stream.into_split();
    /// let stream = r.reunite(w).unwrap();
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
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
    /// # let (stream, peer) = zio::net::UnixStream::pair()?;
    /// let (r, _w) = stream.into_split();
    /// assert!(r.peer_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().peer_addr()?)
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
    /// # let (stream, peer) = zio::net::UnixStream::pair()?;
    /// let (r, _w) = stream.into_split();
    /// assert!(r.local_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().local_addr()?)
    }

    read_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let (stream, peer) = zio::net::UnixStream::pair()?;
# let (stream, _w) = stream.into_split();"#
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
    /// # let (stream, peer) = zio::net::UnixStream::pair()?;
    /// let (r, w) = stream.into_split();
    /// let stream = w.reunite(r).unwrap();
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        reunite(other, self)
    }

    /// Drops the half without shutting the write direction down.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let (stream, peer) = zio::net::UnixStream::pair()?;
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
    /// # let (stream, peer) = zio::net::UnixStream::pair()?;
    /// let (_r, w) = stream.into_split();
    /// assert!(w.peer_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().peer_addr()?)
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
    /// # let (stream, peer) = zio::net::UnixStream::pair()?;
    /// let (_r, w) = stream.into_split();
    /// assert!(w.local_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().local_addr()?)
    }

    write_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let (stream, peer) = zio::net::UnixStream::pair()?;
# let (_r, stream) = stream.into_split();"#
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
