//! `UnixDatagram`.

use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use socket2::{Domain, SockAddr, Type};

use super::to_unix;
use crate::io::{IoBuf, IoBufMut};
use crate::net::socket::Socket;

/// A Unix datagram socket.
///
/// Async owned-buffer calls work on a zio runtime and under any other
/// executor; the `blocking_*` methods are ordinary blocking syscalls for
/// plain threads (see the [module docs](crate::net)).
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, b) = zio::net::UnixDatagram::pair()?;
/// a.send(b"ping".to_vec()).await.0?;
/// let (n, buf) = b.recv(Vec::with_capacity(16)).await;
/// assert_eq!(&buf[..n?], b"ping");
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub struct UnixDatagram {
    sock: Socket,
}

impl UnixDatagram {
    fn new() -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            sock: Socket::new(Domain::UNIX, Type::DGRAM, false)?,
        })
    }

    /// A socket bound to `path` (which must not exist).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if `path` exists; `bind`'s other errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-db", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let sock = zio::net::UnixDatagram::bind(&path)?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let d = UnixDatagram::new()?;
        d.sock.sock().bind(&SockAddr::unix(path)?)?;
        Ok(d)
    }

    /// A socket bound to no address (it can send, and receive replies if
    /// connected).
    ///
    /// # Errors
    ///
    /// `socket`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = zio::net::UnixDatagram::unbound()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::new()
    }

    /// A pair of connected sockets (`socketpair(2)`).
    ///
    /// # Errors
    ///
    /// `socketpair`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = zio::net::UnixDatagram::pair()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = socket2::Socket::pair(Domain::UNIX, Type::DGRAM, None)?;
        Ok((
            UnixDatagram {
                sock: Socket::from_owned(a.into()),
            },
            UnixDatagram {
                sock: Socket::from_owned(b.into()),
            },
        ))
    }

    /// Sets the default destination of [`send`](UnixDatagram::send) and
    /// the only source [`recv`](UnixDatagram::recv) accepts. Never blocks.
    ///
    /// # Errors
    ///
    /// `connect`'s error (e.g. `NotFound`).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-dc", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = zio::net::UnixDatagram::bind(&path)?;
    /// let client = zio::net::UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.sock.sock().connect(&SockAddr::unix(path)?)
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` without a peer; `ConnectionRefused` if the peer is
    /// gone.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future cancels the send; the datagram may still have
    /// gone out.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (a, _b) = zio::net::UnixDatagram::pair()?;
    /// let (n, _) = a.send(b"hi".to_vec()).await;
    /// assert_eq!(n?, 2);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn send<B: IoBuf>(&self, buf: B) -> (io::Result<usize>, B) {
        self.sock.send(buf).await
    }

    /// Receives a datagram into the buffer's spare capacity.
    ///
    /// # Errors
    ///
    /// The socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no datagram is lost. Dropping the future cancels the
    /// receive; if it received a datagram all the same (it completed after
    /// the future's last poll, or before the cancel reached another
    /// thread's ring), the socket keeps that datagram, with its sender (the
    /// connected peer), and the next receive gets it first (async or
    /// blocking). On a socket that is not connected the sender is not
    /// known: a `recv_from` that gets such a datagram reports it from the
    /// unspecified address (an unnamed one for a Unix socket).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (a, b) = zio::net::UnixDatagram::pair()?;
    /// a.send(b"hi".to_vec()).await.0?;
    /// let (n, buf) = b.recv(Vec::with_capacity(8)).await;
    /// assert_eq!(&buf[..n?], b"hi");
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn recv<B: IoBufMut>(&self, buf: B) -> (io::Result<usize>, B) {
        self.sock.recv(buf).await
    }

    /// Sends a datagram to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` or `ConnectionRefused` if nobody is bound there.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](UnixDatagram::send).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-st", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = zio::net::UnixDatagram::bind(&path)?;
    /// let client = zio::net::UnixDatagram::unbound()?;
    /// let (n, _) = client.send_to(b"hi".to_vec(), &path).await;
    /// assert_eq!(n?, 2);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn send_to<B: IoBuf>(
        &self,
        buf: B,
        path: impl AsRef<Path>,
    ) -> (io::Result<usize>, B) {
        let addr = match SockAddr::unix(path) {
            Ok(a) => a,
            Err(e) => return (Err(e), buf),
        };
        let (res, mut bufs) = self.sock.sendmsg(vec![buf], Some(addr)).await;
        (res, bufs.pop().expect("one buffer"))
    }

    /// Receives a datagram and its sender's address.
    ///
    /// # Errors
    ///
    /// The socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](UnixDatagram::recv); a kept datagram keeps
    /// its sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let dir = std::env::temp_dir();
    /// # let (pa, pb) = (dir.join(format!("zio-doc-{}-ra", std::process::id())), dir.join(format!("zio-doc-{}-rb", std::process::id())));
    /// # let _ = (std::fs::remove_file(&pa), std::fs::remove_file(&pb));
    /// let a = zio::net::UnixDatagram::bind(&pa)?;
    /// let b = zio::net::UnixDatagram::bind(&pb)?;
    /// a.send_to(b"hi".to_vec(), &pb).await.0?;
    /// let (res, _buf) = b.recv_from(Vec::with_capacity(8)).await;
    /// let (n, from) = res?;
    /// assert_eq!(from.as_pathname(), Some(pa.as_path()));
    /// # std::fs::remove_file(&pa)?; std::fs::remove_file(&pb)?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn recv_from<B: IoBufMut>(&self, buf: B) -> (io::Result<(usize, SocketAddr)>, B) {
        let (res, mut bufs) = self.sock.recvmsg(vec![buf]).await;
        let buf = bufs.pop().expect("one buffer");
        (res.and_then(|(n, a)| Ok((n, to_unix(&a)?))), buf)
    }

    /// Sends to the connected peer, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`send`](UnixDatagram::send).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = zio::net::UnixDatagram::pair()?;
    /// assert_eq!(a.blocking_send(b"hi")?, 2);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.sock.blocking_send(buf)
    }

    /// Receives a datagram, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`recv`](UnixDatagram::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = zio::net::UnixDatagram::pair()?;
    /// a.blocking_send(b"hi")?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.blocking_recv(&mut buf)?, 2);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.sock.blocking_recv(buf)
    }

    /// Sends to the socket at `path`, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`send_to`](UnixDatagram::send_to).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("zio-doc-{}-bst", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = zio::net::UnixDatagram::bind(&path)?;
    /// let client = zio::net::UnixDatagram::unbound()?;
    /// assert_eq!(client.blocking_send_to(b"hi", &path)?, 2);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        self.sock.blocking_send_to(buf, &SockAddr::unix(path)?)
    }

    /// Receives a datagram and its sender, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UnixDatagram::recv_from).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = zio::net::UnixDatagram::pair()?;
    /// a.blocking_send(b"hi")?;
    /// let mut buf = [0u8; 8];
    /// let (n, _from) = b.blocking_recv_from(&mut buf)?;
    /// assert_eq!(n, 2);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.sock.blocking_recv_from(buf)?;
        Ok((n, to_unix(&addr)?))
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
    /// let sock = zio::net::UnixDatagram::unbound()?;
    /// assert!(sock.local_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().local_addr()?)
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` without a peer.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = zio::net::UnixDatagram::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_unix(&self.sock.sock().peer_addr()?)
    }

    /// Adopts a std socket (put in blocking mode).
    ///
    /// # Errors
    ///
    /// `fcntl`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let std = std::os::unix::net::UnixDatagram::unbound()?;
    /// let sock = zio::net::UnixDatagram::from_std(std)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn from_std(sock: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            sock: Socket::from_std(sock.into(), false)?,
        })
    }

    /// The std socket (blocking); a duplicate of the descriptor if a
    /// cancelled op still holds it.
    ///
    /// # Errors
    ///
    /// `dup`'s error, in that case.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = zio::net::UnixDatagram::unbound()?;
    /// let std = sock.into_std()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        Ok(self.sock.into_owned()?.into())
    }
}

fd_impls!(UnixDatagram);

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("fd", &self.sock.raw())
            .finish()
    }
}
