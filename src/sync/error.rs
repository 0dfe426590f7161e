//! Errors of the locks and the semaphore (the channels have their own
//! `error` modules).

use std::fmt;

/// The semaphore was closed while (or before) waiting for a permit.
///
/// # Examples
///
/// ```
/// let sem = zio::sync::Semaphore::new(0);
/// sem.close();
/// assert!(futures::executor::block_on(sem.acquire()).is_err());
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct AcquireError(pub(crate) ());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why [`Semaphore::try_acquire`](crate::sync::Semaphore::try_acquire)
/// returned no permit.
///
/// # Examples
///
/// ```
/// use zio::sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(0);
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryAcquireError {
    /// The semaphore is closed.
    Closed,
    /// Not enough permits are free right now (or others are waiting).
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

/// Why [`Semaphore::acquire_timeout`](crate::sync::Semaphore::acquire_timeout)
/// returned no permit.
///
/// # Examples
///
/// ```
/// use zio::sync::{AcquireTimeoutError, Semaphore};
/// let sem = Semaphore::new(0);
/// sem.close();
/// let e = sem.blocking_acquire_timeout(std::time::Duration::from_secs(1)).unwrap_err();
/// assert_eq!(e, AcquireTimeoutError::Closed);
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum AcquireTimeoutError {
    /// The timeout passed first.
    Timeout,
    /// The semaphore is closed.
    Closed,
}

impl fmt::Display for AcquireTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcquireTimeoutError::Timeout => f.write_str("timed out waiting for a permit"),
            AcquireTimeoutError::Closed => f.write_str("semaphore closed"),
        }
    }
}

impl std::error::Error for AcquireTimeoutError {}

/// The lock is held elsewhere right now (returned by `try_lock`,
/// `try_read`, `try_write`).
///
/// # Examples
///
/// ```
/// let m = zio::sync::Mutex::new(1);
/// let _g = m.try_lock().unwrap();
/// assert!(m.try_lock().is_err());
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

/// The timeout passed before the lock was acquired (returned by
/// `lock_timeout`, `read_timeout`, `write_timeout`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let m = zio::sync::Mutex::new(1);
/// let _g = m.try_lock().unwrap();
/// assert!(m.blocking_lock_timeout(Duration::from_millis(5)).is_err());
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct LockTimeoutError(pub(crate) ());

impl fmt::Display for LockTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out waiting for the lock")
    }
}

impl std::error::Error for LockTimeoutError {}
