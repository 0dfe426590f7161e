//! `from_std` and `into_std` on every socket type that has them
//! (`TcpListener`, `TcpStream`, `UdpSocket`, `UnixListener`, `UnixStream`,
//! `UnixDatagram`), and the socket options that survive a conversion.
//!
//! - Listeners: a blocking std listener adopted with `from_std` is made
//!   nonblocking, so an `accept` with no client waits instead of blocking
//!   the thread: its first poll is pending, and a connect polled afterwards
//!   by the same task (on the same thread) completes it. `into_std` hands
//!   back the same descriptor, nonblocking as documented (a std `accept`
//!   with no client says `WouldBlock`); in blocking mode a std client and a
//!   std `accept` work on it. `from_std` again on that descriptor (which
//!   the epoll backend has registered already) accepts asynchronously
//!   again.
//! - Connections (both stream types and both datagram types): bytes the
//!   peer sent before `from_std` are read after it, a pending read
//!   completes when the peer sends, bytes sent both ways before `into_std`
//!   are read after it; `from_std` puts a nonblocking socket in blocking
//!   mode and `into_std` hands it back blocking, on the same descriptor: a
//!   std read that must wait for the peer does. `from_std` again on the
//!   descriptor works the same; `into_std` right after a cancelled read
//!   gives the same connection, blocking, carrying data both ways (what
//!   the peer sends is checked only once the cancelled op let go of the
//!   socket: until then it may take those bytes, see `until_released`).
//!   On the stream types, `into_std` after a tokio `AsyncRead` left a
//!   readiness poll armed gives the same connection too, losing nothing.
//! - Errors, as documented: `from_std` of a listener that does not listen
//!   succeeds; its `accept` and `blocking_accept` return the kernel's
//!   `EINVAL`, a connect to it `ConnectionRefused`, and after `listen` it
//!   accepts. A stream adopted after its peer closed reads the peer's last
//!   bytes, then end of stream (`Ok(0)`, `read_exact`'s `UnexpectedEof`),
//!   and its writes fail with `BrokenPipe` or `ConnectionReset`; a TCP
//!   stream whose peer reset reads `ConnectionReset`.
//! - Options: `set_nodelay`/`nodelay` against `getsockopt(TCP_NODELAY)`
//!   on connected streams (off by default on a zio-connected one), and
//!   `TCP_NODELAY`, `IP_TTL` and `SO_BROADCAST` set on either side of a
//!   conversion, seen on the other.
//!
//! Each scenario runs in four places: a zio current-thread runtime, a task
//! spawned on a 2-worker zio runtime, `futures::executor::block_on` and a
//! tokio current-thread runtime (the last two with no zio runtime: zio's
//! fallback driver serves the ops). Written for every backend: CI runs
//! this file with `ZIO_BACKEND=uring` and `ZIO_BACKEND=epoll`.

mod common;
use common::{current_rt, multi_rt, tcp_pair, watchdog};

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::PathBuf;
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use socket2::{Domain, SockAddr, SockRef, Type};
use zio::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};

// ----- where a scenario runs -----

#[derive(Clone, Copy, Debug)]
enum Context {
    ZioCurrentThread,
    ZioMultiThread,
    FuturesBlockOn,
    TokioCurrentThread,
}

/// Runs `scenario` in `context`, under the watchdog.
fn run<F>(name: &'static str, context: Context, scenario: fn() -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    watchdog(name, move || match context {
        Context::ZioCurrentThread => current_rt().block_on(scenario()),
        Context::ZioMultiThread => {
            let rt = multi_rt(2);
            let task = rt.handle().spawn(scenario());
            rt.block_on(task).expect("the scenario's task");
        }
        Context::FuturesBlockOn => futures::executor::block_on(scenario()),
        Context::TokioCurrentThread => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a tokio current-thread runtime")
            .block_on(scenario()),
    });
}

