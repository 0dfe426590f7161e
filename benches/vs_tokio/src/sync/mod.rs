//! Sync workloads (issue 5): `zio::sync` on zio vs `tokio::sync` on tokio,
//! with flume, async-channel and crossbeam-channel as extra contenders.
//!
//! - `sync_mpsc/*`: producer tasks send to one consumer (the body task),
//!   bounded 128 or unbounded, 1 or 4 producers; the consumer checks each
//!   producer's FIFO order and the count. flume and async-channel run the
//!   same body on zio's and tokio's multi_thread runtimes.
//! - `sync_oneshot_rtt`: two tasks play ping-pong where every hop is a fresh
//!   oneshot (each message carries the sender of the reply).
//! - `sync_mutex`: tasks incrementing a counter behind the async mutex; every
//!   16th increment holds the lock across a yield, so waiters queue up on
//!   both flavors.
//! - `sync_threads`: `blocking_send`/`blocking_recv` between two plain
//!   threads (no runtime, so no flavor and no backend: zio's number is in
//!   the zio-uring column), vs crossbeam-channel and flume.

pub mod kit;

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use kit::{
    AsyncChannelBounded, AsyncChannelUnbounded, AsyncMutex, BlockingChan, Chan, ChanFor,
    CrossbeamBlocking, Fixed, FlumeBlocking, FlumeBounded, FlumeUnbounded, NativeBounded,
    NativeSync, NativeUnbounded, Oneshot, TokioBlocking, ZioBlocking, CAP,
};

use crate::harness::{Column, Contender, Engine, Harness, Label};
use crate::rt::{Flavor, Rt};
use crate::span::{Sample, Span};
use crate::workload::{sum, Throughput, Workload};

/// Registers every sync workload with `h`.
pub fn register(h: &mut Harness) {
    let c = h.cfg.clone();
    let msgs = c.size(100_000, 4_000) as u64;
    for producers in [1, 4] {
        let per = msgs / producers;
        mpsc::<NativeBounded, FlumeBounded, AsyncChannelBounded>(h, producers, per, "bounded128");
        mpsc::<NativeUnbounded, FlumeUnbounded, AsyncChannelUnbounded>(
            h,
            producers,
            per,
            "unbounded",
        );
    }
    h.bench(OneshotRtt {
        round_trips: c.size(20_000, 500) as u64,
    });
    h.bench(MutexIncr {
        tasks: 8,
        iters: c.size(5_000, 250),
    });
    threads(h, c.size(200_000, 5_000) as u64);
}

/// Registers one mpsc row: the native channel `N` on every column, `F`
/// (flume) and `A` (async-channel) on both multi_thread runtimes.
fn mpsc<N: ChanFor, F: Chan, A: Chan>(h: &mut Harness, producers: u64, per: u64, kind: &str) {
    let w = Mpsc::<N>::new(producers, per, kind);
    let flume = Mpsc::<Fixed<F>>::new(producers, per, kind);
    let async_channel = Mpsc::<Fixed<A>>::new(producers, per, kind);
    h.bench_with(w, |l| {
        let mut cs = l.on_multi("flume", &flume);
        cs.extend(l.on_multi("async-channel", &async_channel));
        cs
    });
}

/// `producers` tasks each send `per` values (`producer << 32 | seq`) into
/// one channel of kind `C`; the body receives them all, checking each
/// producer's order.
#[derive(Debug)]
pub struct Mpsc<C> {
    producers: u64,
    per: u64,
    kind: String,
    chan: PhantomData<C>,
}

impl<C> Mpsc<C> {
    /// The workload; `kind` names the channel kind in the row name.
    fn new(producers: u64, per: u64, kind: &str) -> Mpsc<C> {
        Mpsc {
            producers,
            per,
            kind: kind.to_string(),
            chan: PhantomData,
        }
    }
}

impl<C: ChanFor> Workload for Mpsc<C> {
    fn name(&self) -> String {
        format!("sync_mpsc/{}p/{}/{}", self.producers, self.kind, self.ops())
    }

    fn ops(&self) -> u64 {
        self.producers * self.per
    }

    fn throughput(&self) -> Throughput {
        Throughput::Messages
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        mpsc_body::<R, C::On<R>>(self.producers, self.per)
    }
}

/// The body of [`Mpsc`] on channel `C`; returns the count received.
async fn mpsc_body<R: Rt, C: Chan>(producers: u64, per: u64) -> u64 {
    let (tx, mut rx) = C::new();
    let handles: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            R::spawn(async move {
                for i in 0..per {
                    C::send(&tx, (p << 32) | i).await;
                }
                per
            })
        })
        .collect();
    drop(tx);
    let mut next = vec![0u64; producers as usize];
    let mut got = 0;
    while let Some(v) = C::recv(&mut rx).await {
        let (p, i) = ((v >> 32) as usize, v & 0xffff_ffff);
        assert_eq!(i, next[p], "mpsc: producer {p} out of order");
        next[p] += 1;
        got += 1;
    }
    assert_eq!(sum(handles).await, got, "mpsc: sent and received differ");
    got
}

