//! `JoinHandle`, `AbortHandle` and `JoinError`: join, abort before start,
//! while pending and after finish, abort from another thread, panics, and
//! `is_finished`.

mod common;
use common::*;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zio::runtime::Runtime;
use zio::task::JoinError;

fn both_flavors() -> Vec<(&'static str, Runtime)> {
    vec![
        ("current_thread", current_rt()),
        ("multi_thread", multi_rt(2)),
    ]
}

#[test]
fn join_returns_output() {
    watchdog("join_returns_output", || {
        for (flavor, rt) in both_flavors() {
            let v = rt.block_on(async {
                let a = zio::spawn(async { String::from("a") });
                let b = zio::task::spawn(async { vec![1, 2, 3] });
                (a.await.unwrap(), b.await.unwrap())
            });
            assert_eq!(v, ("a".to_string(), vec![1, 2, 3]), "{flavor}");
            // Joining from outside the runtime.
            let h = rt.spawn(async { 7u8 });
            if flavor == "multi_thread" {
                // Workers run it; a plain zio::block_on can join it.
                assert_eq!(zio::block_on(h).unwrap(), 7, "{flavor}");
            } else {
                // Only Runtime::block_on drives a current-thread runtime.
                assert_eq!(rt.block_on(h).unwrap(), 7, "{flavor}");
            }
        }
    });
}

/// Current-thread runtime: spawn, abort, and only then run the runtime: the
/// future is never polled and is dropped; the handle gives `is_cancelled`.
#[test]
fn abort_before_start() {
    watchdog("abort_before_start", || {
        let rt = current_rt();
        let polled = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (p, g) = (polled.clone(), DropGuard(dropped.clone()));
        let h = rt.spawn(async move {
            let _g = g;
            p.store(true, Ordering::SeqCst);
        });
        h.abort();
        let err = rt.block_on(h).expect_err("aborted before start");
        assert!(err.is_cancelled(), "{err:?}");
        assert!(!err.is_panic());
        assert!(!polled.load(Ordering::SeqCst), "an aborted task was polled");
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "future not dropped");
    });
}

/// Abort a task that is parked on a future that never completes. Its future
/// is dropped (drop guard) by the time the handle resolves.
#[test]
fn abort_while_pending() {
    watchdog("abort_while_pending", || {
        for (flavor, rt) in both_flavors() {
            let dropped = Arc::new(AtomicUsize::new(0));
            let g = DropGuard(dropped.clone());
            let d = dropped.clone();
            rt.block_on(async move {
                let (started, wait_started) = sig::signal();
                let h = zio::spawn(async move {
                    let _g = g;
                    started.set(());
                    std::future::pending::<()>().await;
                });
                wait_started.await;
                assert!(!h.is_finished(), "{flavor}");
                h.abort();
                let err: JoinError = h.await.expect_err("aborted");
                assert!(err.is_cancelled(), "{flavor}: {err:?}");
                assert!(err.try_into_panic().is_err());
                assert_eq!(d.load(Ordering::SeqCst), 1, "{flavor}: future not dropped");
            });
        }
    });
}

/// Also while the task sleeps on a timer.
#[test]
fn abort_while_sleeping() {
    watchdog("abort_while_sleeping", || {
        for (flavor, rt) in both_flavors() {
            let dropped = Arc::new(AtomicUsize::new(0));
            let g = DropGuard(dropped.clone());
            rt.block_on(async move {
                let h = zio::spawn(async move {
                    let _g = g;
                    zio::time::sleep(Duration::from_secs(3600)).await;
                });
                zio::time::sleep(Duration::from_millis(5)).await;
                h.abort();
                assert!(h.await.unwrap_err().is_cancelled(), "{flavor}");
            });
            assert_eq!(dropped.load(Ordering::SeqCst), 1, "{flavor}");
        }
    });
}

/// Aborting a finished task keeps its output.
#[test]
fn abort_after_finish_keeps_output() {
    watchdog("abort_after_finish_keeps_output", || {
        for (flavor, rt) in both_flavors() {
            rt.block_on(async {
                let h = zio::spawn(async { 42 });
                while !h.is_finished() {
                    zio::task::yield_now().await;
                }
                h.abort();
                h.abort_handle().abort();
                assert_eq!(h.await.expect("output kept after abort"), 42, "{flavor}");
            });
        }
    });
}

#[test]
fn abort_handle_from_another_thread() {
    watchdog("abort_handle_from_another_thread", || {
        for (flavor, rt) in both_flavors() {
            let dropped = Arc::new(AtomicUsize::new(0));
            let g = DropGuard(dropped.clone());
            rt.block_on(async move {
                let (started, wait_started) = sig::signal();
                let h = zio::spawn(async move {
                    let _g = g;
                    started.set(());
                    std::future::pending::<()>().await;
                });
                wait_started.await;
                let ah = h.abort_handle();
                let ah2 = ah.clone();
                std::thread::spawn(move || ah2.abort()).join().unwrap();
                // The task's thread is parked; the plain thread's abort must
                // wake it.
                assert!(h.await.unwrap_err().is_cancelled(), "{flavor}");
                ah.abort(); // aborting again after it finished is harmless
            });
            assert_eq!(dropped.load(Ordering::SeqCst), 1, "{flavor}");
        }
    });
}

