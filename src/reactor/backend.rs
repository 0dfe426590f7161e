//! Choosing a backend: io_uring when the kernel allows it, epoll otherwise.
//!
//! `ZIO_BACKEND=uring|epoll` forces one (a forced io_uring that cannot be
//! set up is an error naming the cause). Without it, a refused io_uring
//! (seccomp's `EPERM`, `kernel.io_uring_disabled`, `ENOSYS`, `ENOMEM`, a
//! kernel too old) falls back to epoll with one log line per process.

use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use super::epoll::Epoll;
use super::uring::{RingConfig, Uring};

/// The kernel interface a runtime does its I/O through.
///
/// # Examples
///
/// ```
/// let rt = zio::runtime::Runtime::new().unwrap();
/// let backend = rt.handle().io_backend();
/// println!("zio runs on {backend}");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoBackend {
    /// io_uring: one ring per worker thread.
    IoUring,
    /// epoll: readiness, with file operations on the blocking pool.
    Epoll,
}

impl fmt::Display for IoBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoBackend::IoUring => "io_uring",
            IoBackend::Epoll => "epoll",
        })
    }
}

/// One per driver, built once and never moved on a hot path, so the size
/// difference between the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Backend {
    Uring(Uring),
    Epoll(Epoll),
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Uring(u) => u.fmt(f),
            Backend::Epoll(e) => e.fmt(f),
        }
    }
}

/// The backend `ZIO_BACKEND` asks for, if any.
fn requested() -> io::Result<Option<IoBackend>> {
    static REQUESTED: OnceLock<Result<Option<IoBackend>, String>> = OnceLock::new();
    let parsed = REQUESTED.get_or_init(|| match std::env::var("ZIO_BACKEND") {
        Err(_) => Ok(None),
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(None),
            "uring" | "io_uring" | "io-uring" => Ok(Some(IoBackend::IoUring)),
            "epoll" => Ok(Some(IoBackend::Epoll)),
            other => Err(format!(
                "ZIO_BACKEND={other:?} is not a backend: use `uring` or `epoll`"
            )),
        },
    });
    parsed
        .clone()
        .map_err(|msg| io::Error::new(io::ErrorKind::InvalidInput, msg))
}

impl Backend {
    /// A backend for a driver whose unparker writes `eventfd`.
    pub(crate) fn new(config: &RingConfig, pinned: bool, eventfd: RawFd) -> io::Result<Backend> {
        match requested()? {
            Some(IoBackend::Epoll) => Ok(Backend::Epoll(Epoll::new(eventfd)?)),
            Some(IoBackend::IoUring) => Ok(Backend::Uring(Uring::new(config, pinned)?)),
            None => match Uring::new(config, pinned) {
                Ok(u) => Ok(Backend::Uring(u)),
                Err(e) => {
                    static LOGGED: AtomicBool = AtomicBool::new(false);
                    if !LOGGED.swap(true, Ordering::Relaxed) {
                        tracing::warn!("zio: {e}; using the epoll backend");
                    }
                    Ok(Backend::Epoll(Epoll::new(eventfd)?))
                }
            },
        }
    }

    pub(crate) fn kind(&self) -> IoBackend {
        match self {
            Backend::Uring(_) => IoBackend::IoUring,
            Backend::Epoll(_) => IoBackend::Epoll,
        }
    }
}
