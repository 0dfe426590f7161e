//! Timers: sleeps never return before their deadline (on workers, on
//! `zio::block_on` without a runtime, inside tokio), `timeout`,
//! `Sleep::reset`, 100,000 concurrent sleeps, 100,000 dropped sleeps.
//!
//! No test asserts an upper bound on how long a timer takes, only that it
//! is never early (and that it completes at all, bounded by a watchdog).

mod common;
use common::*;

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use zio::runtime::Runtime;
use zio::time::{sleep, sleep_until, timeout, timeout_at, Duration, Elapsed, Instant, Sleep};

/// xorshift64*, deterministic per seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A varied duration: zero, a few ns/µs, around 1 ms, up to `max_us`.
fn varied(rng: &mut Rng, max_us: u64) -> Duration {
    match rng.next() % 6 {
        0 => Duration::ZERO,
        1 => Duration::from_nanos(1 + rng.next() % 1_000),
        2 => Duration::from_micros(1 + rng.next() % 100),
        3 => Duration::from_micros(950 + rng.next() % 100),
        _ => Duration::from_micros(rng.next() % max_us),
    }
}

/// `n` sleeps of varied durations through `sleep`, `sleep_until` and
/// `timeout`; each must end at or after its deadline.
async fn never_early(seed: u64, n: usize, max_us: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for k in 0..n {
        let d = varied(&mut rng, max_us);
        let deadline;
        match k % 4 {
            0 => {
                let s = sleep(d);
                deadline = s.deadline();
                s.await;
            }
            1 => {
                deadline = Instant::now() + d;
                sleep_until(deadline).await;
            }
            2 => {
                deadline = Instant::now() + d;
                let r = timeout(d, std::future::pending::<()>()).await;
                let e: Elapsed = r.unwrap_err();
                assert_eq!(e.to_string(), "deadline has elapsed");
            }
            _ => {
                deadline = Instant::now() + d;
                let r = timeout_at(deadline, std::future::pending::<()>()).await;
                assert!(r.is_err());
            }
        }
        let now = Instant::now();
        assert!(
            now >= deadline,
            "sleep #{k} ({d:?}) returned {:?} early",
            deadline.duration_since(now)
        );
        assert!(std::time::Instant::now() >= deadline.into_std());
    }
}

fn on_runtime(rt: Runtime, tasks: u64, each: usize) {
    let hs: Vec<_> = (0..tasks)
        .map(|t| rt.spawn(never_early(t + 1, each, 5_000)))
        .collect();
    rt.block_on(async move {
        for h in hs {
            h.await.unwrap();
        }
        never_early(999, each, 5_000).await;
    });
}

#[test]
fn sleeps_never_early_multi_thread() {
    watchdog("sleeps_never_early_multi_thread", || {
        on_runtime(multi_rt(2), 200, 20)
    });
}

#[test]
fn sleeps_never_early_current_thread() {
    watchdog("sleeps_never_early_current_thread", || {
        on_runtime(current_rt(), 100, 20)
    });
}

#[test]
fn sleeps_never_early_block_on_without_runtime() {
    watchdog("sleeps_never_early_block_on_without_runtime", || {
        let ts: Vec<_> = (0..4)
            .map(|t| std::thread::spawn(move || zio::block_on(never_early(100 + t, 60, 5_000))))
            .collect();
        for t in ts {
            t.join().unwrap();
        }
    });
}

#[test]
fn sleeps_never_early_inside_tokio_current_thread() {
    watchdog("sleeps_never_early_inside_tokio_current_thread", || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let hs: Vec<_> = (0..50)
                .map(|t| tokio::spawn(never_early(200 + t, 20, 5_000)))
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
    });
}

#[test]
fn sleeps_never_early_inside_tokio_multi_thread() {
    watchdog("sleeps_never_early_inside_tokio_multi_thread", || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let hs: Vec<_> = (0..50)
                .map(|t| tokio::spawn(never_early(300 + t, 20, 5_000)))
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
    });
}

