//! `TcpListener`.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use socket2::{Domain, SockAddr, Type};

use super::TcpStream;
use crate::net::addr::{each_addr, each_addr_blocking, resolve, resolve_blocking, ToSocketAddrs};
use crate::net::socket::Socket;

/// A TCP socket listening for connections.
///
/// Works on every thread: `accept` takes a waiting connection at once and
/// otherwise waits for one with a poll op on the zio runtime's ring (zio's
/// fallback driver when polled by another executor);
/// [`blocking_accept`](TcpListener::blocking_accept) blocks a plain thread.
/// The listening socket is nonblocking (see the [module docs](crate::net)).
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// use zio::net::{TcpListener, TcpStream};
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// zio::spawn(async move {
///     let (stream, _) = listener.accept().await.unwrap();
///     let (res, _) = stream.write_all(b"hello".to_vec()).await;
///     res.unwrap();
/// });
/// let stream = TcpStream::connect(addr).await?;
/// let (res, buf) = stream.read_exact(Vec::with_capacity(5)).await;
/// res?;
/// assert_eq!(buf, b"hello");
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub struct TcpListener {
    sock: Socket,
}

impl TcpListener {
    /// Binds a listener to `addr` (trying each address it resolves to
    /// until one works), with `SO_REUSEADDR` and a backlog of 1024.
    ///
    /// # Errors
    ///
    /// The last address's error (`AddrInUse`, `PermissionDenied`...), or
    /// the resolver's.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes leaves no
    /// listener behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// assert_ne!(listener.local_addr()?.port(), 0);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(resolve(addr).await?, |a| async move { Self::bind_addr(a) }).await
    }

    /// As [`bind`](TcpListener::bind), resolving host names on the calling
    /// thread.
    ///
    /// # Errors
    ///
    /// As [`bind`](TcpListener::bind).
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = zio::net::TcpListener::blocking_bind("127.0.0.1:0")?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr_blocking(resolve_blocking(addr)?, Self::bind_addr)
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let sock = Socket::new(Domain::for_address(addr), Type::STREAM, true)?;
        sock.sock().set_reuse_address(true)?;
        sock.sock().bind(&SockAddr::from(addr))?;
        sock.sock().listen(1024)?;
        Ok(TcpListener { sock })
    }

    /// Accepts a connection; returns the stream (in blocking mode, see the
    /// [module docs](crate::net)) and the peer's address.
    ///
    /// # Errors
    ///
    /// The kernel's accept error, e.g. `EMFILE` when the process is out
    /// of descriptors. The listener stays usable.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future at any point loses no connection.
    /// The kernel accepts only inside `accept`'s own nonblocking call,
    /// never on behalf of a future that may be gone (the wait is a poll for
    /// readiness), so a connection not returned stays queued in the kernel
    /// for the next `accept`.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, peer) = listener.accept().await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (sock, addr) = self.sock.accept().await?;
        Ok((TcpStream::from_socket(sock), to_inet(&addr)?))
    }

    /// Accepts a connection, blocking the calling thread (for plain
    /// threads; it would stall a worker).
    ///
    /// # Errors
    ///
    /// As [`accept`](TcpListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = zio::net::TcpListener::blocking_bind("127.0.0.1:0")?;
    /// let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let (server, _peer) = listener.blocking_accept()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (sock, addr) = self.sock.blocking_accept()?;
        Ok((TcpStream::from_socket(sock), to_inet(&addr)?))
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
    /// let listener = zio::net::TcpListener::blocking_bind("127.0.0.1:0")?;
    /// assert!(listener.local_addr()?.ip().is_loopback());
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().local_addr()?)
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
    /// let std = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let listener = zio::net::TcpListener::from_std(std)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            sock: Socket::from_std(listener.into(), true)?,
        })
    }

    /// The std listener (nonblocking, as zio keeps it). If a cancelled
    /// readiness wait still holds the descriptor, a duplicate of it.
    ///
    /// # Errors
    ///
    /// `dup`'s error, in that case.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = zio::net::TcpListener::blocking_bind("127.0.0.1:0")?;
    /// let std = listener.into_std()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        Ok(self.sock.into_owned()?.into())
    }

    /// The IP time-to-live of accepted sockets' packets.
    ///
    /// # Errors
    ///
    /// `getsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = zio::net::TcpListener::blocking_bind("127.0.0.1:0")?;
    /// listener.set_ttl(42)?;
    /// assert_eq!(listener.ttl()?, 42);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.sock.sock().ttl_v4()
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    ///
    /// `setsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = zio::net::TcpListener::blocking_bind("127.0.0.1:0")?;
    /// listener.set_ttl(42)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.sock.sock().set_ttl_v4(ttl)
    }
}

/// An IP socket address, from socket2's.
pub(crate) fn to_inet(addr: &SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP address"))
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("fd", &self.sock.raw())
            .field("addr", &self.local_addr().ok())
            .finish()
    }
}

fd_impls!(TcpListener);
