//! The poll-based I/O traits for [`File`]: `tokio::io::{AsyncRead,
//! AsyncWrite, AsyncSeek, AsyncBufRead}` and `futures_io::{AsyncRead,
//! AsyncWrite, AsyncSeek, AsyncBufRead}`.
//!
//! Files have no readiness, so these use owned-buffer ops (the same
//! `ReadAt`/`WriteAt` ops as [`File::read`] and [`File::write`]) with a
//! per-file buffer, kept in the `File` with the op in flight, if any. No
//! borrowed buffer is ever handed to the kernel.
//!
//! - **Reads** fill a read-ahead buffer (64 KiB, or the caller's buffer
//!   size up to 2 MiB) with one read at the cursor, then copy out of it.
//!   [`AsyncBufRead`](tokio::io::AsyncBufRead) hands out that buffer.
//! - **Writes** copy the caller's bytes (up to 2 MiB) into an owned buffer
//!   and write them at the cursor; `poll_write` returns `Ready(n)` only
//!   once the kernel has written the `n` bytes, so a write error is
//!   reported by the very write that caused it, and a completed write is
//!   on the file (in the page cache: `flush` does not `fsync`; use
//!   [`File::sync_all`] for that).
//! - **Flush** (and shutdown/close) waits for a write left in flight by a
//!   dropped future, and reports its error.
//! - **Seek** waits for such a write, then moves the cursor
//!   ([`SeekFrom::End`](std::io::SeekFrom::End) asks the kernel for the
//!   size with a `statx`).
//!
//! # The cursor
//!
//! The impls share the cursor of [`File::read`], [`File::write`],
//! [`File::seek`] and the blocking `std::io` impls, and the cursor is
//! always the *logical* position: what the caller has consumed or had
//! confirmed as written. Read-ahead bytes not yet handed out do not move
//! it. So the APIs can be mixed freely: after some `AsyncRead` reads, a
//! [`File::read`], a blocking `Read::read` or [`File::into_std`] goes on
//! exactly after the last byte the trait handed out. The read-ahead is
//! used only while the cursor is where it left off; if the cursor was moved
//! by anything else it is dropped, as it is by any `poll_write` and by a
//! seek to another position.
//!
//! Like any read-ahead (`BufReader`), it does not see a later change of
//! bytes it already holds made without moving this `File`'s cursor (by
//! [`File::write_at`], another handle or another process). A seek to
//! another position drops it (a seek to the current one, like
//! `stream_position`, keeps it); use the positioned methods when that
//! matters.
//!
//! # Cancel safety
//!
//! Dropping a pending read (`AsyncReadExt::read(..)` in a `select!`, a
//! timeout) loses nothing: the op stays in the `File`, completes into the
//! read-ahead buffer, and the next read starts with those bytes.
//!
//! Dropping a pending write leaves the write in flight: it may still happen
//! (as with [`File::write`]). Polling `poll_write` again with the same
//! bytes (what retrying the dropped future does) reports that write's
//! result. Polling with other bytes first waits for it — the cursor then
//! moves past it if it succeeded — and if it failed reports its error
//! (nothing of the new bytes is written); otherwise writes the new bytes.
//! Flush, seek and reads also wait for it (a read keeps its error for the
//! next write or flush). After a dropped write, call `flush` before using
//! [`File::write`], `std::io::Write` or `into_std`, which do not know about
//! it.
//!
//! # Files without a position
//!
//! On a FIFO or terminal (a [`File`] without a cursor) reads and writes use
//! the stream position, seeks fail with `ESPIPE`, and the read-ahead is
//! never dropped (that would lose data).
//!
//! # Method names
//!
//! `File`'s own owned-buffer methods `read`, `read_exact`, `write`,
//! `write_all` and `seek` share their names with methods of the extension
//! traits (`tokio::io::AsyncReadExt`, `futures::io::AsyncWriteExt`, ...)
//! and win method resolution on a `File`. Call the trait ones through the
//! trait — `AsyncWriteExt::write_all(&mut file, b"..")` — or from generic
//! code (`tokio::io::copy`, `BufReader::new(file)`, a
//! `fn f(io: impl AsyncRead)`), which finds the traits by itself. Other
//! names (`flush`, `read_to_end`, `read_line`, `rewind`, ...) are only the
//! traits'.
//!
//! # Examples
//!
//! ```
//! use tokio::io::{AsyncBufReadExt, AsyncSeekExt, AsyncWriteExt};
//! # zio::block_on(async {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("lines.txt");
//! let mut file = zio::fs::File::options()
//!     .read(true).write(true).create(true).open(&path).await?;
//! AsyncWriteExt::write_all(&mut file, b"one\ntwo\nthree\n").await?;
//! file.flush().await?;
//!
//! file.rewind().await?;
//! let mut lines = tokio::io::BufReader::new(file).lines();
//! let mut all = Vec::new();
//! while let Some(line) = lines.next_line().await? {
//!     all.push(line);
//! }
//! assert_eq!(all, ["one", "two", "three"]);
//! # std::io::Result::Ok(()) }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::mem;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use crate::fs::File;
use crate::reactor::ops::fs::{ReadAt, Statx, WriteAt};
use crate::reactor::{Op, SharedFd};

