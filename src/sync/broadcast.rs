//! A multi-producer, multi-consumer broadcast channel: every receiver sees
//! every value sent after it subscribed, unless it falls more than
//! `capacity` values behind, in which case it gets
//! [`RecvError::Lagged`] with the number it missed.
//!
//! One short lock guards a ring of the last `capacity` values, the counts
//! and an intrusive list of waiting receivers (each `recv` future owns its
//! node). A send wakes every waiting receiver.
//!
//! Each held value counts the receivers that have yet to see it (those
//! alive when it was sent); the last of them moves it out instead of
//! cloning it, and a receiver dropping counts itself out of every value it
//! had not seen. So a value is dropped as soon as every receiver saw it (or
//! when later sends evict it), as in tokio. Since a receiver reads in order
//! and counts are taken at send time, the values everyone has seen are
//! always at the front of the ring.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use crate::loom::sync::{Arc, Mutex, MutexGuard};
use crate::sync::blocking;
use crate::sync::notify::Notify;
use crate::sync::waiters::{WaitList, Waiter, WakeList};

pub mod error {
    //! broadcast errors.
    use std::fmt;

    /// No receiver exists; the value is handed back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::broadcast::channel(2);
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

    /// Why `recv` returned no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::broadcast::{channel, error::RecvError};
    /// let (tx, mut rx) = channel::<u8>(1);
    /// drop(tx);
    /// assert_eq!(rx.blocking_recv(), Err(RecvError::Closed));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvError {
        /// Every sender is gone and this receiver has seen every value.
        Closed,
        /// This receiver fell behind and missed this many values; the next
        /// receive returns the oldest value still held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }
    impl std::error::Error for RecvError {}

    /// Why `try_recv` returned no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::broadcast::{channel, error::TryRecvError};
    /// let (_tx, mut rx) = channel::<u8>(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// No new value right now.
        Empty,
        /// Every sender is gone and this receiver has seen every value.
        Closed,
        /// This receiver missed this many values.
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }
    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

struct Shared<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    /// Notified when the last receiver goes (for `Sender::closed`).
    no_receivers: Notify,
}

struct State<T> {
    /// At most the last `capacity` values, each with the number of
    /// receivers yet to see it; `buf[0]` has position `head`.
    buf: VecDeque<Slot<T>>,
    head: u64,
    tx_count: usize,
    weak_count: usize,
    rx_count: usize,
    waiters: WaitList<()>,
}

struct Slot<T> {
    value: T,
    /// Receivers alive at the send that have not seen it yet.
    unseen: usize,
}

impl<T> State<T> {
    fn tail(&self) -> u64 {
        self.head + self.buf.len() as u64
    }

    /// Removes the values every receiver has seen (they are at the front),
    /// for the caller to drop outside the lock.
    fn pop_seen(&mut self, out: &mut Vec<T>) {
        while self.buf.front().is_some_and(|s| s.unseen == 0) {
            let slot = self.buf.pop_front().expect("front exists");
            self.head += 1;
            out.push(slot.value);
        }
    }
}

/// Creates a broadcast channel keeping the last `capacity` values.
///
/// # Panics
///
/// If `capacity` is 0 or larger than `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// let (tx, mut rx1) = zio::sync::broadcast::channel(16);
/// let mut rx2 = tx.subscribe();
/// tx.send(10).unwrap();
/// assert_eq!(rx1.try_recv(), Ok(10));
/// assert_eq!(rx2.blocking_recv(), Ok(10));
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast channel capacity must be at least 1"
    );
    assert!(
        capacity <= usize::MAX >> 1,
        "broadcast channel capacity {capacity} is too large"
    );
    let tx = Sender::new(capacity);
    let rx = tx.subscribe();
    (tx, rx)
}

/// Sends values to every receiver. Clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::broadcast::channel(4);
/// tx.clone().send("a").unwrap();
/// assert_eq!(rx.try_recv(), Ok("a"));
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it subscribed.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::broadcast::channel(4);
/// tx.send(1).unwrap();
/// assert_eq!(futures::executor::block_on(rx.recv()), Ok(1));
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
}

