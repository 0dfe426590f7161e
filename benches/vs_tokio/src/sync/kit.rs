//! The sync primitives the sync workloads are generic over: small traits
//! ([`Chan`], [`Oneshot`], [`AsyncMutex`], [`BlockingChan`]) with impls for
//! `zio::sync` and `tokio::sync` (one macro: the crate name is the only
//! difference), for flume and async-channel, and for crossbeam-channel.
//! [`NativeSync`] names a runtime's own types, so a workload picks zio's
//! channel on zio and tokio's on tokio.

use std::future::Future;
use std::marker::PhantomData;

use crate::rt::{Rt, Tokio, Zio};

/// Capacity of every bounded channel.
pub const CAP: usize = 128;

/// An async mpsc channel of `u64`.
pub trait Chan: 'static {
    /// The sending half.
    type Tx: Clone + Send + Sync + 'static;
    /// The receiving half.
    type Rx: Send + 'static;
    /// A new channel (bounded ones hold [`CAP`]).
    fn new() -> (Self::Tx, Self::Rx);
    /// Sends `v`, waiting for room; panics if the receiver is gone.
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = ()> + Send;
    /// The next value; `None` once every sender is gone.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send;
}

/// A oneshot channel.
pub trait Oneshot: 'static {
    /// The sending half.
    type Tx<T: Send + 'static>: Send + 'static;
    /// The receiving half.
    type Rx<T: Send + 'static>: Send + 'static;
    /// A new oneshot.
    fn channel<T: Send + 'static>() -> (Self::Tx<T>, Self::Rx<T>);
    /// Sends `v`; panics if the receiver is gone.
    fn send<T: Send + 'static>(tx: Self::Tx<T>, v: T);
    /// The value; panics if the sender is gone.
    fn recv<T: Send + 'static>(rx: Self::Rx<T>) -> impl Future<Output = T> + Send;
}

/// An async mutex around a `u64` counter.
pub trait AsyncMutex: 'static {
    /// The mutex.
    type M: Send + Sync + 'static;
    /// A mutex holding 0.
    fn new() -> Self::M;
    /// Locks, increments; if `hold`, yields once before unlocking.
    fn incr(m: &Self::M, hold: bool) -> impl Future<Output = ()> + Send;
    /// The counter (the mutex must be free).
    fn get(m: &Self::M) -> u64;
}

/// A bounded ([`CAP`]) channel used from plain threads.
pub trait BlockingChan: 'static {
    /// The sending half.
    type Tx: Send + 'static;
    /// The receiving half.
    type Rx: Send + 'static;
    /// A new channel holding [`CAP`].
    fn new() -> (Self::Tx, Self::Rx);
    /// Sends `v`, blocking for room; panics if the receiver is gone.
    fn send(tx: &Self::Tx, v: u64);
    /// The next value, blocking; `None` once the sender is gone.
    fn recv(rx: &mut Self::Rx) -> Option<u64>;
}

/// A runtime's own sync types: zio's on zio, tokio's on tokio.
pub trait NativeSync {
    /// `sync::mpsc::channel(CAP)`.
    type Bounded: Chan;
    /// `sync::mpsc::unbounded_channel()`.
    type Unbounded: Chan;
    /// `sync::oneshot`.
    type Oneshot: Oneshot;
    /// `sync::Mutex<u64>`.
    type Mutex: AsyncMutex;
}

/// Which channel a workload uses on runtime `R`.
pub trait ChanFor: 'static {
    /// The channel on `R`.
    type On<R: Rt>: Chan;
}

/// The runtime's own bounded channel.
#[derive(Debug)]
pub struct NativeBounded;

impl ChanFor for NativeBounded {
    type On<R: Rt> = R::Bounded;
}

/// The runtime's own unbounded channel.
#[derive(Debug)]
pub struct NativeUnbounded;

impl ChanFor for NativeUnbounded {
    type On<R: Rt> = R::Unbounded;
}

/// Channel `C` on every runtime (flume, async-channel).
#[derive(Debug)]
pub struct Fixed<C>(PhantomData<C>);

impl<C: Chan> ChanFor for Fixed<C> {
    type On<R: Rt> = C;
}