/// Read-ahead size when the caller's buffer is smaller.
const READ_AHEAD: usize = 64 * 1024;
/// Largest read-ahead, and largest chunk one `poll_write` copies.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// An op future kept across polls (boxed: `run` is an `async fn`).
type OpFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A read or write op in flight, and the file offset it was started at
/// (`u64::MAX`: the file position, for append mode and streams).
struct InFlight {
    offset: u64,
    fut: OpFuture<(io::Result<usize>, Vec<u8>)>,
}

/// The per-`File` state of the trait impls. A `Mutex` only so `File` stays
/// `Sync` (the op futures are not); the impls have `&mut File` and use
/// `get_mut`, never locking.
#[derive(Default)]
pub(crate) struct FileCompat(Mutex<Option<Box<State>>>);

impl FileCompat {
    fn state(&mut self) -> &mut State {
        self.0
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(Box::default)
    }
}

impl fmt::Debug for FileCompat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileCompat")
    }
}

#[derive(Default)]
struct State {
    /// Read-ahead: `rbuf[rpos..]` are the file's bytes from offset `roff`
    /// on, not yet handed out.
    rbuf: Vec<u8>,
    rpos: usize,
    roff: u64,
    reading: Option<InFlight>,
    /// A write whose `poll_write` returned `Pending`.
    writing: Option<InFlight>,
    /// The last write's buffer, reused.
    wspare: Vec<u8>,
    /// The error of a write abandoned by a dropped future, found by a
    /// read: reported by the next write or flush.
    write_err: Option<io::Error>,
    /// A seek started by tokio's `start_seek`.
    seek: Option<SeekFrom>,
    /// The `statx` of a `SeekFrom::End` seek.
    size: Option<OpFuture<io::Result<Box<libc::statx>>>>,
}

/// A `File`'s parts, borrowed together for one poll.
struct Io<'a> {
    fd: &'a SharedFd,
    pos: &'a mut u64,
    st: &'a mut State,
    append: bool,
    stream: bool,
}

fn io(file: &mut File) -> Io<'_> {
    let (append, stream) = (file.is_append_mode(), file.is_stream());
    let (fd, pos, compat) = file.compat_parts();
    Io {
        fd,
        pos,
        st: compat.state(),
        append,
        stream,
    }
}

fn espipe() -> io::Error {
    io::Error::from_raw_os_error(libc::ESPIPE)
}

/// The cursor as an op offset (ops take `0..=i64::MAX`).
fn offset(pos: u64) -> io::Result<u64> {
    if pos > i64::MAX as u64 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "file offset larger than i64::MAX",
        ));
    }
    Ok(pos)
}