/// A module per scenario with one `#[test]` per [`Context`].
macro_rules! in_every_context {
    ($($name:ident: $scenario:expr;)*) => {$(
        mod $name {
            use super::*;

            fn go(context: Context, name: &'static str) {
                run(name, context, $scenario);
            }

            #[test]
            fn zio_current_thread() {
                go(Context::ZioCurrentThread, concat!(stringify!($name), "::zio_current_thread"));
            }

            #[test]
            fn zio_multi_thread() {
                go(Context::ZioMultiThread, concat!(stringify!($name), "::zio_multi_thread"));
            }

            #[test]
            fn futures_block_on() {
                go(Context::FuturesBlockOn, concat!(stringify!($name), "::futures_block_on"));
            }

            #[test]
            fn tokio_current_thread() {
                go(Context::TokioCurrentThread, concat!(stringify!($name), "::tokio_current_thread"));
            }
        }
    )*};
}

in_every_context! {
    tcp_listener: listener_round_trip::<TcpListener>;
    unix_listener: listener_round_trip::<UnixListener>;
    tcp_listener_not_listening: listener_not_listening::<TcpListener>;
    unix_listener_not_listening: listener_not_listening::<UnixListener>;
    tcp_stream: conn_round_trip::<TcpStream>;
    unix_stream: conn_round_trip::<UnixStream>;
    udp_socket: conn_round_trip::<UdpSocket>;
    unix_datagram: conn_round_trip::<UnixDatagram>;
    tcp_stream_armed_poll: into_std_with_armed_poll::<TcpStream>;
    unix_stream_armed_poll: into_std_with_armed_poll::<UnixStream>;
    tcp_stream_after_peer_closed: stream_after_peer_closed::<TcpStream>;
    unix_stream_after_peer_closed: stream_after_peer_closed::<UnixStream>;
    tcp_stream_after_peer_reset: tcp_stream_after_peer_reset;
    tcp_options: tcp_options;
    udp_options: udp_options;
}

// ----- the socket types, seen alike -----

/// A zio socket type with a std counterpart.
trait Convert: AsFd + Sized + Send + Sync + 'static {
    type Std: AsFd + Send + Sync + 'static;
    fn from_std(s: Self::Std) -> io::Result<Self>;
    fn into_std(self) -> io::Result<Self::Std>;
}

/// A connection (a stream, or a connected datagram socket) and the calls
/// the scenarios make on it, through zio and through std.
trait Conn: Convert {
    /// A connected std pair `(peer, mine)`, in blocking mode.
    fn std_pair() -> io::Result<(Self::Std, Self::Std)>;
    /// Sends all of `msg` (one datagram on a datagram socket).
    fn send(&self, msg: &[u8]) -> impl Future<Output = io::Result<()>> + Send + '_;
    /// Receives `len` bytes (a stream's `read_exact`; a datagram socket's
    /// next datagram, whatever its size).
    fn recv(&self, len: usize) -> impl Future<Output = io::Result<Vec<u8>>> + Send + '_;
    fn std_send(s: &Self::Std, msg: &[u8]) -> io::Result<()>;
    fn std_recv(s: &Self::Std, len: usize) -> io::Result<Vec<u8>>;
}

/// The stream types' single `read` and `write`, and their tokio traits.
trait StreamConn: Conn + tokio::io::AsyncRead + Unpin {
    fn read_some(&self, cap: usize) -> impl Future<Output = io::Result<usize>> + Send + '_;
    fn write_some(&self, data: &[u8]) -> impl Future<Output = io::Result<usize>> + Send + '_;
}

/// A listener, the connections it accepts and how clients reach it.
trait Listener: Convert {
    type Conn: Conn;
    type Addr: Clone + Send + Sync + 'static;
    /// A bound std listener (listening if `listen`) and its address.
    fn std_bind(listen: bool) -> io::Result<Bound<Self>>;
    fn accept(&self) -> impl Future<Output = io::Result<Self::Conn>> + Send + '_;
    fn blocking_accept(&self) -> io::Result<Self::Conn>;
    fn connect(addr: &Self::Addr) -> impl Future<Output = io::Result<Self::Conn>> + Send + 'static;
    fn std_accept(l: &Self::Std) -> io::Result<<Self::Conn as Convert>::Std>;
    fn std_connect(addr: &Self::Addr) -> io::Result<<Self::Conn as Convert>::Std>;
}

