//! Sync workloads (issue 5): `zio::sync` vs `tokio::sync`, with `flume`,
//! `async-channel` and `crossbeam-channel` where they apply.
//!
//! - `sync_mpsc/*`: producer tasks send to one consumer (the body task),
//!   bounded 128 or unbounded, 1 or 4 producers; the consumer checks each
//!   producer's FIFO order and the count.
//! - `sync_oneshot_rtt`: two tasks play ping-pong where every hop is a fresh
//!   oneshot (each message carries the sender of the reply).
//! - `sync_mutex`: tasks incrementing a counter behind the async mutex; every
//!   16th increment holds the lock across a yield, so waiters queue up on
//!   both flavors.
//! - `sync_threads`: `blocking_send`/`blocking_recv` between two plain
//!   threads (no runtime), bounded 128, vs crossbeam-channel and flume.
//!
//! The workloads are written once, generic over [`Rt`] and over small
//! traits ([`Chan`], [`Oneshot`], [`AsyncMutex`], [`BlockingChan`]) whose
//! zio and tokio impls come from one macro (the crate name is the only
//! difference). Every contender of a row (zio, tokio and the other crates)
//! runs in the same interleaved rounds, the order rotating each round.
//! zio vs tokio goes into the main ratio table; every contender, and the
//! issue's targets, into the "sync" section.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::{Config, Harness, Throughput};
use crate::report::{fmt_secs, Row, Stats};
use crate::rt::{Flavor, Rt, Tokio, Zio};

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