impl Io<'_> {
    /// Waits for the write in flight, if any, and moves the cursor past
    /// what it wrote; `None` if there was none.
    fn poll_write_done(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(io::Result<usize>, Vec<u8>)>> {
        loop {
            let Some(w) = self.st.writing.as_mut() else {
                return Poll::Ready(None);
            };
            let (res, buf) = ready!(w.fut.as_mut().poll(cx));
            let at = w.offset;
            self.st.writing = None;
            let res = match res {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    self.start_write(buf, at);
                    continue;
                }
                Ok(n) if at == u64::MAX => {
                    if self.stream {
                        Ok(n)
                    } else {
                        // Append mode: the kernel's position is the end of
                        // this write.
                        File::kernel_position_of(self.fd).map(|end| {
                            *self.pos = end;
                            n
                        })
                    }
                }
                Ok(n) => {
                    *self.pos = at + n as u64;
                    Ok(n)
                }
                Err(e) => Err(e),
            };
            return Poll::Ready(Some((res, buf)));
        }
    }

    fn start_write(&mut self, buf: Vec<u8>, at: u64) {
        let op = WriteAt::new(self.fd.clone(), buf, at, 0);
        self.st.writing = Some(InFlight {
            offset: at,
            fut: Box::pin(Op::new(op)),
        });
    }

    /// Waits for a write left in flight by a dropped future and reports
    /// its error, or one a read found.
    fn poll_settle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some((res, buf)) = ready!(self.poll_write_done(cx)) {
            self.st.wspare = buf;
            res?;
        }
        match self.st.write_err.take() {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Drops the read-ahead and cancels a read in flight (never on a
    /// stream, where that would lose data).
    fn discard_read(&mut self) {
        if self.stream {
            return;
        }
        self.st.rbuf.clear();
        self.st.rpos = 0;
        self.st.reading = None;
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if let Some((res, done)) = ready!(self.poll_write_done(cx)) {
            // The same bytes again: the retry of the write in flight.
            let retry = buf.get(..done.len()) == Some(&done[..]);
            self.st.wspare = done;
            if retry {
                return Poll::Ready(res);
            }
            // An abandoned write: it happened (the cursor moved) or its
            // error is reported here.
            res?;
        }
        if let Some(e) = self.st.write_err.take() {
            return Poll::Ready(Err(e));
        }
        self.discard_read();
        let at = if self.append || self.stream {
            u64::MAX
        } else {
            offset(*self.pos)?
        };
        let mut owned = mem::take(&mut self.st.wspare);
        owned.clear();
        owned.extend_from_slice(&buf[..buf.len().min(MAX_BUF)]);
        self.start_write(owned, at);
        let (res, done) = ready!(self.poll_write_done(cx)).expect("a write was just started");
        self.st.wspare = done;
        Poll::Ready(res)
    }

    /// Makes `rbuf[rpos..]` the bytes at the cursor, reading (about
    /// `want` bytes) if it is empty; it stays empty at the end of the file.
    fn poll_fill(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<io::Result<()>> {
        // Read after an abandoned write, not beside it.
        if let Some((res, done)) = ready!(self.poll_write_done(cx)) {
            self.st.wspare = done;
            if let Err(e) = res {
                self.st.write_err = Some(e);
            }
        }
        loop {
            let st = &mut *self.st;
            if st.rpos < st.rbuf.len() {
                if self.stream || st.roff == *self.pos {
                    return Poll::Ready(Ok(()));
                }
                // The cursor was moved by something else.
                st.rbuf.clear();
                st.rpos = 0;
            }
            match st.reading.as_mut() {
                Some(r) if self.stream || r.offset == *self.pos => {
                    let (res, buf) = ready!(r.fut.as_mut().poll(cx));
                    st.roff = r.offset;
                    st.reading = None;
                    st.rbuf = buf;
                    st.rpos = 0;
                    match res {
                        // At the end of the file: report it with the
                        // empty buffer.
                        Ok(0) => {
                            st.rbuf.clear();
                            return Poll::Ready(Ok(()));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            st.rbuf.clear();
                            if e.kind() != io::ErrorKind::Interrupted {
                                return Poll::Ready(Err(e));
                            }
                        }
                    }
                }
                _ => {
                    let at = if self.stream {
                        u64::MAX
                    } else {
                        offset(*self.pos)?
                    };
                    let mut buf = mem::take(&mut st.rbuf);
                    buf.clear();
                    buf.reserve(want.clamp(READ_AHEAD, MAX_BUF));
                    let op = ReadAt::new(self.fd.clone(), buf, at, 0);
                    st.reading = Some(InFlight {
                        offset: at,
                        fut: Box::pin(Op::new(op)),
                    });
                }
            }
        }
    }

    /// Hands out `amt` bytes of the read-ahead, moving the cursor.
    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.st.rbuf.len() - self.st.rpos);
        self.st.rpos += amt;
        if !self.stream {
            self.st.roff += amt as u64;
            *self.pos += amt as u64;
        }
    }

    fn poll_seek(&mut self, cx: &mut Context<'_>, target: SeekFrom) -> Poll<io::Result<u64>> {
        if self.stream {
            return Poll::Ready(Err(espipe()));
        }
        ready!(self.poll_settle(cx))?;
        let new = match target {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
            SeekFrom::End(delta) => {
                let fd = self.fd;
                let size = self
                    .st
                    .size
                    .get_or_insert_with(|| Box::pin(Op::new(Statx::fd(fd.clone()))));
                let res = ready!(size.as_mut().poll(cx));
                self.st.size = None;
                res?.stx_size.checked_add_signed(delta)
            }
        };
        let new = new.filter(|&n| n <= i64::MAX as u64).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid seek to a negative or overflowing position",
            )
        })?;
        if new != *self.pos {
            self.discard_read();
        }
        *self.pos = new;
        Poll::Ready(Ok(new))
    }
}

