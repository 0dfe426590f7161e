//! The bounded channel: [`channel`], [`Sender`], [`Receiver`],
//! [`WeakSender`], [`Permit`], [`OwnedPermit`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::chan::{Chan, PushError, Rx};
use super::error::{SendError, SendTimeoutError, TrySendError};
use super::receiver::receiver_methods;
use crate::sync::blocking;
use crate::sync::timeout::timeout;

/// Creates a bounded multi-producer, single-consumer channel holding at most
/// `buffer` values. Senders wait (FIFO) while it is full.
///
/// Both halves work from zio tasks, tasks on any other executor and plain
/// threads (`blocking_send`, `blocking_recv`), in any combination.
///
/// # Panics
///
/// If `buffer` is 0 (use [`oneshot`](crate::sync::oneshot) for a single
/// rendezvous value, or a capacity of at least 1), or exceeds
/// [`Semaphore::MAX_PERMITS`](crate::sync::Semaphore::MAX_PERMITS).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::channel(16);
/// std::thread::spawn(move || {
///     for i in 0..3 {
///         tx.blocking_send(i).unwrap();
///     }
/// });
/// futures::executor::block_on(async {
///     for i in 0..3 {
///         assert_eq!(rx.recv().await, Some(i));
///     }
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        buffer > 0,
        "mpsc bounded channel requires buffer > 0; use `unbounded_channel()` or a capacity of at least 1"
    );
    assert!(
        buffer <= crate::sync::Semaphore::MAX_PERMITS,
        "mpsc bounded channel capacity {buffer} exceeds the maximum of {}",
        crate::sync::Semaphore::MAX_PERMITS
    );
    let chan = Arc::new(Chan::new(Some(buffer)));
    (
        Sender { chan: chan.clone() },
        Receiver { rx: Rx::new(chan) },
    )
}

/// The sending half of a bounded channel. Clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::channel(4);
/// let tx2 = tx.clone();
/// tx.try_send(1).unwrap();
/// tx2.try_send(2).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a bounded channel; also a
/// [`Stream`](futures_core::Stream). Dropping it drops every queued value.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// let (tx, rx) = zio::sync::mpsc::channel(4);
/// tx.try_send(1).unwrap();
/// drop(tx);
/// let all: Vec<i32> = futures::executor::block_on(rx.collect());
/// assert_eq!(all, [1]);
/// ```
pub struct Receiver<T> {
    rx: Rx<T>,
}

/// A sender that does not keep the channel open; [`upgrade`](Self::upgrade)
/// it to send.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(1);
/// let weak = tx.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

/// One reserved slot in a bounded channel; [`send`](Self::send) fills it
/// without waiting. Dropping it unused frees the slot.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::channel(1);
/// let permit = tx.try_reserve().unwrap();
/// assert!(tx.try_send(0).is_err()); // the slot is taken
/// permit.send(1);
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

/// `n` reserved slots, handed out one [`Permit`] at a time; slots not taken
/// are freed when this is dropped.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::channel(4);
/// let mut permits = tx.try_reserve_many(2).unwrap();
/// assert_eq!(permits.len(), 2);
/// permits.next().unwrap().send(1);
/// drop(permits); // the second slot is freed
/// assert_eq!(tx.capacity(), 3);
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    n: usize,
}

/// A reserved slot that owns its [`Sender`]; [`send`](Self::send) gives the
/// sender back.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::channel(1);
/// let permit = tx.try_reserve_owned().unwrap();
/// let tx = permit.send(5);
/// assert_eq!(rx.try_recv(), Ok(5));
/// drop(tx);
/// ```
pub struct OwnedPermit<T> {
    chan: Option<Sender<T>>,
}

receiver_methods!(Receiver, "channel::<u32>(8)", "try_send");

impl<T> Receiver<T> {
    /// Free slots right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.rx.chan().capacity()
    }

    /// The capacity the channel was created with.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = zio::sync::mpsc::channel::<u8>(4);
    /// assert_eq!(rx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.rx.chan().max_capacity()
    }
}

