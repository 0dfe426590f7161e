//! The unbounded channel: [`unbounded_channel`], [`UnboundedSender`],
//! [`UnboundedReceiver`], [`WeakUnboundedSender`].

use std::fmt;
use std::sync::Arc;

use super::chan::{Chan, Rx};
use super::error::SendError;
use super::receiver::receiver_methods;

/// Creates an unbounded multi-producer, single-consumer channel: `send`
/// never waits (memory is the only limit).
///
/// Both halves work from zio tasks, tasks on any other executor and plain
/// threads, in any combination.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::unbounded_channel();
/// std::thread::spawn(move || tx.send("hi").unwrap());
/// assert_eq!(futures::executor::block_on(rx.recv()), Some("hi"));
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Arc::new(Chan::new(None));
    (
        UnboundedSender { chan: chan.clone() },
        UnboundedReceiver { rx: Rx::new(chan) },
    )
}

/// The sending half of an unbounded channel. Clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::unbounded_channel();
/// tx.clone().send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of an unbounded channel; also a
/// [`Stream`](futures_core::Stream). Dropping it drops every queued value.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = zio::sync::mpsc::unbounded_channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.blocking_recv(), Some(1));
/// ```
pub struct UnboundedReceiver<T> {
    rx: Rx<T>,
}

/// An unbounded sender that does not keep the channel open.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

receiver_methods!(UnboundedReceiver, "unbounded_channel::<u32>()", "send");

impl<T> UnboundedSender<T> {
    /// Queues `value` without waiting.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed or gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(2), Err(zio::sync::mpsc::error::SendError(2)));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.push_reserved(value).map_err(SendError)
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
    /// let (tx, rx) = zio::sync::mpsc::unbounded_channel::<u8>();
    /// drop(rx);
    /// futures::executor::block_on(tx.closed());
    /// ```
    pub async fn closed(&self) {
        self.chan.closed().await;
    }

    /// Whether the receiver is closed or dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = zio::sync::mpsc::unbounded_channel::<u8>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Whether both senders feed the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A [`WeakUnboundedSender`] for this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
    /// assert!(tx.downgrade().upgrade().is_some());
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        self.chan.add_weak();
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }

    /// The number of live senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
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
    /// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`], if any sender is still alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
    /// assert!(tx.downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.try_add_sender().then(|| UnboundedSender {
            chan: self.chan.clone(),
        })
    }

    /// The number of live senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
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
    /// let (tx, _rx) = zio::sync::mpsc::unbounded_channel::<u8>();
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakUnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}