/// A bound std listener; `_dir` holds a Unix socket's file.
struct Bound<L: Listener> {
    std: L::Std,
    addr: L::Addr,
    _dir: Option<tempfile::TempDir>,
}

macro_rules! convert {
    ($t:ty, $std:ty) => {
        impl Convert for $t {
            type Std = $std;
            fn from_std(s: $std) -> io::Result<Self> {
                <$t>::from_std(s)
            }
            fn into_std(self) -> io::Result<$std> {
                <$t>::into_std(self)
            }
        }
    };
}

macro_rules! stream_conn {
    ($t:ty, $std:ty, $pair:path) => {
        convert!($t, $std);

        impl Conn for $t {
            fn std_pair() -> io::Result<($std, $std)> {
                $pair()
            }
            fn send(&self, msg: &[u8]) -> impl Future<Output = io::Result<()>> + Send + '_ {
                let msg = msg.to_vec();
                async move { <$t>::write_all(self, msg).await.0 }
            }
            fn recv(&self, len: usize) -> impl Future<Output = io::Result<Vec<u8>>> + Send + '_ {
                async move {
                    let (res, buf) = <$t>::read_exact(self, Vec::with_capacity(len)).await;
                    res.map(|()| buf)
                }
            }
            fn std_send(s: &$std, msg: &[u8]) -> io::Result<()> {
                Write::write_all(&mut &*s, msg)
            }
            fn std_recv(s: &$std, len: usize) -> io::Result<Vec<u8>> {
                let mut buf = vec![0; len];
                Read::read_exact(&mut &*s, &mut buf)?;
                Ok(buf)
            }
        }

        impl StreamConn for $t {
            fn read_some(&self, cap: usize) -> impl Future<Output = io::Result<usize>> + Send + '_ {
                async move { <$t>::read(self, Vec::with_capacity(cap)).await.0 }
            }
            fn write_some(
                &self,
                data: &[u8],
            ) -> impl Future<Output = io::Result<usize>> + Send + '_ {
                let data = data.to_vec();
                async move { <$t>::write(self, data).await.0 }
            }
        }
    };
}

/// Room past the expected datagram, so that a longer one shows.
const SLACK: usize = 64;

macro_rules! datagram_conn {
    ($t:ty, $std:ty, $pair:path) => {
        convert!($t, $std);

        impl Conn for $t {
            fn std_pair() -> io::Result<($std, $std)> {
                $pair()
            }
            fn send(&self, msg: &[u8]) -> impl Future<Output = io::Result<()>> + Send + '_ {
                let msg = msg.to_vec();
                async move {
                    let len = msg.len();
                    let (res, _) = <$t>::send(self, msg).await;
                    whole_datagram(res?, len)
                }
            }
            fn recv(&self, len: usize) -> impl Future<Output = io::Result<Vec<u8>>> + Send + '_ {
                async move {
                    let (res, mut buf) = <$t>::recv(self, Vec::with_capacity(len + SLACK)).await;
                    buf.truncate(res?);
                    Ok(buf)
                }
            }
            fn std_send(s: &$std, msg: &[u8]) -> io::Result<()> {
                whole_datagram(s.send(msg)?, msg.len())
            }
            fn std_recv(s: &$std, len: usize) -> io::Result<Vec<u8>> {
                let mut buf = vec![0; len + SLACK];
                let n = s.recv(&mut buf)?;
                buf.truncate(n);
                Ok(buf)
            }
        }
    };
}

