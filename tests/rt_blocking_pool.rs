//! The blocking pool: bounded concurrency with an unbounded queue, the
//! process-wide pool where no runtime runs, idle threads exit after the
//! keep-alive, panics and aborts of blocking jobs.

mod common;
use common::*;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use zio::runtime::{Builder, Handle};

/// 400 jobs (100× the limit), each ~1 ms, submitted from inside a task:
/// concurrency never exceeds 4, at most 4 distinct threads run them, and
/// all 400 results come back, each to its own handle.
#[test]
fn max_blocking_threads_bounds_concurrency() {
    watchdog("max_blocking_threads_bounds_concurrency", || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(4)
            .enable_all()
            .build()
            .unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let max_seen = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(HashSet::new()));
        let (r, m, th) = (running.clone(), max_seen.clone(), threads.clone());
        let results = rt.block_on(async move {
            let hs: Vec<_> = (0..400usize)
                .map(|i| {
                    let (r, m, th) = (r.clone(), m.clone(), th.clone());
                    zio::spawn_blocking(move || {
                        let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                        m.fetch_max(now, Ordering::SeqCst);
                        th.lock().unwrap().insert(std::thread::current().id());
                        std::thread::sleep(Duration::from_millis(1));
                        r.fetch_sub(1, Ordering::SeqCst);
                        i * 7
                    })
                })
                .collect();
            let mut out = Vec::new();
            for h in hs {
                out.push(h.await.unwrap());
            }
            out
        });
        assert_eq!(results, (0..400).map(|i| i * 7).collect::<Vec<_>>());
        let max = max_seen.load(Ordering::SeqCst);
        assert!(
            max <= 4,
            "observed {max} concurrent blocking jobs with max_blocking_threads(4)"
        );
        assert!(max >= 1);
        let n = threads.lock().unwrap().len();
        assert!(
            n <= 4,
            "{n} distinct blocking threads with max_blocking_threads(4)"
        );
    });
}

/// The same bound when jobs are submitted concurrently from several
/// places (tasks on two workers, a plain thread through the handle).
#[test]
fn max_blocking_threads_bound_with_concurrent_submitters() {
    watchdog(
        "max_blocking_threads_bound_with_concurrent_submitters",
        || {
            let rt = Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(4)
                .build()
                .unwrap();
            let running = Arc::new(AtomicUsize::new(0));
            let max_seen = Arc::new(AtomicUsize::new(0));
            let job = {
                let (r, m) = (running.clone(), max_seen.clone());
                move |i: usize| {
                    let (r, m) = (r.clone(), m.clone());
                    move || {
                        let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                        m.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_micros(300));
                        r.fetch_sub(1, Ordering::SeqCst);
                        i
                    }
                }
            };
            let tasks: Vec<_> = (0..4)
                .map(|t| {
                    let job = job.clone();
                    rt.spawn(async move {
                        let hs: Vec<_> = (0..100)
                            .map(|i| zio::spawn_blocking(job(t * 100 + i)))
                            .collect();
                        let mut sum = 0;
                        for h in hs {
                            sum += h.await.unwrap();
                        }
                        sum
                    })
                })
                .collect();
            let handle = rt.handle().clone();
            let j = job.clone();
            let plain = std::thread::spawn(move || {
                let hs: Vec<_> = (0..100).map(|i| handle.spawn_blocking(j(i))).collect();
                hs.into_iter()
                    .map(|h| zio::block_on(h).unwrap())
                    .sum::<usize>()
            });
            let total: usize = tasks.into_iter().map(|t| rt.block_on(t).unwrap()).sum();
            assert_eq!(total, (0..400).sum::<usize>());
            assert_eq!(plain.join().unwrap(), (0..100).sum::<usize>());
            let max = max_seen.load(Ordering::SeqCst);
            assert!(
                max <= 4,
                "observed {max} concurrent blocking jobs with max_blocking_threads(4)"
            );
        },
    );
}

/// No runtime: `spawn_blocking` uses the process-wide pool and never
/// panics; the handle is awaitable with `zio::block_on` and inside tokio.
#[test]
fn spawn_blocking_without_runtime_uses_global_pool() {
    watchdog("spawn_blocking_without_runtime_uses_global_pool", || {
        assert!(Handle::try_current().is_err());
        let me = std::thread::current().id();
        let h = zio::spawn_blocking(move || std::thread::current().id() != me);
        assert!(zio::block_on(h).unwrap(), "ran on the caller's thread");
        let h = zio::task::spawn_blocking(|| 5);
        assert_eq!(zio::block_on(h).unwrap(), 5);
        let hs: Vec<_> = (0..64)
            .map(|i| zio::spawn_blocking(move || i + 1))
            .collect();
        let sum: i32 = hs.into_iter().map(|h| zio::block_on(h).unwrap()).sum();
        assert_eq!(sum, (1..=64).sum::<i32>());
        let v = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async { zio::spawn_blocking(|| "from tokio").await.unwrap() });
        assert_eq!(v, "from tokio");
    });
}

