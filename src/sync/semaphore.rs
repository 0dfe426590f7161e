//! [`Semaphore`]: a fair, FIFO counting semaphore with borrowed and owned
//! permits, usable from tasks on any executor and from plain threads.

use std::sync::Arc;
use std::time::Duration;

use crate::sync::batch_semaphore::{self as ll, RawSemaphore};
use crate::sync::blocking;
use crate::sync::error::{AcquireError, AcquireTimeoutError, TryAcquireError};
use crate::sync::timeout::timeout;

/// A counting semaphore: a pool of permits that tasks and threads acquire
/// and give back.
///
/// Waiters are served strictly first-in, first-out: a large `acquire_many`
/// at the head of the queue is not starved by a stream of small ones, and no
/// newcomer (not even `try_acquire`) takes permits while anyone waits.
///
/// It works the same from a zio task, a task on another executor (tokio,
/// `futures::executor`), and a plain thread (the `blocking_*` methods).
///
/// # Examples
///
/// ```
/// use zio::sync::Semaphore;
///
/// let sem = Semaphore::new(2);
/// let a = sem.try_acquire().unwrap();
/// let _b = futures::executor::block_on(sem.acquire()).unwrap();
/// assert!(sem.try_acquire().is_err());
/// drop(a);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[derive(Debug)]
pub struct Semaphore {
    ll: RawSemaphore,
}

/// Permits borrowed from a [`Semaphore`]; they go back when this is dropped.
///
/// # Examples
///
/// ```
/// let sem = zio::sync::Semaphore::new(3);
/// let permit = sem.try_acquire_many(2).unwrap();
/// assert_eq!(permit.num_permits(), 2);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 3);
/// ```
#[must_use = "the permits are released as soon as this is dropped"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

