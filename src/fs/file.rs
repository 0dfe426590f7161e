//! `File`: an open file, with owned-buffer async I/O through the reactor and
//! blocking `std::io` impls for plain threads (in `file_blocking.rs`).

use std::fmt;
use std::fs::Permissions;
use std::io::{self, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::file_blocking::kernel_position;
use super::util::{blocking, check_offset};
use super::{Metadata, OpenOptions};
use crate::compat::file::FileCompat;
use crate::io::{IoBuf, IoBufMut};
use crate::reactor::ops::fs::{Close, Fsync, Ftruncate, ReadAt, Statx, WriteAt};
use crate::reactor::{Op, SharedFd};

/// An open file.
///
/// # Three ways to use it
///
/// - **Async, owned buffers**: [`read_at`](File::read_at),
///   [`write_at`](File::write_at), [`read`](File::read),
///   [`write`](File::write), [`sync_all`](File::sync_all),
///   [`metadata`](File::metadata), ... Buffers are passed by value and come
///   back with the result, `(io::Result<usize>, B)`, because the kernel
///   owns them while the operation runs. On a zio worker the operation goes
///   to that worker's io_uring; polled anywhere else (a tokio runtime,
///   `futures::executor::block_on`, a plain thread's
///   [`zio::block_on`](crate::block_on)) it goes to zio's process-wide
///   fallback driver thread, so it completes asynchronously and never
///   blocks the foreign executor's thread. There is never a "no reactor
///   running" panic.
/// - **Blocking**: [`std::io::Read`], [`Write`](std::io::Write) and
///   [`Seek`](std::io::Seek) are implemented for `File` and `&File` as
///   ordinary blocking syscalls (`pread`, `pwrite`) on the calling thread,
///   for plain threads. On a zio worker they block the worker like any
///   std call would; wrap them in [`spawn_blocking`](crate::spawn_blocking)
///   there, or use the async methods. The async methods `read`, `write`,
///   `write_all`, `read_exact` and `seek` share names with the traits'
///   methods and win method resolution on a `File`, so call the blocking
///   ones through a `&File` — `(&file).read(&mut buf)` — or the trait,
///   `Read::read(&mut file, &mut buf)`; generic std code
///   (`io::copy`, `BufReader::new(&file)`) finds the traits by itself.
/// - **Positioned** ([`read_at`](File::read_at)/[`write_at`](File::write_at))
///   calls take `&self` and may run concurrently on one file.
///
/// # The cursor
///
/// [`read`](File::read), [`write`](File::write), [`seek`](File::seek) and
/// the blocking `std::io` impls share one position, kept in the `File`
/// (the reads and writes are positioned at it, and it moves when they
/// complete). So a cancelled async `read` consumes nothing: the next read
/// starts at the same place. Files opened with
/// [`append`](OpenOptions::append) write at the end, and the position then
/// moves to the end of what was written, as with std. A `File` made by
/// [`from_std`](File::from_std) starts at the std file's position;
/// [`into_std`](File::into_std) hands the position back.
///
/// A `File` on something without a position — a FIFO, a terminal, a pipe
/// wrapped with [`from_std`](File::from_std) — reads and writes it as a
/// stream: [`read`](File::read)/[`write`](File::write) and the `std::io`
/// impls use plain `read`/`write`, and seeking fails with `ESPIPE`, as
/// with std. (`read_at`/`write_at` need a seekable file.)
///
/// # Reads fill the buffer from its start
///
/// A read writes into the buffer from its first byte up to its capacity
/// (`bytes_total`: for a `Vec<u8>` its capacity, not its length) and
/// returns the count `n`; the first `n` bytes then hold the data. A `Vec`'s
/// length becomes `n` if it was shorter, so `Vec::with_capacity(4096)` reads
/// up to 4096 bytes and comes back with the bytes read as its contents.
///
/// # Dropping
///
/// Dropping a `File` never blocks on in-flight I/O. The descriptor is
/// closed when the last operation using it has completed: operations
/// abandoned by dropped futures keep it open until the kernel is done with
/// them, so its number is never reused under their feet.
///
/// # Cancel safety
///
/// Dropping an I/O future before it completes asks the kernel to cancel
/// the operation. A dropped write may or may not have happened (in part or
/// in whole); a dropped read loses nothing but the data it would have
/// delivered. The buffer of a dropped operation is freed by zio once the
/// kernel is done with it: it comes back only with a completed result.
///
/// # Examples
///
/// ```
/// use zio::fs::File;
///
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("hello.txt");
///
/// let file = File::create(&path).await?;
/// let (res, _buf) = file.write_all_at(b"hello world".to_vec(), 0).await;
/// res?;
/// file.sync_all().await?;
///
/// let file = File::open(&path).await?;
/// let (res, buf) = file.read_at(Vec::with_capacity(5), 6).await;
/// assert_eq!(res?, 5);
/// assert_eq!(buf, b"world");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// Blocking, on a plain thread:
///
/// ```
/// use std::io::{Read, Seek, SeekFrom, Write};
///
/// # fn main() -> std::io::Result<()> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// let mut file = zio::block_on(zio::fs::File::options()
///     .read(true).write(true).create(true).open(&path))?;
/// (&file).write_all(b"abc")?;
/// (&file).seek(SeekFrom::Start(1))?;
/// let mut s = String::new();
/// file.read_to_string(&mut s)?;
/// assert_eq!(s, "bc");
/// # Ok(()) }
/// ```
pub struct File {
    fd: SharedFd,
    /// The cursor of `read`/`write`/`seek` and the `std::io` impls. A mutex
    /// so the blocking impls on `&File` move it atomically; the async
    /// methods take `&mut self` and use `get_mut`.
    pos: Mutex<u64>,
    /// Opened with `O_APPEND`: writes at the cursor go to the end.
    append: bool,
    /// Not seekable (a FIFO, tty, ...): no cursor; reads and writes at the
    /// stream position.
    stream: bool,
    /// State of the poll-based trait impls (`compat::file`): read-ahead
    /// buffer and in-flight ops. Empty until those are used.
    compat: FileCompat,
}

impl File {
    pub(crate) fn from_owned_fd(fd: OwnedFd, append: bool) -> File {
        let stream = is_stream(&kernel_position(fd.as_raw_fd()));
        File {
            fd: SharedFd::new(fd),
            pos: Mutex::new(0),
            append,
            stream,
            compat: FileCompat::default(),
        }
    }

    /// Closes the descriptor through the reactor, reporting `close`'s
    /// error; if an abandoned op still holds it, it closes when that op
    /// completes (and `Ok` is returned).
    pub(crate) async fn close(self) -> io::Result<()> {
        match self.fd.try_unwrap() {
            Ok(fd) => Op::new(Close::new(fd)).await,
            Err(_) => Ok(()),
        }
    }

    /// The descriptor, for the free functions and the poll-based trait
    /// impls in `compat`.
    pub(crate) fn shared_fd(&self) -> &SharedFd {
        &self.fd
    }

    /// Whether writes go to the end (`O_APPEND`).
    pub(crate) fn is_append_mode(&self) -> bool {
        self.append
    }

    /// Whether the file has no position (FIFO, tty, ...).
    pub(crate) fn is_stream(&self) -> bool {
        self.stream
    }

    /// The cursor, for the blocking impls.
    pub(crate) fn lock_pos(&self) -> MutexGuard<'_, u64> {
        self.pos.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// For the poll-based trait impls in `compat`: the descriptor, the
    /// cursor and their state, borrowed together.
    pub(crate) fn compat_parts(&mut self) -> (&SharedFd, &mut u64, &mut FileCompat) {
        let pos = self.pos.get_mut().unwrap_or_else(PoisonError::into_inner);
        (&self.fd, pos, &mut self.compat)
    }

    /// The kernel's file position of `fd` (`lseek(fd, 0, SEEK_CUR)`): after
    /// a write at the file position of an `O_APPEND` file, the end of that
    /// write.
    pub(crate) fn kernel_position_of(fd: &SharedFd) -> io::Result<u64> {
        kernel_position(fd.as_raw_fd())
    }

    fn cursor(&mut self) -> &mut u64 {
        self.pos.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens `path` read-only.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::open`]: [`io::ErrorKind::NotFound`],
    /// [`io::ErrorKind::PermissionDenied`], ...
    ///
    /// # Cancel safety
    ///
    /// As [`OpenOptions::open`]: a cancelled open never leaks a descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = zio::fs::File::open("/etc/hostname").await;
    /// # drop(file);
    /// # });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens `path` write-only, creating it or truncating it to length 0.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::create`].
    ///
    /// # Cancel safety
    ///
    /// As [`OpenOptions::open`]; the file may have been created or
    /// truncated.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::File::create(dir.path().join("out")).await?;
    /// # drop(file);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates `path` read-write, failing if it exists.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::AlreadyExists`] if `path` exists; otherwise as
    /// [`std::fs::File::create_new`].
    ///
    /// # Cancel safety
    ///
    /// As [`OpenOptions::open`]; the file may have been created.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("once");
    /// zio::fs::File::create_new(&path).await?;
    /// assert!(zio::fs::File::create_new(&path).await.is_err());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A new [`OpenOptions`] builder, the same as [`OpenOptions::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::File::options()
    ///     .append(true)
    ///     .create(true)
    ///     .open(dir.path().join("log"))
    ///     .await?;
    /// # drop(file);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Reads from file offset `pos` into `buf` (from its start up to its
    /// capacity) and returns the count with the buffer; `Ok(0)` at the end
    /// of the file (or for a buffer of capacity 0). Does not move the
    /// cursor.
    ///
    /// # Errors
    ///
    /// The errors of `pread(2)`: a file not open for reading gives `EBADF`,
    /// a directory `EISDIR`. `pos > i64::MAX` is
    /// [`io::ErrorKind::InvalidInput`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future cancels the read; nothing in the file changes.
    /// The buffer is freed once the kernel is done with it.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// std::fs::write(&path, b"0123456789")?;
    /// let file = zio::fs::File::open(&path).await?;
    /// let (n, buf) = file.read_at(Vec::with_capacity(4), 3).await;
    /// assert_eq!(n?, 4);
    /// assert_eq!(buf, b"3456");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn read_at<B: IoBufMut>(&self, buf: B, pos: u64) -> (io::Result<usize>, B) {
        if let Err(e) = check_offset(pos) {
            return (Err(e), buf);
        }
        Op::new(ReadAt::new(self.fd.clone(), buf, pos, 0)).await
    }

    /// Reads exactly the buffer's capacity (`bytes_total`) from file offset
    /// `pos`, with as many reads as it takes. Does not move the cursor.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::UnexpectedEof`] if the file ends first (the buffer
    /// then holds what was read); otherwise as [`read_at`](File::read_at).
    ///
    /// # Cancel safety
    ///
    /// As [`read_at`](File::read_at); the bytes read so far are lost with
    /// the buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// std::fs::write(&path, b"0123456789")?;
    /// let file = zio::fs::File::open(&path).await?;
    /// let (res, buf) = file.read_exact_at([0u8; 4], 6).await;
    /// res?;
    /// assert_eq!(&buf, b"6789");
    /// let (res, _) = file.read_exact_at([0u8; 4], 8).await;
    /// assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn read_exact_at<B: IoBufMut>(&self, buf: B, pos: u64) -> (io::Result<()>, B) {
        self.read_exact_inner(buf, Some(pos)).await
    }

    /// Fills `buf` from `pos`, or (`None`) from the stream position.
    async fn read_exact_inner<B: IoBufMut>(
        &self,
        mut buf: B,
        pos: Option<u64>,
    ) -> (io::Result<()>, B) {
        let total = buf.bytes_total();
        let mut filled = 0;
        while filled < total {
            let at = match offset_plus(pos, filled) {
                Ok(at) => at,
                Err(e) => return (Err(e), buf),
            };
            let (res, b) = Op::new(ReadAt::new(self.fd.clone(), buf, at, filled)).await;
            buf = b;
            match res {
                Ok(0) => {
                    let eof =
                        io::Error::new(io::ErrorKind::UnexpectedEof, "failed to fill whole buffer");
                    return (Err(eof), buf);
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// Writes the buffer's initialized bytes (`bytes_init`: a `Vec`'s
    /// length) at file offset `pos` and returns how many were written, with
    /// the buffer. Does not move the cursor. In a file opened with
    /// [`append`](OpenOptions::append) the bytes go to the end whatever
    /// `pos` says (Linux `pwrite` semantics).
    ///
    /// # Errors
    ///
    /// The errors of `pwrite(2)`: a file not open for writing gives
    /// `EBADF`, a full disk `ENOSPC` ([`io::ErrorKind::StorageFull`]), a
    /// write past `RLIMIT_FSIZE` `EFBIG`. `pos > i64::MAX` is
    /// [`io::ErrorKind::InvalidInput`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future cancels the write, but it may have happened, in
    /// part or in whole.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// let file = zio::fs::File::create(&path).await?;
    /// let (n, _buf) = file.write_at(*b"hello", 2).await;
    /// assert_eq!(n?, 5);
    /// assert_eq!(std::fs::read(&path)?, b"\0\0hello");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn write_at<B: IoBuf>(&self, buf: B, pos: u64) -> (io::Result<usize>, B) {
        if let Err(e) = check_offset(pos) {
            return (Err(e), buf);
        }
        Op::new(WriteAt::new(self.fd.clone(), buf, pos, 0)).await
    }

    /// Writes all the buffer's initialized bytes at file offset `pos`, with
    /// as many writes as it takes. Does not move the cursor.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::WriteZero`] if a write wrote nothing; otherwise as
    /// [`write_at`](File::write_at). Part of the buffer may have been
    /// written.
    ///
    /// # Cancel safety
    ///
    /// As [`write_at`](File::write_at): any prefix of the buffer may have
    /// been written.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// let file = zio::fs::File::create(&path).await?;
    /// let (res, _buf) = file.write_all_at(vec![7u8; 1 << 20], 0).await;
    /// res?;
    /// assert_eq!(std::fs::metadata(&path)?.len(), 1 << 20);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn write_all_at<B: IoBuf>(&self, buf: B, pos: u64) -> (io::Result<()>, B) {
        self.write_all_inner(buf, Some(pos)).await
    }

    /// Writes all of `buf` at `pos`, or (`None`) at the file position.
    async fn write_all_inner<B: IoBuf>(&self, mut buf: B, pos: Option<u64>) -> (io::Result<()>, B) {
        let len = buf.bytes_init();
        let mut written = 0;
        while written < len {
            let at = match offset_plus(pos, written) {
                Ok(at) => at,
                Err(e) => return (Err(e), buf),
            };
            let (res, b) = Op::new(WriteAt::new(self.fd.clone(), buf, at, written)).await;
            buf = b;
            match res {
                Ok(0) => {
                    let zero =
                        io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer");
                    return (Err(zero), buf);
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// Reads at the cursor into `buf` (from its start up to its capacity)
    /// and moves the cursor past the bytes read; `Ok(0)` at the end of the
    /// file.
    ///
    /// # Errors
    ///
    /// As [`read_at`](File::read_at).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, the cursor does not move and
    /// the next read returns the same bytes. (On a FIFO or terminal, which
    /// have no cursor, a dropped read may have consumed data.)
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// std::fs::write(&path, b"abcdef")?;
    /// let mut file = zio::fs::File::open(&path).await?;
    /// let (n, a) = file.read(Vec::with_capacity(3)).await;
    /// assert_eq!((n?, &a[..]), (3, &b"abc"[..]));
    /// let (n, b) = file.read(Vec::with_capacity(3)).await;
    /// assert_eq!((n?, &b[..]), (3, &b"def"[..]));
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn read<B: IoBufMut>(&mut self, buf: B) -> (io::Result<usize>, B) {
        if self.stream {
            return Op::new(ReadAt::new(self.fd.clone(), buf, u64::MAX, 0)).await;
        }
        let pos = *self.cursor();
        let (res, buf) = self.read_at(buf, pos).await;
        if let Ok(n) = res {
            *self.cursor() += n as u64;
        }
        (res, buf)
    }

    /// Fills the buffer (to its capacity) from the cursor and moves the
    /// cursor past it.
    ///
    /// # Errors
    ///
    /// As [`read_exact_at`](File::read_exact_at); on an error the cursor
    /// does not move.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe as [`read`](File::read): the cursor moves only on
    /// success.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// std::fs::write(&path, b"abcdef")?;
    /// let mut file = zio::fs::File::open(&path).await?;
    /// let (res, buf) = file.read_exact([0u8; 6]).await;
    /// res?;
    /// assert_eq!(&buf, b"abcdef");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn read_exact<B: IoBufMut>(&mut self, buf: B) -> (io::Result<()>, B) {
        if self.stream {
            return self.read_exact_inner(buf, None).await;
        }
        let pos = *self.cursor();
        let (res, buf) = self.read_exact_at(buf, pos).await;
        if res.is_ok() {
            *self.cursor() += buf.bytes_total() as u64;
        }
        (res, buf)
    }

    /// Writes the buffer's initialized bytes at the cursor (at the end of
    /// the file in [`append`](OpenOptions::append) mode) and moves the
    /// cursor past them; returns how many were written.
    ///
    /// # Errors
    ///
    /// As [`write_at`](File::write_at).
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped the write may have happened, but the cursor
    /// does not move.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// let mut file = zio::fs::File::create(&path).await?;
    /// file.write(*b"ab").await.0?;
    /// file.write(*b"cd").await.0?;
    /// assert_eq!(std::fs::read(&path)?, b"abcd");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn write<B: IoBuf>(&mut self, buf: B) -> (io::Result<usize>, B) {
        if self.append || self.stream {
            let (res, buf) = Op::new(WriteAt::new(self.fd.clone(), buf, u64::MAX, 0)).await;
            return (res.and_then(|n| self.sync_cursor_after_append(n)), buf);
        }
        let pos = *self.cursor();
        let (res, buf) = self.write_at(buf, pos).await;
        if let Ok(n) = res {
            *self.cursor() += n as u64;
        }
        (res, buf)
    }

    /// Writes all the buffer's initialized bytes at the cursor (the end in
    /// append mode) and moves the cursor past them.
    ///
    /// # Errors
    ///
    /// As [`write_all_at`](File::write_all_at); on an error the cursor does
    /// not move (in append mode it is at the end of what was written).
    ///
    /// # Cancel safety
    ///
    /// As [`write`](File::write): any prefix of the buffer may have been
    /// written, and the cursor does not move.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// let mut file = zio::fs::File::create(&path).await?;
    /// file.write_all(b"hello ".to_vec()).await.0?;
    /// file.write_all(*b"world").await.0?;
    /// assert_eq!(std::fs::read(&path)?, b"hello world");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn write_all<B: IoBuf>(&mut self, buf: B) -> (io::Result<()>, B) {
        if self.append || self.stream {
            let (res, buf) = self.write_all_inner(buf, None).await;
            return (
                res.and_then(|()| self.sync_cursor_after_append(0).map(drop)),
                buf,
            );
        }
        let pos = *self.cursor();
        let (res, buf) = self.write_all_at(buf, pos).await;
        if res.is_ok() {
            *self.cursor() += buf.bytes_init() as u64;
        }
        (res, buf)
    }

    /// After a write at the file position of an `O_APPEND` file, the
    /// kernel's position is the end of that write: take it as the cursor.
    fn sync_cursor_after_append(&mut self, n: usize) -> io::Result<usize> {
        if self.stream {
            return Ok(n);
        }
        let end = kernel_position(self.fd.as_raw_fd())?;
        *self.cursor() = end;
        Ok(n)
    }

    /// Moves the cursor, as [`std::io::Seek::seek`]; returns the new
    /// position. Seeking past the end is allowed (a later write extends the
    /// file). [`SeekFrom::End`] asks the kernel for the size (a `statx`).
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for a position before 0 or past
    /// `i64::MAX`; the errors of `statx` for `SeekFrom::End`; `ESPIPE` on a
    /// file without a position (FIFO, tty).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the cursor moves only when the future completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::SeekFrom;
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// std::fs::write(&path, b"abcdef")?;
    /// let mut file = zio::fs::File::open(&path).await?;
    /// assert_eq!(file.seek(SeekFrom::End(-2)).await?, 4);
    /// let (n, buf) = file.read(Vec::with_capacity(8)).await;
    /// assert_eq!((n?, &buf[..]), (2, &b"ef"[..]));
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if self.stream {
            return Err(io::Error::from_raw_os_error(libc::ESPIPE));
        }
        let new = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(delta) => self.cursor().checked_add_signed(delta),
            SeekFrom::End(delta) => self.metadata().await?.len().checked_add_signed(delta),
        };
        let new = seek_target(new)?;
        *self.cursor() = new;
        Ok(new)
    }

    /// Flushes the file's data and metadata to the device (`fsync`).
    ///
    /// # Errors
    ///
    /// The errors of `fsync(2)` (`EIO`, `ENOSPC`, ...).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future cancels the wait; the flush may still happen.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::File::create(dir.path().join("f")).await?;
    /// file.write_all_at(*b"data", 0).await.0?;
    /// file.sync_all().await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        Op::new(Fsync::new(self.fd.clone(), false)).await
    }

    /// Flushes the file's data, and only the metadata needed to read it
    /// back (`fdatasync`).
    ///
    /// # Errors
    ///
    /// The errors of `fdatasync(2)`.
    ///
    /// # Cancel safety
    ///
    /// As [`sync_all`](File::sync_all).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::File::create(dir.path().join("f")).await?;
    /// file.write_all_at(*b"data", 0).await.0?;
    /// file.sync_data().await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        Op::new(Fsync::new(self.fd.clone(), true)).await
    }

    /// Truncates or extends (with zeros) the file to `size` bytes. The
    /// cursor does not move. Uses `IORING_OP_FTRUNCATE` where the kernel has
    /// it (6.9+), else `ftruncate` on the blocking pool.
    ///
    /// # Errors
    ///
    /// The errors of `ftruncate(2)`: a file not open for writing gives
    /// [`io::ErrorKind::InvalidInput`] (`EINVAL`) or `EBADF`, `EFBIG` past
    /// the size limit. `size > i64::MAX` is
    /// [`io::ErrorKind::InvalidInput`].
    ///
    /// # Cancel safety
    ///
    /// The size may or may not have changed if the future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// let file = zio::fs::File::create(&path).await?;
    /// file.set_len(4096).await?;
    /// assert_eq!(file.metadata().await?.len(), 4096);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let size = check_offset(size)?;
        Op::new(Ftruncate::new(self.fd.clone(), size)).await
    }

    /// The file's metadata (`statx` on the open descriptor).
    ///
    /// # Errors
    ///
    /// The errors of `statx(2)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::File::create(dir.path().join("f")).await?;
    /// file.write_all_at(*b"1234", 0).await.0?;
    /// let meta = file.metadata().await?;
    /// assert!(meta.is_file());
    /// assert_eq!(meta.len(), 4);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        Op::new(Statx::fd(self.fd.clone()))
            .await
            .map(Metadata::from_statx)
    }

    /// Changes the file's permission bits (`fchmod`, on the blocking pool).
    ///
    /// # Errors
    ///
    /// The errors of `fchmod(2)` (`EPERM` if not the owner, ...).
    ///
    /// # Cancel safety
    ///
    /// The change may happen even if the future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::File::create(dir.path().join("f")).await?;
    /// file.set_permissions(std::fs::Permissions::from_mode(0o640)).await?;
    /// assert_eq!(file.metadata().await?.permissions().mode() & 0o777, 0o640);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let fd = self.fd.clone();
        blocking(move || {
            // SAFETY: a plain syscall on a descriptor `fd` keeps open.
            let ret = unsafe { libc::fchmod(fd.as_raw_fd(), perm.mode() as libc::mode_t) };
            if ret < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        })
        .await
    }

    /// A second `File` for the same open file (a `dup` of the descriptor:
    /// shared flags and locks). The clone has its own cursor, starting
    /// where this one is.
    ///
    /// # Errors
    ///
    /// The errors of `fcntl(F_DUPFD_CLOEXEC)`, such as `EMFILE`.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::File::create(dir.path().join("f")).await?;
    /// let clone = file.try_clone()?;
    /// clone.write_all_at(*b"x", 0).await.0?;
    /// assert_eq!(file.metadata().await?.len(), 1);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn try_clone(&self) -> io::Result<File> {
        let fd = self.as_fd().try_clone_to_owned()?;
        let pos = *self.lock_pos();
        Ok(File {
            fd: SharedFd::new(fd),
            pos: Mutex::new(pos),
            append: self.append,
            stream: self.stream,
            compat: FileCompat::default(),
        })
    }

    /// Converts into a [`std::fs::File`] whose file position is this
    /// file's cursor.
    ///
    /// If an operation abandoned by a dropped future still holds the
    /// descriptor, the std file gets a duplicate of it (the same open
    /// file), and the original closes when that operation completes.
    ///
    /// # Errors
    ///
    /// Only in that case, if `dup` fails (`EMFILE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// std::fs::write(&path, b"abc")?;
    /// let mut file = zio::fs::File::open(&path).await?;
    /// file.read(Vec::with_capacity(1)).await.0?;
    /// let mut std_file = file.into_std()?;
    /// let mut rest = String::new();
    /// std_file.read_to_string(&mut rest)?;
    /// assert_eq!(rest, "bc");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::fs::File> {
        let pos = self
            .pos
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let fd = match self.fd.try_unwrap() {
            Ok(fd) => fd,
            Err(shared) => borrow(&shared).try_clone_to_owned()?,
        };
        let file = std::fs::File::from(fd);
        // Not seekable (a pipe or tty wrapped by `from_std`): no position.
        let _ = io::Seek::seek(&mut &file, SeekFrom::Start(pos));
        Ok(file)
    }

    /// Wraps a [`std::fs::File`]; the cursor starts at its file position,
    /// and append mode is taken from its flags.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let tmp = tempfile::tempfile()?;
    /// let file = zio::fs::File::from_std(tmp);
    /// file.write_all_at(*b"hi", 0).await.0?;
    /// assert_eq!(file.metadata().await?.len(), 2);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn from_std(file: std::fs::File) -> File {
        let position = kernel_position(file.as_raw_fd());
        let stream = is_stream(&position);
        let pos = position.unwrap_or(0);
        // SAFETY: F_GETFL on a descriptor `file` owns; no memory involved.
        let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
        let append = flags >= 0 && flags & libc::O_APPEND != 0;
        File {
            fd: SharedFd::new(OwnedFd::from(file)),
            pos: Mutex::new(pos),
            append,
            stream,
            compat: FileCompat::default(),
        }
    }
}