/// `AbortHandle` aborts, `JoinHandle::abort` from a plain thread while the
/// runtime thread is parked (current_thread: nothing else would wake it).
#[test]
fn abort_from_plain_thread_wakes_parked_runtime() {
    watchdog("abort_from_plain_thread_wakes_parked_runtime", || {
        let rt = current_rt();
        let h = rt.spawn(std::future::pending::<()>());
        let ah = h.abort_handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            ah.abort();
        });
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        t.join().unwrap();
    });
}

fn panic_payload_text(err: JoinError) -> String {
    let p = err.into_panic();
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .expect("payload is a string")
}

/// A panicking task gives `JoinError::Panic` with its payload; the worker
/// (1 worker / the current thread) keeps running tasks afterwards.
#[test]
fn panic_becomes_join_error_and_worker_survives() {
    watchdog("panic_becomes_join_error_and_worker_survives", || {
        let rts = vec![
            ("current_thread", current_rt()),
            ("multi_thread(1)", multi_rt(1)),
        ];
        for (flavor, rt) in rts {
            rt.block_on(async {
                let err = zio::spawn(async { panic!("boom") }).await.unwrap_err();
                assert!(err.is_panic(), "{flavor}");
                assert!(!err.is_cancelled(), "{flavor}");
                assert!(format!("{err}").contains("boom"), "{flavor}: display {err}");
                assert_eq!(panic_payload_text(err), "boom", "{flavor}");

                let n = 7;
                let err = zio::spawn(async move {
                    zio::task::yield_now().await;
                    panic!("formatted {n}");
                })
                .await
                .unwrap_err();
                assert_eq!(panic_payload_text(err), "formatted 7", "{flavor}");

                // Many panics, then ordinary tasks still run on the worker.
                let panics: Vec<_> = (0..50)
                    .map(|i| zio::spawn(async move { panic!("p{i}") }))
                    .collect();
                for p in panics {
                    assert!(p.await.unwrap_err().is_panic());
                }
                let oks: Vec<_> = (0..1_000).map(|i| zio::spawn(async move { i })).collect();
                for (i, h) in oks.into_iter().enumerate() {
                    assert_eq!(h.await.unwrap(), i, "{flavor}");
                }
            });
            // And from outside, after the panics.
            assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1, "{flavor}");
        }
    });
}

/// A panic in a task whose handle was dropped does not take anything down.
#[test]
fn panic_in_detached_task_is_contained() {
    watchdog("panic_in_detached_task_is_contained", || {
        let rt = multi_rt(1);
        drop(rt.spawn(async { panic!("detached boom") }));
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
    });
}

#[test]
fn is_finished_tracks_completion() {
    watchdog("is_finished_tracks_completion", || {
        for (flavor, rt) in both_flavors() {
            rt.block_on(async {
                let (s, w) = sig::signal::<()>();
                let h = zio::spawn(async move {
                    w.await;
                    3
                });
                zio::task::yield_now().await;
                assert!(!h.is_finished(), "{flavor}: pending task reported finished");
                s.set(());
                let mut spins = 0u64;
                while !h.is_finished() {
                    zio::task::yield_now().await;
                    spins += 1;
                    assert!(spins < 10_000_000, "{flavor}: never finished");
                }
                assert_eq!(h.await.unwrap(), 3);

                let p = zio::spawn(async { panic!("x") });
                while !p.is_finished() {
                    zio::task::yield_now().await;
                }
                assert!(p.await.unwrap_err().is_panic());
            });
        }
    });
}

/// Awaiting a handle is cancel safe: a timed-out await loses nothing.
#[test]
fn join_handle_await_is_cancel_safe() {
    watchdog("join_handle_await_is_cancel_safe", || {
        let rt = multi_rt(2);
        rt.block_on(async {
            let (s, w) = sig::signal::<()>();
            let mut h = zio::spawn(async move {
                w.await;
                9
            });
            assert!(zio::time::timeout(Duration::from_millis(5), &mut h)
                .await
                .is_err());
            s.set(());
            assert_eq!(h.await.unwrap(), 9);
        });
    });
}

/// Abort reaches a task in every state its registration can be in: queued
/// and never polled, and inside its first poll (about to wait forever
/// with no waker stored anywhere).
#[test]
fn abort_before_and_during_the_first_poll() {
    watchdog("abort_before_and_during_the_first_poll", || {
        let rt = current_rt();
        rt.block_on(async {
            let polled = Arc::new(AtomicBool::new(false));
            let p = polled.clone();
            let h = zio::spawn(async move { p.store(true, Ordering::SeqCst) });
            let via_handle = h.abort_handle();
            via_handle.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            assert!(!polled.load(Ordering::SeqCst), "an aborted task never runs");
        });
        let rt = multi_rt(2);
        rt.block_on(async {
            let inside = Arc::new(AtomicBool::new(false));
            let aborted = Arc::new(AtomicBool::new(false));
            let (i, a) = (inside.clone(), aborted.clone());
            let h = zio::spawn(async move {
                i.store(true, Ordering::SeqCst);
                while !a.load(Ordering::SeqCst) {
                    std::hint::spin_loop();
                }
                std::future::pending::<()>().await
            });
            while !inside.load(Ordering::SeqCst) {
                zio::task::yield_now().await;
            }
            h.abort();
            aborted.store(true, Ordering::SeqCst);
            assert!(h.await.unwrap_err().is_cancelled());
        });
    });
}
