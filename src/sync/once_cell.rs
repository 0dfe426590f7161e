//! [`OnceCell`]: a value initialized once, by the first of possibly many
//! concurrent async initializers.

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;

use crate::sync::batch_semaphore::RawSemaphore;

/// A cell written once. `get_or_init` runs one initializer at a time
/// (FIFO); if the running one is cancelled, the next waiter runs its own.
/// Works from any executor.
///
/// # Examples
///
/// ```
/// use zio::sync::OnceCell;
///
/// static CONFIG: OnceCell<u32> = OnceCell::const_new();
/// let v = futures::executor::block_on(CONFIG.get_or_init(|| async { 7 }));
/// assert_eq!(*v, 7);
/// assert_eq!(CONFIG.get(), Some(&7));
/// ```
pub struct OnceCell<T> {
    value: OnceLock<T>,
    init: RawSemaphore,
}

/// Why [`OnceCell::set`] failed; the value is handed back.
///
/// # Examples
///
/// ```
/// use zio::sync::{OnceCell, SetError};
/// let cell = OnceCell::new_with(Some(1));
/// assert!(matches!(cell.set(2), Err(SetError::AlreadyInitializedError(2))));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// An initializer is running right now.
    InitializingError(T),
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = zio::sync::OnceCell::new_with(Some(1));
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initializer was running.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = zio::sync::OnceCell::new_with(Some(1));
    /// assert!(!cell.set(2).unwrap_err().is_initializing_err());
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = zio::sync::OnceCell::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    pub fn new() -> Self {
        OnceCell {
            value: OnceLock::new(),
            init: RawSemaphore::new(1),
        }
    }

    /// Like [`OnceCell::new`], usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static CELL: zio::sync::OnceCell<u32> = zio::sync::OnceCell::const_new();
    /// assert_eq!(*futures::executor::block_on(CELL.get_or_init(|| async { 5 })), 5);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        OnceCell {
            value: OnceLock::new(),
            init: RawSemaphore::const_new(1),
        }
    }

    /// A cell holding `value` if it is `Some`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = zio::sync::OnceCell::new_with(Some(3));
    /// assert_eq!(cell.get(), Some(&3));
    /// ```
    pub fn new_with(value: Option<T>) -> Self {
        let cell = OnceCell::new();
        if let Some(v) = value {
            let _ = cell.value.set(v);
        }
        cell
    }

    /// Whether the cell holds a value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zio::sync::OnceCell::new_with(Some(1)).initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// The value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zio::sync::OnceCell::<u8>::new().get(), None);
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Mutable access to the value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = zio::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() = 2;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Sets the value if the cell is empty and no initializer runs.
    ///
    /// # Errors
    ///
    /// [`SetError`] with the value otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = zio::sync::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).is_err());
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        if self.init.try_acquire(1).is_err() {
            return Err(SetError::InitializingError(value));
        }
        let res = self.value.set(value);
        self.init.release(1);
        res.map_err(SetError::AlreadyInitializedError)
    }

    /// The value, running `f` to produce it if the cell is empty. Only one
    /// initializer runs at a time; the others wait for its result.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future running `f` is dropped, the next waiter
    /// runs its own initializer.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = zio::sync::OnceCell::new();
    /// futures::executor::block_on(async {
    ///     assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
    ///     assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1);
    /// });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Like [`OnceCell::get_or_init`], for a fallible initializer; an error
    /// leaves the cell empty and lets the next waiter try.
    ///
    /// # Errors
    ///
    /// The error of `f`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`OnceCell::get_or_init`].
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = zio::sync::OnceCell::new();
    /// futures::executor::block_on(async {
    ///     assert!(cell.get_or_try_init(|| async { Err::<u8, _>("no") }).await.is_err());
    ///     assert_eq!(cell.get_or_try_init(|| async { Ok::<_, ()>(3) }).await, Ok(&3));
    /// });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        // One initializer at a time, FIFO; the permit goes back on drop
        // (also when this future is cancelled mid-`f`).
        if self.init.acquire(1).await.is_err() {
            unreachable!("a OnceCell's semaphore is never closed");
        }
        let _permit = ReleaseOnDrop(&self.init);
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let value = f().await?;
        let _ = self.value.set(value);
        Ok(self.get().expect("just set"))
    }

    /// Takes the value out, leaving the cell empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = zio::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(!cell.initialized());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        self.value.take()
    }

    /// Consumes the cell, returning its value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zio::sync::OnceCell::new_with(Some(1)).into_inner(), Some(1));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }
}

struct ReleaseOnDrop<'a>(&'a RawSemaphore);

impl Drop for ReleaseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.release(1);
    }
}
