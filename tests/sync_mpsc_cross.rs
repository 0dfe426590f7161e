//! The cross-runtime matrix: for every (sender side, receiver side) pair of
//! {zio task, tokio task, plain thread, `futures::executor::block_on`},
//! messages from several producers go through bounded (capacity 1 and 128)
//! and unbounded channels; nothing may be lost or duplicated, and each
//! producer's order must be kept.
//!
//! Sizes, per (pair, flavour), chosen so the suite stays fast:
//!
//! | build   | unbounded | capacity 128 | capacity 1 |
//! |---------|-----------|--------------|------------|
//! | release | 1,000,000 | 1,000,000    | 100,000    |
//! | debug   | 1,000,000 | 1,000,000    | 20,000     |
//!
//! Capacity 1 between executors costs a thread wake per message (15–65 µs
//! measured on the 2-core CI machine, tokio's side included), so 1,000,000
//! of them for each of the 16 pairs would take about 8 minutes. `ZIO_SYNC_MATRIX_MSGS=1000000` forces that size for every
//! flavour: `ZIO_SYNC_MATRIX_MSGS=1000000 cargo test --release --test
//! sync_mpsc_cross`.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

use zio::sync::mpsc;

const PRODUCERS: u64 = 3;

fn messages(flavour: Option<usize>) -> u64 {
    if let Ok(v) = std::env::var("ZIO_SYNC_MATRIX_MSGS") {
        return v.parse().expect("ZIO_SYNC_MATRIX_MSGS must be a number");
    }
    match (cfg!(debug_assertions), flavour) {
        (false, Some(1)) => 100_000,
        (true, Some(1)) => 20_000,
        _ => 1_000_000,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Zio,
    Tokio,
    Thread,
    BlockOn,
}

const SIDES: [Side; 4] = [Side::Zio, Side::Tokio, Side::Thread, Side::BlockOn];

fn zio_rt() -> &'static zio::runtime::Runtime {
    static RT: OnceLock<zio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        zio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("zio runtime")
    })
}

fn tokio_rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// Waits for a job started by [`run_async`] or [`run_blocking`].
struct Job<T>(std::sync::mpsc::Receiver<std::thread::Result<T>>);

impl<T> Job<T> {
    fn join(self) -> T {
        match self.0.recv().expect("job vanished") {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        }
    }
}

/// Runs an async job on `side` (which must be an async side).
fn run_async<F>(side: Side, fut: F) -> Job<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    use futures::FutureExt;
    let (tx, rx) = std::sync::mpsc::channel();
    let fut = async move {
        let r = std::panic::AssertUnwindSafe(fut).catch_unwind().await;
        let _ = tx.send(r);
    };
    match side {
        Side::Zio => drop(zio_rt().spawn(fut)),
        Side::Tokio => drop(tokio_rt().spawn(fut)),
        Side::BlockOn => drop(std::thread::spawn(move || futures::executor::block_on(fut))),
        Side::Thread => unreachable!("plain threads use run_blocking"),
    }
    Job(rx)
}

/// Runs a blocking job on a plain thread.
fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Job<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    Job(rx)
}

type Msg = (u64, u64);

#[derive(Clone)]
enum Tx {
    Bounded(mpsc::Sender<Msg>),
    Unbounded(mpsc::UnboundedSender<Msg>),
}

enum Rx {
    Bounded(mpsc::Receiver<Msg>),
    Unbounded(mpsc::UnboundedReceiver<Msg>),
}

impl Tx {
    async fn send(&self, m: Msg) {
        match self {
            Tx::Bounded(t) => t.send(m).await.expect("receiver alive"),
            Tx::Unbounded(t) => t.send(m).expect("receiver alive"),
        }
    }

    fn blocking_send(&self, m: Msg) {
        match self {
            Tx::Bounded(t) => t.blocking_send(m).expect("receiver alive"),
            Tx::Unbounded(t) => t.send(m).expect("receiver alive"),
        }
    }
}

impl Rx {
    async fn recv(&mut self) -> Option<Msg> {
        match self {
            Rx::Bounded(r) => r.recv().await,
            Rx::Unbounded(r) => r.recv().await,
        }
    }

    fn blocking_recv(&mut self) -> Option<Msg> {
        match self {
            Rx::Bounded(r) => r.blocking_recv(),
            Rx::Unbounded(r) => r.blocking_recv(),
        }
    }
}

/// Checks one received message against the per-producer expectations.
struct Checker {
    next: Vec<u64>,
    total: u64,
}

impl Checker {
    fn new() -> Self {
        Checker {
            next: vec![0; PRODUCERS as usize],
            total: 0,
        }
    }

    fn see(&mut self, (p, seq): Msg) {
        let want = &mut self.next[p as usize];
        assert_eq!(seq, *want, "producer {p}: out of order, lost or duplicated");
        *want += 1;
        self.total += 1;
    }
}

fn run_pair(send: Side, recv: Side, flavour: Option<usize>) {
    let n = messages(flavour);
    let per = n / PRODUCERS;
    let (tx, mut rx) = match flavour {
        Some(cap) => {
            let (t, r) = mpsc::channel(cap);
            (Tx::Bounded(t), Rx::Bounded(r))
        }
        None => {
            let (t, r) = mpsc::unbounded_channel();
            (Tx::Unbounded(t), Rx::Unbounded(r))
        }
    };
    let consumer = match recv {
        Side::Thread => run_blocking(move || {
            let mut c = Checker::new();
            while let Some(m) = rx.blocking_recv() {
                c.see(m);
            }
            c
        }),
        side => run_async(side, async move {
            let mut c = Checker::new();
            while let Some(m) = rx.recv().await {
                c.see(m);
            }
            c
        }),
    };
    let producers: Vec<Job<()>> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            match send {
                Side::Thread => {
                    run_blocking(move || (0..per).for_each(|i| tx.blocking_send((p, i))))
                }
                side => run_async(side, async move {
                    for i in 0..per {
                        tx.send((p, i)).await;
                    }
                }),
            }
        })
        .collect();
    drop(tx);
    for p in producers {
        p.join();
    }
    let c = consumer.join();
    assert_eq!(c.total, per * PRODUCERS);
    assert!(c.next.iter().all(|&k| k == per));
}

fn matrix(flavour: Option<usize>) {
    for send in SIDES {
        for recv in SIDES {
            let start = Instant::now();
            run_pair(send, recv, flavour);
            eprintln!(
                "{flavour:?} {send:?} -> {recv:?}: {} msgs in {:?}",
                messages(flavour),
                start.elapsed()
            );
        }
    }
}

#[test]
fn matrix_cap1() {
    matrix(Some(1));
}

#[test]
fn matrix_cap128() {
    matrix(Some(128));
}

#[test]
fn matrix_unbounded() {
    matrix(None);
}
