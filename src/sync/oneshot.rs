//! A channel for one value: [`channel`], [`Sender`], [`Receiver`].
//!
//! One atomic word says who may touch what: the value cell belongs to the
//! sender until it sets `COMPLETE`, then to the receiver; each waker cell
//! belongs to its owner (the receiver's to the receiver, the sender's to
//! the sender) while its `*_WAKER` bit is clear, and may only be read by
//! the other side while the bit is set. The receiver is itself the future;
//! it also has `try_recv`, `blocking_recv` and timeouts, all usable from
//! any executor or thread.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::sync::blocking;
use crate::sync::timeout::timeout;

pub mod error {
    //! oneshot errors.
    use std::fmt;

    /// The sender was dropped without sending.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::oneshot::channel::<u8>();
    /// drop(tx);
    /// assert!(futures::executor::block_on(rx).is_err());
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    /// Why `try_recv` returned no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::sync::oneshot::{channel, error::TryRecvError};
    /// let (_tx, mut rx) = channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// Not sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was taken.
        Closed,
    }

    /// Why `recv_timeout` returned no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use zio::sync::oneshot::{channel, error::RecvTimeoutError};
    /// let (_tx, mut rx) = channel::<u8>();
    /// let r = rx.blocking_recv_timeout(Duration::from_millis(5));
    /// assert_eq!(r, Err(RecvTimeoutError::Timeout));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvTimeoutError {
        /// The timeout passed first.
        Timeout,
        /// The sender was dropped without sending.
        Closed,
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }
    impl std::error::Error for RecvError {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }
    impl std::error::Error for TryRecvError {}

    impl fmt::Display for RecvTimeoutError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvTimeoutError::Timeout => f.write_str("timed out waiting for the value"),
                RecvTimeoutError::Closed => f.write_str("channel closed"),
            }
        }
    }
    impl std::error::Error for RecvTimeoutError {}
}

use error::{RecvError, RecvTimeoutError, TryRecvError};

/// The receiver's waker is in `rx_waker`.
const RX_WAKER: usize = 1;
/// The sender is done: it sent (the value is in `value`, until the
/// receiver takes it) or it was dropped (no value).
const COMPLETE: usize = 2;
/// The receiver closed the channel or was dropped.
const CLOSED: usize = 4;
/// The sender's waker (for `closed`) is in `tx_waker`.
const TX_WAKER: usize = 8;

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_waker: UnsafeCell<Option<Waker>>,
    tx_waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the cells are shared between the two halves, which may live on
// two threads; the state word hands each cell to one side at a time (see
// the module docs), with acquire/release ordering on every hand-over. The
// value moves between threads (`T: Send`); wakers are `Send + Sync`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above: no cell is written while the other side may access it.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// Marks the sender done; wakes the receiver if it waits. Returns
    /// `false` (and changes nothing) if the receiver has closed.
    fn complete(&self) -> bool {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                state,
                state | COMPLETE,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state & RX_WAKER != 0 {
            // SAFETY: RX_WAKER was set when COMPLETE was: the receiver
            // writes its waker cell only after clearing that bit, and once
            // it sees COMPLETE it never writes the cell again.
            self.rx_waker.with(|w| unsafe { wake_by_ref(&*w) });
        }
        true
    }

    /// Takes the value. Only the receiver calls this, after seeing
    /// `COMPLETE`.
    fn take_value(&self) -> Option<T> {
        // SAFETY: COMPLETE was seen with acquire ordering: the sender wrote
        // the value (if any) before setting it and never touches the cell
        // after; the receiver is the only other user, and `&mut` on it
        // (every caller has it) keeps its own uses apart.
        self.value.with_mut(|v| unsafe { (*v).take() })
    }
}

/// Wakes the waker in `slot`, if any, leaving it there.
fn wake_by_ref(slot: &Option<Waker>) {
    if let Some(w) = slot {
        w.wake_by_ref();
    }
}

/// Registers `waker` in the cell guarded by the bit `flag` of `state`, for
/// a side that waits until `done` shows up in the state. Returns the state
/// word in which `done` was seen, if it was (the wait is over; the cell
/// may then be being read by the other side, so it was not written).
///
/// # Safety
///
/// Only the cell's owner calls this, with exclusive access to its side.
unsafe fn register(
    state: &AtomicUsize,
    cell: &UnsafeCell<Option<Waker>>,
    flag: usize,
    done: usize,
    waker: &Waker,
) -> Option<usize> {
    let mut now = state.load(Ordering::Acquire);
    if now & done != 0 {
        return Some(now);
    }
    if now & flag != 0 {
        // SAFETY: the bit is set, so nobody writes the cell; the other side
        // may read it too, which is fine.
        let same = cell.with(|w| unsafe { (*w).as_ref().is_some_and(|w| w.will_wake(waker)) });
        if same {
            return None;
        }
        now = state.fetch_and(!flag, Ordering::AcqRel);
        if now & done != 0 {
            // The other side saw the bit set and may be reading the cell.
            return Some(now);
        }
    }
    // SAFETY: the bit is clear and `done` was not set while it was (the
    // other side reads the cell only when it sees both): the cell is ours.
    cell.with_mut(|w| unsafe { *w = Some(waker.clone()) });
    now = state.fetch_or(flag, Ordering::AcqRel);
    (now & done != 0).then_some(now)
}