/// The sync impls of a crate with tokio's `sync` API: the same code for
/// zio and tokio.
macro_rules! sync_impl {
    ($krate:ident, $bounded:ident, $unbounded:ident, $oneshot:ident, $mutex:ident, $blocking:ident) => {
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
    zio,
    ZioBounded,
    ZioUnbounded,
    ZioOneshot,
    ZioMutex,
    ZioBlocking
);
sync_impl!(
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

/// `producers` tasks each send `per` values (`producer << 32 | seq`) into
/// one channel; the body receives them all, checking each producer's order.
/// Returns the count received.
async fn mpsc_body<R: Rt, C: Chan>(producers: usize, per: u64) -> u64 {
    let (tx, mut rx) = C::new();
    let handles: Vec<_> = (0..producers as u64)
        .map(|p| {
            let tx = tx.clone();
            R::spawn(async move {
                for i in 0..per {
                    C::send(&tx, (p << 32) | i).await;
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = vec![0u64; producers];
    let mut got = 0;
    while let Some(v) = C::recv(&mut rx).await {
        let (p, i) = ((v >> 32) as usize, v & 0xffff_ffff);
        assert_eq!(i, next[p], "mpsc: producer {p} out of order");
        next[p] += 1;
        got += 1;
    }
    for h in handles {
        h.await;
    }
    got
}

/// A ping-pong message: a value and the sender for the reply.
struct Ball<O: Oneshot>(u64, O::Tx<Ball<O>>);

/// `n` round trips between the body and an echo task, each hop over a
/// fresh oneshot. Returns the count of correct echoes.
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

/// `tasks` tasks each incrementing the counter `iters` times. Returns it.
async fn mutex_body<R: Rt, M: AsyncMutex>(tasks: usize, iters: usize) -> u64 {
    let m = Arc::new(M::new());
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let m = m.clone();
            R::spawn(async move {
                for i in 0..iters {
                    M::incr(&m, i % HOLD_EVERY == HOLD_EVERY - 1).await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
    M::get(&m)
}

/// Spawns `body` on `rt`, times `block_on` of it, checks its result.
fn time_body<R: Rt, F>(rt: &R, body: F, expected: u64, what: &str) -> Duration
where
    F: Future<Output = u64> + Send + 'static,
{
    let start = Instant::now();
    let got = rt.block_on(async move { R::spawn(body).await });
    let elapsed = start.elapsed();
    assert_eq!(
        got,
        expected,
        "{what} on {} {}: wrong result",
        rt.name(),
        rt.flavor().label()
    );
    elapsed
}

/// `n` values from one plain thread to another through `B`; the receiver
/// checks their order. Timed from the threads' spawn to their join.
fn threads_once<B: BlockingChan>(n: u64, what: &str) -> Duration {
    let (tx, mut rx) = B::new();
    let start = Instant::now();
    let got = std::thread::scope(|s| {
        s.spawn(move || {
            for i in 0..n {
                B::send(&tx, i);
            }
        });
        let r = s.spawn(move || {
            let mut next = 0;
            while let Some(v) = B::recv(&mut rx) {
                assert_eq!(v, next, "{what}: out of order");
                next += 1;
            }
            next
        });
        r.join().expect("receiver thread")
    });
    let elapsed = start.elapsed();
    assert_eq!(got, n, "{what}: wrong count");
    elapsed
}

/// A contender of a row: its label and one timed iteration.
type Contender<'a> = (String, Box<dyn FnMut() -> Duration + 'a>);

/// Warmup, then `rounds` rounds of every contender, the order rotating
/// each round so each goes first equally often. One vector per contender.
fn measure(cfg: &Config, cs: &mut [Contender<'_>]) -> Vec<Vec<Duration>> {
    for _ in 0..cfg.warmup {
        for (_, run) in cs.iter_mut() {
            run();
        }
    }
    let n = cs.len();
    let mut out = vec![Vec::with_capacity(cfg.rounds); n];
    for round in 0..cfg.rounds {
        for k in 0..n {
            let i = (round + k) % n;
            out[i].push((cs[i].1)());
        }
    }
    out
}

/// One sync row: every contender's rounds (zio first, tokio second).
#[derive(Debug)]
pub struct SyncRow {
    /// Workload name with parameters.
    pub workload: String,
    /// Flavor label.
    pub flavor: String,
    /// Messages (or round trips, increments) per iteration.
    pub ops: u64,
    /// Whether this is the thread-to-thread row (crossbeam target).
    pub threads: bool,
    /// (label, rounds) per contender.
    pub cols: Vec<(String, Vec<Duration>)>,
}

/// Measures `cs` (zio first, tokio second), records the zio/tokio pair in
/// the harness's main table and every contender in `out`.
fn record(
    h: &mut Harness,
    out: &mut Vec<SyncRow>,
    workload: &str,
    flavor: String,
    ops: u64,
    mut cs: Vec<Contender<'_>>,
) {
    let rounds = measure(&h.cfg, &mut cs);
    let cols: Vec<_> = cs.into_iter().map(|(l, _)| l).zip(rounds).collect();
    h.push_row(Row {
        workload: workload.to_string(),
        flavor: flavor.clone(),
        ops,
        throughput: Throughput::None,
        zio: cols[0].1.clone(),
        tokio: cols[1].1.clone(),
    });
    out.push(SyncRow {
        workload: workload.to_string(),
        flavor,
        ops,
        threads: workload.starts_with("sync_threads"),
        cols,
    });
}

/// The contenders of an mpsc row on one flavor: zio::sync on zio,
/// tokio::sync on tokio, then flume and async-channel on each runtime.
fn mpsc_contenders<'a, Z: Chan, T: Chan, F: Chan, A: Chan>(
    z: &'a Zio,
    t: &'a Tokio,
    producers: usize,
    per: u64,
    what: &'a str,
) -> Vec<Contender<'a>> {
    let expected = producers as u64 * per;
    vec![
        (
            "zio::sync (zio rt)".to_string(),
            Box::new(move || time_body(z, mpsc_body::<Zio, Z>(producers, per), expected, what)),
        ),
        (
            "tokio::sync (tokio rt)".to_string(),
            Box::new(move || time_body(t, mpsc_body::<Tokio, T>(producers, per), expected, what)),
        ),
        (
            "flume (zio rt)".to_string(),
            Box::new(move || time_body(z, mpsc_body::<Zio, F>(producers, per), expected, what)),
        ),
        (
            "flume (tokio rt)".to_string(),
            Box::new(move || time_body(t, mpsc_body::<Tokio, F>(producers, per), expected, what)),
        ),
        (
            "async-channel (zio rt)".to_string(),
            Box::new(move || time_body(z, mpsc_body::<Zio, A>(producers, per), expected, what)),
        ),
        (
            "async-channel (tokio rt)".to_string(),
            Box::new(move || time_body(t, mpsc_body::<Tokio, A>(producers, per), expected, what)),
        ),
    ]
}

/// Runs every selected sync workload; returns the rows of the sync section
/// (the zio/tokio pairs also go into the main table).
pub fn register(h: &mut Harness) -> Vec<SyncRow> {
    let c = h.cfg.clone();
    let mut out = Vec::new();
    let msgs = c.size(100_000, 4_000) as u64;
    let round_trips = c.size(20_000, 500) as u64;
    let (mtasks, miters) = (8, c.size(5_000, 250));
    let thread_msgs = c.size(200_000, 5_000) as u64;

    for producers in [1usize, 4] {
        for bounded in [true, false] {
            let per = msgs / producers as u64;
            let kind = if bounded {
                format!("bounded{CAP}")
            } else {
                "unbounded".to_string()
            };
            let name = format!("sync_mpsc/{producers}p/{kind}/{}", per * producers as u64);
            if !h.selected(&name) {
                continue;
            }
            eprintln!("running {name}");
            for flavor in [Flavor::MultiThread, Flavor::CurrentThread] {
                let rts = h.runtimes_arc();
                let (z, t) = rts.pair(flavor);
                let cs = if bounded {
                    mpsc_contenders::<ZioBounded, TokioBounded, FlumeBounded, AsyncChannelBounded>(
                        z, t, producers, per, &name,
                    )
                } else {
                    mpsc_contenders::<
                        ZioUnbounded,
                        TokioUnbounded,
                        FlumeUnbounded,
                        AsyncChannelUnbounded,
                    >(z, t, producers, per, &name)
                };
                record(
                    h,
                    &mut out,
                    &name,
                    flavor.label(),
                    per * producers as u64,
                    cs,
                );
            }
        }
    }

    let name = format!("sync_oneshot_rtt/{round_trips}");
    if h.selected(&name) {
        eprintln!("running {name}");
        for flavor in [Flavor::MultiThread, Flavor::CurrentThread] {
            let rts = h.runtimes_arc();
            let (z, t) = rts.pair(flavor);
            let n = round_trips;
            let what = name.as_str();
            let cs: Vec<Contender<'_>> = vec![
                (
                    "zio::sync (zio rt)".to_string(),
                    Box::new(move || time_body(z, oneshot_body::<Zio, ZioOneshot>(n), n, what)),
                ),
                (
                    "tokio::sync (tokio rt)".to_string(),
                    Box::new(move || time_body(t, oneshot_body::<Tokio, TokioOneshot>(n), n, what)),
                ),
            ];
            record(h, &mut out, &name, flavor.label(), n, cs);
        }
    }

    let name = format!("sync_mutex/{mtasks}x{miters}");
    if h.selected(&name) {
        eprintln!("running {name}");
        let total = (mtasks * miters) as u64;
        for flavor in [Flavor::MultiThread, Flavor::CurrentThread] {
            let rts = h.runtimes_arc();
            let (z, t) = rts.pair(flavor);
            let what = name.as_str();
            let cs: Vec<Contender<'_>> = vec![
                (
                    "zio::sync (zio rt)".to_string(),
                    Box::new(move || {
                        time_body(z, mutex_body::<Zio, ZioMutex>(mtasks, miters), total, what)
                    }),
                ),
                (
                    "tokio::sync (tokio rt)".to_string(),
                    Box::new(move || {
                        time_body(
                            t,
                            mutex_body::<Tokio, TokioMutex>(mtasks, miters),
                            total,
                            what,
                        )
                    }),
                ),
            ];
            record(h, &mut out, &name, flavor.label(), total, cs);
        }
    }

    let name = format!("sync_threads/bounded{CAP}/{thread_msgs}");
    if h.selected(&name) {
        eprintln!("running {name}");
        let (n, what) = (thread_msgs, name.as_str());
        let cs: Vec<Contender<'_>> = vec![
            (
                "zio::sync blocking_send/recv".to_string(),
                Box::new(move || threads_once::<ZioBlocking>(n, what)),
            ),
            (
                "tokio::sync blocking_send/recv".to_string(),
                Box::new(move || threads_once::<TokioBlocking>(n, what)),
            ),
            (
                "crossbeam-channel".to_string(),
                Box::new(move || threads_once::<CrossbeamBlocking>(n, what)),
            ),
            (
                "flume".to_string(),
                Box::new(move || threads_once::<FlumeBlocking>(n, what)),
            ),
        ];
        record(
            h,
            &mut out,
            &name,
            "2 plain threads, no runtime".to_string(),
            n,
            cs,
        );
    }
    out
}

/// The largest zio/crossbeam time ratio allowed for thread-to-thread.
const CROSSBEAM_TARGET: f64 = 1.5;

/// The sync section of the report: every contender of every row, then the
/// issue's targets and whether this run met them.
pub fn section(rows: &[SyncRow]) -> String {
    let mut s = String::from(
        "\n## sync: zio::sync vs tokio::sync, flume, async-channel, crossbeam-channel\n\n\
         Median time per iteration; **× zio = its median / zio's median** (> 1 means zio is faster). \
         mpsc rows: producers are tasks, the body task receives; `(zio rt)` / `(tokio rt)` is the runtime the tasks run on.\n\n\
         | workload | flavor | implementation | median (per op) | rate | × zio |\n|---|---|---|---:|---:|---:|\n",
    );
    for r in rows {
        let zio_med = Stats::of_durations(&r.cols[0].1).median;
        for (label, xs) in &r.cols {
            let med = Stats::of_durations(xs).median;
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} ({}/op) | {:.2} M/s | {:.2}× |",
                r.workload,
                r.flavor,
                label,
                fmt_secs(med),
                fmt_secs(med / r.ops as f64),
                r.ops as f64 / med / 1e6,
                med / zio_med,
            );
        }
    }
    s += "\n### targets (issue 5)\n\n";
    let mut behind = Vec::new();
    for r in rows {
        let q = Stats::of(
            r.cols[0]
                .1
                .iter()
                .zip(&r.cols[1].1)
                .map(|(z, t)| t.as_secs_f64() / z.as_secs_f64()),
        );
        if q.median < 1.0 {
            behind.push(format!("{} {} ({:.3}×)", r.workload, r.flavor, q.median));
        }
    }
    let _ = writeln!(
        s,
        "- zio ≥ tokio on every row (median per-round ratio tokio/zio ≥ 1): **{}** ({}/{} rows){}",
        if behind.is_empty() { "met" } else { "not met" },
        rows.len() - behind.len(),
        rows.len(),
        if behind.is_empty() {
            String::new()
        } else {
            format!("; behind: {}", behind.join(", "))
        }
    );
    for r in rows.iter().filter(|r| r.threads) {
        let zio = Stats::of_durations(&r.cols[0].1).median;
        if let Some((_, cb)) = r.cols.iter().find(|(l, _)| l == "crossbeam-channel") {
            let x = zio / Stats::of_durations(cb).median;
            let _ = writeln!(
                s,
                "- thread-to-thread within {CROSSBEAM_TARGET}× of crossbeam-channel: zio takes **{x:.2}×** crossbeam's median: **{}**",
                if x <= CROSSBEAM_TARGET { "met" } else { "not met" }
            );
        }
    }
    s
}