/// Idle pool threads exit after `thread_keep_alive` (observed through
/// `on_thread_stop`); the pool starts new ones afterwards.
#[test]
fn keep_alive_idle_threads_exit() {
    watchdog("keep_alive_idle_threads_exit", || {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (s1, s2) = (started.clone(), stopped.clone());
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(4)
            .thread_keep_alive(Duration::from_millis(50))
            .on_thread_start(move || {
                s1.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_stop(move || {
                s2.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        assert_eq!(started.load(Ordering::SeqCst), 1, "the worker");
        // Four jobs that must run at the same time (a barrier of 4).
        let barrier = Arc::new(Barrier::new(4));
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let b = barrier.clone();
                rt.spawn_blocking(move || {
                    b.wait();
                })
            })
            .collect();
        for h in hs {
            rt.block_on(h).unwrap();
        }
        assert_eq!(
            started.load(Ordering::SeqCst),
            5,
            "worker + 4 blocking threads"
        );
        wait_until("4 idle blocking threads to exit after keep-alive", || {
            stopped.load(Ordering::SeqCst) == 4
        });
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
        assert_eq!(started.load(Ordering::SeqCst), 6, "a new blocking thread");
        drop(rt);
        assert_eq!(
            stopped.load(Ordering::SeqCst),
            6,
            "all threads stopped at drop"
        );
    });
}

#[test]
fn blocking_job_panic_becomes_join_error_and_pool_survives() {
    watchdog(
        "blocking_job_panic_becomes_join_error_and_pool_survives",
        || {
            let rt = Builder::new_multi_thread()
                .worker_threads(1)
                .max_blocking_threads(1)
                .build()
                .unwrap();
            rt.block_on(async {
                let err = zio::spawn_blocking(|| panic!("blocking boom"))
                    .await
                    .unwrap_err();
                assert!(err.is_panic());
                assert_eq!(
                    err.into_panic().downcast_ref::<&str>().copied(),
                    Some("blocking boom")
                );
                for i in 0..10 {
                    assert_eq!(zio::spawn_blocking(move || i).await.unwrap(), i);
                }
            });
        },
    );
}

/// A queued job aborted before it starts never runs and is cancelled.
#[test]
fn abort_queued_blocking_job() {
    watchdog("abort_queued_blocking_job", || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        rt.block_on(async move {
            let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
            let first = zio::spawn_blocking(move || release_rx.recv().unwrap());
            let second = zio::spawn_blocking(move || r.store(true, Ordering::SeqCst));
            second.abort();
            release_tx.send(()).unwrap();
            first.await.unwrap();
            assert!(second.await.unwrap_err().is_cancelled());
        });
        assert!(!ran.load(Ordering::SeqCst), "an aborted queued job ran");
    });
}

/// tokio's `spawn_blocking` closures run with the runtime entered, so
/// `Handle::current()` works in them; code ported by a rename relies on it.
#[test]
fn handle_current_inside_spawn_blocking() {
    watchdog("handle_current_inside_spawn_blocking", || {
        let rt = multi_rt(1);
        let v = rt.block_on(async {
            zio::spawn_blocking(|| {
                let h = Handle::try_current().map_err(|e| e.to_string())?;
                Ok::<_, String>(zio::block_on(h.spawn(async { 4 })).unwrap())
            })
            .await
            .unwrap()
        });
        assert_eq!(v, Ok(4));
    });
}

/// A chain of `depth` tasks below the caller, each in `block_in_place`
/// waiting (a plain blocking receive) for the next one's result; the last
/// runs `f` in `block_in_place`. Returns `depth + f()`.
fn chain_in_place(depth: usize, f: fn() -> usize) -> usize {
    if depth == 0 {
        return zio::task::block_in_place(f);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    drop(zio::spawn(async move {
        tx.send(chain_in_place(depth - 1, f)).unwrap()
    }));
    1 + zio::task::block_in_place(|| rx.recv().unwrap())
}

/// `max_blocking_threads` also bounds the stand-ins (threads that run the
/// runtime's tasks while others block), but never below the worker count:
/// with 1 worker and a limit of 2, two threads may block at once with a
/// stand-in each, so the runtime still runs a task the innermost waits for;
/// a third section goes without a stand-in, and still completes when it
/// needs no other task; the runtime then runs on.
#[test]
fn max_blocking_threads_bounds_stand_ins() {
    watchdog("max_blocking_threads_bounds_stand_ins", || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(2)
            .build()
            .unwrap();
        for _ in 0..10 {
            // The innermost waits for a task spawned before it: 2 blocked
            // threads, 2 stand-ins, the second runs that task.
            let h = rt.spawn(async {
                chain_in_place(1, || {
                    let (tx, rx) = std::sync::mpsc::channel();
                    drop(zio::spawn(async move { tx.send(5).unwrap() }));
                    // Not a task of this chain's threads: runs only if
                    // someone stands in for this one.
                    rx.recv().unwrap()
                })
            });
            assert_eq!(rt.block_on(h).unwrap(), 6);
            // Three blocked at once: the third goes without a stand-in.
            let h = rt.spawn(async { chain_in_place(2, || 7) });
            assert_eq!(rt.block_on(h).unwrap(), 9);
            assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
        }
    });
}
