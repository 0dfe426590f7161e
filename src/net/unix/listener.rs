//! `UnixListener`.

use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use socket2::{Domain, SockAddr, Type};

use super::{to_unix, UnixStream};
use crate::net::socket::Socket;

/// A Unix stream socket listening for connections.
///
/// `accept` works on a zio runtime and under any other executor (zio's
/// fallback driver); [`blocking_accept`](UnixListener::blocking_accept)
/// blocks a plain thread. The listening socket is nonblocking.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zio-doc-{}-l", std::process::id()));
/// # let _ = std::fs::remove_file(&dir);
/// use zio::net::{UnixListener, UnixStream};
///
/// let listener = UnixListener::bind(&dir)?;
/// let client = UnixStream::connect(&dir).await?;
/// let (server, _) = listener.accept().await?;
/// client.write_all(b"hi".to_vec()).await.0?;
/// let (res, buf) = server.read_exact(Vec::with_capacity(2)).await;
/// res?;
/// assert_eq!(buf, b"hi");
/// # std::fs::remove_file(&dir)?;
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub struct UnixListener {
    sock: Socket,
}

impl UnixListener {
    /// Binds a listener to `path` (which must not exist), with a backlog
    /// of 1024.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if `path` exists; `bind`'s other errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-b", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = zio::net::UnixListener::bind(&path)?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let sock = Socket::new(Domain::UNIX, Type::STREAM, true)?;
        sock.sock().bind(&SockAddr::unix(path)?)?;
        sock.sock().listen(1024)?;
        Ok(UnixListener { sock })
    }

    /// Accepts a connection.
    ///
    /// # Errors
    ///
    /// The kernel's accept error (e.g. `EMFILE`); the listener stays
    /// usable.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`TcpListener::accept`](crate::net::TcpListener::accept):
    /// dropping the future at any point loses no connection.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-a", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = zio::net::UnixListener::bind(&path)?;
    /// let _client = zio::net::UnixStream::connect(&path).await?;
    /// let (server, addr) = listener.accept().await?;
    /// assert!(addr.is_unnamed());
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (sock, addr) = self.sock.accept().await?;
        Ok((UnixStream::from_socket(sock), to_unix(&addr)?))
    }

    /// Accepts a connection, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`accept`](UnixListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-ba", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = zio::net::UnixListener::bind(&path)?;
    /// let _client = zio::net::UnixStream::blocking_connect(&path)?;
    /// let (server, _) = listener.blocking_accept()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (sock, addr) = self.sock.blocking_accept()?;
        Ok((UnixStream::from_socket(sock), to_unix(&addr)?))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// `getsockname`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-la", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = zio::net::UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().local_addr()?)
    }

    /// Adopts a std listener (made nonblocking).
    ///
    /// # Errors
    ///
    /// `fcntl`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-fs", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let std = std::os::unix::net::UnixListener::bind(&path)?;
    /// let listener = zio::net::UnixListener::from_std(std)?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            sock: Socket::from_std(listener.into(), true)?,
        })
    }

    /// The std listener (nonblocking, as zio keeps it); a duplicate of the
    /// descriptor if a cancelled readiness wait still holds it.
    ///
    /// # Errors
    ///
    /// `dup`'s error, in that case.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-is", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = zio::net::UnixListener::bind(&path)?;
    /// let std = listener.into_std()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        Ok(self.sock.into_owned()?.into())
    }
}

fd_impls!(UnixListener);

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("fd", &self.sock.raw())
            .finish()
    }
}
