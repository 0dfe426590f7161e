//! The cross-runtime matrix: for every (sender side, receiver side) pair of
//! {zio task, tokio task, plain thread, `futures::executor::block_on`},
//! messages from several producers go through bounded (capacity 1 and 128)
//! and unbounded channels; nothing may be lost or duplicated, and each
//! producer's order must be kept.
//!
//! Every pair sends 1,000,000 messages per flavour. The 16 pairs of a
//! flavour run at once: with capacity 1, each message between executors
//! is a thread wake (15–65 µs on the 2-core CI machine), which one pair at a
//! time would turn into about 8 minutes of mostly idle CPUs; run together
//! they take about 2 minutes in a debug build and 1 in release, and the
//! shared zio and tokio runtimes serve many pairs at once as well.
//! `ZIO_SYNC_MATRIX_MSGS=N` picks another size for a quick local run.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

use zio::sync::mpsc;

const PRODUCERS: u64 = 4;

fn messages() -> u64 {
    std::env::var("ZIO_SYNC_MATRIX_MSGS").map_or(1_000_000, |v| {
        v.parse().expect("ZIO_SYNC_MATRIX_MSGS must be a number")
    })
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
    /// Panics if the job has not finished within 10 minutes: a hang.
    fn join(self) -> T {
        match self.0.recv_timeout(std::time::Duration::from_secs(600)) {
            Ok(Ok(v)) => v,
            Ok(Err(p)) => std::panic::resume_unwind(p),
            Err(e) => panic!("HANG: a job did not finish within 10 minutes ({e})"),
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
    let n = messages();
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
    let start = Instant::now();
    let pairs: Vec<_> = SIDES
        .iter()
        .flat_map(|&send| SIDES.iter().map(move |&recv| (send, recv)))
        .map(|(send, recv)| {
            let job = run_blocking(move || {
                let start = Instant::now();
                run_pair(send, recv, flavour);
                start.elapsed()
            });
            (send, recv, job)
        })
        .collect();
    for (send, recv, job) in pairs {
        let took = job.join();
        eprintln!(
            "{flavour:?} {send:?} -> {recv:?}: {} msgs in {took:?}",
            messages()
        );
    }
    eprintln!("{flavour:?}: all pairs in {:?}", start.elapsed());
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