impl<T> Sender<T> {
    /// Waits for a free slot, then queues `value`.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed or gone.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses its place in the queue of waiting senders
    /// (FIFO) and drops `value` unsent; a slot it had been handed goes to the
    /// next sender. Use [`Sender::reserve`] to keep the value when
    /// cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::mpsc::channel(1);
    /// futures::executor::block_on(async {
    ///     tx.send(1).await.unwrap();
    ///     assert_eq!(rx.recv().await, Some(1));
    /// });
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.chan.reserve().await.is_err() {
            return Err(SendError(value));
        }
        self.chan.push_reserved(value).map_err(SendError)
    }

    /// Queues `value` if a slot is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel is full (or senders are
    /// waiting), [`TrySendError::Closed`] if the receiver is closed or gone;
    /// both hand the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert!(tx.try_send(2).is_err());
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_push(value).map_err(|e| match e {
            PushError::Full(v) => TrySendError::Full(v),
            PushError::Closed(v) => TrySendError::Closed(v),
        })
    }

    /// Waits at most `timeout` for a free slot, then queues `value`. Works
    /// with no runtime at all and on any executor.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] once `timeout` has passed (never
    /// earlier), [`SendTimeoutError::Closed`] if the receiver is closed or
    /// gone; both hand the value back.
    ///
    /// # Cancel safety
    ///
    /// As [`Sender::send`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, _rx) = zio::sync::mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// let r = futures::executor::block_on(tx.send_timeout(2, Duration::from_millis(5)));
    /// assert_eq!(r.unwrap_err().into_inner(), 2);
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout_after: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match timeout(timeout_after, self.chan.reserve()).await {
            Some(Ok(())) => self
                .chan
                .push_reserved(value)
                .map_err(SendTimeoutError::Closed),
            Some(Err(())) => Err(SendTimeoutError::Closed(value)),
            None => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Blocks the current thread until a slot is free, then queues `value`.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`), so the receiver keeps running. Inside a tokio
    /// runtime it blocks that runtime thread; in a tokio `current_thread`
    /// runtime, waiting for room that a task of the same runtime must make
    /// deadlocks, so use `send().await` there. It never panics because of
    /// the context it runs in.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed or gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::mpsc::channel(1);
    /// tx.blocking_send(1).unwrap();
    /// assert_eq!(rx.blocking_recv(), Some(1));
    /// ```
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        // Fast path: no waiter set-up when a slot is free (and nobody waits)
        // now or within a short backoff.
        let reserved = blocking::retry(|| match self.chan.try_reserve() {
            Ok(()) => Some(true),
            Err(PushError::Closed(())) => Some(false),
            Err(PushError::Full(())) => None,
        })
        .unwrap_or_else(|| blocking::block_on(self.chan.reserve()).is_ok());
        if !reserved {
            return Err(SendError(value));
        }
        self.chan.push_reserved(value).map_err(SendError)
    }

    /// Blocks the current thread at most `timeout` for a free slot, then
    /// queues `value`. Where it may be called: as [`Sender::blocking_send`].
    ///
    /// # Errors
    ///
    /// As [`Sender::send_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, _rx) = zio::sync::mpsc::channel(1);
    /// assert!(tx.blocking_send_timeout(1, Duration::from_millis(5)).is_ok());
    /// assert!(tx.blocking_send_timeout(2, Duration::from_millis(5)).is_err());
    /// ```
    pub fn blocking_send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match blocking::block_on_deadline(self.chan.reserve(), blocking::deadline_after(timeout)) {
            Some(Ok(())) => self
                .chan
                .push_reserved(value)
                .map_err(SendTimeoutError::Closed),
            Some(Err(())) => Err(SendTimeoutError::Closed(value)),
            None => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Waits for a free slot and reserves it.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is closed or gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses only its place in the FIFO
    /// queue of senders; a slot it had been handed goes to the next one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::mpsc::channel(1);
    /// futures::executor::block_on(async {
    ///     let permit = tx.reserve().await.unwrap();
    ///     permit.send(9);
    ///     assert_eq!(rx.recv().await, Some(9));
    /// });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match self.chan.reserve().await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(()) => Err(SendError(())),
        }
    }

    /// Waits for `n` free slots at once and reserves them.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is closed or gone, or if `n` exceeds
    /// the channel's capacity (it could never be satisfied).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: slots already assigned to a dropped future go to the
    /// next sender in the FIFO queue.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::mpsc::channel(4);
    /// let permits = futures::executor::block_on(tx.reserve_many(3)).unwrap();
    /// for (i, p) in permits.enumerate() {
    ///     p.send(i);
    /// }
    /// assert_eq!(rx.len(), 3);
    /// assert!(futures::executor::block_on(tx.reserve_many(5)).is_err());
    /// ```
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        match self.chan.reserve_n(n).await {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(()) => Err(SendError(())),
        }
    }

    /// Reserves `n` slots if they are all free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if fewer are free (or senders wait, or `n`
    /// exceeds the capacity), [`TrySendError::Closed`] if the receiver is
    /// closed or gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(2);
    /// assert!(tx.try_reserve_many(3).is_err());
    /// assert_eq!(tx.try_reserve_many(2).unwrap().len(), 2);
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        match self.chan.try_reserve_n(n) {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(PushError::Full(())) => Err(TrySendError::Full(())),
            Err(PushError::Closed(())) => Err(TrySendError::Closed(())),
        }
    }

    /// Reserves a slot if one is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(1);
    /// let _p = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().is_err());
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan.try_reserve() {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(PushError::Full(())) => Err(TrySendError::Full(())),
            Err(PushError::Closed(())) => Err(TrySendError::Closed(())),
        }
    }

    /// Waits for a free slot and reserves it, holding this sender.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the sender if the receiver is closed or gone.
    ///
    /// # Cancel safety
    ///
    /// As [`Sender::reserve`] (the sender is dropped with the future).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::mpsc::channel(1);
    /// let permit = futures::executor::block_on(tx.reserve_owned()).unwrap();
    /// let _tx = permit.send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<Self>> {
        match self.chan.reserve().await {
            Ok(()) => Ok(OwnedPermit { chan: Some(self) }),
            Err(()) => Err(SendError(self)),
        }
    }

    /// Reserves a slot if one is free now, holding this sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`] with the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(1);
    /// let p = tx.try_reserve_owned().unwrap();
    /// let tx = p.release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.chan.try_reserve() {
            Ok(()) => Ok(OwnedPermit { chan: Some(self) }),
            Err(PushError::Full(())) => Err(TrySendError::Full(self)),
            Err(PushError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    /// Completes once the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::mpsc::channel::<u8>(1);
    /// std::thread::spawn(move || drop(rx));
    /// futures::executor::block_on(tx.closed());
    /// assert!(tx.is_closed());
    /// ```
    pub async fn closed(&self) {
        self.chan.closed().await;
    }

    /// Whether the receiver is closed or dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::mpsc::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Free slots right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// The capacity the channel was created with.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(2);
    /// assert_eq!(tx.max_capacity(), 2);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.max_capacity()
    }

    /// Whether both senders feed the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(2);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A [`WeakSender`] for this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(2);
    /// let w = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// drop(w);
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    /// The number of live senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(2);
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// The number of weak senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(2);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &self.chan).finish()
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any sender is still alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(1);
    /// let w = tx.downgrade();
    /// assert!(w.upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.try_add_sender().then(|| Sender {
            chan: self.chan.clone(),
        })
    }

    /// The number of live senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(1);
    /// assert_eq!(tx.downgrade().strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// The number of weak senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(1);
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Permit<'_, T> {
    /// Queues `value` in the reserved slot. A receiver that closed the
    /// channel since still receives it (as in tokio); if the receiver was
    /// dropped, `value` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::mpsc::channel(1);
    /// tx.try_reserve().unwrap().send(3);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn send(self, value: T) {
        let chan = self.chan;
        std::mem::forget(self);
        // On `Err` the slot is released and the value dropped (documented).
        let _ = chan.push_reserved(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_slot();
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        self.chan.release_slots(self.n);
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("remaining", &self.n)
            .finish()
    }
}

impl<T> OwnedPermit<T> {
    /// Queues `value` in the reserved slot and gives the sender back. A
    /// receiver that closed the channel since still receives it (as in
    /// tokio); if the receiver was dropped, `value` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::mpsc::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(3);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// # drop(tx);
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let tx = self.chan.take().expect("permit used once");
        let _ = tx.chan.push_reserved(value);
        tx
    }

    /// Frees the reserved slot and gives the sender back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::channel::<u8>(1);
    /// let tx = tx.try_reserve_owned().unwrap().release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let tx = self.chan.take().expect("permit used once");
        tx.chan.release_slot();
        tx
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(tx) = self.chan.take() {
            tx.chan.release_slot();
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
