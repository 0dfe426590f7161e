//! Blocking `std::io::{Read, Write, Seek}` for `File` and `&File`: plain
//! syscalls on the calling thread, for plain threads. They share the
//! cursor of the async `read`/`write`/`seek`.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, RawFd};

use super::file::seek_target;
use super::File;

/// Largest count of one syscall (Linux's `MAX_RW_COUNT`).
const MAX_RW: usize = 0x7fff_f000;

fn result(ret: isize) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

fn offset(pos: u64) -> io::Result<libc::off_t> {
    libc::off_t::try_from(pos).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "file offset larger than i64::MAX",
        )
    })
}

/// The kernel's file position of `fd` (`lseek(fd, 0, SEEK_CUR)`).
pub(crate) fn kernel_position(fd: RawFd) -> io::Result<u64> {
    // SAFETY: a plain syscall; no memory involved.
    let ret = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    result(ret as isize).map(|p| p as u64)
}

fn file_size(fd: RawFd) -> io::Result<u64> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `st` is a writable `stat` buffer; the kernel fills it.
    let ret = unsafe { libc::fstat(fd, st.as_mut_ptr()) };
    result(ret as isize)?;
    // SAFETY: `fstat` succeeded, so it initialized `st`.
    let st = unsafe { st.assume_init() };
    Ok(st.st_size as u64)
}

/// Reads at the cursor with `pread` and moves the cursor (a plain `read`
/// on a FIFO or tty).
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// std::fs::write(&path, b"hello")?;
/// let file = zio::fs::File::open(&path).await?;
/// let mut s = String::new();
/// (&file).read_to_string(&mut s)?;
/// assert_eq!(s, "hello");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl Read for &File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut pos = self.lock_pos();
        let len = buf.len().min(MAX_RW);
        let (fd, ptr) = (self.as_raw_fd(), buf.as_mut_ptr().cast());
        if self.is_stream() {
            // SAFETY: `buf` is a writable slice of at least `len` bytes.
            return result(unsafe { libc::read(fd, ptr, len) });
        }
        let off = offset(*pos)?;
        // SAFETY: `buf` is a writable slice of at least `len` bytes.
        let n = result(unsafe { libc::pread(fd, ptr, len, off) })?;
        *pos += n as u64;
        Ok(n)
    }
}

/// Writes at the cursor with `pwrite` (at the end in append mode) and moves
/// the cursor.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// let file = zio::fs::File::create(&path).await?;
/// (&file).write_all(b"hello")?;
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl Write for &File {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut pos = self.lock_pos();
        let fd = self.as_raw_fd();
        let len = buf.len().min(MAX_RW);
        if self.is_append_mode() || self.is_stream() {
            // SAFETY: `buf` is a readable slice of at least `len` bytes.
            let n = result(unsafe { libc::write(fd, buf.as_ptr().cast(), len) })?;
            if !self.is_stream() {
                *pos = kernel_position(fd)?;
            }
            return Ok(n);
        }
        let off = offset(*pos)?;
        // SAFETY: `buf` is a readable slice of at least `len` bytes.
        let n = result(unsafe { libc::pwrite(fd, buf.as_ptr().cast(), len, off) })?;
        *pos += n as u64;
        Ok(n)
    }

    /// Nothing to flush: `File` has no user-space buffer. (Use
    /// [`File::sync_all`] to reach the device.)
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Moves the cursor ([`SeekFrom::End`] takes the size from `fstat`).
///
/// # Examples
///
/// ```
/// use std::io::{Seek, SeekFrom};
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// std::fs::write(&path, b"hello")?;
/// let file = zio::fs::File::open(&path).await?;
/// assert_eq!((&file).seek(SeekFrom::End(0))?, 5);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl Seek for &File {
    fn seek(&mut self, target: SeekFrom) -> io::Result<u64> {
        if self.is_stream() {
            return Err(io::Error::from_raw_os_error(libc::ESPIPE));
        }
        let mut pos = self.lock_pos();
        let new = match target {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(delta) => pos.checked_add_signed(delta),
            SeekFrom::End(delta) => file_size(self.as_raw_fd())?.checked_add_signed(delta),
        };
        *pos = seek_target(new)?;
        Ok(*pos)
    }
}

/// As `Read for &File`.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// # zio::block_on(async {
/// let mut file = zio::fs::File::open("/dev/zero").await?;
/// let mut buf = [1u8; 4];
/// Read::read_exact(&mut file, &mut buf)?;
/// assert_eq!(buf, [0; 4]);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl Read for File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }
}

/// As `Write for &File`.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let mut file = zio::fs::File::create(dir.path().join("f")).await?;
/// writeln!(file, "hello")?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl Write for File {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// As `Seek for &File`.
///
/// # Examples
///
/// ```
/// use std::io::{Seek, SeekFrom};
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let mut file = zio::fs::File::create(dir.path().join("f")).await?;
/// assert_eq!(Seek::seek(&mut file, SeekFrom::Start(10))?, 10);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl Seek for File {
    fn seek(&mut self, target: SeekFrom) -> io::Result<u64> {
        (&*self).seek(target)
    }
}
