//! [`RwLock`]: a fair (FIFO) async reader-writer lock, usable from any
//! executor and from plain threads.
//!
//! Built on the crate's semaphore like tokio's: `max_readers` permits; a
//! reader takes one, a writer takes all of them. FIFO hand-off means a
//! waiting writer is never starved by a stream of readers.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use crate::loom::cell::UnsafeCell;
use crate::sync::batch_semaphore::RawSemaphore;
use crate::sync::blocking;
use crate::sync::error::{LockTimeoutError, TryLockError};
use crate::sync::timeout::timeout;

/// The default (and largest) number of concurrent readers.
const MAX_READS: u32 = u32::MAX >> 3;

/// An async reader-writer lock: many readers or one writer, with guards
/// that may be held across `.await`.
///
/// Fair: requests are served in FIFO order, so a writer waits only for the
/// readers ahead of it, and readers behind a waiting writer wait for it.
///
/// # Examples
///
/// ```
/// use zio::sync::RwLock;
///
/// let lock = RwLock::new(5);
/// futures::executor::block_on(async {
///     {
///         let r1 = lock.read().await;
///         let r2 = lock.read().await;
///         assert_eq!(*r1 + *r2, 10);
///     }
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 6);
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    s: RawSemaphore,
    c: UnsafeCell<T>,
}

// SAFETY: like `std::sync::RwLock`: moving the lock moves `T` (needs
// `Send`); sharing it hands `&T` to many threads (needs `Sync`) and `&mut T`
// to one at a time on any thread (needs `Send`).
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

/// Shared access to the data of a [`RwLock`].
///
/// # Examples
///
/// ```
/// let lock = zio::sync::RwLock::new(1);
/// let r = lock.try_read().unwrap();
/// assert_eq!(*r, 1);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

/// Exclusive access to the data of a [`RwLock`].
///
/// # Examples
///
/// ```
/// let lock = zio::sync::RwLock::new(1);
/// *lock.try_write().unwrap() += 1;
/// assert_eq!(*lock.try_read().unwrap(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

/// Shared access through an `Arc<RwLock<T>>`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(zio::sync::RwLock::new(1));
/// let r = lock.clone().try_read_owned().unwrap();
/// std::thread::spawn(move || assert_eq!(*r, 1)).join().unwrap();
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

/// Exclusive access through an `Arc<RwLock<T>>`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(zio::sync::RwLock::new(1));
/// let mut w = lock.clone().try_write_owned().unwrap();
/// std::thread::spawn(move || *w += 1).join().unwrap();
/// assert_eq!(*lock.blocking_read(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