#[test]
fn timeout_fires_and_future_can_win() {
    watchdog("timeout_fires_and_future_can_win", || {
        for rt in [current_rt(), multi_rt(2)] {
            rt.block_on(async {
                // Fires: Elapsed, never early.
                let start = Instant::now();
                let r = timeout(Duration::from_millis(20), std::future::pending::<u8>()).await;
                assert!(r.is_err());
                assert!(Instant::now() >= start + Duration::from_millis(20));
                let io: std::io::Error = r.unwrap_err().into();
                assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);

                // The future wins: Ok with its value.
                assert_eq!(timeout(Duration::from_secs(3600), async { 5 }).await, Ok(5));
                let r = timeout(Duration::from_secs(3600), async {
                    sleep(Duration::from_millis(10)).await;
                    "slept"
                })
                .await;
                assert_eq!(r, Ok("slept"));
                // Completed by another task.
                let (s, w) = sig::signal();
                drop(zio::spawn(async move {
                    sleep(Duration::from_millis(2)).await;
                    s.set(3);
                }));
                assert_eq!(timeout(Duration::from_secs(3600), w).await, Ok(3));
                // A ready future wins even with a zero / past deadline.
                assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
                let past = Instant::now();
                sleep(Duration::from_millis(1)).await;
                assert_eq!(timeout_at(past, async { 2 }).await, Ok(2));
                assert!(timeout_at(past, std::future::pending::<()>())
                    .await
                    .is_err());
            });
        }
        // Without a runtime.
        let r = zio::block_on(timeout(
            Duration::from_millis(5),
            std::future::pending::<()>(),
        ));
        assert!(r.is_err());
    });
}

/// Polls `fut` exactly once (registering its timer).
async fn poll_once<F: Future + ?Sized>(mut fut: Pin<&mut F>) -> bool {
    poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_ready())).await
}

async fn reset_cases() {
    // Earlier: a registered one-hour sleep reset to 20 ms from now.
    let mut s = pin!(sleep(Duration::from_secs(3600)));
    assert!(!poll_once(s.as_mut()).await);
    let d = Instant::now() + Duration::from_millis(20);
    s.as_mut().reset(d);
    assert_eq!(s.deadline(), d);
    s.as_mut().await;
    assert!(Instant::now() >= d, "reset (earlier) sleep returned early");

    // Later: a registered 5 ms sleep reset to 60 ms from now must not fire
    // at the old deadline.
    let mut s = pin!(sleep(Duration::from_millis(5)));
    assert!(!poll_once(s.as_mut()).await);
    let d = Instant::now() + Duration::from_millis(60);
    s.as_mut().reset(d);
    s.as_mut().await;
    assert!(
        Instant::now() >= d,
        "reset (later) sleep fired at its old deadline"
    );

    // After completion: a finished sleep is re-armed and awaited again.
    let d = Instant::now() + Duration::from_millis(5);
    s.as_mut().reset(d);
    assert!(!s.is_elapsed());
    s.as_mut().await;
    assert!(Instant::now() >= d && s.is_elapsed());

    // Before the first poll.
    let mut s = pin!(sleep(Duration::from_secs(3600)));
    let d = Instant::now() + Duration::from_millis(3);
    s.as_mut().reset(d);
    s.as_mut().await;
    assert!(Instant::now() >= d);

    // A storm of resets, alternately earlier and later; the last one wins.
    let mut s = pin!(sleep(Duration::from_millis(1)));
    assert!(!poll_once(s.as_mut()).await);
    let base = Instant::now();
    for i in 0..1_000u64 {
        let off = if i % 2 == 0 { 3_600_000 - i } else { 1 + i % 7 };
        s.as_mut().reset(base + Duration::from_millis(off));
        if i % 10 == 0 {
            assert!(!poll_once(s.as_mut()).await || Instant::now() >= s.deadline());
        }
    }
    let d = base + Duration::from_millis(30);
    s.as_mut().reset(d);
    s.as_mut().await;
    assert!(Instant::now() >= d, "reset storm: fired early");
}

#[test]
fn sleep_reset_current_thread() {
    watchdog("sleep_reset_current_thread", || {
        current_rt().block_on(reset_cases())
    });
}

#[test]
fn sleep_reset_multi_thread() {
    watchdog("sleep_reset_multi_thread", || {
        let rt = multi_rt(2);
        rt.block_on(rt.spawn(reset_cases())).unwrap();
    });
}

#[test]
fn sleep_reset_without_runtime() {
    watchdog("sleep_reset_without_runtime", || {
        zio::block_on(reset_cases())
    });
}

