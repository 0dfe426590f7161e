//! A channel for one value: [`channel`], [`Sender`], [`Receiver`].
//!
//! The state (value, closed flags, the two wakers) sits behind one short
//! lock. The receiver is itself the future; it also has `try_recv`,
//! `blocking_recv` and timeouts, all usable from any executor or thread.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::loom::sync::{Arc, Mutex};
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

struct Inner<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    value: Option<T>,
    /// The sender is gone (with or without sending).
    tx_done: bool,
    /// The receiver closed or was dropped.
    rx_closed: bool,
    /// The value was taken by the receiver.
    taken: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
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
        state: Mutex::new(State {
            value: None,
            tx_done: false,
            rx_closed: false,
            taken: false,
            rx_waker: None,
            tx_waker: None,
        }),
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

fn set_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
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
        let mut st = inner.state.lock();
        st.tx_done = true;
        if st.rx_closed {
            return Err(value);
        }
        st.value = Some(value);
        let waker = st.rx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
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
        self.inner.as_ref().is_none_or(|i| i.state.lock().rx_closed)
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
        let mut st = inner.state.lock();
        if st.rx_closed {
            return Poll::Ready(());
        }
        set_waker(&mut st.tx_waker, cx.waker());
        Poll::Pending
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
        let Some(inner) = self.inner.take() else {
            return;
        };
        let mut st = inner.state.lock();
        st.tx_done = true;
        let waker = st.rx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
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
        let mut st = self.inner.state.lock();
        if let Some(v) = st.value.take() {
            st.taken = true;
            return Ok(v);
        }
        if st.tx_done || st.taken {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Closes the channel: a later `send` fails. A value already sent can
    /// still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = zio::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        let mut st = self.inner.state.lock();
        st.rx_closed = true;
        let waker = st.tx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
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
        let st = self.inner.state.lock();
        st.taken || (st.tx_done && st.value.is_none())
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
        self.inner.state.lock().value.is_none()
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
        let mut st = self.inner.state.lock();
        if let Some(v) = st.value.take() {
            st.taken = true;
            return Poll::Ready(Ok(v));
        }
        if st.tx_done || st.taken {
            return Poll::Ready(Err(RecvError(())));
        }
        set_waker(&mut st.rx_waker, cx.waker());
        Poll::Pending
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
    fn drop(&mut self) {
        let mut st = self.inner.state.lock();
        st.rx_closed = true;
        let value = st.value.take();
        let waker = st.tx_waker.take();
        drop(st);
        drop(value);
        if let Some(w) = waker {
            w.wake();
        }
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
}
