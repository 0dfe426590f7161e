//! Sockets: TCP, UDP and Unix, on io_uring.
//!
//! [`TcpListener`], [`TcpStream`], [`UdpSocket`], [`UnixListener`],
//! [`UnixStream`], [`UnixDatagram`] and [`lookup_host`], named as in
//! `tokio::net` where the concept is the same.
//!
//! # Three ways to use a socket
//!
//! - **Async, owned buffers** (`read(buf)`, `write_all(buf)`, `send_to`,
//!   ...): the buffer is passed by value and comes back with the result,
//!   `(io::Result<usize>, B)`, because the kernel works on it after the
//!   call returns. On a zio runtime each call is one io_uring op on the
//!   worker's ring (or, on the epoll backend, the nonblocking syscall plus
//!   a readiness wait). Polled anywhere else — a plain thread's
//!   `futures::executor::block_on`, a tokio runtime, smol — the op goes to
//!   zio's process-wide fallback driver thread, so it completes
//!   asynchronously and never blocks the foreign executor. No call panics
//!   for lack of a runtime.
//! - **Poll-based traits**: `tokio::io::{AsyncRead, AsyncWrite}` and
//!   `futures_io::{AsyncRead, AsyncWrite}` on the stream types and their
//!   owned halves, for codecs, hyper, `tokio::io::copy`... They work on the
//!   caller's `&mut [u8]` by readiness: no copy, cancel safe. The inherent
//!   owned-buffer `read`/`write` shadow `AsyncReadExt::read` and friends,
//!   so call those as `AsyncReadExt::read(&mut stream, &mut buf)`.
//! - **Blocking, for plain threads**: the std trait where std has one for
//!   the concept, else an inherent `blocking_*` method named after the
//!   async one. So the stream types implement `std::io::Read` and
//!   `std::io::Write` (on `T` and `&T`), and `blocking_connect`,
//!   `blocking_accept`, `blocking_send`, `blocking_recv`,
//!   `blocking_send_to` and `blocking_recv_from` exist where their async
//!   namesakes do. These are ordinary blocking syscalls on the calling
//!   thread (on a zio worker they block the worker: use them on plain
//!   threads or in `spawn_blocking`). Method syntax finds the inherent
//!   async `read`/`write` first; reach the std traits with
//!   `io::Read::read(&mut &stream, ..)`, `BufReader::new(&stream)`,
//!   `io::copy`, `write_all` through `io::Write::write_all(&mut &stream, ..)`.
//!
//! # Socket modes
//!
//! Connected and datagram sockets are kept in blocking mode, listeners in
//! nonblocking mode; `from_std` puts a socket in that mode and `into_std`
//! hands it back so. On Linux 6.18 io_uring waits for `ACCEPT`, `CONNECT`,
//! `RECV`, `SEND`, `RECVMSG` and `SENDMSG` in the kernel whatever the
//! socket's `O_NONBLOCK` (none returned `EAGAIN`); the nonblocking paths
//! use `MSG_DONTWAIT`, and the rare syscalls without such a flag (accept,
//! connect) fall back to a readiness wait when they see `EAGAIN` or
//! `EINPROGRESS`, so older kernels work too.
//!
//! # Cancellation
//!
//! Dropping an owned-buffer future asks the kernel to cancel the op; its
//! buffer stays with the driver until the kernel lets go. If the op
//! completed all the same, its effect stands: bytes sent stay sent; what
//! a read received (a stream's bytes, a whole datagram with its sender)
//! is kept with the socket and handed to its next read, however it reads,
//! so reads lose nothing. Each method's `# Cancel safety` section says
//! which. The poll-based traits have no such window, nor has `accept`: it
//! accepts only by readiness, inside its own call, so a dropped `accept`
//! leaves the connection waiting for the next one (a `CompletionQueue`
//! accept op that completes after its cancel has its connection closed).

mod addr;
#[macro_use]
mod stream_io;
#[macro_use]
mod halves;
pub(crate) mod socket;
pub(crate) mod tcp;
mod udp;
pub(crate) mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{OwnedReadHalf, OwnedWriteHalf, ReuniteError, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};

pub mod unix_split {
    //! The owned halves of a [`UnixStream`](super::UnixStream).
    pub use super::unix::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
}
