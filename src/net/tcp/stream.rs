//! `TcpStream`.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use socket2::{SockAddr, Type};

use super::listener::to_inet;
use super::split::{OwnedReadHalf, OwnedWriteHalf};
use crate::compat::Readiness;
use crate::net::addr::{each_addr, each_addr_blocking, resolve, resolve_blocking, ToSocketAddrs};
use crate::net::socket::Socket;

/// A TCP connection.
///
/// Three ways to use it (see the [module docs](crate::net)):
///
/// - async owned-buffer calls ([`read`](TcpStream::read),
///   [`write_all`](TcpStream::write_all), ...) taking `&self`, so one task
///   may read while another writes through an `Arc<TcpStream>`, or use
///   [`into_split`](TcpStream::into_split);
/// - `tokio::io::{AsyncRead, AsyncWrite}` and `futures_io::{AsyncRead,
///   AsyncWrite}` (readiness-based, cancel safe), for codecs, hyper and
///   `tokio::io::copy`;
/// - `std::io::Read`/`Write` on `TcpStream` and `&TcpStream`: blocking
///   syscalls for plain threads.
///
/// Every async call works on a zio runtime (io_uring ops on the worker's
/// ring), and also when polled by tokio, `futures::executor::block_on` or
/// any other executor (ops go to zio's fallback driver thread): never a
/// panic for a missing runtime, never a blocked foreign executor.
///
/// Dropping the stream closes it once the kernel is done with every op on
/// it: an in-flight op whose future was dropped is cancelled first, then
/// the socket closes and the peer sees FIN.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// use zio::net::{TcpListener, TcpStream};
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, _) = listener.accept().await?;
/// client.write_all(b"ping".to_vec()).await.0?;
/// let (res, buf) = server.read_exact(Vec::with_capacity(4)).await;
/// res?;
/// assert_eq!(buf, b"ping");
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
///
/// Blocking, on a plain thread:
///
/// ```
/// use std::io::{Read, Write};
///
/// let listener = zio::net::TcpListener::blocking_bind("127.0.0.1:0")?;
/// let client = zio::net::TcpStream::blocking_connect(listener.local_addr()?)?;
/// let (server, _) = listener.blocking_accept()?;
/// Write::write_all(&mut &client, b"ping")?;
/// let mut buf = [0u8; 4];
/// Read::read_exact(&mut &server, &mut buf)?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<_, std::io::Error>(())
/// ```
pub struct TcpStream {
    pub(crate) sock: Socket,
    /// The poll armed by `poll_read`, if any (`compat/`).
    pub(crate) read: Readiness,
    /// The poll armed by `poll_write`, if any.
    pub(crate) write: Readiness,
}

impl TcpStream {
    pub(crate) fn from_socket(sock: Socket) -> TcpStream {
        TcpStream {
            sock,
            read: Readiness::new(),
            write: Readiness::new(),
        }
    }

