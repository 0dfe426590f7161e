//! A single-value channel that keeps only the latest value: receivers see
//! the current value at any time and can wait for it to change.
//!
//! The value sits in a `std::sync::RwLock` (borrowed briefly by
//! [`Ref`]); a version counter says whether a receiver has seen the latest
//! value; a [`Notify`] wakes receivers waiting in `changed`. Closing (the
//! last sender dropping) also bumps the notification.

use std::fmt;
use std::ops::Deref;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::sync::blocking;
use crate::sync::notify::Notify;

pub mod error {
    //! watch errors.
    use std::fmt;

    /// No receiver exists; the value is handed back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(0);
    /// drop(rx);
    /// assert_eq!(tx.send(1).unwrap_err().0, 1);
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }
    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }
    impl<T> std::error::Error for SendError<T> {}

    /// Every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(0);
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }
    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

/// `version` counts sends in steps of 2; bit 0 says "closed".
const CLOSED: u64 = 1;

struct Shared<T> {
    value: RwLock<T>,
    version: AtomicU64,
    tx_count: AtomicUsize,
    rx_count: AtomicUsize,
    changed: Notify,
    no_receivers: Notify,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        self.value.read().unwrap_or_else(PoisonError::into_inner)
    }
    fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst) & !CLOSED
    }
    fn is_closed(&self) -> bool {
        self.version.load(Ordering::SeqCst) & CLOSED == CLOSED
    }
}

/// Creates a watch channel holding `init`.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::watch::channel("a");
/// tx.send("b").unwrap();
/// futures::executor::block_on(rx.changed()).unwrap();
/// assert_eq!(*rx.borrow_and_update(), "b");
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        version: AtomicU64::new(0),
        tx_count: AtomicUsize::new(1),
        rx_count: AtomicUsize::new(1),
        changed: Notify::new(),
        no_receivers: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, version: 0 },
    )
}

/// Sets the value. Clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, rx) = zio::sync::watch::channel(1);
/// tx.send_replace(2);
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the latest value and waits for changes. Clone it for more
/// receivers (a clone has seen what the original has seen).
///
/// # Examples
///
/// ```
/// let (_tx, rx) = zio::sync::watch::channel(1);
/// assert_eq!(*rx.clone().borrow(), 1);
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    version: u64,
}

/// A read lock on the current value. Hold it briefly: senders wait while
/// it lives.
///
/// # Examples
///
/// ```
/// let (tx, rx) = zio::sync::watch::channel(1);
/// tx.send(2).unwrap();
/// let r = rx.borrow();
/// assert!(r.has_changed());
/// assert_eq!(*r, 2);
/// ```
///
/// It holds a lock of the current thread, so it is not `Send` (keep it out
/// of `.await` points in tasks that must be `Send`):
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// let (_tx, rx) = zio::sync::watch::channel(0);
/// is_send(rx.borrow());
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was new to the receiver that borrowed it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = zio::sync::watch::channel(1);
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Sender<T> {
    /// Replaces the value and notifies receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if no receiver exists (the value is not
    /// stored).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value even with no receiver, notifies receivers, and
    /// returns the old value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::watch::channel(0);
    /// assert_eq!(tx.send_replace(1), 0);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut value = value;
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// Modifies the value in place and notifies receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Modifies the value in place; notifies receivers only if `modify`
    /// returns `true`. Returns what `modify` returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(1);
    /// assert!(!tx.send_if_modified(|_| false));
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut guard = self
                .shared
                .value
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            if !modify(&mut guard) {
                return false;
            }
            // Bumped while the write lock is held: a reader that sees the
            // new version also sees the new value.
            self.shared.version.fetch_add(2, Ordering::SeqCst);
        }
        self.shared.changed.notify_waiters();
        true
    }

    /// Borrows the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::watch::channel(3);
    /// assert_eq!(*tx.borrow(), 3);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.read(),
            has_changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::watch::channel(3);
    /// let rx2 = tx.subscribe();
    /// assert!(!rx2.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, Ordering::SeqCst);
        Receiver {
            shared: self.shared.clone(),
            version: self.shared.version(),
        }
    }

    /// The number of receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::watch::channel(3);
    /// assert_eq!(tx.receiver_count(), 1);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Ordering::SeqCst)
    }

    /// Whether no receiver is left.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(3);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Completes once no receiver is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(3);
    /// std::thread::spawn(move || drop(rx));
    /// futures::executor::block_on(tx.closed());
    /// ```
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.no_receivers.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Ordering::SeqCst);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.shared.version.fetch_or(CLOSED, Ordering::SeqCst);
            self.shared.changed.notify_waiters();
        }
    }
}

impl<T> Receiver<T> {
    /// Borrows the current value without marking it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = zio::sync::watch::channel(3);
    /// assert_eq!(*rx.borrow(), 3);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let has_changed = self.shared.version() != self.version;
        Ref { guard, has_changed }
    }

    /// Borrows the current value and marks it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::watch::channel(3);
    /// tx.send(4).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let now = self.shared.version();
        let has_changed = now != self.version;
        self.version = now;
        Ref { guard, has_changed }
    }

    /// Whether a value this receiver has not seen is there.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::watch::channel(3);
    /// tx.send(4).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.shared.is_closed() {
            return Err(RecvError(()));
        }
        Ok(self.shared.version() != self.version)
    }

    /// Marks the current value as unseen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = zio::sync::watch::channel(3);
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn mark_changed(&mut self) {
        self.version = self.shared.version().wrapping_sub(2);
    }

    /// Marks the current value as seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::watch::channel(3);
    /// tx.send(4).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.version();
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone and no unseen value is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::watch::channel(0);
    /// std::thread::spawn(move || tx.send(1).unwrap());
    /// futures::executor::block_on(rx.changed()).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        loop {
            // Created before the checks: a send in between is not missed.
            let notified = self.shared.changed.notified();
            let now = self.shared.version();
            if now != self.version {
                self.version = now;
                return Ok(());
            }
            if self.shared.is_closed() {
                return Err(RecvError(()));
            }
            notified.await;
        }
    }

    /// Blocks the current thread until [`Receiver::changed`] completes.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`). Inside a tokio runtime it blocks that runtime
    /// thread; in a tokio `current_thread` runtime, waiting for a send from
    /// a task of the same runtime deadlocks, so use `changed().await` there.
    /// It never panics because of the context it runs in.
    ///
    /// # Errors
    ///
    /// As [`Receiver::changed`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.blocking_changed().unwrap();
    /// ```
    pub fn blocking_changed(&mut self) -> Result<(), RecvError> {
        blocking::block_on(self.changed())
    }

    /// Waits until the value satisfies `f` (checking the current value
    /// first), marks it seen and returns it borrowed.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone first.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::watch::channel(0);
    /// std::thread::spawn(move || (1..=3).for_each(|i| tx.send(i).unwrap()));
    /// let v = futures::executor::block_on(async { *rx.wait_for(|v| *v == 3).await.unwrap() });
    /// assert_eq!(v, 3);
    /// ```
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        loop {
            let notified = self.shared.changed.notified();
            {
                let guard = self.shared.read();
                let now = self.shared.version();
                let has_changed = now != self.version;
                self.version = now;
                if f(&guard) {
                    return Ok(Ref { guard, has_changed });
                }
            }
            if self.shared.is_closed() {
                return Err(RecvError(()));
            }
            notified.await;
        }
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = zio::sync::watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, Ordering::SeqCst);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.shared.no_receivers.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}
