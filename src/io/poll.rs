//! `PollRead`/`PollWrite`: zio's own readiness-based poll interface of its
//! stream sockets, for adapters (such as zio-hyper's `ZioIo`) that should
//! not detour through tokio's or futures' traits.
//!
//! It reads into uninitialized memory (as hyper's `ReadBufCursor` and
//! tokio's `ReadBuf` offer it) and writes vectored. The traits are sealed:
//! only zio's stream types implement them, which is what lets a caller rely
//! on `poll_read_uninit` having initialized the bytes it reports.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(crate) mod sealed {
    /// Only zio's stream types implement the poll traits.
    pub trait Sealed {}
}

/// Reading from a zio stream socket by readiness.
///
/// Implemented by `TcpStream`, `tcp::OwnedReadHalf`, `UnixStream` and
/// `unix::OwnedReadHalf`.
///
/// # Cancel safety
///
/// A `Pending` poll has read nothing: dropping the caller's future loses no
/// bytes.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// use std::future::poll_fn;
/// use std::mem::MaybeUninit;
/// use std::pin::Pin;
/// use zio::io::{PollRead, PollWrite};
///
/// let (mut a, mut b) = zio::net::UnixStream::pair().unwrap();
/// let n = poll_fn(|cx| Pin::new(&mut a).poll_write_slice(cx, b"ping")).await.unwrap();
/// assert_eq!(n, 4);
/// let mut buf = [MaybeUninit::<u8>::uninit(); 16];
/// let n = poll_fn(|cx| Pin::new(&mut b).poll_read_uninit(cx, &mut buf)).await.unwrap();
/// // SAFETY: `poll_read_uninit` initialized the first `n` bytes.
/// let got = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
/// assert_eq!(got, b"ping");
/// # });
/// ```
pub trait PollRead: sealed::Sealed {
    /// Tries a nonblocking `recv` into `buf`; on `EAGAIN` arms a readiness
    /// poll that wakes `cx` and returns `Pending`.
    ///
    /// On `Ready(Ok(n))` the first `n` bytes of `buf` are initialized with
    /// the data read (a guarantee callers may rely on in `unsafe` code: the
    /// trait is sealed). `Ok(0)` means the peer closed its write side (or
    /// `buf` is empty).
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
}

/// Writing to a zio stream socket by readiness.
///
/// Implemented by `TcpStream`, `tcp::OwnedWriteHalf`, `UnixStream` and
/// `unix::OwnedWriteHalf`. There is no userspace buffer: nothing to flush.
///
/// # Cancel safety
///
/// A `Pending` poll has written nothing.
pub trait PollWrite: sealed::Sealed {
    /// Tries a nonblocking `send` of `buf`; on `EAGAIN` arms a readiness
    /// poll and returns `Pending`. An error is that very send's.
    fn poll_write_slice(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;

    /// As [`poll_write_slice`](PollWrite::poll_write_slice), gathering
    /// from `bufs` in one `sendmsg`.
    fn poll_write_slices(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;

    /// Shuts the write direction down (`shutdown(SHUT_WR)`; never blocks).
    fn poll_shutdown_write(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}
