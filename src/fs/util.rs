//! Small helpers shared by the fs types and functions.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `path` as the C string the kernel reads; a NUL inside is `InvalidInput`,
/// as in `std::fs`.
pub(crate) fn cstr(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "file name contained an unexpected NUL byte",
        )
    })
}

/// Runs `f` on the blocking pool (the current runtime's, or the
/// process-wide one) and waits for it.
pub(crate) async fn blocking<F, R>(f: F) -> io::Result<R>
where
    F: FnOnce() -> io::Result<R> + Send + 'static,
    R: Send + 'static,
{
    match crate::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(io::Error::other(
            "zio::fs: the blocking pool dropped the job (runtime shut down)",
        )),
    }
}

/// A file offset the kernel accepts (`off_t` is signed; io_uring reads
/// `u64::MAX` as "the file position").
pub(crate) fn check_offset(pos: u64) -> io::Result<u64> {
    if pos > i64::MAX as u64 {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "file offset larger than i64::MAX",
        ))
    } else {
        Ok(pos)
    }
}
