//! The blocking pool: bounded concurrency with an unbounded queue, the
//! process-wide pool where no runtime runs, idle threads exit after the
//! keep-alive, panics and aborts of blocking jobs.

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

// ---- test helpers (each integration test is its own crate, so they are
// repeated per file) ----

/// Runs `f` on its own thread; panics with a clear message if it does not
/// finish within `limit` (a hang), re-raises its panic otherwise.
#[allow(dead_code)]
fn watchdog_for<T: Send + 'static>(
    name: &'static str,
    limit: std::time::Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(format!("watchdog-{name}"))
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(r);
        })
        .expect("spawn watchdog thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(v)) => v,
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("HANG: `{name}` did not finish within {limit:?} (watchdog)"),
    }
}

/// [`watchdog_for`] with the default 60 s limit.
#[allow(dead_code)]
fn watchdog<T: Send + 'static>(name: &'static str, f: impl FnOnce() -> T + Send + 'static) -> T {
    watchdog_for(name, std::time::Duration::from_secs(60), f)
}

#[allow(dead_code)]
fn current_rt() -> zio::runtime::Runtime {
    zio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build current_thread runtime")
}

#[allow(dead_code)]
fn multi_rt(workers: usize) -> zio::runtime::Runtime {
    zio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("build multi_thread runtime")
}

/// Counts its drops.
#[allow(dead_code)]
struct DropGuard(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Polls `cond` from a plain thread until it holds; panics after 20 s.
#[allow(dead_code)]
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out (20 s) waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// A tiny oneshot signal (deliberately not zio::sync): the waiting side is a
/// future that stores its waker in a `Mutex<Option<Waker>>`; the setting side
/// works from any thread.
#[allow(dead_code)]
mod sig {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Condvar, Mutex};
    use std::task::{Context, Poll, Waker};
    use std::time::{Duration, Instant};

    struct State<T> {
        value: Option<T>,
        waker: Option<Waker>,
    }

    struct Inner<T> {
        state: Mutex<State<T>>,
        registered: Condvar,
    }

    pub(crate) struct Setter<T>(Arc<Inner<T>>);
    pub(crate) struct Wait<T>(Arc<Inner<T>>);

    pub(crate) fn signal<T>() -> (Setter<T>, Wait<T>) {
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                value: None,
                waker: None,
            }),
            registered: Condvar::new(),
        });
        (Setter(inner.clone()), Wait(inner))
    }

    impl<T> Setter<T> {
        /// Stores the value and wakes the waiter (if it registered a waker).
        pub(crate) fn set(self, v: T) {
            let waker = {
                let mut s = self.0.state.lock().unwrap();
                s.value = Some(v);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }

        /// Blocks until the waiting future was polled and is pending.
        pub(crate) fn wait_registered(&self, limit: Duration) -> bool {
            let deadline = Instant::now() + limit;
            let mut s = self.0.state.lock().unwrap();
            while s.waker.is_none() {
                let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                    return false;
                };
                s = self.0.registered.wait_timeout(s, left).unwrap().0;
            }
            true
        }
    }

    impl<T> Future for Wait<T> {
        type Output = T;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
            let mut s = self.0.state.lock().unwrap();
            if let Some(v) = s.value.take() {
                return Poll::Ready(v);
            }
            s.waker = Some(cx.waker().clone());
            self.0.registered.notify_all();
            Poll::Pending
        }
    }
}