/// The sync impls of a crate with tokio's `sync` API: the same code for
/// zio and tokio.
macro_rules! sync_impl {
    ($rt:ident, $krate:ident, $bounded:ident, $unbounded:ident, $oneshot:ident, $mutex:ident, $blocking:ident) => {
        impl NativeSync for $rt {
            type Bounded = $bounded;
            type Unbounded = $unbounded;
            type Oneshot = $oneshot;
            type Mutex = $mutex;
        }

        #[doc = concat!("`", stringify!($krate), "::sync::mpsc::channel(CAP)`.")]
        #[derive(Debug)]
        pub struct $bounded;

        impl Chan for $bounded {
            type Tx = $krate::sync::mpsc::Sender<u64>;
            type Rx = $krate::sync::mpsc::Receiver<u64>;

            fn new() -> (Self::Tx, Self::Rx) {
                $krate::sync::mpsc::channel(CAP)
            }

            async fn send(tx: &Self::Tx, v: u64) {
                tx.send(v).await.expect("receiver alive");
            }

            async fn recv(rx: &mut Self::Rx) -> Option<u64> {
                rx.recv().await
            }
        }

        #[doc = concat!("`", stringify!($krate), "::sync::mpsc::unbounded_channel()`.")]
        #[derive(Debug)]
        pub struct $unbounded;

        impl Chan for $unbounded {
            type Tx = $krate::sync::mpsc::UnboundedSender<u64>;
            type Rx = $krate::sync::mpsc::UnboundedReceiver<u64>;

            fn new() -> (Self::Tx, Self::Rx) {
                $krate::sync::mpsc::unbounded_channel()
            }

            async fn send(tx: &Self::Tx, v: u64) {
                tx.send(v).expect("receiver alive");
            }

            async fn recv(rx: &mut Self::Rx) -> Option<u64> {
                rx.recv().await
            }
        }

        #[doc = concat!("`", stringify!($krate), "::sync::oneshot`.")]
        #[derive(Debug)]
        pub struct $oneshot;

        impl Oneshot for $oneshot {
            type Tx<T: Send + 'static> = $krate::sync::oneshot::Sender<T>;
            type Rx<T: Send + 'static> = $krate::sync::oneshot::Receiver<T>;

            fn channel<T: Send + 'static>() -> (Self::Tx<T>, Self::Rx<T>) {
                $krate::sync::oneshot::channel()
            }

            fn send<T: Send + 'static>(tx: Self::Tx<T>, v: T) {
                if tx.send(v).is_err() {
                    panic!("oneshot receiver gone");
                }
            }

            async fn recv<T: Send + 'static>(rx: Self::Rx<T>) -> T {
                rx.await.expect("oneshot sender gone")
            }
        }

        #[doc = concat!("`", stringify!($krate), "::sync::Mutex<u64>`.")]
        #[derive(Debug)]
        pub struct $mutex;

        impl AsyncMutex for $mutex {
            type M = $krate::sync::Mutex<u64>;

            fn new() -> Self::M {
                $krate::sync::Mutex::new(0)
            }

            async fn incr(m: &Self::M, hold: bool) {
                let mut g = m.lock().await;
                *g += 1;
                if hold {
                    $krate::task::yield_now().await;
                }
            }

            fn get(m: &Self::M) -> u64 {
                *m.try_lock().expect("mutex free at the end")
            }
        }

        #[doc = concat!("`", stringify!($krate), "::sync::mpsc::channel(CAP)` with `blocking_send`/`blocking_recv`.")]
        #[derive(Debug)]
        pub struct $blocking;

        impl BlockingChan for $blocking {
            type Tx = $krate::sync::mpsc::Sender<u64>;
            type Rx = $krate::sync::mpsc::Receiver<u64>;

            fn new() -> (Self::Tx, Self::Rx) {
                $krate::sync::mpsc::channel(CAP)
            }

            fn send(tx: &Self::Tx, v: u64) {
                tx.blocking_send(v).expect("receiver alive");
            }

            fn recv(rx: &mut Self::Rx) -> Option<u64> {
                rx.blocking_recv()
            }
        }
    };
}

sync_impl!(
    Zio,
    zio,
    ZioBounded,
    ZioUnbounded,
    ZioOneshot,
    ZioMutex,
    ZioBlocking
);
sync_impl!(
    Tokio,
    tokio,
    TokioBounded,
    TokioUnbounded,
    TokioOneshot,
    TokioMutex,
    TokioBlocking
);

/// `flume::bounded(CAP)`, `send_async`/`recv_async`.
#[derive(Debug)]
pub struct FlumeBounded;

impl Chan for FlumeBounded {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;

    fn new() -> (Self::Tx, Self::Rx) {
        flume::bounded(CAP)
    }

    async fn send(tx: &Self::Tx, v: u64) {
        tx.send_async(v).await.expect("receiver alive");
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

/// `flume::unbounded()`.
#[derive(Debug)]
pub struct FlumeUnbounded;

impl Chan for FlumeUnbounded {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;

    fn new() -> (Self::Tx, Self::Rx) {
        flume::unbounded()
    }

    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("receiver alive");
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

/// `async_channel::bounded(CAP)`.
#[derive(Debug)]
pub struct AsyncChannelBounded;

impl Chan for AsyncChannelBounded {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn new() -> (Self::Tx, Self::Rx) {
        async_channel::bounded(CAP)
    }

    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("receiver alive");
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// `async_channel::unbounded()`.
#[derive(Debug)]
pub struct AsyncChannelUnbounded;

impl Chan for AsyncChannelUnbounded {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn new() -> (Self::Tx, Self::Rx) {
        async_channel::unbounded()
    }

    async fn send(tx: &Self::Tx, v: u64) {
        tx.try_send(v).expect("unbounded, receiver alive");
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// `crossbeam_channel::bounded(CAP)`.
#[derive(Debug)]
pub struct CrossbeamBlocking;

impl BlockingChan for CrossbeamBlocking {
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;

    fn new() -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(CAP)
    }

    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("receiver alive");
    }

    fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}

/// `flume::bounded(CAP)`, blocking `send`/`recv`.
#[derive(Debug)]
pub struct FlumeBlocking;

impl BlockingChan for FlumeBlocking {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;

    fn new() -> (Self::Tx, Self::Rx) {
        flume::bounded(CAP)
    }

    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("receiver alive");
    }

    fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}