/// 100,000 concurrent sleeps of random durations up to 200 ms, each in its
/// own task: all complete, none early.
fn many_sleeps(rt: Runtime) {
    const N: usize = 100_000;
    let done = Arc::new(AtomicUsize::new(0));
    let early = Arc::new(AtomicUsize::new(0));
    let mut rng = Rng(0xDEAD_BEEF);
    let hs: Vec<_> = (0..N)
        .map(|_| {
            let d = Duration::from_micros(rng.next() % 200_000);
            let (done, early) = (done.clone(), early.clone());
            rt.spawn(async move {
                let s = sleep(d);
                let deadline = s.deadline();
                s.await;
                if Instant::now() < deadline {
                    early.fetch_add(1, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    rt.block_on(async move {
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(done.load(Ordering::Relaxed), N);
    assert_eq!(early.load(Ordering::Relaxed), 0, "sleeps returned early");
}

#[test]
fn sleeps_100k_concurrent_multi_thread() {
    watchdog("sleeps_100k_concurrent_multi_thread", || {
        many_sleeps(multi_rt(2))
    });
}

#[test]
fn sleeps_100k_concurrent_current_thread() {
    watchdog("sleeps_100k_concurrent_current_thread", || {
        many_sleeps(current_rt())
    });
}

/// 100,000 timeouts whose futures win (each drops a pending one-hour
/// sleep), plus 100,000 registered sleeps dropped at once; the runtime then
/// works on: timers and tasks still run.
fn many_dropped(rt: Runtime) {
    const N: usize = 100_000;
    let hs: Vec<_> = (0..N)
        .map(|i| {
            rt.spawn(async move {
                timeout(Duration::from_secs(3600), async move {
                    zio::task::yield_now().await;
                    i
                })
                .await
            })
        })
        .collect();
    rt.block_on(async move {
        for (i, h) in hs.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), Ok(i));
        }
        let mut sleeps: Vec<Pin<Box<Sleep>>> = (0..N)
            .map(|i| Box::pin(sleep(Duration::from_secs(3600 + i as u64 % 1000))))
            .collect();
        for s in &mut sleeps {
            assert!(!poll_once(s.as_mut()).await);
        }
        drop(sleeps);
        // Works on.
        let s = sleep(Duration::from_millis(10));
        let d = s.deadline();
        s.await;
        assert!(Instant::now() >= d);
        assert_eq!(zio::spawn(async { 1 }).await.unwrap(), 1);
        never_early(7, 20, 2_000).await;
    });
    // And from fresh tasks.
    rt.block_on(rt.spawn(never_early(8, 20, 2_000))).unwrap();
}

#[test]
fn dropped_100k_sleeps_multi_thread() {
    watchdog("dropped_100k_sleeps_multi_thread", || {
        many_dropped(multi_rt(2))
    });
}

#[test]
fn dropped_100k_sleeps_current_thread() {
    watchdog("dropped_100k_sleeps_current_thread", || {
        many_dropped(current_rt())
    });
}

/// A sleep registered on a worker and dropped on a plain thread, and one
/// registered on a worker and completed by `zio::block_on` on a plain
/// thread.
#[test]
fn sleep_moves_between_threads() {
    watchdog("sleep_moves_between_threads", || {
        let rt = multi_rt(2);
        let (a, b) = rt
            .block_on(rt.spawn(async {
                let mut a = Box::pin(sleep(Duration::from_secs(3600)));
                let mut b = Box::pin(sleep(Duration::from_millis(15)));
                assert!(!poll_once(a.as_mut()).await);
                assert!(!poll_once(b.as_mut()).await);
                (a, b)
            }))
            .unwrap();
        let d = b.deadline();
        std::thread::spawn(move || {
            drop(a);
            zio::block_on(b);
            assert!(Instant::now() >= d);
        })
        .join()
        .unwrap();
        rt.block_on(async { sleep(Duration::from_millis(1)).await });
    });
}

#[test]
fn sleep_edge_durations() {
    watchdog("sleep_edge_durations", || {
        let rt = multi_rt(2);
        rt.block_on(async {
            assert!(sleep(Duration::ZERO).is_elapsed());
            sleep(Duration::ZERO).await;
            sleep_until(Instant::now() - Duration::from_millis(1)).await;
            // A huge duration does not panic or overflow; dropped pending.
            let mut s = pin!(sleep(Duration::MAX));
            assert!(!poll_once(s.as_mut()).await);
            assert!(!s.is_elapsed());
            let r = timeout(Duration::from_millis(1), sleep(Duration::MAX)).await;
            assert!(r.is_err());
            assert!(timeout(Duration::MAX, async { 1 }).await.is_ok());
        });
    });
}