/// Whether `lseek` says the file has no position.
fn is_stream(position: &io::Result<u64>) -> bool {
    matches!(position, Err(e) if e.raw_os_error() == Some(libc::ESPIPE))
}

/// `pos + done` as an op offset, or (`pos == None`) the stream position.
fn offset_plus(pos: Option<u64>, done: usize) -> io::Result<u64> {
    match pos {
        None => Ok(u64::MAX),
        Some(pos) => check_offset(pos.saturating_add(done as u64)),
    }
}

/// A borrowed view of a shared descriptor.
fn borrow(fd: &SharedFd) -> BorrowedFd<'_> {
    // SAFETY: the `SharedFd` keeps the descriptor open for as long as the
    // borrow (tied to it) lives.
    unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) }
}

/// Checks a seek target: a position in `0..=i64::MAX`.
pub(crate) fn seek_target(new: Option<u64>) -> io::Result<u64> {
    new.filter(|&n| n <= i64::MAX as u64).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "invalid seek to a negative or overflowing position",
        )
    })
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        borrow(&self.fd)
    }
}

impl From<std::fs::File> for File {
    fn from(file: std::fs::File) -> File {
        File::from_std(file)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("fd", &self.fd.as_raw_fd())
            .field("pos", &*self.lock_pos())
            .field("append", &self.append)
            .field("stream", &self.stream)
            .finish()
    }
}