// SAFETY: a read guard hands out `&T`: sending or sharing it shares `T`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockReadGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockReadGuard<T> {}
// SAFETY: a write guard hands out `&mut T` (needs `Send` to move) and,
// shared, `&T` (needs `Sync`).
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::new(1);
    /// assert_eq!(lock.into_inner(), 1);
    /// ```
    pub fn new(value: T) -> Self {
        Self::with_max_readers(value, MAX_READS)
    }

    /// Like [`RwLock::new`], usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static CONFIG: zio::sync::RwLock<u32> = zio::sync::RwLock::const_new(1);
    /// assert_eq!(*CONFIG.blocking_read(), 1);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Self {
        RwLock {
            max_readers: MAX_READS,
            s: RawSemaphore::const_new(MAX_READS as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Creates a lock that admits at most `max_reads` readers at once.
    ///
    /// # Panics
    ///
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::with_max_readers(0, 1);
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> Self {
        assert!(
            max_reads > 0 && max_reads <= MAX_READS,
            "RwLock max_reads must be in 1..={MAX_READS}, got {max_reads}"
        );
        RwLock {
            max_readers: max_reads,
            s: RawSemaphore::new(max_reads as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns its data.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zio::sync::RwLock::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.c.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    async fn acquire(&self, n: u32) {
        if self.s.acquire(n as usize).await.is_err() {
            unreachable!("an RwLock's semaphore is never closed");
        }
    }

    /// Waits for shared access, in FIFO order with the other requests.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe and fair: dropping the future leaves the queue and passes
    /// on anything it had been handed.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::new(1);
    /// assert_eq!(*futures::executor::block_on(lock.read()), 1);
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        RwLockReadGuard { lock: self }
    }

    /// Waits for exclusive access, in FIFO order with the other requests.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::new(1);
    /// *futures::executor::block_on(lock.write()) += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers).await;
        RwLockWriteGuard { lock: self }
    }

    /// [`RwLock::read`] for at most `timeout`; works with no runtime.
    ///
    /// # Errors
    ///
    /// [`LockTimeoutError`] once `timeout` has passed (never earlier).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = zio::sync::RwLock::new(1);
    /// let _w = lock.try_write().unwrap();
    /// assert!(futures::executor::block_on(lock.read_timeout(Duration::from_millis(5))).is_err());
    /// ```
    pub async fn read_timeout(
        &self,
        timeout_after: Duration,
    ) -> Result<RwLockReadGuard<'_, T>, LockTimeoutError> {
        timeout(timeout_after, self.read())
            .await
            .ok_or(LockTimeoutError(()))
    }

    /// [`RwLock::write`] for at most `timeout`; works with no runtime.
    ///
    /// # Errors
    ///
    /// [`LockTimeoutError`] once `timeout` has passed (never earlier).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`RwLock::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = zio::sync::RwLock::new(1);
    /// let _r = lock.try_read().unwrap();
    /// assert!(futures::executor::block_on(lock.write_timeout(Duration::from_millis(5))).is_err());
    /// ```
    pub async fn write_timeout(
        &self,
        timeout_after: Duration,
    ) -> Result<RwLockWriteGuard<'_, T>, LockTimeoutError> {
        timeout(timeout_after, self.write())
            .await
            .ok_or(LockTimeoutError(()))
    }

    /// Blocks the current thread for shared access.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`). Inside a tokio runtime it blocks that runtime
    /// thread; in a tokio `current_thread` runtime, waiting for a lock held
    /// by a task of the same runtime deadlocks, so use `read().await`
    /// there. It never panics because of the context it runs in.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::new(1);
    /// assert_eq!(*lock.blocking_read(), 1);
    /// ```
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        blocking::block_on(self.read())
    }

    /// Blocks the current thread for exclusive access. Where it may be
    /// called: as [`RwLock::blocking_read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::new(1);
    /// *lock.blocking_write() = 2;
    /// assert_eq!(*lock.blocking_read(), 2);
    /// ```
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        blocking::block_on(self.write())
    }

    /// Owned-guard [`RwLock::read`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zio::sync::RwLock::new(1));
    /// assert_eq!(*futures::executor::block_on(lock.read_owned()), 1);
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard { lock: self }
    }

    /// Owned-guard [`RwLock::write`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`RwLock::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zio::sync::RwLock::new(1));
    /// *futures::executor::block_on(lock.clone().write_owned()) = 5;
    /// assert_eq!(*lock.blocking_read(), 5);
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// Shared access if available now (and nobody waits ahead).
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::new(1);
    /// let _w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.s.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(RwLockReadGuard { lock: self })
    }

    /// Exclusive access if available now.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if anyone holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = zio::sync::RwLock::new(1);
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.s
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(RwLockWriteGuard { lock: self })
    }

    /// Owned-guard [`RwLock::try_read`].
    ///
    /// # Errors
    ///
    /// As [`RwLock::try_read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zio::sync::RwLock::new(1));
    /// assert!(lock.try_read_owned().is_ok());
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.s.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockReadGuard { lock: self })
    }

    /// Owned-guard [`RwLock::try_write`].
    ///
    /// # Errors
    ///
    /// As [`RwLock::try_write`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zio::sync::RwLock::new(1));
    /// assert!(lock.try_write_owned().is_ok());
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.s
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockWriteGuard { lock: self })
    }

    /// Mutable access without locking: `&mut self` proves exclusivity.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = zio::sync::RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }

    /// The data, for a guard's shared access (loom records a read).
    fn data(&self) -> *const T {
        self.c.with(|p| p)
    }

    /// The data, for a write guard's exclusive access (loom records a write).
    fn data_mut(&self) -> *mut T {
        self.c.with_mut(|p| p)
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns exclusive access into shared access without letting a writer
    /// in between.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_ok());
    /// ```
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let lock = this.lock;
        std::mem::forget(this);
        lock.s.release(lock.max_readers as usize - 1);
        RwLockReadGuard { lock }
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Owned-guard [`RwLockWriteGuard::downgrade`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zio::sync::{OwnedRwLockWriteGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// let w = lock.clone().try_write_owned().unwrap();
    /// let r = OwnedRwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 1);
    /// ```
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped or used again, so the `Arc` is
        // moved out exactly once.
        let lock = unsafe { std::ptr::read(&this.lock) };
        lock.s.release(lock.max_readers as usize - 1);
        OwnedRwLockReadGuard { lock }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

macro_rules! guard_impls {
    ($ty:ty, $permits:expr, $mutable:tt) => {
        impl<T: ?Sized> Deref for $ty {
            type Target = T;
            fn deref(&self) -> &T {
                // SAFETY: the guard holds at least one permit, so no writer
                // holds the lock while it lives.
                unsafe { &*self.lock.data() }
            }
        }
        impl<T: ?Sized> Drop for $ty {
            fn drop(&mut self) {
                let permits: fn(&RwLock<T>) -> usize = $permits;
                self.lock.s.release(permits(&self.lock));
            }
        }
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
        impl<T: ?Sized + fmt::Display> fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
        guard_impls!(@mut $ty, $mutable);
    };
    (@mut $ty:ty, true) => {
        impl<T: ?Sized> DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut T {
                // SAFETY: a write guard holds every permit: no other guard
                // exists, and `&mut self` makes this access unique.
                unsafe { &mut *self.lock.data_mut() }
            }
        }
    };
    (@mut $ty:ty, false) => {};
}

guard_impls!(RwLockReadGuard<'_, T>, |_| 1, false);
guard_impls!(OwnedRwLockReadGuard<T>, |_| 1, false);
guard_impls!(RwLockWriteGuard<'_, T>, |l| l.max_readers as usize, true);
guard_impls!(OwnedRwLockWriteGuard<T>, |l| l.max_readers as usize, true);

#[cfg(all(test, loom))]
mod loom_tests {
    use super::RwLock;
    use crate::loom::sync::Arc;
    use crate::loom::thread;
    use loom::future::block_on;

    /// A writer and a reader: the reader sees 0 or 1, never a torn state,
    /// and loom checks the data accesses are ordered by the lock.
    #[test]
    fn reader_and_writer() {
        loom::model(|| {
            let l = Arc::new(RwLock::with_max_readers(0u32, 2));
            let l2 = l.clone();
            let t = thread::spawn(move || *block_on(l2.write()) += 1);
            let v = *block_on(l.read());
            assert!(v <= 1);
            t.join().unwrap();
            assert_eq!(*block_on(l.read()), 1);
        });
    }
}