/// A ping-pong message: a value and the sender for the reply.
struct Ball<O: Oneshot>(u64, O::Tx<Ball<O>>);

/// `round_trips` round trips between the body and an echo task, each hop
/// over a fresh oneshot.
#[derive(Debug)]
pub struct OneshotRtt {
    round_trips: u64,
}

impl Workload for OneshotRtt {
    fn name(&self) -> String {
        format!("sync_oneshot_rtt/{}", self.round_trips)
    }

    fn ops(&self) -> u64 {
        self.round_trips
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        oneshot_body::<R, <R as NativeSync>::Oneshot>(self.round_trips)
    }
}

/// The body of [`OneshotRtt`]; returns the count of correct echoes.
async fn oneshot_body<R: Rt, O: Oneshot>(n: u64) -> u64 {
    let (mut tx, echo_rx) = O::channel::<Ball<O>>();
    let echo = R::spawn(async move {
        let mut rx = echo_rx;
        for _ in 0..n {
            let Ball(v, reply) = O::recv(rx).await;
            let (next_tx, next_rx) = O::channel();
            O::send(reply, Ball(v, next_tx));
            rx = next_rx;
        }
    });
    let mut done = 0;
    for i in 0..n {
        let (reply, rx) = O::channel();
        O::send(tx, Ball(i, reply));
        let Ball(v, next) = O::recv(rx).await;
        assert_eq!(v, i, "oneshot: wrong echo");
        tx = next;
        done += 1;
    }
    echo.await;
    done
}

/// Every this many increments, a task holds the lock across a yield.
const HOLD_EVERY: usize = 16;

/// `tasks` tasks each incrementing a counter behind the runtime's async
/// mutex `iters` times.
#[derive(Debug)]
pub struct MutexIncr {
    tasks: usize,
    iters: usize,
}

impl Workload for MutexIncr {
    fn name(&self) -> String {
        format!("sync_mutex/{}x{}", self.tasks, self.iters)
    }

    fn ops(&self) -> u64 {
        (self.tasks * self.iters) as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        mutex_body::<R, <R as NativeSync>::Mutex>(self.tasks, self.iters)
    }
}

/// The body of [`MutexIncr`]; returns the counter.
async fn mutex_body<R: Rt, M: AsyncMutex>(tasks: usize, iters: usize) -> u64 {
    let m = Arc::new(M::new());
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let m = m.clone();
            R::spawn(async move {
                for i in 0..iters {
                    M::incr(&m, i % HOLD_EVERY == HOLD_EVERY - 1).await;
                }
                iters as u64
            })
        })
        .collect();
    sum(handles).await;
    M::get(&m)
}

/// `n` values from one plain thread to another through `B`; the receiver
/// checks their order. Timed from the threads' spawn to their join.
fn threads_once<B: BlockingChan>(n: u64) -> Sample {
    let (tx, mut rx) = B::new();
    let span = Span::new();
    let got = std::thread::scope(|s| {
        s.spawn(move || {
            for i in 0..n {
                B::send(&tx, i);
            }
        });
        let r = s.spawn(move || {
            let mut next = 0;
            while let Some(v) = B::recv(&mut rx) {
                assert_eq!(v, next, "sync_threads: out of order");
                next += 1;
            }
            next
        });
        r.join().expect("receiver thread")
    });
    span.stop();
    assert_eq!(got, n, "sync_threads: wrong count");
    span.sample(n)
}

/// A thread-to-thread contender over `B`.
fn thread_contender<B: BlockingChan>(label: Label, n: u64) -> Contender<'static> {
    Contender {
        label,
        run: Box::new(move || threads_once::<B>(n)),
    }
}

/// The thread-to-thread row: zio's and tokio's `blocking_send`/
/// `blocking_recv`, crossbeam-channel and flume, bounded 128.
fn threads(h: &mut Harness, n: u64) {
    let col = |engine| {
        Label::Main(Column {
            engine,
            flavor: Flavor::Threads,
        })
    };
    let cs = vec![
        thread_contender::<TokioBlocking>(col(Engine::Tokio), n),
        thread_contender::<ZioBlocking>(col(Engine::ZioUring), n),
        thread_contender::<CrossbeamBlocking>(Label::Extra("crossbeam-channel".into()), n),
        thread_contender::<FlumeBlocking>(Label::Extra("flume".into()), n),
    ];
    h.bench_plain(&format!("sync_threads/bounded{CAP}/{n}"), cs);
}