/// Permits owned through an `Arc<Semaphore>`; they go back when dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(zio::sync::Semaphore::new(1));
/// let permit = sem.clone().try_acquire_owned().unwrap();
/// std::thread::spawn(move || drop(permit)).join().unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permits are released as soon as this is dropped"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl Semaphore {
    /// The most permits a semaphore can hold (`usize::MAX >> 3`).
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// Creates a semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(4);
    /// assert_eq!(sem.available_permits(), 4);
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Self {
        Semaphore {
            ll: RawSemaphore::new(permits),
        }
    }

    /// Like [`Semaphore::new`], usable in a `static`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// static LIMIT: zio::sync::Semaphore = zio::sync::Semaphore::const_new(8);
    /// assert_eq!(LIMIT.available_permits(), 8);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new(permits: usize) -> Self {
        Semaphore {
            ll: RawSemaphore::const_new(permits),
        }
    }

    /// The number of permits available right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` permits; they go to waiters first, in FIFO order. Works on a
    /// closed semaphore too.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll.release(n);
    }

    /// Removes up to `n` currently available permits for good; returns how
    /// many were removed.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(3);
    /// assert_eq!(sem.forget_permits(5), 3);
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: dropping the future gives up its place in the
    /// queue, and any permit it had been handed goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(1);
    /// futures::executor::block_on(async {
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(permit.num_permits(), 1);
    /// });
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many_usize(1).await
    }

    /// Waits for `n` permits at once. They are assigned as they come, but
    /// the future completes only when it holds all `n`.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: permits already assigned to a dropped future go to the
    /// next waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(5);
    /// let p = futures::executor::block_on(sem.acquire_many(3)).unwrap();
    /// assert_eq!(sem.available_permits(), 2);
    /// drop(p);
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many_usize(to_usize(n)).await
    }

    async fn acquire_many_usize(&self, n: usize) -> Result<SemaphorePermit<'_>, AcquireError> {
        match self.ll.acquire(n).await {
            Ok(()) => Ok(SemaphorePermit {
                sem: self,
                permits: n,
            }),
            Err(ll::AcquireError) => Err(AcquireError(())),
        }
    }

    /// Waits for one permit for at most `timeout`. Works with no runtime
    /// at all and on any executor.
    ///
    /// # Errors
    ///
    /// [`AcquireTimeoutError::Timeout`] once `timeout` has passed (never
    /// earlier), [`AcquireTimeoutError::Closed`] if the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Semaphore::acquire`]; a timeout loses no permit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use zio::sync::{AcquireTimeoutError, Semaphore};
    ///
    /// let sem = Semaphore::new(0);
    /// let res = futures::executor::block_on(sem.acquire_timeout(Duration::from_millis(10)));
    /// assert_eq!(res.unwrap_err(), AcquireTimeoutError::Timeout);
    /// ```
    pub async fn acquire_timeout(
        &self,
        timeout_after: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        match timeout(timeout_after, self.acquire()).await {
            Some(Ok(p)) => Ok(p),
            Some(Err(_)) => Err(AcquireTimeoutError::Closed),
            None => Err(AcquireTimeoutError::Timeout),
        }
    }

    /// Takes one permit if one is available now.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if none is free (or others wait),
    /// [`TryAcquireError::Closed`] if the semaphore is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are all available now.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_err());
    /// assert!(sem.try_acquire_many(2).is_ok());
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let n = to_usize(n);
        self.ll.try_acquire(n).map_err(map_try)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Blocks the current thread until a permit is available.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`), so they keep running. Inside a tokio runtime it
    /// blocks that runtime thread; in a tokio `current_thread` runtime,
    /// waiting for a permit that a task of the same runtime must release
    /// deadlocks, so use [`Semaphore::acquire`] there. It never panics
    /// because of the context it runs in.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(1);
    /// let p = sem.blocking_acquire().unwrap();
    /// assert_eq!(p.num_permits(), 1);
    /// ```
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        // Fast path: no parker set-up when a permit is free.
        match self.try_acquire() {
            Ok(p) => Ok(p),
            Err(TryAcquireError::Closed) => Err(AcquireError(())),
            Err(TryAcquireError::NoPermits) => blocking::block_on(self.acquire()),
        }
    }

    /// Blocks the current thread until `n` permits are available. Where it
    /// may be called: as [`Semaphore::blocking_acquire`].
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(3);
    /// let p = sem.blocking_acquire_many(3).unwrap();
    /// assert_eq!(p.num_permits(), 3);
    /// ```
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        blocking::block_on(self.acquire_many(n))
    }

    /// Blocks the current thread for at most `timeout` waiting for a permit.
    /// Where it may be called: as [`Semaphore::blocking_acquire`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let sem = zio::sync::Semaphore::new(0);
    /// assert!(sem.blocking_acquire_timeout(Duration::from_millis(5)).is_err());
    /// ```
    pub fn blocking_acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        match blocking::block_on_deadline(self.acquire(), blocking::deadline_after(timeout)) {
            Some(Ok(p)) => Ok(p),
            Some(Err(_)) => Err(AcquireTimeoutError::Closed),
            None => Err(AcquireTimeoutError::Timeout),
        }
    }

    /// Waits for one permit held through the `Arc`.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(1));
    /// let p = futures::executor::block_on(sem.clone().acquire_owned()).unwrap();
    /// assert_eq!(p.num_permits(), 1);
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits held through the `Arc`.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Semaphore::acquire_many`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(2));
    /// let p = futures::executor::block_on(sem.clone().acquire_many_owned(2)).unwrap();
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(p);
    /// ```
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        let n = to_usize(n);
        match self.ll.acquire(n).await {
            Ok(()) => Ok(OwnedSemaphorePermit {
                sem: self,
                permits: n,
            }),
            Err(ll::AcquireError) => Err(AcquireError(())),
        }
    }

    /// Takes one permit held through the `Arc`, if one is available now.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(1));
    /// assert!(sem.clone().try_acquire_owned().is_ok());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits held through the `Arc`, if available now.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(1));
    /// assert!(sem.clone().try_acquire_many_owned(2).is_err());
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        let n = to_usize(n);
        self.ll.try_acquire(n).map_err(map_try)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Blocks the current thread for one permit held through the `Arc`.
    /// Where it may be called: as [`Semaphore::blocking_acquire`].
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(1));
    /// let p = sem.clone().blocking_acquire_owned().unwrap();
    /// drop(p);
    /// ```
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        blocking::block_on(self.acquire_owned())
    }

    /// Closes the semaphore: every pending and later acquire fails with
    /// [`AcquireError`]; permits already held stay valid, and `add_permits`
    /// still works.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(1);
    /// sem.close();
    /// assert!(sem.is_closed());
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn close(&self) {
        self.ll.close();
    }

    /// Whether [`Semaphore::close`] was called.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!zio::sync::Semaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

fn map_try(e: ll::TryAcquireError) -> TryAcquireError {
    match e {
        ll::TryAcquireError::Closed => TryAcquireError::Closed,
        ll::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the two permits come from different semaphores.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(2);
    /// let mut a = sem.try_acquire().unwrap();
    /// a.merge(sem.try_acquire().unwrap());
    /// assert_eq!(a.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits of different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` if `self` holds
    /// fewer than `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(3);
    /// let mut a = sem.try_acquire_many(3).unwrap();
    /// let b = a.split(1).unwrap();
    /// assert_eq!((a.num_permits(), b.num_permits()), (2, 1));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }

    /// The number of permits held.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = zio::sync::Semaphore::new(1);
    /// assert_eq!(sem.try_acquire().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the two permits come from different semaphores.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(2));
    /// let mut a = sem.clone().try_acquire_owned().unwrap();
    /// a.merge(sem.clone().try_acquire_owned().unwrap());
    /// assert_eq!(a.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits of different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off; `None` if `self` holds fewer than `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(2));
    /// let mut a = sem.clone().try_acquire_many_owned(2).unwrap();
    /// assert!(a.split(3).is_none());
    /// assert_eq!(a.split(1).unwrap().num_permits(), 1);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }

    /// The semaphore these permits belong to.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(p.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// The number of permits held.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zio::sync::Semaphore::new(1));
    /// assert_eq!(sem.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}