/// Creates a channel for a single value.
///
/// # Examples
///
/// ```
/// let (tx, rx) = zio::sync::oneshot::channel();
/// std::thread::spawn(move || tx.send(42).unwrap());
/// assert_eq!(futures::executor::block_on(rx), Ok(42));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner },
    )
}

/// Sends the one value; dropping it unsent makes the receiver see
/// [`RecvError`].
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::oneshot::channel();
/// tx.send("done").unwrap();
/// assert_eq!(rx.try_recv(), Ok("done"));
/// ```
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the one value: `.await` it, or use `try_recv`/`blocking_recv`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = zio::sync::oneshot::channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.blocking_recv(), Ok(1));
/// ```
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`.
    ///
    /// # Errors
    ///
    /// Hands `value` back if the receiver is closed or gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(3), Err(3));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("sender used once");
        // SAFETY: COMPLETE is not set (this sender sets it, once): the
        // value cell is the sender's.
        inner.value.with_mut(|v| unsafe { *v = Some(value) });
        if inner.complete() {
            return Ok(());
        }
        // SAFETY: COMPLETE was not set: the cell is still the sender's.
        let value = inner.value.with_mut(|v| unsafe { (*v).take() });
        Err(value.expect("the value just stored"))
    }

    /// Whether the receiver is closed or gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::oneshot::channel::<u8>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(|i| i.state.load(Ordering::Acquire) & CLOSED != 0)
    }

    /// Polls for the receiver closing or going away.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = zio::sync::oneshot::channel::<u8>();
    /// drop(rx);
    /// futures::executor::block_on(std::future::poll_fn(|cx| tx.poll_closed(cx)));
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(inner) = &self.inner else {
            return Poll::Ready(());
        };
        // SAFETY: the sender owns `tx_waker` and `&mut self` is exclusive.
        let closed =
            unsafe { register(&inner.state, &inner.tx_waker, TX_WAKER, CLOSED, cx.waker()) };
        if closed.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Completes once the receiver is closed or gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = zio::sync::oneshot::channel::<u8>();
    /// std::thread::spawn(move || drop(rx));
    /// futures::executor::block_on(tx.closed());
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await;
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.complete();
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if not sent yet, [`TryRecvError::Closed`] if
    /// the sender is gone without sending (or the value was already taken).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let state = self.inner.state.load(Ordering::Acquire);
        if state & COMPLETE != 0 {
            self.inner.take_value().ok_or(TryRecvError::Closed)
        } else if state & CLOSED != 0 {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Closes the channel: a later `send` fails. A value already sent can
    /// still be received; if none was, awaiting the receiver ends at once
    /// with [`RecvError`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        let state = self.inner.state.fetch_or(CLOSED, Ordering::AcqRel);
        if state & (TX_WAKER | COMPLETE | CLOSED) == TX_WAKER {
            // SAFETY: TX_WAKER was set when CLOSED was: the sender writes its
            // waker cell only after clearing that bit, and once it sees
            // CLOSED it never writes the cell again.
            self.inner.tx_waker.with(|w| unsafe { wake_by_ref(&*w) });
        }
    }

    /// Whether the value was taken or can never come.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_terminated());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_terminated());
    /// ```
    pub fn is_terminated(&self) -> bool {
        let state = self.inner.state.load(Ordering::Acquire);
        if state & COMPLETE != 0 {
            self.is_empty()
        } else {
            state & CLOSED != 0
        }
    }

    /// Whether no value is waiting to be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = zio::sync::oneshot::channel::<u8>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        if self.inner.state.load(Ordering::Acquire) & COMPLETE == 0 {
            return true;
        }
        // SAFETY: COMPLETE was seen: the sender no longer touches the value
        // cell, and only this receiver (borrowed here) takes from it.
        self.inner.value.with(|v| unsafe { (*v).is_none() })
    }

    /// Blocks the current thread until the value arrives.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`). Inside a tokio runtime it blocks that runtime
    /// thread; in a tokio `current_thread` runtime, waiting for a value a
    /// task of the same runtime must send deadlocks, so `.await` the
    /// receiver there. It never panics because of the context it runs in.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender is gone without sending.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send(1).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(1));
    /// ```
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        blocking::block_on(self)
    }

    /// Waits at most `timeout` for the value. Works with no runtime at all
    /// and on any executor.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] once `timeout` has passed (never
    /// earlier), [`RecvTimeoutError::Closed`] if the sender is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the value stays in the channel until received.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (_tx, mut rx) = zio::sync::oneshot::channel::<u8>();
    /// let r = futures::executor::block_on(rx.recv_timeout(Duration::from_millis(5)));
    /// assert!(r.is_err());
    /// ```
    pub async fn recv_timeout(&mut self, timeout_after: Duration) -> Result<T, RecvTimeoutError> {
        match timeout(timeout_after, std::future::poll_fn(|cx| self.poll_recv(cx))).await {
            Some(Ok(v)) => Ok(v),
            Some(Err(_)) => Err(RecvTimeoutError::Closed),
            None => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Blocks the current thread at most `timeout` for the value. Where it
    /// may be called: as [`Receiver::blocking_recv`].
    ///
    /// # Errors
    ///
    /// As [`Receiver::recv_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, mut rx) = zio::sync::oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.blocking_recv_timeout(Duration::from_secs(1)), Ok(1));
    /// ```
    pub fn blocking_recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let fut = std::future::poll_fn(|cx| self.poll_recv(cx));
        match blocking::block_on_deadline(fut, blocking::deadline_after(timeout)) {
            Some(Ok(v)) => Ok(v),
            Some(Err(_)) => Err(RecvTimeoutError::Closed),
            None => Err(RecvTimeoutError::Timeout),
        }
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let inner = &*self.inner;
        // SAFETY: the receiver owns `rx_waker` and `&mut self` is exclusive.
        let done = unsafe {
            register(
                &inner.state,
                &inner.rx_waker,
                RX_WAKER,
                COMPLETE | CLOSED,
                cx.waker(),
            )
        };
        // A state with CLOSED but not COMPLETE stays so: the sender cannot
        // complete once the receiver has closed.
        let Some(state) = done else {
            return Poll::Pending;
        };
        let value = if state & COMPLETE != 0 {
            inner.take_value()
        } else {
            None
        };
        Poll::Ready(value.ok_or(RecvError(())))
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    /// # Cancel safety
    ///
    /// Cancel safe when polled by reference (`&mut rx`): the value stays in
    /// the channel until a poll returns it.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_recv(cx)
    }
}

