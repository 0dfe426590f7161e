//! Whole-file helpers: `read`, `read_to_string`, `write`, `copy`.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{File, OpenOptions};
use crate::reactor::ops::fs::ReadAt;
use crate::reactor::Op;

/// Chunk size of [`copy`].
const COPY_CHUNK: usize = 1 << 20;

/// Reads the whole file at `path`, as [`std::fs::read`]: an open, a `statx`
/// for the size, then one read of that size (more if the file grows; files
/// that report size 0, like those in `/proc`, are read in growing chunks),
/// and a close, all through the reactor.
///
/// # Errors
///
/// As [`std::fs::read`]: [`io::ErrorKind::NotFound`],
/// [`io::ErrorKind::PermissionDenied`], `EISDIR` for a directory,
/// [`io::ErrorKind::OutOfMemory`] if the buffer cannot be allocated.
///
/// # Cancel safety
///
/// Cancel safe: nothing changes on disk; the data read so far is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// std::fs::write(&path, b"contents")?;
/// assert_eq!(zio::fs::read(&path).await?, b"contents");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let file = File::open(path).await?;
    let data = read_all(&file).await;
    // A close error after a successful read loses nothing: ignore it, as
    // std's `read` does.
    let _ = file.close().await;
    data
}

async fn read_all(file: &File) -> io::Result<Vec<u8>> {
    let hint = usize::try_from(file.metadata().await?.len()).unwrap_or(usize::MAX);
    let mut buf = Vec::new();
    buf.try_reserve_exact(hint)
        .map_err(|_| io::ErrorKind::OutOfMemory)?;
    loop {
        if buf.len() == buf.capacity() {
            // Full: is that the end? Probe with a small read before growing.
            let pos = buf.len() as u64;
            let (res, probe) = read_retry(file, Vec::with_capacity(32), pos, 0).await;
            if res? == 0 {
                return Ok(buf);
            }
            let grow = buf.capacity().max(8 * 1024);
            buf.try_reserve(grow)
                .map_err(|_| io::ErrorKind::OutOfMemory)?;
            buf.extend_from_slice(&probe);
            continue;
        }
        let (filled, pos) = (buf.len(), buf.len() as u64);
        let (res, b) = read_retry(file, buf, pos, filled).await;
        buf = b;
        if res? == 0 {
            return Ok(buf);
        }
    }
}

/// One read into `buf[filled..capacity]`, retried on `EINTR`.
async fn read_retry(
    file: &File,
    mut buf: Vec<u8>,
    pos: u64,
    filled: usize,
) -> (io::Result<usize>, Vec<u8>) {
    loop {
        let op = ReadAt::new(file.shared_fd().clone(), buf, pos, filled);
        let (res, b) = Op::new(op).await;
        buf = b;
        match res {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            res => return (res, buf),
        }
    }
}

/// Reads the whole file at `path` as UTF-8, as [`std::fs::read_to_string`].
///
/// # Errors
///
/// As [`read`], and [`io::ErrorKind::InvalidData`] if the contents are not
/// UTF-8.
///
/// # Cancel safety
///
/// As [`read`].
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// std::fs::write(&path, "héllo")?;
/// assert_eq!(zio::fs::read_to_string(&path).await?, "héllo");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let bytes = read(path).await?;
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// Writes `contents` to `path`, creating the file or truncating it first,
/// as [`std::fs::write`]. The bytes are copied into an owned buffer for the
/// kernel; open, writes and close go through the reactor.
///
/// # Errors
///
/// As [`std::fs::write`]: [`io::ErrorKind::NotFound`] for a missing
/// directory, [`io::ErrorKind::PermissionDenied`], `ENOSPC`, `EFBIG`, ...,
/// and the error of `close` (which some filesystems, like NFS, report
/// there).
///
/// # Cancel safety
///
/// Not cancel safe: a dropped future may leave the file created,
/// truncated, or partly written.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// zio::fs::write(&path, "hello").await?;
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let buf = contents.as_ref().to_vec();
    let file = File::create(path).await?;
    let (res, _) = file.write_all_at(buf, 0).await;
    let closed = file.close().await;
    res.and(closed)
}

/// Copies the contents of the file `from` to `to` (created or truncated)
/// and gives it `from`'s permission bits, as [`std::fs::copy`]; returns the
/// number of bytes copied. Reads and writes 1 MiB chunks through the
/// reactor.
///
/// # Errors
///
/// As [`std::fs::copy`]: [`io::ErrorKind::InvalidInput`] if `from` is not a
/// regular file, [`io::ErrorKind::NotFound`], [`io::ErrorKind::PermissionDenied`],
/// and the errors of reading and writing.
///
/// # Cancel safety
///
/// Not cancel safe: a dropped future may leave `to` created and partly
/// written.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, b"data")?;
/// assert_eq!(zio::fs::copy(&a, &b).await?, 4);
/// assert_eq!(std::fs::read(&b)?, b"data");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let src = File::open(from).await?;
    let meta = src.metadata().await?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the source path is neither a regular file nor a symlink to a regular file",
        ));
    }
    let mode = meta.permissions().mode() & 0o7777;
    let dst = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(to)
        .await?;
    let copied = copy_open(&src, &dst, meta.len(), mode).await;
    let _ = src.close().await;
    let closed = dst.close().await;
    let copied = copied?;
    closed.map(|()| copied)
}

async fn copy_open(src: &File, dst: &File, len: u64, mode: u32) -> io::Result<u64> {
    // Like std: an existing `to` gets `from`'s permissions too (the open's
    // mode applies to a new file only).
    if dst.metadata().await?.is_file() {
        dst.set_permissions(std::fs::Permissions::from_mode(mode))
            .await?;
    }
    let chunk = usize::try_from(len)
        .unwrap_or(usize::MAX)
        .clamp(1, COPY_CHUNK);
    let mut buf = Vec::with_capacity(chunk);
    let mut pos = 0u64;
    loop {
        let (res, mut b) = read_retry(src, buf, pos, 0).await;
        let n = res?;
        if n == 0 {
            return Ok(pos);
        }
        b.truncate(n);
        let (res, b) = dst.write_all_at(b, pos).await;
        res?;
        buf = b;
        pos += n as u64;
    }
}