impl<T> Sender<T> {
    /// Creates a channel with no receiver yet ([`subscribe`](Self::subscribe)
    /// adds them), keeping the last `capacity` values.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or larger than `usize::MAX / 2`.
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = zio::sync::broadcast::Sender::new(4);
    /// let mut rx = tx.subscribe();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        assert!(
            capacity > 0,
            "broadcast channel capacity must be at least 1"
        );
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity {capacity} is too large"
        );
        Sender {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    buf: VecDeque::with_capacity(capacity.min(1024)),
                    head: 0,
                    tx_count: 1,
                    weak_count: 0,
                    rx_count: 0,
                    waiters: WaitList::new(),
                }),
                capacity,
                no_receivers: Notify::new(),
            }),
        }
    }

    /// Sends `value` to every receiver; returns how many receivers there
    /// are. Never waits: the oldest value is dropped from the ring when it
    /// is full, and receivers that had not seen it will get `Lagged`.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if no receiver exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel(1);
    /// assert_eq!(tx.send(1).unwrap(), 1);
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut st = self.shared.state.lock();
        if st.rx_count == 0 {
            return Err(SendError(value));
        }
        let unseen = st.rx_count;
        st.buf.push_back(Slot { value, unseen });
        let evicted = if st.buf.len() > self.shared.capacity {
            st.head += 1;
            st.buf.pop_front()
        } else {
            None
        };
        let receivers = st.rx_count;
        wake_all(&self.shared, st);
        drop(evicted);
        Ok(receivers)
    }

    /// A new receiver that sees values sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut rx2 = tx.subscribe();
    /// assert!(rx2.try_recv().is_err());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        subscribe(&self.shared)
    }

    /// The number of receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.lock().rx_count
    }

    /// The number of values held: sent and not yet seen by every receiver
    /// alive at their send (nor evicted by later sends).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.state.lock().buf.len()
    }

    /// Whether the ring holds no value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// A sender that does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::broadcast::channel::<u8>(2);
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().send(1).unwrap();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.state.lock().weak_count += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// The number of senders (not counting weak ones).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.strong_count()
    }

    /// The number of weak senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_count()
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
    /// let (tx, rx) = zio::sync::broadcast::channel::<u8>(2);
    /// drop(rx);
    /// futures::executor::block_on(tx.closed());
    /// ```
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.no_receivers.notified();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// A sender that does not keep the channel open: every value sent through
/// it goes through [`upgrade`](WeakSender::upgrade), which fails once every
/// [`Sender`] is gone.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
/// let weak = tx.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> WeakSender<T> {
    /// A sender, if one is still alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// assert!(tx.downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut st = self.shared.state.lock();
        if st.tx_count == 0 {
            return None;
        }
        st.tx_count += 1;
        Some(Sender {
            shared: self.shared.clone(),
        })
    }

    /// The number of senders (not counting weak ones).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// assert_eq!(tx.downgrade().strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.strong_count()
    }

    /// The number of weak senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::broadcast::channel::<u8>(2);
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().weak_count += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.state.lock().weak_count -= 1;
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::WeakSender")
            .finish_non_exhaustive()
    }
}

impl<T> Shared<T> {
    fn strong_count(&self) -> usize {
        self.state.lock().tx_count
    }

    fn weak_count(&self) -> usize {
        self.state.lock().weak_count
    }
}

/// Wakes every waiting receiver (in batches, outside the lock) and unlocks.
fn wake_all<'a, T>(shared: &'a Shared<T>, mut st: MutexGuard<'a, State<T>>) {
    let mut wakers = WakeList::new();
    loop {
        while wakers.can_push() {
            match st.waiters.pop_front() {
                Some(node) => wakers.push(node.waker.take()),
                None => {
                    drop(st);
                    wakers.wake_all();
                    return;
                }
            }
        }
        drop(st);
        wakers.wake_all();
        st = shared.state.lock();
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().tx_count += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut st = self.shared.state.lock();
        st.tx_count -= 1;
        if st.tx_count == 0 {
            wake_all(&self.shared, st);
        }
    }
}

impl<T: Clone> Receiver<T> {
    /// The next value for this receiver: moved out if it is the last to
    /// see it, cloned otherwise.
    fn take(&mut self, st: &mut State<T>) -> Result<T, TryRecvError> {
        if self.next < st.head {
            let missed = st.head - self.next;
            self.next = st.head;
            return Err(TryRecvError::Lagged(missed));
        }
        if self.next < st.tail() {
            let index = (self.next - st.head) as usize;
            self.next += 1;
            let slot = &mut st.buf[index];
            slot.unseen -= 1;
            if slot.unseen == 0 && index == 0 {
                st.head += 1;
                return Ok(st.buf.pop_front().expect("front exists").value);
            }
            return Ok(slot.value.clone());
        }
        if st.tx_count == 0 {
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
    }

    /// Takes the next value if there is one.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Closed`], or
    /// [`TryRecvError::Lagged`] with the number of values missed.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::broadcast::{channel, error::TryRecvError};
    /// let (tx, mut rx) = channel(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let shared = self.shared.clone();
        let mut st = shared.state.lock();
        self.take(&mut st)
    }

