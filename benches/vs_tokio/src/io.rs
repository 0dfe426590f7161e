//! The I/O half of the runtime trait: the few TCP and file operations the
//! `echo`, `files` and `batch` workloads need, in one owned-buffer shape
//! for both runtimes. zio's impl is its native owned-buffer API; tokio's wraps
//! `AsyncReadExt` / `AsyncWriteExt` on the same `Vec` (reading into its
//! spare capacity, so neither side zeroes the buffer).
//!
//! Listeners are bound the same way for both (a std listener with a
//! backlog of [`BACKLOG`], handed to the runtime): tokio's own `bind`
//! listens with a backlog of 128, and 512 simultaneous connects overflow
//! it (a dropped SYN costs a 1 s retransmit), which measured the backlog,
//! not the runtime.
//!
//! I/O errors panic: a failed operation fails the benchmark.

use std::future::Future;
use std::io::SeekFrom;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use zio::cq::{CompletionQueue, Op, Output};

use crate::rt::{Rt, TaskSet, Tokio, Zio};

/// TCP and file operations, implemented for zio and for tokio. (zio's
/// types also implement tokio's I/O traits, so its native methods are
/// called by path below: `AsyncReadExt` is in scope for tokio's impl.)
pub trait IoRt {
    /// A TCP listener.
    type Listener: Send + Sync + 'static;
    /// A connected TCP stream.
    type Stream: Unpin + Send + 'static;
    /// A file handle one task reads through with [`IoRt::read_at`].
    type File: Send + 'static;
    /// A stream as hyper's I/O, the way a user of the runtime serves
    /// hyper: tokio's through `hyper_util::rt::TokioIo`, zio's through
    /// zio-hyper's `ZioIo`.
    type HyperIo: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static;

    /// Wraps a stream for hyper.
    fn hyper_io(s: Self::Stream) -> Self::HyperIo;

    /// A listener on `127.0.0.1`, on a port the kernel picks, with a
    /// backlog of [`BACKLOG`].
    fn bind_loopback() -> impl Future<Output = (Self::Listener, SocketAddr)> + Send;

    /// Accepts one connection (`TCP_NODELAY` set).
    fn accept(l: &Self::Listener) -> impl Future<Output = Self::Stream> + Send;

    /// Connects to `addr` (`TCP_NODELAY` set).
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> + Send;

    /// One read into `buf` (cleared first), up to its capacity; returns it
    /// holding the bytes read (empty at end of stream).
    fn read(s: &mut Self::Stream, buf: Vec<u8>) -> impl Future<Output = Vec<u8>> + Send;

    /// Reads until `buf` (cleared first) is full to its capacity.
    fn read_exact(s: &mut Self::Stream, buf: Vec<u8>) -> impl Future<Output = Vec<u8>> + Send;

    /// Writes all of `buf`, and gives it back.
    fn write_all(s: &mut Self::Stream, buf: Vec<u8>) -> impl Future<Output = Vec<u8>> + Send;

    /// `n` handles to the file at `path`, one per reading task. zio opens
    /// it once and shares it (positioned reads need no cursor); tokio opens
    /// it `n` times, as its `File` reads through one cursor, one operation
    /// at a time.
    fn open_files(path: PathBuf, n: usize) -> impl Future<Output = Vec<Self::File>> + Send;

    /// Reads `buf.capacity()` bytes at offset `pos` into `buf` (cleared
    /// first). zio: one `read_at`; tokio: `seek` + `read_exact`.
    fn read_at(f: &mut Self::File, buf: Vec<u8>, pos: u64) -> impl Future<Output = Vec<u8>> + Send;

    /// Reads `size` bytes at each offset of `offsets` from the calling task
    /// alone, keeping `files.len()` reads in flight (one handle each, from
    /// [`IoRt::open_files`]), and calls `each(buf, pos)` on every read as
    /// it completes; returns the count of reads. zio: one
    /// `CompletionQueue`; tokio: a `JoinSet` of `tokio::fs` reads
    /// ([`read_per_task`]).
    fn read_batch<I, F>(
        files: Vec<Self::File>,
        size: usize,
        offsets: I,
        each: F,
    ) -> impl Future<Output = u64> + Send
    where
        I: Iterator<Item = u64> + Send,
        F: FnMut(&[u8], u64) + Send;
}