    /// Connects to `addr`, trying each address it resolves to in turn
    /// (host names are resolved on the blocking pool).
    ///
    /// # Errors
    ///
    /// The last address's error, e.g. `ConnectionRefused`; or the
    /// resolver's.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future cancels the connect and closes the
    /// half-made socket (the peer may see a connection that closes at
    /// once).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let addr = listener.local_addr()?;
    /// let stream = zio::net::TcpStream::connect(addr).await?;
    /// assert_eq!(stream.peer_addr()?, addr);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let addrs = resolve(addr).await?;
        each_addr(addrs, |a| async move {
            Socket::connect(Type::STREAM, SockAddr::from(a)).await
        })
        .await
        .map(TcpStream::from_socket)
    }

    /// Connects on the calling thread (blocking).
    ///
    /// # Errors
    ///
    /// As [`connect`](TcpStream::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// # let addr = listener.local_addr()?;
    /// let stream = zio::net::TcpStream::blocking_connect(addr)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr_blocking(resolve_blocking(addr)?, |a| {
            Socket::blocking_connect(Type::STREAM, &SockAddr::from(a))
        })
        .map(TcpStream::from_socket)
    }

    /// Adopts a connected std stream (put in blocking mode, as zio keeps
    /// connected sockets).
    ///
    /// # Errors
    ///
    /// `fcntl`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let stream = zio::net::TcpStream::from_std(std)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream::from_socket(Socket::from_std(
            stream.into(),
            false,
        )?))
    }

    /// The std stream (in blocking mode). Polls armed by the poll-based
    /// traits are cancelled; if one still holds the descriptor, the std
    /// stream gets a duplicate of it (the same connection). Bytes that
    /// dropped reads took and the stream kept for its next read (see
    /// [`read`](Self::read)) stay behind: read them before converting,
    /// and convert no stream whose dropped read's receive may still be
    /// out (it would take bytes from the std stream).
    ///
    /// # Errors
    ///
    /// `dup`'s error, in that case.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let std = stream.into_std()?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        let TcpStream { sock, read, write } = self;
        drop((read, write));
        Ok(sock.into_owned()?.into())
    }

    /// Splits the stream into a read half and a write half that can be
    /// used from two tasks (or threads) at once, each with its own
    /// poll-based trait state. [`OwnedReadHalf::reunite`] puts them back
    /// together.
    ///
    /// Dropping the write half shuts the write direction down (the peer
    /// sees EOF), as in tokio.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// # let (peer, _) = listener.accept().await?;
    /// let (reader, writer) = stream.into_split();
    /// let task = zio::spawn(async move { writer.write_all(b"hi".to_vec()).await.0 });
    /// task.await.unwrap()?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let TcpStream { sock, read, write } = self;
        (
            OwnedReadHalf {
                sock: sock.clone(),
                read,
            },
            OwnedWriteHalf::new(sock, write),
        )
    }

    /// Shuts down the read, write or both directions (`shutdown(2)`,
    /// which never blocks). After `Shutdown::Write` the peer reads EOF.
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
    /// # let (peer, _) = listener.accept().await?;
    /// stream.shutdown(std::net::Shutdown::Write)?;
    /// let (n, _) = peer.read(Vec::with_capacity(8)).await;
    /// assert_eq!(n?, 0);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.sock.sock().shutdown(how)
    }

    /// The local address of the connection.
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
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(stream.local_addr()?.ip().is_loopback());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().local_addr()?)
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
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().peer_addr()?)
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm).
    ///
    /// # Errors
    ///
    /// `setsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.sock.sock().set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// `getsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(!stream.nodelay()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.sock.sock().tcp_nodelay()
    }

    /// Sets `SO_LINGER`; `Some(Duration::ZERO)` makes the close send a
    /// reset instead of a FIN.
    ///
    /// # Errors
    ///
    /// `setsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_linger(Some(std::time::Duration::ZERO))?;
    /// assert_eq!(stream.linger()?, Some(std::time::Duration::ZERO));
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.sock.sock().set_linger(linger)
    }

    /// The `SO_LINGER` setting.
    ///
    /// # Errors
    ///
    /// `getsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.linger()?, None);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.sock.sock().linger()
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
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_ttl(60)?;
    /// assert_eq!(stream.ttl()?, 60);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.sock.sock().set_ttl_v4(ttl)
    }

    /// The `IP_TTL` setting.
    ///
    /// # Errors
    ///
    /// `getsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(stream.ttl()? > 0);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.sock.sock().ttl_v4()
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
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(stream.take_error()?.is_none());
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.sock.sock().take_error()
    }

    read_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
# let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
# let (peer, _) = listener.accept().await?;"#
    );
    write_methods!(
        r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
# let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
# let (peer, _) = listener.accept().await?;"#
    );
}

std_read_impls!(TcpStream);
std_write_impls!(TcpStream);
fd_impls!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("fd", &self.sock.raw())
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
