//! The receiving half's methods, shared by [`Receiver`](super::Receiver) and
//! [`UnboundedReceiver`](super::UnboundedReceiver) through one macro so the
//! two cannot drift apart.

/// Generates the receiver API for `$ty` (a struct with `rx: Rx<T>`).
/// `$new` creates a `(tx, rx)` pair of `u32`s in doc examples, `$send` is the
/// sender's non-async send method.
macro_rules! receiver_methods {
    ($ty:ident, $new:literal, $send:literal) => {
        impl<T> $ty<T> {
            #[doc = "Receives the next value; `None` once the channel is closed (receiver"]
            #[doc = "closed, or every sender gone) and empty. After [`close`](Self::close),"]
            #[doc = "values sent through permits reserved before still arrive: `None` comes"]
            #[doc = "only once every such permit is used or dropped."]
            #[doc = ""]
            #[doc = "# Cancel safety"]
            #[doc = ""]
            #[doc = "Cancel safe: if the future is dropped (say, in `select!`), no value is lost."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = "drop(tx);"]
            #[doc = "futures::executor::block_on(async {"]
            #[doc = "    assert_eq!(rx.recv().await, Some(1));"]
            #[doc = "    assert_eq!(rx.recv().await, None);"]
            #[doc = "});"]
            #[doc = "```"]
            pub async fn recv(&mut self) -> Option<T> {
                std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
            }

            #[doc = "Receives up to `limit` values into `buffer`; returns how many (0 only if"]
            #[doc = "`limit` is 0, or the channel is closed and empty)."]
            #[doc = ""]
            #[doc = "# Cancel safety"]
            #[doc = ""]
            #[doc = "Cancel safe: values are only taken when the future completes."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = concat!("tx.", $send, "(2).unwrap();")]
            #[doc = "let mut buf = Vec::new();"]
            #[doc = "let n = futures::executor::block_on(rx.recv_many(&mut buf, 10));"]
            #[doc = "assert_eq!((n, buf), (2, vec![1, 2]));"]
            #[doc = "```"]
            pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
                std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
            }

            #[doc = "Receives for at most `timeout`. Works with no runtime at all and on"]
            #[doc = "any executor."]
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = "[`RecvTimeoutError::Timeout`](crate::sync::mpsc::error::RecvTimeoutError::Timeout)"]
            #[doc = "once `timeout` has passed (never earlier) with no value;"]
            #[doc = "[`RecvTimeoutError::Disconnected`](crate::sync::mpsc::error::RecvTimeoutError::Disconnected)"]
            #[doc = "if the channel is closed and empty."]
            #[doc = ""]
            #[doc = "# Cancel safety"]
            #[doc = ""]
            #[doc = "Cancel safe; a timeout loses no value."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = "use std::time::Duration;"]
            #[doc = concat!("let (_tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = "let r = futures::executor::block_on(rx.recv_timeout(Duration::from_millis(5)));"]
            #[doc = "assert!(r.is_err());"]
            #[doc = "```"]
            pub async fn recv_timeout(
                &mut self,
                timeout: std::time::Duration,
            ) -> Result<T, crate::sync::mpsc::error::RecvTimeoutError> {
                use crate::sync::mpsc::error::RecvTimeoutError;
                match crate::sync::timeout::timeout(timeout, self.recv()).await {
                    Some(Some(v)) => Ok(v),
                    Some(None) => Err(RecvTimeoutError::Disconnected),
                    None => Err(RecvTimeoutError::Timeout),
                }
            }

            #[doc = "Takes a value if one is queued now."]
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = "[`TryRecvError::Empty`](crate::sync::mpsc::error::TryRecvError::Empty) if no"]
            #[doc = "value is queued, [`TryRecvError::Disconnected`](crate::sync::mpsc::error::TryRecvError::Disconnected)"]
            #[doc = "if none will come."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = "assert!(rx.try_recv().is_err());"]
            #[doc = concat!("tx.", $send, "(7).unwrap();")]
            #[doc = "assert_eq!(rx.try_recv(), Ok(7));"]
            #[doc = "```"]
            pub fn try_recv(&mut self) -> Result<T, crate::sync::mpsc::error::TryRecvError> {
                use crate::sync::mpsc::error::TryRecvError;
                self.rx.try_recv().map_err(|closed| {
                    if closed {
                        TryRecvError::Disconnected
                    } else {
                        TryRecvError::Empty
                    }
                })
            }

            #[doc = "Blocks the current thread until a value arrives; `None` once the"]
            #[doc = "channel is closed and empty."]
            #[doc = ""]
            #[doc = "On a plain thread this parks the thread. On a zio worker thread the"]
            #[doc = "worker first hands its queued tasks to the other workers (like"]
            #[doc = "`block_in_place`), so the senders keep running. Inside a tokio runtime"]
            #[doc = "it blocks that runtime thread; in a tokio `current_thread` runtime,"]
            #[doc = "waiting for a value that a task of the same runtime must send"]
            #[doc = "deadlocks, so use `recv().await` there. It never panics because of"]
            #[doc = "the context it runs in."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("std::thread::spawn(move || tx.", $send, "(3).unwrap());")]
            #[doc = "assert_eq!(rx.blocking_recv(), Some(3));"]
            #[doc = "```"]
            pub fn blocking_recv(&mut self) -> Option<T> {
                // Fast path: no waker set-up (and no lock) when a value is
                // there now or within a short backoff; the end of the
                // channel is reported by the waiting path.
                crate::sync::blocking::retry(|| self.rx.try_recv_watching())
                    .unwrap_or_else(|| crate::sync::blocking::block_on(self.recv()))
            }

            #[doc = "Blocks for up to `limit` values (see `recv_many` and `blocking_recv`)."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = "let mut buf = Vec::new();"]
            #[doc = "assert_eq!(rx.blocking_recv_many(&mut buf, 4), 1);"]
            #[doc = "```"]
            pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
                crate::sync::blocking::block_on(self.recv_many(buffer, limit))
            }

            #[doc = "Blocks the current thread for at most `timeout` waiting for a value."]
            #[doc = "Where it may be called: as `blocking_recv`."]
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = "As `recv_timeout`."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = "use std::time::Duration;"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = "assert_eq!(rx.blocking_recv_timeout(Duration::from_secs(1)), Ok(1));"]
            #[doc = "```"]
            pub fn blocking_recv_timeout(
                &mut self,
                timeout: std::time::Duration,
            ) -> Result<T, crate::sync::mpsc::error::RecvTimeoutError> {
                use crate::sync::blocking::{block_on_deadline, deadline_after};
                use crate::sync::mpsc::error::RecvTimeoutError;
                match block_on_deadline(self.recv(), deadline_after(timeout)) {
                    Some(Some(v)) => Ok(v),
                    Some(None) => Err(RecvTimeoutError::Disconnected),
                    None => Err(RecvTimeoutError::Timeout),
                }
            }

            #[doc = "Closes the channel for sending: later sends fail and senders waiting"]
            #[doc = "for capacity are woken with an error. Values already queued, and values"]
            #[doc = "sent through permits reserved before (as in tokio), can still be"]
            #[doc = "received: receive until `None` to get them all."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = "rx.close();"]
            #[doc = concat!("assert!(tx.", $send, "(2).is_err());")]
            #[doc = "assert_eq!(rx.try_recv(), Ok(1));"]
            #[doc = "```"]
            pub fn close(&mut self) {
                self.rx.chan().close_rx();
            }

            #[doc = "Whether the channel is closed: the receiver closed it, or every sender"]
            #[doc = "is gone. Queued values may remain."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = "drop(tx);"]
            #[doc = "assert!(rx.is_closed());"]
            #[doc = "```"]
            pub fn is_closed(&self) -> bool {
                self.rx.chan().rx_is_closed()
            }

            #[doc = "Whether no value is queued."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (_tx, rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = "assert!(rx.is_empty());"]
            #[doc = "```"]
            pub fn is_empty(&self) -> bool {
                self.rx.len() == 0
            }

            #[doc = "The number of queued values."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = "assert_eq!(rx.len(), 1);"]
            #[doc = "```"]
            pub fn len(&self) -> usize {
                self.rx.len()
            }

            #[doc = "Polls for the next value (the `Stream` impl and `recv` use this)."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = "let v = futures::executor::block_on(std::future::poll_fn(|cx| rx.poll_recv(cx)));"]
            #[doc = "assert_eq!(v, Some(1));"]
            #[doc = "```"]
            pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<T>> {
                self.rx.poll_recv(cx)
            }

            #[doc = "Polls for up to `limit` values into `buffer`."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, mut rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = concat!("tx.", $send, "(1).unwrap();")]
            #[doc = "let mut buf = Vec::new();"]
            #[doc = "let n = futures::executor::block_on(std::future::poll_fn(|cx| rx.poll_recv_many(cx, &mut buf, 2)));"]
            #[doc = "assert_eq!(n, 1);"]
            #[doc = "```"]
            pub fn poll_recv_many(
                &mut self,
                cx: &mut std::task::Context<'_>,
                buffer: &mut Vec<T>,
                limit: usize,
            ) -> std::task::Poll<usize> {
                self.rx.poll_recv_many(cx, buffer, limit)
            }

            #[doc = "The number of live senders."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = "let _tx2 = tx.clone();"]
            #[doc = "assert_eq!(rx.sender_strong_count(), 2);"]
            #[doc = "```"]
            pub fn sender_strong_count(&self) -> usize {
                self.rx.chan().strong_count()
            }

            #[doc = "The number of weak senders."]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let (tx, rx) = zio::sync::mpsc::", $new, ";")]
            #[doc = "let _w = tx.downgrade();"]
            #[doc = "assert_eq!(rx.sender_weak_count(), 1);"]
            #[doc = "```"]
            pub fn sender_weak_count(&self) -> usize {
                self.rx.chan().weak_count()
            }
        }

        impl<T> futures_core::Stream for $ty<T> {
            type Item = T;

            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<T>> {
                self.rx.poll_recv(cx)
            }
        }

        impl<T> std::fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).field("rx", &self.rx).finish()
            }
        }
    };
}

pub(crate) use receiver_methods;