macro_rules! listener {
    ($t:ty, $std:ty, $conn:ty, $addr:ty, $bind:path) => {
        convert!($t, $std);

        impl Listener for $t {
            type Conn = $conn;
            type Addr = $addr;
            fn std_bind(listen: bool) -> io::Result<Bound<Self>> {
                $bind(listen)
            }
            fn accept(&self) -> impl Future<Output = io::Result<$conn>> + Send + '_ {
                async move { Ok(<$t>::accept(self).await?.0) }
            }
            fn blocking_accept(&self) -> io::Result<$conn> {
                Ok(<$t>::blocking_accept(self)?.0)
            }
            fn connect(addr: &$addr) -> impl Future<Output = io::Result<$conn>> + Send + 'static {
                let addr = addr.clone();
                async move { <$conn>::connect(addr).await }
            }
            fn std_accept(l: &$std) -> io::Result<<$conn as Convert>::Std> {
                Ok(l.accept()?.0)
            }
            fn std_connect(addr: &$addr) -> io::Result<<$conn as Convert>::Std> {
                <<$conn as Convert>::Std>::connect(addr)
            }
        }
    };
}

stream_conn!(TcpStream, std::net::TcpStream, tcp_std_pair);
stream_conn!(
    UnixStream,
    std::os::unix::net::UnixStream,
    std::os::unix::net::UnixStream::pair
);
datagram_conn!(UdpSocket, std::net::UdpSocket, udp_std_pair);
datagram_conn!(
    UnixDatagram,
    std::os::unix::net::UnixDatagram,
    std::os::unix::net::UnixDatagram::pair
);
listener!(
    TcpListener,
    std::net::TcpListener,
    TcpStream,
    SocketAddr,
    tcp_bind
);
listener!(
    UnixListener,
    std::os::unix::net::UnixListener,
    UnixStream,
    PathBuf,
    unix_bind
);
fn whole_datagram(sent: usize, len: usize) -> io::Result<()> {
    if sent == len {
        Ok(())
    } else {
        Err(io::Error::other(format!("sent {sent} of {len} bytes")))
    }
}

fn tcp_std_pair() -> io::Result<(std::net::TcpStream, std::net::TcpStream)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (mine, _) = listener.accept()?;
    Ok((peer, mine))
}

fn udp_std_pair() -> io::Result<(std::net::UdpSocket, std::net::UdpSocket)> {
    let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    let mine = std::net::UdpSocket::bind("127.0.0.1:0")?;
    peer.connect(mine.local_addr()?)?;
    mine.connect(peer.local_addr()?)?;
    Ok((peer, mine))
}

/// A blocking stream socket bound to `addr`, listening if `listen`.
fn bound_socket(domain: Domain, addr: &SockAddr, listen: bool) -> io::Result<socket2::Socket> {
    let sock = socket2::Socket::new(domain, Type::STREAM, None)?;
    sock.bind(addr)?;
    if listen {
        sock.listen(128)?;
    }
    Ok(sock)
}

fn tcp_bind(listen: bool) -> io::Result<Bound<TcpListener>> {
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let std: std::net::TcpListener = bound_socket(Domain::IPV4, &any_port.into(), listen)?.into();
    let addr = std.local_addr()?;
    Ok(Bound {
        std,
        addr,
        _dir: None,
    })
}

fn unix_bind(listen: bool) -> io::Result<Bound<UnixListener>> {
    let dir = tempfile::tempdir()?;
    let addr = dir.path().join("listener.sock");
    let std = bound_socket(Domain::UNIX, &SockAddr::unix(&addr)?, listen)?.into();
    Ok(Bound {
        std,
        addr,
        _dir: Some(dir),
    })
}

// ----- small steps -----