/// [`IoRt::read_batch`] with one task per read: a `JoinSet` of at most
/// `files.len()` tasks, each reading with [`IoRt::read_at`] through a
/// handle from the pool and handing it back with its buffer, which the
/// next read reuses.
pub async fn read_per_task<R: Rt, I, F>(
    files: Vec<R::File>,
    size: usize,
    mut offsets: I,
    mut each: F,
) -> u64
where
    I: Iterator<Item = u64> + Send,
    F: FnMut(&[u8], u64) + Send,
{
    let mut set = R::JoinSet::new();
    for (f, pos) in files.into_iter().zip(offsets.by_ref()) {
        spawn_read::<R>(&mut set, f, Vec::with_capacity(size), pos);
    }
    let mut done = 0;
    while let Some((f, buf, pos)) = set.join_next().await {
        each(&buf, pos);
        done += 1;
        if let Some(next) = offsets.next() {
            spawn_read::<R>(&mut set, f, buf, next);
        }
    }
    done
}

/// Spawns into `set` a task reading `buf.capacity()` bytes at `pos`
/// through `f`; it returns the handle, the buffer read and `pos`.
fn spawn_read<R: Rt>(
    set: &mut R::JoinSet<(R::File, Vec<u8>, u64)>,
    mut f: R::File,
    buf: Vec<u8>,
    pos: u64,
) {
    set.spawn(async move {
        let buf = R::read_at(&mut f, buf, pos).await;
        (f, buf, pos)
    });
}

/// The listen backlog of every benchmark listener.
pub const BACKLOG: i32 = 1024;

/// A nonblocking std listener on `127.0.0.1`, on a port the kernel picks,
/// with a backlog of [`BACKLOG`], and its address.
pub fn loopback_listener() -> (std::net::TcpListener, SocketAddr) {
    let l = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .expect("bind 127.0.0.1:0");
    // SAFETY: `listen` on a listening socket we own only changes its backlog.
    let rc = unsafe { libc::listen(l.as_raw_fd(), BACKLOG) };
    assert_eq!(rc, 0, "listen: {}", std::io::Error::last_os_error());
    l.set_nonblocking(true).expect("nonblocking listener");
    let addr = l.local_addr().expect("local_addr");
    (l, addr)
}

impl IoRt for Zio {
    type Listener = zio::net::TcpListener;
    type Stream = zio::net::TcpStream;
    type File = Arc<zio::fs::File>;
    type HyperIo = zio_hyper::ZioIo<zio::net::TcpStream>;

    fn hyper_io(s: Self::Stream) -> Self::HyperIo {
        zio_hyper::ZioIo::new(s)
    }

    async fn bind_loopback() -> (Self::Listener, SocketAddr) {
        let (l, addr) = loopback_listener();
        (
            zio::net::TcpListener::from_std(l).expect("zio from_std"),
            addr,
        )
    }

    async fn accept(l: &Self::Listener) -> Self::Stream {
        let (s, _) = l.accept().await.expect("zio accept");
        s.set_nodelay(true).expect("zio nodelay");
        s
    }

    async fn connect(addr: SocketAddr) -> Self::Stream {
        let s = zio::net::TcpStream::connect(addr)
            .await
            .expect("zio connect");
        s.set_nodelay(true).expect("zio nodelay");
        s
    }

    async fn read(s: &mut Self::Stream, mut buf: Vec<u8>) -> Vec<u8> {
        buf.clear();
        let (r, buf) = zio::net::TcpStream::read(s, buf).await;
        let n = r.expect("zio read");
        assert_eq!(buf.len(), n, "zio read: length is not the count read");
        buf
    }

    async fn read_exact(s: &mut Self::Stream, mut buf: Vec<u8>) -> Vec<u8> {
        buf.clear();
        let (r, buf) = zio::net::TcpStream::read_exact(s, buf).await;
        r.expect("zio read_exact");
        buf
    }

    async fn write_all(s: &mut Self::Stream, buf: Vec<u8>) -> Vec<u8> {
        let (r, buf) = zio::net::TcpStream::write_all(s, buf).await;
        r.expect("zio write_all");
        buf
    }

    async fn open_files(path: PathBuf, n: usize) -> Vec<Self::File> {
        let f = Arc::new(zio::fs::File::open(&path).await.expect("zio open"));
        vec![f; n]
    }

