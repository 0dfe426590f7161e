//! Shutdown: dropping a runtime cancels its tasks (their futures are
//! dropped) and joins its threads; `shutdown_timeout` and
//! `shutdown_background` return even with a blocking job that never ends;
//! `on_thread_start` / `on_thread_stop` counts.

mod common;
use common::*;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use zio::runtime::{Builder, Runtime};

/// Spawns `n` tasks holding a drop guard that wait forever (half on a
/// pending future, half on a one-hour sleep), lets them start, then drops
/// the runtime: every guard is dropped by the time `drop` returns, and the
/// join handles report cancellation.
fn drop_with_pending(rt: Runtime, n: usize) {
    let dropped = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let g = DropGuard(dropped.clone());
            let s = started.clone();
            rt.spawn(async move {
                let _g = g;
                s.fetch_add(1, Ordering::SeqCst);
                if i % 2 == 0 {
                    std::future::pending::<()>().await;
                } else {
                    zio::time::sleep(Duration::from_secs(3600)).await;
                }
            })
        })
        .collect();
    // Let them all start (a current-thread runtime runs them in block_on).
    let s = started.clone();
    rt.block_on(async move {
        while s.load(Ordering::SeqCst) < n {
            zio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    // Plus some that never started (current_thread: not run yet).
    let never = rt.spawn({
        let g = DropGuard(dropped.clone());
        async move {
            let _g = g;
        }
    });
    drop(rt);
    let d = dropped.load(Ordering::SeqCst);
    assert_eq!(d, n + 1, "after drop(runtime): task futures dropped");
    for h in hs {
        let r = zio::block_on(h);
        assert!(r.unwrap_err().is_cancelled());
    }
    // The never-started task was either cancelled or (multi_thread) ran.
    let _ = zio::block_on(never);
}

#[test]
fn drop_runtime_cancels_pending_tasks_current_thread() {
    watchdog("drop_runtime_cancels_pending_tasks_current_thread", || {
        drop_with_pending(current_rt(), 1_000)
    });
}

#[test]
fn drop_runtime_cancels_pending_tasks_multi_thread() {
    watchdog("drop_runtime_cancels_pending_tasks_multi_thread", || {
        drop_with_pending(multi_rt(2), 1_000)
    });
}

/// Tasks spawned on a current-thread runtime that never ran are dropped
/// with the runtime.
#[test]
fn drop_runtime_drops_never_started_tasks() {
    watchdog("drop_runtime_drops_never_started_tasks", || {
        let rt = current_rt();
        let dropped = Arc::new(AtomicUsize::new(0));
        let polled = Arc::new(AtomicBool::new(false));
        let hs: Vec<_> = (0..100)
            .map(|_| {
                let g = DropGuard(dropped.clone());
                let p = polled.clone();
                rt.spawn(async move {
                    let _g = g;
                    p.store(true, Ordering::SeqCst);
                })
            })
            .collect();
        drop(rt);
        assert_eq!(dropped.load(Ordering::SeqCst), 100);
        assert!(!polled.load(Ordering::SeqCst));
        for h in hs {
            assert!(zio::block_on(h).unwrap_err().is_cancelled());
        }
    });
}

/// Tasks spawned from outside a multi-thread runtime (they go through the
/// global queue) and the runtime dropped right away: every future is
/// dropped by the time `drop` returns, whether it ran or not. (Their
/// handles are not joined here: a leaked task's handle would never resolve.)
#[test]
fn drop_runtime_drops_tasks_still_in_global_queue_multi_thread() {
    watchdog(
        "drop_runtime_drops_tasks_still_in_global_queue_multi_thread",
        || {
            for round in 0..10 {
                let rt = multi_rt(1);
                let dropped = Arc::new(AtomicUsize::new(0));
                let hs: Vec<_> = (0..10_000)
                    .map(|_| {
                        let g = DropGuard(dropped.clone());
                        rt.spawn(async move {
                            let _g = g;
                            std::future::pending::<()>().await
                        })
                    })
                    .collect();
                drop(rt);
                assert_eq!(
                    dropped.load(Ordering::SeqCst),
                    hs.len(),
                    "round {round}: task futures still alive after drop(runtime)"
                );
            }
        },
    );
}

/// A task waiting on something outside the runtime (a plain thread's
/// signal that never comes) is cancelled at drop too.
#[test]
fn drop_runtime_cancels_task_waiting_on_foreign_waker() {
    watchdog("drop_runtime_cancels_task_waiting_on_foreign_waker", || {
        for rt in [current_rt(), multi_rt(2)] {
            let dropped = Arc::new(AtomicUsize::new(0));
            let (setter, wait) = sig::signal::<()>();
            let g = DropGuard(dropped.clone());
            let h = rt.spawn(async move {
                let _g = g;
                wait.await;
            });
            rt.block_on(async { zio::time::sleep(Duration::from_millis(5)).await });
            drop(rt);
            assert_eq!(dropped.load(Ordering::SeqCst), 1);
            assert!(zio::block_on(h).unwrap_err().is_cancelled());
            setter.set(()); // waking a cancelled task is harmless
        }
    });
}

/// `shutdown_timeout` returns although a blocking job never ends; the job
/// is left running (it is released at the end so the thread exits).
#[test]
fn shutdown_timeout_with_a_stuck_blocking_job_returns() {
    watchdog("shutdown_timeout_with_a_stuck_blocking_job_returns", || {
        let rt = multi_rt(2);
        let release = Arc::new(AtomicBool::new(false));
        let entered = Arc::new(Barrier::new(2));
        let (r, e) = (release.clone(), entered.clone());
        let stuck = rt.spawn_blocking(move || {
            e.wait();
            while !r.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        entered.wait();
        drop(rt.spawn(std::future::pending::<()>()));
        rt.shutdown_timeout(Duration::from_millis(100));
        release.store(true, Ordering::SeqCst);
        drop(stuck);
    });
}

#[test]
fn shutdown_background_returns_at_once() {
    watchdog("shutdown_background_returns_at_once", || {
        let rt = multi_rt(2);
        let release = Arc::new(AtomicBool::new(false));
        let r = release.clone();
        drop(rt.spawn_blocking(move || {
            while !r.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }));
        drop(rt.spawn(async { zio::time::sleep(Duration::from_secs(3600)).await }));
        rt.shutdown_background();
        release.store(true, Ordering::SeqCst);
    });
}

#[test]
fn shutdown_timeout_on_a_current_thread_runtime() {
    watchdog("shutdown_timeout_on_a_current_thread_runtime", || {
        let rt = current_rt();
        let dropped = Arc::new(AtomicUsize::new(0));
        let g = DropGuard(dropped.clone());
        drop(rt.spawn(async move {
            let _g = g;
            std::future::pending::<()>().await
        }));
        rt.block_on(zio::task::yield_now());
        rt.shutdown_timeout(Duration::from_secs(5));
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    });
}

/// `on_thread_start` / `on_thread_stop` run once per runtime thread
/// (workers and blocking threads); all stops have run when `drop` returns.
#[test]
fn on_thread_start_stop_counts() {
    watchdog("on_thread_start_stop_counts", || {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (s1, s2) = (started.clone(), stopped.clone());
        let rt = Builder::new_multi_thread()
            .worker_threads(3)
            .thread_name("counted")
            .on_thread_start(move || {
                s1.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_stop(move || {
                s2.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        assert_eq!(started.load(Ordering::SeqCst), 3, "3 workers started");
        assert_eq!(stopped.load(Ordering::SeqCst), 0);
        let names = rt.block_on(async {
            let hs: Vec<_> = (0..20)
                .map(|_| zio::spawn(async { std::thread::current().name().map(String::from) }))
                .collect();
            let mut names = Vec::new();
            for h in hs {
                names.push(h.await.unwrap());
            }
            names
        });
        assert!(
            names.iter().all(|n| n.as_deref() == Some("counted")),
            "{names:?}"
        );
        // Two blocking jobs that must overlap: two blocking threads.
        let barrier = Arc::new(Barrier::new(2));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let b = barrier.clone();
                rt.spawn_blocking(move || {
                    b.wait();
                    std::thread::current().name().map(String::from)
                })
            })
            .collect();
        for h in hs {
            assert_eq!(rt.block_on(h).unwrap().as_deref(), Some("counted"));
        }
        assert_eq!(started.load(Ordering::SeqCst), 5, "3 workers + 2 blocking");
        drop(rt);
        assert_eq!(
            stopped.load(Ordering::SeqCst),
            5,
            "every on_thread_stop has run when drop(runtime) returns"
        );
    });
}

/// The current-thread runtime starts no worker thread; its blocking
/// threads are counted.
#[test]
fn on_thread_start_stop_current_thread() {
    watchdog("on_thread_start_stop_current_thread", || {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (s1, s2) = (started.clone(), stopped.clone());
        let rt = Builder::new_current_thread()
            .on_thread_start(move || {
                s1.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_stop(move || {
                s2.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        assert_eq!(
            rt.block_on(async { zio::spawn_blocking(|| 1).await.unwrap() }),
            1
        );
        assert_eq!(started.load(Ordering::SeqCst), 1);
        drop(rt);
        assert_eq!(stopped.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn runtime_new_and_builder_chain() {
    watchdog("runtime_new_and_builder_chain", || {
        let rt = Runtime::new().unwrap();
        assert_eq!(
            rt.block_on(async { zio::spawn(async { 1 }).await.unwrap() }),
            1
        );
        let rt2 = Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(2)
            .thread_name("chain")
            .thread_keep_alive(Duration::from_secs(1))
            .enable_all()
            .enable_io()
            .enable_time()
            .build()
            .unwrap();
        assert_eq!(rt2.handle().block_on(async { 2 }), 2);
        let _g = rt2.enter();
        let h = zio::spawn(async { 3 });
        assert_eq!(zio::block_on(h).unwrap(), 3);
    });
}

/// A runtime dropped from inside one of its own tasks does not wait for
/// its own thread (that would never end).
#[test]
fn runtime_dropped_inside_its_own_task_does_not_hang() {
    watchdog("runtime_dropped_inside_its_own_task", || {
        let rt = std::sync::Arc::new(std::sync::Mutex::new(Some(multi_rt(2))));
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = rt.lock().unwrap().as_ref().unwrap().handle().clone();
        let rt2 = rt.clone();
        drop(handle.spawn(async move {
            let runtime = rt2.lock().unwrap().take();
            drop(runtime);
            tx.send(()).unwrap();
        }));
        rx.recv().unwrap();
    });
}

/// Wakers of the tasks that share one lock; each task's drop wakes all of
/// them while it holds that lock, as h2 does in its connection's drop.
type SharedWakers = Arc<std::sync::Mutex<Vec<std::task::Waker>>>;

/// A task that parks with its waker in `wakers` and, when dropped, wakes
/// every parked task while holding the lock.
struct WakesOthersOnDrop {
    wakers: SharedWakers,
    dropped: Arc<AtomicUsize>,
}

impl std::future::Future for WakesOthersOnDrop {
    type Output = ();
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.wakers.lock().unwrap().push(cx.waker().clone());
        std::task::Poll::Pending
    }
}

impl Drop for WakesOthersOnDrop {
    fn drop(&mut self) {
        let wakers = self.wakers.lock().unwrap();
        for waker in wakers.iter() {
            waker.wake_by_ref();
        }
        drop(wakers);
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// A task dropped at shutdown wakes another task while it holds a lock the
/// other's drop takes. The woken task is cancelled after that wake returns,
/// never inside it (dropping it there deadlocked: seen with hyper's HTTP/2
/// client, whose connection wakes its tasks under its stream lock).
fn shutdown_with_wakes_under_a_lock(rt: Runtime) {
    const TASKS: usize = 16;
    let wakers = SharedWakers::default();
    let dropped = Arc::new(AtomicUsize::new(0));
    for _ in 0..TASKS {
        rt.spawn(WakesOthersOnDrop {
            wakers: wakers.clone(),
            dropped: dropped.clone(),
        });
    }
    let parked = wakers.clone();
    rt.block_on(async move {
        while parked.lock().unwrap().len() < TASKS {
            zio::task::yield_now().await;
        }
    });
    drop(rt);
    assert_eq!(dropped.load(Ordering::SeqCst), TASKS);
}

#[test]
fn shutdown_wake_under_a_lock_current_thread() {
    watchdog("shutdown_wake_under_a_lock_current_thread", || {
        shutdown_with_wakes_under_a_lock(current_rt())
    });
}

#[test]
fn shutdown_wake_under_a_lock_multi_thread() {
    watchdog("shutdown_wake_under_a_lock_multi_thread", || {
        shutdown_with_wakes_under_a_lock(multi_rt(2))
    });
}