fn is_nonblocking(sock: &impl AsFd) -> bool {
    // SAFETY: F_GETFL reads the flags of a descriptor the borrow keeps open.
    let flags = unsafe { libc::fcntl(sock.as_fd().as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "F_GETFL: {}", io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

fn set_nonblocking(sock: &impl AsFd, on: bool) {
    SockRef::from(sock).set_nonblocking(on).unwrap();
    assert_eq!(is_nonblocking(sock), on);
}

/// Asserts that `sock` is descriptor `fd` and in the mode `after` (the
/// conversion just made) is documented to leave it in.
fn assert_fd_and_mode(sock: &impl AsFd, fd: RawFd, nonblocking: bool, after: &str) {
    assert_eq!(sock.as_fd().as_raw_fd(), fd, "{after} keeps the descriptor");
    assert_eq!(
        is_nonblocking(sock),
        nonblocking,
        "{after} leaves the socket nonblocking: {nonblocking}"
    );
}

/// An integer socket option, read with `getsockopt(2)`.
fn sockopt(sock: &impl AsFd, level: libc::c_int, name: libc::c_int) -> libc::c_int {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes and `len` is the size
    // of `value`; the borrow keeps the descriptor open.
    let ret = unsafe {
        libc::getsockopt(
            sock.as_fd().as_raw_fd(),
            level,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    assert_eq!(ret, 0, "getsockopt: {}", io::Error::last_os_error());
    value
}

/// What descriptor `fd` names (`st_dev`, `st_ino`), if it is open: tells a
/// socket from another file that took its number.
fn identity(fd: RawFd) -> Option<(u64, u64)> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes one `stat` into memory valid for it, or fails
    // (EBADF for a closed number) and writes nothing.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: fstat succeeded, so it initialized `st`.
    let st = unsafe { st.assume_init() };
    Some((st.st_dev, st.st_ino))
}

/// Lets the executor run until descriptor `fd` no longer names `socket`.
///
/// After a receive future is dropped, `into_std` hands out a duplicate
/// while the cancelled op still holds the original descriptor, which
/// closes when the op's driver has handled the cancel. Until then the op
/// is still armed and takes bytes the peer sends, even bytes sent after
/// the future was dropped and the socket converted: with the fallback
/// driver (any foreign executor) and on a multi-thread runtime, on both
/// backends, such a byte is lost now and then. That window is wider than
/// the "completed in the same instant" one `read`'s cancel-safety docs
/// allow (a known gap, not what this file tests), so the check of what
/// arrives after a cancel waits here first.
async fn until_released(fd: RawFd, socket: (u64, u64)) {
    while identity(fd) == Some(socket) {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if std::mem::replace(&mut yielded, true) {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Polls `fut` once and asserts it waits (rather than completing, or
/// blocking the thread, which the watchdog would report).
async fn assert_pending<F: Future>(fut: Pin<&mut F>, what: &str) {
    assert!(futures::poll!(fut).is_pending(), "{what}: must wait");
}

fn assert_errno<T>(res: io::Result<T>, errno: i32, what: &str) {
    match res {
        Ok(_) => panic!("{what}: succeeded, expected errno {errno}"),
        Err(e) => assert_eq!(e.raw_os_error(), Some(errno), "{what}: {e}"),
    }
}

fn assert_kind<T>(res: io::Result<T>, kinds: &[io::ErrorKind], what: &str) {
    match res {
        Ok(_) => panic!("{what}: succeeded, expected one of {kinds:?}"),
        Err(e) => assert!(kinds.contains(&e.kind()), "{what}: {e} ({:?})", e.kind()),
    }
}

async fn expect_recv<C: Conn>(conn: &C, msg: &[u8]) {
    assert_eq!(conn.recv(msg.len()).await.expect("zio recv"), msg);
}

fn expect_std_recv<C: Conn>(s: &C::Std, msg: &[u8]) {
    assert_eq!(C::std_recv(s, msg.len()).expect("std recv"), msg);
}

/// A zio receive waits first, then gets what the peer sends meanwhile.
async fn recv_while_pending<C: Conn>(conn: &C, peer: &C::Std, msg: &[u8]) {
    let mut recv = pin!(conn.recv(msg.len()));
    assert_pending(recv.as_mut(), "a zio receive with nothing sent").await;
    C::std_send(peer, msg).unwrap();
    assert_eq!(recv.await.expect("zio recv"), msg);
}

/// A std receive in blocking mode waits for the peer, which sends from
/// another thread a moment later (in nonblocking mode the receive would
/// fail with `WouldBlock`).
fn std_recv_waits<C: Conn>(mine: &C::Std, peer: &C::Std, msg: &[u8]) {
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            C::std_send(peer, msg).unwrap();
        });
        expect_std_recv::<C>(mine, msg);
    });
}

/// Messages both ways through zio.
async fn exchange<C: Conn>(a: &C, b: &C) {
    a.send(b"ping").await.unwrap();
    expect_recv(b, b"ping").await;
    b.send(b"pong").await.unwrap();
    expect_recv(a, b"pong").await;
}

/// Messages both ways through std.
fn std_exchange<C: Conn>(a: &C::Std, b: &C::Std) {
    C::std_send(a, b"ping").unwrap();
    expect_std_recv::<C>(b, b"ping");
    C::std_send(b, b"pong").unwrap();
    expect_std_recv::<C>(a, b"pong");
}

/// An accept with no client waits without blocking the thread: its first
/// poll is pending, and a connect polled after it by the same task
/// completes it. Then the connection carries data both ways.
async fn accept_while_pending<L: Listener>(listener: &L, addr: &L::Addr) {
    let mut accept = pin!(listener.accept());
    assert_pending(accept.as_mut(), "an accept with no client").await;
    let (server, client) = futures::join!(accept, L::connect(addr));
    let (server, client) = (server.expect("accept"), client.expect("connect"));
    exchange(&client, &server).await;
}

// ----- scenarios -----

/// std → zio → std → zio on one listening descriptor.
async fn listener_round_trip<L: Listener>() {
    let Bound { std, addr, _dir } = L::std_bind(true).unwrap();
    let fd = std.as_fd().as_raw_fd();
    assert!(!is_nonblocking(&std), "a std listener starts blocking");
    let listener = L::from_std(std).unwrap();
    assert_fd_and_mode(&listener, fd, true, "from_std");
    accept_while_pending(&listener, &addr).await;

    let std = listener.into_std().unwrap();
    assert_fd_and_mode(&std, fd, true, "into_std");
    assert_kind(
        L::std_accept(&std),
        &[io::ErrorKind::WouldBlock],
        "a std accept with no client on the nonblocking listener",
    );
    set_nonblocking(&std, false);
    let client = L::std_connect(&addr).unwrap();
    let server = L::std_accept(&std).unwrap();
    std_exchange::<L::Conn>(&client, &server);

    // The descriptor zio saw before (epoll: still registered under it).
    let listener = L::from_std(std).unwrap();
    assert_fd_and_mode(&listener, fd, true, "from_std again");
    accept_while_pending(&listener, &addr).await;
}

/// A bound socket that does not listen: adopting it works (only the mode
/// is set); accepting on it is the kernel's error; after `listen` it is a
/// working listener.
async fn listener_not_listening<L: Listener>() {
    let Bound { std, addr, _dir } = L::std_bind(false).unwrap();
    let listener = L::from_std(std).expect("from_std of a socket that does not listen");
    assert_errno(listener.accept().await, libc::EINVAL, "accept");
    assert_errno(listener.blocking_accept(), libc::EINVAL, "blocking_accept");
    assert_kind(
        L::connect(&addr).await,
        &[io::ErrorKind::ConnectionRefused],
        "connect to a socket that does not listen",
    );
    SockRef::from(&listener).listen(128).unwrap();
    accept_while_pending(&listener, &addr).await;
}

/// std → zio → std → zio → std on one connection, nothing lost at any
/// conversion.
async fn conn_round_trip<C: Conn>() {
    let (peer, mine) = C::std_pair().unwrap();
    let fd = mine.as_fd().as_raw_fd();
    set_nonblocking(&mine, true);
    C::std_send(&peer, b"sent before from_std").unwrap();
    let conn = C::from_std(mine).unwrap();
    assert_fd_and_mode(&conn, fd, false, "from_std");
    expect_recv(&conn, b"sent before from_std").await;
    recv_while_pending(&conn, &peer, b"sent while zio waited").await;
    conn.send(b"sent by zio before into_std").await.unwrap();
    C::std_send(&peer, b"sent before into_std").unwrap();

    let mine = conn.into_std().unwrap();
    assert_fd_and_mode(&mine, fd, false, "into_std");
    expect_std_recv::<C>(&mine, b"sent before into_std");
    expect_std_recv::<C>(&peer, b"sent by zio before into_std");
    std_recv_waits::<C>(&mine, &peer, b"sent while std waited");
    std_exchange::<C>(&mine, &peer);
    C::std_send(&peer, b"sent before the second from_std").unwrap();

    // The descriptor zio saw before (epoll: still registered under it).
    let conn = C::from_std(mine).unwrap();
    assert_fd_and_mode(&conn, fd, false, "from_std again");
    expect_recv(&conn, b"sent before the second from_std").await;
    recv_while_pending(&conn, &peer, b"sent while zio waited again").await;
    conn.send(b"sent by zio again").await.unwrap();
    expect_std_recv::<C>(&peer, b"sent by zio again");

    // Right after a cancelled receive: the std socket is the same
    // connection (a duplicate descriptor if the cancel is on its way).
    let socket = identity(fd).expect("the socket's identity");
    assert_pending(pin!(conn.recv(8)), "a zio receive with nothing sent").await;
    let mine = conn.into_std().unwrap();
    assert!(!is_nonblocking(&mine), "into_std after a cancel: blocking");
    C::std_send(&mine, b"sent by std after a cancelled receive").unwrap();
    expect_std_recv::<C>(&peer, b"sent by std after a cancelled receive");
    // While the dropped receive holds the original descriptor, it may
    // still take what the peer sends (see `until_released`).
    if mine.as_fd().as_raw_fd() != fd {
        until_released(fd, socket).await;
    }
    C::std_send(&peer, b"sent after a cancelled receive").unwrap();
    expect_std_recv::<C>(&mine, b"sent after a cancelled receive");
    std_exchange::<C>(&mine, &peer);
}

/// `into_std` while the tokio `AsyncRead` impl has a readiness poll armed
/// (its read future was dropped pending): the poll is cancelled, and the
/// std stream is the same connection, blocking.
async fn into_std_with_armed_poll<S: StreamConn>() {
    let (peer, mine) = S::std_pair().unwrap();
    let mut stream = S::from_std(mine).unwrap();
    let mut buf = [0u8; 16];
    assert_pending(
        pin!(tokio::io::AsyncReadExt::read(&mut stream, &mut buf)),
        "AsyncRead with nothing sent",
    )
    .await;
    let mine = stream.into_std().unwrap();
    assert!(!is_nonblocking(&mine), "into_std: blocking");
    std_recv_waits::<S>(&mine, &peer, b"sent after the armed poll");
    std_exchange::<S>(&mine, &peer);

    let stream = S::from_std(mine).unwrap();
    recv_while_pending(&stream, &peer, b"back in zio").await;
}

/// Writes until the socket reports the peer gone (the first writes after
/// a FIN may still be taken: the peer answers them with a reset). A
/// socket that never does hangs, and the watchdog says so.
async fn write_until_refused<S: StreamConn>(stream: &S) -> io::Result<usize> {
    loop {
        match stream.write_some(b"x").await {
            Ok(_) => std::thread::sleep(Duration::from_millis(1)),
            err => return err,
        }
    }
}

const PEER_GONE: &[io::ErrorKind] = &[io::ErrorKind::BrokenPipe, io::ErrorKind::ConnectionReset];

/// A stream adopted after its peer sent its last bytes and closed.
async fn stream_after_peer_closed<S: StreamConn>() {
    let (peer, mine) = S::std_pair().unwrap();
    S::std_send(&peer, b"last words").unwrap();
    drop(peer);
    let stream = S::from_std(mine).unwrap();
    expect_recv(&stream, b"last words").await;
    assert_eq!(
        stream.read_some(16).await.expect("read at end of stream"),
        0
    );
    assert_kind(
        stream.recv(1).await,
        &[io::ErrorKind::UnexpectedEof],
        "read_exact at end of stream",
    );
    assert_kind(
        write_until_refused(&stream).await,
        PEER_GONE,
        "write to a closed peer",
    );
}

/// A TCP stream adopted after its peer reset the connection.
async fn tcp_stream_after_peer_reset() {
    let (peer, mine) = tcp_std_pair().unwrap();
    SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(peer);
    let stream = TcpStream::from_std(mine).unwrap();
    assert_kind(
        stream.read_some(16).await,
        &[io::ErrorKind::ConnectionReset],
        "read after a reset",
    );
    assert_kind(
        write_until_refused(&stream).await,
        PEER_GONE,
        "write after a reset",
    );
}

/// Toggles `TCP_NODELAY` through zio and checks it with `getsockopt`.
fn toggle_nodelay(stream: &TcpStream) {
    for on in [true, false, true] {
        stream.set_nodelay(on).unwrap();
        assert_eq!(stream.nodelay().unwrap(), on);
        assert_eq!(
            sockopt(stream, libc::IPPROTO_TCP, libc::TCP_NODELAY) != 0,
            on
        );
    }
}

/// Socket options with a std-side and a zio-side accessor.
trait Ttl {
    fn get_ttl(&self) -> io::Result<u32>;
    fn put_ttl(&self, ttl: u32) -> io::Result<()>;
}

macro_rules! ttl {
    ($($t:ty),*) => {$(
        impl Ttl for $t {
            fn get_ttl(&self) -> io::Result<u32> {
                <$t>::ttl(self)
            }
            fn put_ttl(&self, ttl: u32) -> io::Result<()> {
                <$t>::set_ttl(self, ttl)
            }
        }
    )*};
}

ttl!(
    TcpStream,
    TcpListener,
    UdpSocket,
    std::net::TcpStream,
    std::net::TcpListener,
    std::net::UdpSocket
);

/// `IP_TTL` set through std shows through zio after `from_std`; set
/// through zio, it shows in `getsockopt` and through std after `into_std`.
fn ttl_round_trip<Z: Convert + Ttl>(std: Z::Std)
where
    Z::Std: Ttl,
{
    std.put_ttl(21).unwrap();
    let sock = Z::from_std(std).unwrap();
    assert_eq!(sock.get_ttl().unwrap(), 21);
    sock.put_ttl(22).unwrap();
    assert_eq!(sockopt(&sock, libc::IPPROTO_IP, libc::IP_TTL), 22);
    assert_eq!(sock.into_std().unwrap().get_ttl().unwrap(), 22);
}

async fn tcp_options() {
    // A zio-connected stream starts without TCP_NODELAY.
    let (client, server) = tcp_pair().await;
    assert!(!client.nodelay().unwrap());
    assert_eq!(sockopt(&client, libc::IPPROTO_TCP, libc::TCP_NODELAY), 0);
    toggle_nodelay(&client);
    toggle_nodelay(&server);

    // TCP_NODELAY set on either side of a conversion shows on the other.
    let (_peer, mine) = tcp_std_pair().unwrap();
    mine.set_nodelay(true).unwrap();
    let stream = TcpStream::from_std(mine).unwrap();
    assert!(stream.nodelay().unwrap());
    toggle_nodelay(&stream);
    stream.set_nodelay(false).unwrap();
    assert!(!stream.into_std().unwrap().nodelay().unwrap());

    ttl_round_trip::<TcpStream>(tcp_std_pair().unwrap().1);
    ttl_round_trip::<TcpListener>(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
}

async fn udp_options() {
    ttl_round_trip::<UdpSocket>(udp_std_pair().unwrap().1);

    let (_peer, mine) = udp_std_pair().unwrap();
    mine.set_broadcast(true).unwrap();
    let sock = UdpSocket::from_std(mine).unwrap();
    assert!(sock.broadcast().unwrap());
    sock.set_broadcast(false).unwrap();
    assert_eq!(sockopt(&sock, libc::SOL_SOCKET, libc::SO_BROADCAST), 0);
    assert!(!sock.into_std().unwrap().broadcast().unwrap());
}
