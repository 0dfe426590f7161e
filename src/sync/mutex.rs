//! [`Mutex`]: a fair (FIFO) async mutex, usable from any executor and from
//! plain threads. Built on the crate's semaphore with one permit.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use crate::loom::cell::UnsafeCell;
use crate::sync::batch_semaphore::RawSemaphore;
use crate::sync::blocking;
use crate::sync::error::{LockTimeoutError, TryLockError};
use crate::sync::timeout::timeout;

/// An async mutual-exclusion lock whose guard may be held across `.await`.
///
/// Fair: waiters get the lock strictly in the order they started waiting
/// (`try_lock` never jumps the queue). The same mutex can be shared by zio
/// tasks, tokio tasks, tasks on any executor and plain threads
/// ([`Mutex::blocking_lock`]).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zio::sync::Mutex;
///
/// let m = Arc::new(Mutex::new(0u32));
/// let m2 = m.clone();
/// let t = std::thread::spawn(move || *m2.blocking_lock() += 1);
/// futures::executor::block_on(async { *m.lock().await += 1 });
/// t.join().unwrap();
/// assert_eq!(*m.blocking_lock(), 2);
/// ```
pub struct Mutex<T: ?Sized> {
    s: RawSemaphore,
    c: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one holder at a time, which
// may be on another thread: `T: Send` is enough, as for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Exclusive access to the data of a [`Mutex`]; unlocks on drop.
///
/// # Examples
///
/// ```
/// let m = zio::sync::Mutex::new(vec![1]);
/// let mut g = m.try_lock().unwrap();
/// g.push(2);
/// assert_eq!(*g, [1, 2]);
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

// SAFETY: sharing the guard shares `&T` across threads: needs `T: Sync`
// (and `Send` for the mutex itself to be shareable).
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

/// Exclusive access to the data of an `Arc<Mutex<T>>`; unlocks on drop.
/// Unlike [`MutexGuard`] it borrows nothing, so it can move into a task.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let m = Arc::new(zio::sync::Mutex::new(1));
/// let mut g = m.clone().try_lock_owned().unwrap();
/// std::thread::spawn(move || *g += 1).join().unwrap();
/// assert_eq!(*m.blocking_lock(), 2);
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
}

// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = zio::sync::Mutex::new(5);
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    pub fn new(value: T) -> Self {
        Mutex {
            s: RawSemaphore::new(1),
            c: UnsafeCell::new(value),
        }
    }

    /// Like [`Mutex::new`], usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static COUNT: zio::sync::Mutex<u32> = zio::sync::Mutex::const_new(0);
    /// *COUNT.blocking_lock() += 1;
    /// assert_eq!(*COUNT.blocking_lock(), 1);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Self {
        Mutex {
            s: RawSemaphore::const_new(1),
            c: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns its data.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = zio::sync::Mutex::new(String::from("x"));
    /// assert_eq!(m.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.c.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock, in FIFO order with the other waiters.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe and fair: dropping the future leaves the queue, and if
    /// the lock had just been handed to it, the lock goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = zio::sync::Mutex::new(1);
    /// futures::executor::block_on(async {
    ///     *m.lock().await += 1;
    ///     assert_eq!(*m.lock().await, 2);
    /// });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard { lock: self }
    }

    async fn acquire(&self) {
        // The semaphore is never closed, so this cannot fail.
        if self.s.acquire(1).await.is_err() {
            unreachable!("a mutex's semaphore is never closed");
        }
    }

    /// Waits for the lock for at most `timeout`. Works with no runtime at
    /// all and on any executor.
    ///
    /// # Errors
    ///
    /// [`LockTimeoutError`] once `timeout` has passed (never earlier).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Mutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = zio::sync::Mutex::new(1);
    /// let _g = m.try_lock().unwrap();
    /// let r = futures::executor::block_on(m.lock_timeout(Duration::from_millis(5)));
    /// assert!(r.is_err());
    /// ```
    pub async fn lock_timeout(
        &self,
        timeout_after: Duration,
    ) -> Result<MutexGuard<'_, T>, LockTimeoutError> {
        match timeout(timeout_after, self.lock()).await {
            Some(g) => Ok(g),
            None => Err(LockTimeoutError(())),
        }
    }

    /// Blocks the current thread until the lock is acquired.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`), so the task holding the lock keeps running. Inside
    /// a tokio runtime it blocks that runtime thread; in a tokio
    /// `current_thread` runtime, waiting for a lock held by a task of the
    /// same runtime deadlocks, so use [`Mutex::lock`] there. It never panics
    /// because of the context it runs in.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = zio::sync::Mutex::new(1);
    /// *m.blocking_lock() += 1;
    /// assert_eq!(*m.blocking_lock(), 2);
    /// ```
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        // Fast path: no parker set-up when the lock is free.
        match self.try_lock() {
            Ok(g) => g,
            Err(_) => blocking::block_on(self.lock()),
        }
    }

    /// Blocks the current thread for at most `timeout` waiting for the lock.
    /// Where it may be called: as [`Mutex::blocking_lock`].
    ///
    /// # Errors
    ///
    /// [`LockTimeoutError`] once `timeout` has passed (never earlier).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = zio::sync::Mutex::new(1);
    /// assert!(m.blocking_lock_timeout(Duration::from_secs(1)).is_ok());
    /// ```
    pub fn blocking_lock_timeout(
        &self,
        timeout: Duration,
    ) -> Result<MutexGuard<'_, T>, LockTimeoutError> {
        blocking::block_on_deadline(self.lock(), blocking::deadline_after(timeout))
            .ok_or(LockTimeoutError(()))
    }

    /// Waits for the lock and returns a guard that holds the `Arc`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Mutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(zio::sync::Mutex::new(1));
    /// let g = futures::executor::block_on(m.clone().lock_owned());
    /// assert_eq!(*g, 1);
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard { lock: self }
    }

    /// Blocks the current thread for an owned guard. Where it may be
    /// called: as [`Mutex::blocking_lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(zio::sync::Mutex::new(1));
    /// assert_eq!(*m.blocking_lock_owned(), 1);
    /// ```
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        blocking::block_on(self.lock_owned())
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or others wait.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = zio::sync::Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(MutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`Mutex::try_lock`] for an owned guard.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or others wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(zio::sync::Mutex::new(1));
    /// let _g = m.clone().try_lock_owned().unwrap();
    /// assert!(m.clone().try_lock_owned().is_err());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Mutable access without locking: `&mut self` proves nobody else has it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = zio::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::{Mutex, MutexGuard};
    /// let m = Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the data; the mutex stays locked
    /// until the returned guard is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::{Mutex, MutexGuard};
    /// let m = Mutex::new((1, String::from("a")));
    /// let mut s = MutexGuard::map(m.try_lock().unwrap(), |t| &mut t.1);
    /// s.push('b');
    /// drop(s);
    /// assert_eq!(m.try_lock().unwrap().1, "ab");
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> MappedMutexGuard<'a, U> {
        infallible(Self::try_map(this, |t| Some(f(t))))
    }

    /// Like [`MutexGuard::map`], but `f` may decline (returning `None`),
    /// which hands the original guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::{Mutex, MutexGuard};
    /// let m = Mutex::new(vec![1]);
    /// let g = MutexGuard::try_map(m.try_lock().unwrap(), |v| v.get_mut(5));
    /// assert!(g.is_err());
    /// ```
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let data: *mut U = match f(&mut *this) {
            Some(d) => d,
            None => return Err(this),
        };
        let s = &this.lock.s;
        std::mem::forget(this);
        Ok(MappedMutexGuard {
            s,
            data,
            _marker: PhantomData,
        })
    }
}

/// A [`MutexGuard`] narrowed to a part of the data by
/// [`MutexGuard::map`]; unlocks on drop.
///
/// # Examples
///
/// ```
/// use zio::sync::{Mutex, MutexGuard};
/// let m = Mutex::new([1, 2]);
/// *MutexGuard::map(m.try_lock().unwrap(), |a| &mut a[1]) = 5;
/// assert_eq!(*m.try_lock().unwrap(), [1, 5]);
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    s: &'a RawSemaphore,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: the guard is a unique `&mut T` (plus the lock it releases, which
// is `Sync`): `Send`/`Sync` follow `&mut T`'s rules.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new(((1, 2), 3));
    /// let g = MutexGuard::map(m.try_lock().unwrap(), |t| &mut t.0);
    /// let g = MappedMutexGuard::map(g, |p| &mut p.1);
    /// assert_eq!(*g, 2);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> MappedMutexGuard<'a, U> {
        infallible(Self::try_map(this, |t| Some(f(t))))
    }

    /// Narrows the guard further if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new((vec![1], 0));
    /// let g = MutexGuard::map(m.try_lock().unwrap(), |t| &mut t.0);
    /// assert!(MappedMutexGuard::try_map(g, |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let data: *mut U = match f(&mut *this) {
            Some(d) => d,
            None => return Err(this),
        };
        let s = this.s;
        std::mem::forget(this);
        Ok(MappedMutexGuard {
            s,
            data,
            _marker: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `data` points into the locked mutex's data, which this
        // guard (holding the only permit) alone may access while it lives.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(1);
    }
}

/// The guard of a `map`: `try_map` with a closure that never declines.
fn infallible<G, E>(r: Result<G, E>) -> G {
    match r {
        Ok(g) => g,
        Err(_) => unreachable!("the closure always returns Some"),
    }
}