    /// Waits for the next value.
    ///
    /// # Errors
    ///
    /// [`RecvError::Closed`] once every sender is gone and every value was
    /// seen; [`RecvError::Lagged`] if this receiver fell behind.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a value is only taken when the future completes.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::broadcast::channel(2);
    /// std::thread::spawn(move || tx.send(5).unwrap());
    /// assert_eq!(futures::executor::block_on(rx.recv()), Ok(5));
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        Recv {
            rx: self,
            node: Waiter::new(()),
            registered: false,
        }
        .await
    }

    /// Blocks the current thread for the next value.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`). Inside a tokio runtime it blocks that runtime
    /// thread; in a tokio `current_thread` runtime, waiting for a value a
    /// task of the same runtime must send deadlocks, so use `recv().await`
    /// there. It never panics because of the context it runs in.
    ///
    /// # Errors
    ///
    /// As [`Receiver::recv`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.blocking_recv(), Ok(1));
    /// ```
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        blocking::block_on(self.recv())
    }
}

impl<T> Receiver<T> {
    /// A new receiver on the same channel that sees values sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::broadcast::channel::<u8>(2);
    /// let _rx2 = rx.resubscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn resubscribe(&self) -> Self {
        subscribe(&self.shared)
    }

    /// The number of senders (not counting weak ones).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::broadcast::channel::<u8>(2);
    /// assert_eq!(rx.sender_strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.strong_count()
    }

    /// The number of weak senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::broadcast::channel::<u8>(2);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.shared.weak_count()
    }

    /// The number of values this receiver has not seen yet (still held).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let st = self.shared.state.lock();
        (st.tail() - self.next.max(st.head)) as usize
    }

    /// Whether this receiver has seen every held value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = zio::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::broadcast::channel::<u8>(4);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().tx_count == 0
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = zio::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.same_channel(&rx.resubscribe()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// A receiver that sees values sent from now on.
fn subscribe<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut st = shared.state.lock();
    st.rx_count += 1;
    let next = st.tail();
    drop(st);
    Receiver {
        shared: shared.clone(),
        next,
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut st = self.shared.state.lock();
        st.rx_count -= 1;
        let last = st.rx_count == 0;
        // Count this receiver out of every value it had not seen.
        let from = self.next.saturating_sub(st.head) as usize;
        for slot in st.buf.iter_mut().skip(from) {
            slot.unseen -= 1;
        }
        let mut seen = Vec::new();
        st.pop_seen(&mut seen);
        drop(st);
        drop(seen);
        if last {
            self.shared.no_receivers.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// Future of [`Receiver::recv`]: owns its wait-list node.
struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    node: Waiter<()>,
    registered: bool,
}

// SAFETY: the node's links are only touched under the channel's lock; the
// rest is a `&mut Receiver<T>`, `Send` when `T: Send`.
unsafe impl<T: Send> Send for Recv<'_, T> {}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: we never move out of the pinned future; the node's address
        // is only used while pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let ptr = NonNull::from(&this.node);
        let shared = this.rx.shared.clone();
        let mut st = shared.state.lock();
        let res = match this.rx.take(&mut st) {
            Ok(v) => Ok(v),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Empty) => {
                // SAFETY: the node is pinned in this future and belongs to
                // this channel; our Drop locks and removes it.
                unsafe {
                    let node = st.waiters.get(ptr);
                    node.set_waker(cx.waker());
                    if !node.is_queued() {
                        st.waiters.push_back(ptr);
                    }
                }
                this.registered = true;
                return Poll::Pending;
            }
        };
        if this.registered {
            // SAFETY: our node belongs to this channel; lock held.
            unsafe { st.waiters.remove(ptr) };
            this.registered = false;
        }
        Poll::Ready(res)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if self.registered {
            let ptr = NonNull::from(&self.node);
            let mut st = self.rx.shared.state.lock();
            // SAFETY: our node belongs to this channel; lock held.
            unsafe { st.waiters.remove(ptr) };
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::channel;
    use crate::loom::thread;
    use loom::future::block_on;

    /// A send races a waiting receiver, then the sender closes: the
    /// receiver sees the value and then `Closed`, no lost wake-up.
    #[test]
    fn send_then_close_wakes_receiver() {
        loom::model(|| {
            let (tx, mut rx) = channel::<u32>(2);
            let t = thread::spawn(move || {
                tx.send(1).unwrap();
                drop(tx);
            });
            assert_eq!(block_on(rx.recv()), Ok(1));
            assert!(block_on(rx.recv()).is_err());
            t.join().unwrap();
        });
    }

    /// The sender stays alive: only the send itself can wake the receiver.
    #[test]
    fn send_wakes_waiting_receiver() {
        loom::model(|| {
            let (tx, mut rx) = channel::<u32>(2);
            let t = thread::spawn(move || block_on(rx.recv()));
            tx.send(1).unwrap();
            assert_eq!(t.join().unwrap(), Ok(1));
            drop(tx);
        });
    }
}
