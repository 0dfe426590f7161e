//! `UnixStream`.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use socket2::{Domain, SockAddr, Type};

use super::split::{OwnedReadHalf, OwnedWriteHalf};
use super::to_unix;
use crate::compat::Readiness;
use crate::net::socket::Socket;

/// A Unix stream connection.
///
/// The same three ways to use it as [`TcpStream`](crate::net::TcpStream)
/// (see the [module docs](crate::net)): async owned-buffer calls, the
/// poll-based tokio/futures-io traits, and `std::io::Read`/`Write` (on
/// `UnixStream` and `&UnixStream`) for plain threads.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, b) = zio::net::UnixStream::pair()?;
/// a.write_all(b"ping".to_vec()).await.0?;
/// let (res, buf) = b.read_exact(Vec::with_capacity(4)).await;
/// res?;
/// assert_eq!(buf, b"ping");
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub struct UnixStream {
    pub(crate) sock: Socket,
    pub(crate) read: Readiness,
    pub(crate) write: Readiness,
}

impl UnixStream {
    pub(crate) fn from_socket(sock: Socket) -> UnixStream {
        UnixStream {
            sock,
            read: Readiness::new(),
            write: Readiness::new(),
        }
    }

    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing is there, `ConnectionRefused` if nothing
    /// listens there, `connect`'s other errors.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future cancels the connect and closes the
    /// socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-c", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = zio::net::UnixListener::bind(&path)?;
    /// let stream = zio::net::UnixStream::connect(&path).await?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = SockAddr::unix(path)?;
        Ok(UnixStream::from_socket(
            Socket::connect(Type::STREAM, addr).await?,
        ))
    }

    /// Connects on the calling thread (blocking).
    ///
    /// # Errors
    ///
    /// As [`connect`](UnixStream::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-bc", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = zio::net::UnixListener::bind(&path)?;
    /// let stream = zio::net::UnixStream::blocking_connect(&path)?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = SockAddr::unix(path)?;
        Ok(UnixStream::from_socket(Socket::blocking_connect(
            Type::STREAM,
            &addr,
        )?))
    }

    /// A pair of connected streams (`socketpair(2)`).
    ///
    /// # Errors
    ///
    /// `socketpair`'s error (e.g. out of descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = zio::net::UnixStream::pair()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = socket2::Socket::pair(Domain::UNIX, Type::STREAM, None)?;
        Ok((
            UnixStream::from_socket(Socket::from_owned(a.into())),
            UnixStream::from_socket(Socket::from_owned(b.into())),
        ))
    }

    /// Adopts a connected std stream (put in blocking mode).
    ///
    /// # Errors
    ///
    /// `fcntl`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let stream = zio::net::UnixStream::from_std(a)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream::from_socket(Socket::from_std(
            stream.into(),
            false,
        )?))
    }

    /// The std stream (blocking); a duplicate of the descriptor if a
    /// cancelled poll still holds it. Bytes that dropped reads took and
    /// the stream kept for its next read (see [`read`](Self::read)) stay
    /// behind: read them before converting, and convert no stream whose
    /// dropped read's receive may still be out (it would take bytes from
    /// the std stream).
    ///
    /// # Errors
    ///
    /// `dup`'s error, in that case.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = zio::net::UnixStream::pair()?;
    /// let std = a.into_std()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        let UnixStream { sock, read, write } = self;
        drop((read, write));
        Ok(sock.into_owned()?.into())
    }

    /// Splits the stream into halves usable from two tasks; see
    /// [`TcpStream::into_split`](crate::net::TcpStream::into_split).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (a, b) = zio::net::UnixStream::pair()?;
    /// let (reader, writer) = a.into_split();
    /// writer.write_all(b"x".to_vec()).await.0?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let UnixStream { sock, read, write } = self;
        (
            OwnedReadHalf {
                sock: sock.clone(),
                read,
            },
            OwnedWriteHalf::new(sock, write),
        )
    }

    /// Shuts down one or both directions (`shutdown(2)`, never blocks).
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (a, b) = zio::net::UnixStream::pair()?;
    /// a.shutdown(std::net::Shutdown::Write)?;
    /// let (n, _) = b.read(Vec::with_capacity(8)).await;
    /// assert_eq!(n?, 0);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.sock.sock().shutdown(how)
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
    /// let (a, _b) = zio::net::UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().local_addr()?)
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// `getpeername`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = zio::net::UnixStream::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().peer_addr()?)
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    ///
    /// `getsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = zio::net::UnixStream::pair()?;
    /// assert!(a.take_error()?.is_none());
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.sock.sock().take_error()
    }

    read_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let (stream, peer) = zio::net::UnixStream::pair()?;"#
    );
    write_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let (stream, peer) = zio::net::UnixStream::pair()?;"#
    );
}

std_read_impls!(UnixStream);
std_write_impls!(UnixStream);
fd_impls!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.sock.raw())
            .finish()
    }
}