    async fn read_at(f: &mut Self::File, mut buf: Vec<u8>, pos: u64) -> Vec<u8> {
        buf.clear();
        let want = buf.capacity();
        let (r, buf) = zio::fs::File::read_at(f, buf, pos).await;
        let n = r.expect("zio read_at");
        assert_eq!(n, want, "zio read_at: short read at {pos}");
        buf
    }

    async fn read_batch<I, F>(
        files: Vec<Self::File>,
        size: usize,
        mut offsets: I,
        mut each: F,
    ) -> u64
    where
        I: Iterator<Item = u64> + Send,
        F: FnMut(&[u8], u64) + Send,
    {
        // The handles are one shared file: its fd stays open while `files`
        // lives, to the end of this function. Each read's token is its
        // offset.
        let fd = files.first().expect("read_batch: no file").as_raw_fd();
        let mut cq: CompletionQueue = CompletionQueue::with_capacity(files.len());
        for pos in offsets.by_ref().take(files.len()) {
            let op = Op::read_at(fd, Vec::with_capacity(size), pos);
            cq.submit(op, pos).expect("zio cq: a free slot");
        }
        let mut done = 0;
        while let Some(c) = cq.wait().await {
            let pos = c.token();
            let Output::Read(r, mut buf) = c.into_output() else {
                unreachable!("only reads are submitted")
            };
            r.expect("zio cq read_at");
            each(&buf, pos);
            done += 1;
            if let Some(next) = offsets.next() {
                buf.clear();
                cq.submit(Op::read_at(fd, buf, next), next)
                    .expect("zio cq: a free slot");
            }
        }
        done
    }
}

impl IoRt for Tokio {
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;
    type File = tokio::fs::File;
    type HyperIo = hyper_util::rt::TokioIo<tokio::net::TcpStream>;

    fn hyper_io(s: Self::Stream) -> Self::HyperIo {
        hyper_util::rt::TokioIo::new(s)
    }

    async fn bind_loopback() -> (Self::Listener, SocketAddr) {
        let (l, addr) = loopback_listener();
        (
            tokio::net::TcpListener::from_std(l).expect("tokio from_std"),
            addr,
        )
    }

    async fn accept(l: &Self::Listener) -> Self::Stream {
        let (s, _) = l.accept().await.expect("tokio accept");
        s.set_nodelay(true).expect("tokio nodelay");
        s
    }

    async fn connect(addr: SocketAddr) -> Self::Stream {
        let s = tokio::net::TcpStream::connect(addr)
            .await
            .expect("tokio connect");
        s.set_nodelay(true).expect("tokio nodelay");
        s
    }

    async fn read(s: &mut Self::Stream, mut buf: Vec<u8>) -> Vec<u8> {
        buf.clear();
        // `read_buf` fills the spare capacity (no zeroing, like zio).
        s.read_buf(&mut buf).await.expect("tokio read");
        buf
    }

    async fn read_exact(s: &mut Self::Stream, mut buf: Vec<u8>) -> Vec<u8> {
        buf.clear();
        let cap = buf.capacity();
        while buf.len() < cap {
            let n = s.read_buf(&mut buf).await.expect("tokio read");
            assert_ne!(n, 0, "tokio read_exact: unexpected end of stream");
        }
        buf
    }

    async fn write_all(s: &mut Self::Stream, buf: Vec<u8>) -> Vec<u8> {
        s.write_all(&buf).await.expect("tokio write_all");
        buf
    }

    async fn open_files(path: PathBuf, n: usize) -> Vec<Self::File> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(tokio::fs::File::open(&path).await.expect("tokio open"));
        }
        v
    }

    async fn read_at(f: &mut Self::File, mut buf: Vec<u8>, pos: u64) -> Vec<u8> {
        buf.clear();
        let cap = buf.capacity();
        f.seek(SeekFrom::Start(pos)).await.expect("tokio seek");
        // tokio's `read_exact` wants an initialized slice: read into the
        // spare capacity instead, as `read_exact` would, without zeroing.
        while buf.len() < cap {
            let n = f.read_buf(&mut buf).await.expect("tokio read");
            assert_ne!(n, 0, "tokio read_at: unexpected end of file at {pos}");
        }
        buf
    }

    fn read_batch<I, F>(
        files: Vec<Self::File>,
        size: usize,
        offsets: I,
        each: F,
    ) -> impl Future<Output = u64> + Send
    where
        I: Iterator<Item = u64> + Send,
        F: FnMut(&[u8], u64) + Send,
    {
        read_per_task::<Tokio, I, F>(files, size, offsets, each)
    }
}
