//! `UdpSocket`.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use socket2::{Domain, SockAddr, Type};

use crate::io::{IoBuf, IoBufMut};
use crate::net::addr::{each_addr, each_addr_blocking, resolve, resolve_blocking, ToSocketAddrs};
use crate::net::socket::Socket;
use crate::net::tcp::to_inet;

/// A UDP socket.
///
/// Async owned-buffer calls (`send`, `recv`, `send_to`, `recv_from`) work
/// on a zio runtime and under any other executor (zio's fallback driver);
/// on plain threads the `blocking_*` methods are ordinary blocking
/// syscalls (see the [module docs](crate::net)).
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// use zio::net::UdpSocket;
///
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"ping".to_vec(), b.local_addr()?).await.0?;
/// let (res, buf) = b.recv_from(Vec::with_capacity(64)).await;
/// let (n, from) = res?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub struct UdpSocket {
    pub(crate) sock: Socket,
}

impl UdpSocket {
    /// Binds a socket to `addr` (trying each address it resolves to).
    ///
    /// # Errors
    ///
    /// The last address's error (`AddrInUse`...), or the resolver's.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let sock = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        each_addr(resolve(addr).await?, |a| async move { Self::bind_addr(a) }).await
    }

    /// As [`bind`](UdpSocket::bind), resolving on the calling thread.
    ///
    /// # Errors
    ///
    /// As [`bind`](UdpSocket::bind).
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        each_addr_blocking(resolve_blocking(addr)?, Self::bind_addr)
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<UdpSocket> {
        let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, false)?;
        sock.sock().bind(&SockAddr::from(addr))?;
        Ok(UdpSocket { sock })
    }

    /// Sets the default destination of [`send`](UdpSocket::send) and the
    /// only source [`recv`](UdpSocket::recv) accepts (the first address
    /// `addr` resolves to that works).
    ///
    /// # Errors
    ///
    /// `connect`'s error, or the resolver's.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let a = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let addrs = resolve(addr).await?;
        each_addr_blocking(addrs, |a| self.sock.sock().connect(&SockAddr::from(a)))
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` without [`connect`](UdpSocket::connect);
    /// `ConnectionRefused` if an earlier datagram was refused by the peer.
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
    /// # let a = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// let (n, _) = a.send(b"hi".to_vec()).await;
    /// assert_eq!(n?, 2);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn send<B: IoBuf>(&self, buf: B) -> (io::Result<usize>, B) {
        self.sock.send(buf).await
    }

    /// Receives a datagram from the connected peer into the buffer's spare
    /// capacity (a longer datagram is truncated).
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
    /// # let a = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"hi".to_vec(), b.local_addr()?).await.0?;
    /// let (n, buf) = b.recv(Vec::with_capacity(16)).await;
    /// assert_eq!(&buf[..n?], b"hi");
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn recv<B: IoBufMut>(&self, buf: B) -> (io::Result<usize>, B) {
        self.sock.recv(buf).await
    }

    /// Sends a datagram to `target` (the first address it resolves to).
    ///
    /// # Errors
    ///
    /// The socket's error, or the resolver's.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](UdpSocket::send).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let a = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let (n, _) = a.send_to(b"hi".to_vec(), b.local_addr()?).await;
    /// assert_eq!(n?, 2);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn send_to<B: IoBuf, A: ToSocketAddrs>(
        &self,
        buf: B,
        target: A,
    ) -> (io::Result<usize>, B) {
        let addr = match resolve(target).await {
            Ok(addrs) => match addrs.into_iter().next() {
                Some(a) => a,
                None => {
                    let e = io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send to");
                    return (Err(e), buf);
                }
            },
            Err(e) => return (Err(e), buf),
        };
        let (res, mut bufs) = self
            .sock
            .sendmsg(vec![buf], Some(SockAddr::from(addr)))
            .await;
        (res, bufs.pop().expect("one buffer"))
    }

    /// Receives a datagram into the buffer's spare capacity; returns its
    /// length and sender.
    ///
    /// # Errors
    ///
    /// The socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](UdpSocket::recv); a kept datagram keeps its
    /// sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let a = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = zio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"hi".to_vec(), b.local_addr()?).await.0?;
    /// let (res, buf) = b.recv_from(Vec::with_capacity(16)).await;
    /// let (n, from) = res?;
    /// assert_eq!(from, a.local_addr()?);
    /// # Ok::<_, std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn recv_from<B: IoBufMut>(&self, buf: B) -> (io::Result<(usize, SocketAddr)>, B) {
        let (res, mut bufs) = self.sock.recvmsg(vec![buf]).await;
        let buf = bufs.pop().expect("one buffer");
        (res.and_then(|(n, a)| Ok((n, to_inet(&a)?))), buf)
    }

    /// Sends to the connected peer, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`send`](UdpSocket::send).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// let b = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// a.blocking_connect(b.local_addr()?)?;
    /// assert_eq!(a.blocking_send(b"hi")?, 2);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.sock.blocking_send(buf)
    }

    /// Receives from the connected peer, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`recv`](UdpSocket::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// let b = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// b.blocking_connect(a.local_addr()?)?;
    /// a.blocking_send_to(b"hi", b.local_addr()?)?;
    /// let mut buf = [0u8; 16];
    /// assert_eq!(b.blocking_recv(&mut buf)?, 2);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.sock.blocking_recv(buf)
    }

    /// Sends to `target`, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`send_to`](UdpSocket::send_to).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// let b = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// assert_eq!(a.blocking_send_to(b"hi", b.local_addr()?)?, 2);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        each_addr_blocking(resolve_blocking(target)?, |a| {
            self.sock.blocking_send_to(buf, &SockAddr::from(a))
        })
    }

    /// Receives a datagram and its sender, blocking the calling thread.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// let b = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// a.blocking_send_to(b"hi", b.local_addr()?)?;
    /// let mut buf = [0u8; 16];
    /// let (n, from) = b.blocking_recv_from(&mut buf)?;
    /// assert_eq!((n, from), (2, a.local_addr()?));
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.sock.blocking_recv_from(buf)?;
        Ok((n, to_inet(&addr)?))
    }

    /// As [`connect`](UdpSocket::connect), resolving on the calling thread.
    ///
    /// # Errors
    ///
    /// As [`connect`](UdpSocket::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// a.blocking_connect("127.0.0.1:9")?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn blocking_connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        each_addr_blocking(resolve_blocking(addr)?, |a| {
            self.sock.sock().connect(&SockAddr::from(a))
        })
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
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// assert_ne!(a.local_addr()?.port(), 0);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().local_addr()?)
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` without [`connect`](UdpSocket::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// assert!(a.peer_addr().is_err());
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        to_inet(&self.sock.sock().peer_addr()?)
    }

    /// Sets `SO_BROADCAST`.
    ///
    /// # Errors
    ///
    /// `setsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// a.set_broadcast(true)?;
    /// assert!(a.broadcast()?);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.sock.sock().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// `getsockopt`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// assert!(!a.broadcast()?);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.sock.sock().broadcast()
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
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// a.set_ttl(9)?;
    /// assert_eq!(a.ttl()?, 9);
    /// # Ok::<_, std::io::Error>(())
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
    /// let a = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// assert!(a.ttl()? > 0);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.sock.sock().ttl_v4()
    }

    /// Adopts a std socket (put in blocking mode, as zio keeps datagram
    /// sockets).
    ///
    /// # Errors
    ///
    /// `fcntl`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let std = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let sock = zio::net::UdpSocket::from_std(std)?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn from_std(sock: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            sock: Socket::from_std(sock.into(), false)?,
        })
    }

    /// The std socket (blocking). If a cancelled op still holds the
    /// descriptor, a duplicate of it.
    ///
    /// # Errors
    ///
    /// `dup`'s error, in that case.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = zio::net::UdpSocket::blocking_bind("127.0.0.1:0")?;
    /// let std = sock.into_std()?;
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        Ok(self.sock.into_owned()?.into())
    }
}

fd_impls!(UdpSocket);

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("fd", &self.sock.raw())
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