/// Reads through a per-file read-ahead buffer: one owned-buffer read at the
/// cursor (64 KiB, or the caller's buffer size up to 2 MiB), then copies
/// out of it.
///
/// The cursor is the one of [`File::read`], [`File::seek`] and the
/// blocking `std::io` impls, and stays just after the last byte handed out
/// (read-ahead does not move it), so these can be mixed; the read-ahead is
/// used only while the cursor is where it left it, and dropped by a write
/// or a seek elsewhere. It does not see changes made to bytes it holds
/// without moving this cursor ([`File::write_at`], other handles).
///
/// Cancel safe: a dropped pending read loses nothing; its op completes
/// into the buffer and the next read starts with those bytes.
///
/// [`File::read`] shadows `AsyncReadExt::read` (also `read_exact`): call
/// it as `AsyncReadExt::read(&mut file, buf)`, or from generic code.
impl tokio::io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let mut io = io(self.get_mut());
        ready!(io.poll_fill(cx, buf.remaining()))?;
        let avail = &io.st.rbuf[io.st.rpos..];
        let n = avail.len().min(buf.remaining());
        buf.put_slice(&avail[..n]);
        io.consume(n);
        Poll::Ready(Ok(()))
    }
}

/// The read-ahead buffer of the `AsyncRead` impl; `consume` moves the
/// cursor.
impl tokio::io::AsyncBufRead for File {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let mut io = io(self.get_mut());
        ready!(io.poll_fill(cx, 0))?;
        let st = io.st;
        Poll::Ready(Ok(&st.rbuf[st.rpos..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        io(self.get_mut()).consume(amt);
    }
}

/// Copies up to 2 MiB of the caller's bytes into an owned buffer and
/// writes them at the cursor (at the end in append mode). `poll_write` is
/// `Ready(n)` only once the kernel wrote the `n` bytes, so a write error is
/// reported by the write that caused it.
///
/// A pending write whose future is dropped may still happen. Polling
/// `poll_write` again with the same bytes reports its result; with other
/// bytes it first waits for it (the cursor moves past it) and reports its
/// error if it failed. `flush` waits for such a write and reports its
/// error; it does not `fsync` ([`File::sync_all`] does). `shutdown` is
/// `flush`. After a dropped write, `flush` before using [`File::write`] or
/// `std::io::Write`.
///
/// [`File::write`] shadows `AsyncWriteExt::write` (also `write_all`): call
/// it as `AsyncWriteExt::write_all(&mut file, buf)`, or from generic code.
impl tokio::io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        io(self.get_mut()).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        io(self.get_mut()).poll_settle(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        io(self.get_mut()).poll_settle(cx)
    }
}

/// Moves the shared cursor (after any write in flight); `start_seek` fails
/// with [`io::ErrorKind::Other`] while an earlier seek is not completed.
/// `poll_complete` without a seek returns the cursor. On a FIFO or tty:
/// `ESPIPE`.
impl tokio::io::AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let io = io(self.get_mut());
        if io.st.seek.is_some() {
            return Err(io::Error::other(
                "a seek is in progress: call poll_complete before start_seek",
            ));
        }
        io.st.seek = Some(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let mut io = io(self.get_mut());
        match io.st.seek {
            Some(target) => {
                let res = ready!(io.poll_seek(cx, target));
                io.st.seek = None;
                Poll::Ready(res)
            }
            None if io.stream => Poll::Ready(Err(espipe())),
            None => {
                ready!(io.poll_settle(cx))?;
                Poll::Ready(Ok(*io.pos))
            }
        }
    }
}

/// As the `tokio::io::AsyncRead` impl: through the same read-ahead buffer,
/// cancel safe, sharing the cursor.
impl futures_io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut io = io(self.get_mut());
        ready!(io.poll_fill(cx, buf.len()))?;
        let avail = &io.st.rbuf[io.st.rpos..];
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        io.consume(n);
        Poll::Ready(Ok(n))
    }
}

/// The read-ahead buffer of the `AsyncRead` impl; `consume` moves the
/// cursor.
impl futures_io::AsyncBufRead for File {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let mut io = io(self.get_mut());
        ready!(io.poll_fill(cx, 0))?;
        let st = io.st;
        Poll::Ready(Ok(&st.rbuf[st.rpos..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        io(self.get_mut()).consume(amt);
    }
}

/// As the `tokio::io::AsyncWrite` impl: `Ready(n)` once the kernel wrote
/// the bytes; `close` is `flush` (the descriptor closes when the `File` is
/// dropped).
impl futures_io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        io(self.get_mut()).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        io(self.get_mut()).poll_settle(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        io(self.get_mut()).poll_settle(cx)
    }
}

/// Moves the shared cursor (after any write in flight); on a FIFO or tty:
/// `ESPIPE`.
impl futures_io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        io(self.get_mut()).poll_seek(cx, pos)
    }
}