/// An [`OwnedMutexGuard`] narrowed to a part of the data (of type `U`) by
/// [`OwnedMutexGuard::map`]; keeps the `Arc<Mutex<T>>` and unlocks on drop.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zio::sync::{Mutex, OwnedMutexGuard};
/// let m = Arc::new(Mutex::new((1, 2)));
/// let mut g = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |t| &mut t.1);
/// std::thread::spawn(move || *g = 5).join().unwrap();
/// assert_eq!(*m.try_lock().unwrap(), (1, 5));
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<Mutex<T>>,
    data: *mut U,
}

// SAFETY: the guard is a unique `&mut U` plus an `Arc<Mutex<T>>` (which is
// `Send + Sync` for `T: Send`): `Send`/`Sync` follow `&mut U`'s rules.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send, U: ?Sized + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to a part of the data; the mutex stays locked
    /// until the returned guard is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zio::sync::{Mutex, OwnedMutexGuard};
    /// let m = Arc::new(Mutex::new(vec![1, 2]));
    /// let mut first = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |v| &mut v[0]);
    /// *first = 7;
    /// drop(first);
    /// assert_eq!(*m.try_lock().unwrap(), [7, 2]);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, U> {
        infallible(Self::try_map(this, |t| Some(f(t))))
    }

    /// Like [`OwnedMutexGuard::map`], but `f` may decline (returning
    /// `None`), which hands the original guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zio::sync::{Mutex, OwnedMutexGuard};
    /// let m = Arc::new(Mutex::new(vec![1]));
    /// let g = OwnedMutexGuard::try_map(m.try_lock_owned().unwrap(), |v| v.get_mut(5));
    /// assert!(g.is_err());
    /// ```
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        let data: *mut U = match f(&mut *this) {
            Some(d) => d,
            None => return Err(this),
        };
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again (ManuallyDrop), so
        // moving its `Arc` out leaves exactly one owner; the permit moves
        // with it to the new guard, which releases it on drop.
        let lock = unsafe { std::ptr::read(&this.lock) };
        Ok(OwnedMappedMutexGuard { lock, data })
    }

    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zio::sync::{Mutex, OwnedMutexGuard};
    /// let m = Arc::new(Mutex::new(1));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&g), &m));
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit, so no one else
        // accesses the data while it lives.
        self.lock.c.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this access unique.
        self.lock.c.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit.
        self.lock.c.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this access unique.
        self.lock.c.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows the guard further.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// let m = Arc::new(Mutex::new(((1, 2), 3)));
    /// let g = OwnedMutexGuard::map(m.try_lock_owned().unwrap(), |t| &mut t.0);
    /// let g = OwnedMappedMutexGuard::map(g, |p| &mut p.1);
    /// assert_eq!(*g, 2);
    /// ```
    pub fn map<V: ?Sized, F: FnOnce(&mut U) -> &mut V>(
        this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, V> {
        infallible(Self::try_map(this, |u| Some(f(u))))
    }

    /// Narrows the guard further if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// let m = Arc::new(Mutex::new((vec![1], 0)));
    /// let g = OwnedMutexGuard::map(m.try_lock_owned().unwrap(), |t| &mut t.0);
    /// assert!(OwnedMappedMutexGuard::try_map(g, |v| v.get_mut(3)).is_err());
    /// ```
    pub fn try_map<V: ?Sized, F: FnOnce(&mut U) -> Option<&mut V>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, V>, Self> {
        let data: *mut V = match f(&mut *this) {
            Some(d) => d,
            None => return Err(this),
        };
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: as in `OwnedMutexGuard::try_map`: `this` is never used
        // again, so the `Arc` and the permit move to the new guard.
        let lock = unsafe { std::ptr::read(&this.lock) };
        Ok(OwnedMappedMutexGuard { lock, data })
    }

    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// let m = Arc::new(Mutex::new((1, 2)));
    /// let g = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |t| &mut t.0);
    /// assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&g), &m));
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: `data` points into the locked mutex's data, kept alive by
        // `lock`; this guard holds the only permit, so it alone accesses it.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

macro_rules! fmt_guard {
    ($($ty:ty),*) => {$(
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
    )*};
}
fmt_guard!(
    MutexGuard<'_, T>,
    OwnedMutexGuard<T>,
    MappedMutexGuard<'_, T>
);

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Mutex;
    use crate::loom::sync::Arc;
    use crate::loom::thread;
    use loom::future::block_on;

    /// Two increments from two threads end at 2; the guard hands over the
    /// lock without a lost wake-up.
    #[test]
    fn two_lockers() {
        loom::model(|| {
            let m = Arc::new(Mutex::new(0u32));
            let m2 = m.clone();
            let t = thread::spawn(move || {
                *block_on(m2.lock()) += 1;
            });
            *block_on(m.lock()) += 1;
            t.join().unwrap();
            assert_eq!(*m.try_lock().unwrap(), 2);
        });
    }
}
