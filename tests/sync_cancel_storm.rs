//! The cancel storm: at least 100,000 `recv`/`lock`/`acquire` futures are
//! dropped at random points — inside `select!` against a timer, through the
//! `*_timeout` methods, and after a random number of polls — while traffic
//! flows. A watchdog thread proves nothing hangs; the counts must be exact:
//! every message received exactly once and in order, every successful lock
//! counted, every permit back at the end.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use zio::sync::{mpsc, Mutex, Semaphore};

/// Aborts the process if the test is not done within `limit`.
struct Watchdog(Option<std::sync::mpsc::Sender<()>>);

impl Watchdog {
    fn start(name: &'static str, limit: Duration) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                eprintln!("watchdog: `{name}` hung for {limit:?}; aborting");
                std::process::abort();
            }
        });
        Watchdog(Some(tx))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Dropping the sender disconnects the watchdog's channel.
        self.0.take();
    }
}

/// xorshift64*: a tiny deterministic generator, seeded per worker.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Polls `fut` at most `polls` times (yielding in between), then drops it.
/// `Some(output)` if it completed first.
struct PollThenDrop<F> {
    fut: Pin<Box<F>>,
    polls_left: u32,
}

impl<F: Future> Future for PollThenDrop<F> {
    type Output = Option<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls_left == 0 {
            return Poll::Ready(None);
        }
        self.polls_left -= 1;
        match self.fut.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Some(v)),
            Poll::Pending => {
                // Come back soon whether or not the inner future is woken.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

fn poll_then_drop<F: Future>(fut: F, polls: u32) -> PollThenDrop<F> {
    PollThenDrop {
        fut: Box::pin(fut),
        polls_left: polls,
    }
}

/// Counts created futures.
static CREATED: AtomicUsize = AtomicUsize::new(0);
/// Counts futures dropped before completing; the storm must reach `TARGET`.
static CANCELLED: AtomicUsize = AtomicUsize::new(0);
const TARGET: usize = 100_000;

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn jitter(rng: &mut Rng) -> Duration {
    Duration::from_micros(rng.below(300))
}

/// Receive side: the single receiver keeps cancelling `recv` futures while
/// 3 producers (a tokio task, a plain thread, a block_on thread) send.
async fn recv_storm(rt: &tokio::runtime::Runtime, per_producer: u64, budget: usize) {
    let (tx, mut rx) = mpsc::channel::<(u64, u64)>(4);
    let mut producers = Vec::new();
    for p in 0..3u64 {
        let tx = tx.clone();
        let h = match p {
            0 => {
                let j = rt.spawn(async move {
                    for i in 0..per_producer {
                        tx.send((p, i)).await.unwrap();
                    }
                });
                std::thread::spawn(move || futures::executor::block_on(j).unwrap())
            }
            1 => std::thread::spawn(move || {
                (0..per_producer).for_each(|i| tx.blocking_send((p, i)).unwrap())
            }),
            _ => std::thread::spawn(move || {
                futures::executor::block_on(async {
                    for i in 0..per_producer {
                        tx.send((p, i)).await.unwrap();
                    }
                })
            }),
        };
        producers.push(h);
    }
    drop(tx);
    let mut next = [0u64; 3];
    let mut rng = Rng::new(1);
    let mut made = 0;
    let mut seen = |m: (u64, u64)| {
        assert_eq!(m.1, next[m.0 as usize], "lost, duplicated or reordered");
        next[m.0 as usize] += 1;
    };
    loop {
        made += 1;
        let got = match rng.below(3) {
            0 if made < budget => {
                tokio::select! {
                    m = rx.recv() => Some(m),
                    _ = tokio::time::sleep(jitter(&mut rng)) => None,
                }
            }
            1 if made < budget => match rx.recv_timeout(jitter(&mut rng)).await {
                Ok(m) => Some(Some(m)),
                Err(mpsc::error::RecvTimeoutError::Timeout) => None,
                Err(mpsc::error::RecvTimeoutError::Disconnected) => Some(None),
            },
            2 if made < budget => {
                let polls = 1 + rng.below(2) as u32;
                poll_then_drop(rx.recv(), polls).await
            }
            _ => Some(rx.recv().await),
        };
        match got {
            Some(Some(m)) => seen(m),
            Some(None) => break,
            None => {
                CANCELLED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    CREATED.fetch_add(made, Ordering::Relaxed);
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!(next, [per_producer; 3]);
}

#[test]
fn cancel_storm() {
    let _dog = Watchdog::start("cancel_storm", Duration::from_secs(120));
    let rt = tokio_rt();

    // Locks and permits: tokio tasks and block_on threads cancel `lock` and
    // `acquire_many` futures at random points while others hold them.
    let m = Arc::new(Mutex::new(0u64));
    let sem = Arc::new(Semaphore::new(3));
    let locked = Arc::new(AtomicU64::new(0));
    let in_use = Arc::new(AtomicUsize::new(0));
    let per_worker = 70_000usize;
    let worker = {
        let (m, sem, locked, in_use) = (m.clone(), sem.clone(), locked.clone(), in_use.clone());
        move |seed: u64| {
            let (m, sem, locked, in_use) = (m.clone(), sem.clone(), locked.clone(), in_use.clone());
            async move {
                let mut rng = Rng::new(seed);
                for _ in 0..per_worker {
                    if rng.below(2) == 0 {
                        let g = match rng.below(3) {
                            0 => tokio::select! {
                                g = m.lock() => Some(g),
                                _ = tokio::time::sleep(jitter(&mut rng)) => None,
                            },
                            1 => m.lock_timeout(jitter(&mut rng)).await.ok(),
                            _ => poll_then_drop(m.lock(), 1 + rng.below(2) as u32).await,
                        };
                        match g {
                            Some(mut g) => {
                                *g += 1;
                                locked.fetch_add(1, Ordering::Relaxed);
                                // Hold it across a yield so others queue up.
                                tokio::task::yield_now().await;
                            }
                            None => {
                                CANCELLED.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    } else {
                        let n = 1 + 1 + rng.below(2) as u32;
                        let p = match rng.below(3) {
                            0 => tokio::select! {
                                p = sem.acquire_many(n) => Some(p.unwrap()),
                                _ = tokio::time::sleep(jitter(&mut rng)) => None,
                            },
                            1 => sem.acquire_timeout(jitter(&mut rng)).await.ok(),
                            _ => poll_then_drop(sem.acquire_many(n), 1 + rng.below(2) as u32)
                                .await
                                .map(Result::unwrap),
                        };
                        match p {
                            Some(p) => {
                                let k = p.num_permits();
                                let now = in_use.fetch_add(k, Ordering::SeqCst) + k;
                                assert!(now <= 3, "{now} permits in use out of 3");
                                // Hold it across a yield so others queue up.
                                tokio::task::yield_now().await;
                                in_use.fetch_sub(k, Ordering::SeqCst);
                            }
                            None => {
                                CANCELLED.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
                CREATED.fetch_add(per_worker, Ordering::Relaxed);
            }
        }
    };
    let mut joins = Vec::new();
    for seed in 0..6 {
        joins.push(rt.spawn(worker(seed + 10)));
    }
    let threads: Vec<_> = (0..2)
        .map(|seed| {
            let w = worker(seed + 100);
            // tokio::select!/sleep need a tokio context; enter one, but poll
            // with `futures::executor::block_on` on this plain thread.
            let handle = rt.handle().clone();
            std::thread::spawn(move || {
                let _enter = handle.enter();
                futures::executor::block_on(w)
            })
        })
        .collect();

    // Meanwhile, the receive storm on this thread (enters the runtime for
    // tokio's timer, polled by block_on).
    let per_producer = 40_000;
    {
        let _enter = rt.enter();
        futures::executor::block_on(recv_storm(&rt, per_producer, 120_000));
    }

    for j in joins {
        futures::executor::block_on(j).unwrap();
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.blocking_lock(), locked.load(Ordering::Relaxed));
    assert_eq!(sem.available_permits(), 3);
    assert_eq!(in_use.load(Ordering::Relaxed), 0);
    let created = CREATED.load(Ordering::Relaxed);
    let cancelled = CANCELLED.load(Ordering::Relaxed);
    eprintln!("cancel storm: {created} futures, {cancelled} dropped before completing");
    assert!(
        cancelled >= TARGET,
        "only {cancelled} of {created} futures were dropped before completing"
    );
}