impl<T> Drop for Receiver<T> {
    /// Closes the channel. A value sent and not received is dropped with
    /// the last half.
    fn drop(&mut self) {
        self.close();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::channel;
    use crate::loom::thread;
    use loom::future::block_on;
    use std::future::Future;

    #[test]
    fn send_recv() {
        loom::model(|| {
            let (tx, rx) = channel::<u32>();
            let t = thread::spawn(move || tx.send(7).unwrap());
            assert_eq!(block_on(rx), Ok(7));
            t.join().unwrap();
        });
    }

    #[test]
    fn sender_dropped() {
        loom::model(|| {
            let (tx, rx) = channel::<u32>();
            let t = thread::spawn(move || drop(tx));
            assert!(block_on(rx).is_err());
            t.join().unwrap();
        });
    }

    /// The receiver drops while the value is sent: the value is either
    /// handed back or dropped by the receiver, never leaked (loom checks
    /// leaks of its `Arc`), and `closed()` completes.
    #[test]
    fn send_races_receiver_drop() {
        loom::model(|| {
            let (mut tx, rx) = channel::<loom::sync::Arc<()>>();
            let t = thread::spawn(move || drop(rx));
            block_on(tx.closed());
            let v = loom::sync::Arc::new(());
            assert!(tx.send(v).is_err());
            t.join().unwrap();
        });
    }

    /// The receiver drops while the value is being sent, without waiting
    /// for the close first: the value is handed back or dropped with the
    /// channel, never leaked (loom checks its `Arc`).
    #[test]
    fn send_races_receiver_drop_unordered() {
        loom::model(|| {
            let (tx, rx) = channel::<loom::sync::Arc<()>>();
            let t = thread::spawn(move || drop(rx));
            let _ = tx.send(loom::sync::Arc::new(()));
            t.join().unwrap();
        });
    }

    /// The receiver registers one waker, then another, while the value is
    /// sent: the second wait still ends with the value.
    #[test]
    fn rewaiting_with_another_waker_races_send() {
        loom::model(|| {
            let (tx, mut rx) = channel::<u32>();
            let t = thread::spawn(move || tx.send(7).unwrap());
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let first = std::pin::Pin::new(&mut rx).poll(&mut cx);
            let value = match first {
                std::task::Poll::Ready(v) => v,
                std::task::Poll::Pending => block_on(rx),
            };
            assert_eq!(value, Ok(7));
            t.join().unwrap();
        });
    }

    /// The receiver closes while the sender waits for it in `closed`, then
    /// the sender's send fails.
    #[test]
    fn close_races_closed_wait() {
        loom::model(|| {
            let (mut tx, mut rx) = channel::<u32>();
            let t = thread::spawn(move || {
                rx.close();
                rx
            });
            block_on(tx.closed());
            assert_eq!(tx.send(1), Err(1));
            let mut rx = t.join().unwrap();
            assert!(rx.try_recv().is_err());
        });
    }
}
