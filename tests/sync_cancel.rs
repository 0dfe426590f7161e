//! Cancel safety under load, with zio tasks in the mix: `recv`, `lock` and
//! `acquire` futures are dropped at random points (after a random number of
//! polls, or by their own `*_timeout`) while other tasks and threads keep
//! the primitives busy. Nothing may be lost: every message arrives exactly
//! once and in order, every lock taken is counted, every permit comes back.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use zio::sync::{mpsc, Mutex, Semaphore};

fn zio_rt() -> &'static zio::runtime::Runtime {
    static RT: OnceLock<zio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        zio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("zio runtime")
    })
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Polls the inner future up to `polls` times, then gives up (dropping it).
struct Impatient<F> {
    fut: Pin<Box<F>>,
    polls: u32,
}

impl<F: Future> Future for Impatient<F> {
    type Output = Option<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls == 0 {
            return Poll::Ready(None);
        }
        self.polls -= 1;
        match self.fut.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Some(v)),
            Poll::Pending => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

fn impatient<F: Future>(fut: F, polls: u32) -> Impatient<F> {
    Impatient {
        fut: Box::pin(fut),
        polls,
    }
}

/// Joins a zio task through a std channel (executor-agnostic).
fn spawn_zio<F: Future<Output = ()> + Send + 'static>(f: F) -> std::sync::mpsc::Receiver<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    drop(zio_rt().spawn(async move {
        f.await;
        tx.send(()).unwrap();
    }));
    rx
}

#[test]
fn recv_cancelled_at_random_points_loses_nothing() {
    const PER: u64 = 20_000;
    let (tx, mut rx) = mpsc::channel::<(u64, u64)>(8);
    let t1 = {
        let tx = tx.clone();
        std::thread::spawn(move || (0..PER).for_each(|i| tx.blocking_send((0, i)).unwrap()))
    };
    let t2 = {
        let tx = tx.clone();
        spawn_zio(async move {
            for i in 0..PER {
                tx.send((1, i)).await.unwrap();
            }
        })
    };
    drop(tx);
    let done = spawn_zio(async move {
        let mut rng = Rng(7);
        let mut next = [0u64; 2];
        let mut cancelled = 0u64;
        loop {
            let got = match rng.below(3) {
                0 => impatient(rx.recv(), 1 + rng.below(2) as u32).await,
                1 => match rx.recv_timeout(Duration::from_micros(rng.below(200))).await {
                    Ok(m) => Some(Some(m)),
                    Err(mpsc::error::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::error::RecvTimeoutError::Disconnected) => Some(None),
                },
                _ => Some(rx.recv().await),
            };
            match got {
                Some(Some((p, i))) => {
                    assert_eq!(i, next[p as usize], "lost, duplicated or reordered");
                    next[p as usize] += 1;
                }
                Some(None) => break,
                None => cancelled += 1,
            }
        }
        assert_eq!(next, [PER, PER]);
        assert!(cancelled > 0);
    });
    t1.join().unwrap();
    t2.recv().unwrap();
    done.recv().expect("receiver task panicked");
}

#[test]
fn lock_and_acquire_cancelled_at_random_points_keep_exact_counts() {
    let m = Arc::new(Mutex::new(0u64));
    let sem = Arc::new(Semaphore::new(4));
    let locked = Arc::new(AtomicU64::new(0));
    let mut joins = Vec::new();
    for seed in 1..=6u64 {
        let (m, sem, locked) = (m.clone(), sem.clone(), locked.clone());
        joins.push(spawn_zio(async move {
            let mut rng = Rng(seed * 7919);
            for _ in 0..5_000 {
                let g = match rng.below(3) {
                    0 => impatient(m.lock(), 1 + rng.below(2) as u32).await,
                    1 => m
                        .lock_timeout(Duration::from_micros(rng.below(100)))
                        .await
                        .ok(),
                    _ => Some(m.lock().await),
                };
                if let Some(mut g) = g {
                    *g += 1;
                    locked.fetch_add(1, Ordering::Relaxed);
                }
                let n = 1 + rng.below(4) as u32;
                let p = match rng.below(2) {
                    0 => impatient(sem.acquire_many(n), 1 + rng.below(2) as u32).await,
                    _ => Some(sem.acquire_many(n).await),
                };
                if let Some(p) = p {
                    assert_eq!(p.unwrap().num_permits(), n as usize);
                }
            }
        }));
    }
    // A plain thread competes too.
    let t = {
        let (m, sem, locked) = (m.clone(), sem.clone(), locked.clone());
        std::thread::spawn(move || {
            for i in 0..5_000u64 {
                if let Ok(mut g) = m.blocking_lock_timeout(Duration::from_micros(i % 50)) {
                    *g += 1;
                    locked.fetch_add(1, Ordering::Relaxed);
                }
                drop(sem.blocking_acquire_many(1 + (i % 4) as u32).unwrap());
            }
        })
    };
    for j in joins {
        j.recv().expect("task panicked");
    }
    t.join().unwrap();
    assert_eq!(*m.blocking_lock(), locked.load(Ordering::Relaxed));
    assert_eq!(sem.available_permits(), 4);
}
