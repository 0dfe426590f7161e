//! Spawning: 100,000 tasks on every flavor, nested spawns, spawning from a
//! plain thread through a `Handle`, and the thread-local runtime context
//! (`Handle::current` / `Handle::try_current`).

mod common;
use common::*;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zio::runtime::{Handle, Runtime};

const MANY: usize = 100_000;

/// Spawns 100,000 tasks (half from outside the runtime with `Runtime::spawn`,
/// half from inside with `zio::spawn`) and checks every result.
fn spawn_many(rt: Runtime) {
    let outside: Vec<_> = (0..MANY / 2)
        .map(|i| rt.spawn(async move { i * 3 }))
        .collect();
    let ran = Arc::new(AtomicUsize::new(0));
    let ran2 = ran.clone();
    rt.block_on(async move {
        let inside: Vec<_> = (MANY / 2..MANY)
            .map(|i| {
                let ran = ran2.clone();
                zio::spawn(async move {
                    ran.fetch_add(1, Ordering::Relaxed);
                    i * 3
                })
            })
            .collect();
        for (i, h) in outside.into_iter().chain(inside).enumerate() {
            assert_eq!(h.await.expect("task failed"), i * 3, "task {i}");
        }
    });
    assert_eq!(ran.load(Ordering::Relaxed), MANY / 2);
}

#[test]
fn spawn_100k_current_thread() {
    watchdog("spawn_100k_current_thread", || spawn_many(current_rt()));
}

#[test]
fn spawn_100k_multi_thread_2_workers() {
    watchdog("spawn_100k_multi_thread_2_workers", || {
        spawn_many(multi_rt(2))
    });
}

#[test]
fn spawn_100k_multi_thread_4_workers() {
    watchdog("spawn_100k_multi_thread_4_workers", || {
        spawn_many(multi_rt(4))
    });
}

/// A task tree: each node spawns `fanout` children and returns the size of
/// its subtree.
fn tree(depth: u32, fanout: usize) -> Pin<Box<dyn Future<Output = usize> + Send>> {
    Box::pin(async move {
        if depth == 0 {
            return 1;
        }
        let children: Vec<_> = (0..fanout)
            .map(|_| zio::spawn(tree(depth - 1, fanout)))
            .collect();
        let mut n = 1;
        for c in children {
            n += c.await.unwrap();
        }
        n
    })
}

/// A chain: each task spawns the next and awaits it.
fn chain(left: usize) -> Pin<Box<dyn Future<Output = usize> + Send>> {
    Box::pin(async move {
        if left == 0 {
            return 0;
        }
        zio::spawn(chain(left - 1)).await.unwrap() + 1
    })
}

fn nested(rt: Runtime) {
    // depth 6, fanout 4: (4^7 - 1) / 3 tasks.
    assert_eq!(rt.block_on(tree(6, 4)), 5461);
    assert_eq!(rt.block_on(rt.spawn(tree(6, 4))).unwrap(), 5461);
    assert_eq!(rt.block_on(chain(5_000)), 5_000);
}

#[test]
fn nested_spawns_current_thread() {
    watchdog("nested_spawns_current_thread", || nested(current_rt()));
}

#[test]
fn nested_spawns_multi_thread() {
    watchdog("nested_spawns_multi_thread", || nested(multi_rt(2)));
}

/// Plain threads spawn through a cloned `Handle` and join with
/// `zio::block_on` (no runtime on those threads).
#[test]
fn spawn_from_plain_thread_via_handle_multi_thread() {
    watchdog("spawn_from_plain_thread_via_handle_multi_thread", || {
        let rt = multi_rt(2);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let handle = rt.handle().clone();
                std::thread::spawn(move || {
                    assert!(Handle::try_current().is_err());
                    let hs: Vec<_> = (0..2_000)
                        .map(|i| handle.spawn(async move { t * 10_000 + i }))
                        .collect();
                    for (i, h) in hs.into_iter().enumerate() {
                        assert_eq!(zio::block_on(h).unwrap(), t * 10_000 + i);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    });
}

/// A plain thread spawns onto a current-thread runtime while the runtime's
/// thread is parked in `block_on` waiting for exactly that task: the remote
/// spawn must wake the parked thread. 1,000 times.
#[test]
fn spawn_from_plain_thread_wakes_parked_current_thread() {
    watchdog(
        "spawn_from_plain_thread_wakes_parked_current_thread",
        || {
            let rt = current_rt();
            let handle = rt.handle().clone();
            let (tx, rx) = std::sync::mpsc::channel::<sig::Setter<usize>>();
            let spawner = std::thread::spawn(move || {
                for i in 0..1_000 {
                    let setter = rx.recv().unwrap();
                    if i % 4 == 0 {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    // The task, not this thread, completes the signal.
                    drop(handle.spawn(async move { setter.set(i) }));
                }
            });
            rt.block_on(async move {
                for i in 0..1_000 {
                    let (s, w) = sig::signal();
                    tx.send(s).unwrap();
                    assert_eq!(w.await, i);
                }
            });
            spawner.join().unwrap();
        },
    );
}

#[test]
fn spawn_via_handle_before_block_on_current_thread() {
    watchdog("spawn_via_handle_before_block_on_current_thread", || {
        let rt = current_rt();
        let h = std::thread::scope(|s| {
            s.spawn(|| rt.handle().spawn(async { "from a plain thread" }))
                .join()
                .unwrap()
        });
        assert_eq!(rt.block_on(h).unwrap(), "from a plain thread");
    });
}

fn handle_current_in_tasks(rt: Runtime) {
    rt.block_on(async {
        assert!(Handle::try_current().is_ok(), "inside block_on");
        let v = zio::spawn(async {
            let h = Handle::current();
            assert!(Handle::try_current().is_ok());
            // The handle found in a task spawns onto the same runtime.
            let inner = h.spawn(async { Handle::try_current().is_ok() });
            let nested = zio::spawn(async { Handle::current().spawn(async { 5 }).await });
            (inner.await.unwrap(), nested.await.unwrap().unwrap())
        })
        .await
        .unwrap();
        assert_eq!(v, (true, 5));
    });
}

#[test]
fn handle_current_inside_tasks_current_thread() {
    watchdog("handle_current_inside_tasks_current_thread", || {
        handle_current_in_tasks(current_rt())
    });
}

#[test]
fn handle_current_inside_tasks_multi_thread() {
    watchdog("handle_current_inside_tasks_multi_thread", || {
        handle_current_in_tasks(multi_rt(2))
    });
}

#[test]
fn try_current_errors_outside_a_runtime() {
    let err = Handle::try_current().expect_err("no runtime on the test thread");
    let msg = err.to_string();
    assert!(msg.contains("runtime"), "unclear message: {msg}");
    let panic = std::panic::catch_unwind(Handle::current).expect_err("Handle::current must panic");
    let text = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(text.contains("runtime"), "unclear panic: {text}");

    // Entering sets the context only while the guard lives.
    let rt = current_rt();
    {
        let _g = rt.enter();
        assert!(Handle::try_current().is_ok());
        {
            let rt2 = multi_rt(1);
            let _g2 = rt2.enter();
            assert!(Handle::try_current().is_ok());
        }
        assert!(Handle::try_current().is_ok(), "inner guard restores outer");
    }
    assert!(
        Handle::try_current().is_err(),
        "guard dropped: context gone"
    );
    // A plain thread has no context either.
    std::thread::spawn(|| assert!(Handle::try_current().is_err()))
        .join()
        .unwrap();
}

#[test]
fn zio_spawn_outside_a_runtime_panics_clearly() {
    let panic = std::panic::catch_unwind(|| drop(zio::spawn(async {})))
        .expect_err("zio::spawn outside a runtime must panic");
    let text = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        text.contains("outside a zio runtime"),
        "unclear panic: {text}"
    );
}

/// A dropped `JoinHandle` detaches: the task still runs to completion.
#[test]
fn dropped_join_handle_detaches() {
    watchdog("dropped_join_handle_detaches", || {
        for rt in [current_rt(), multi_rt(2)] {
            let (s, w) = sig::signal();
            rt.block_on(async move {
                drop(zio::spawn(async move {
                    zio::task::yield_now().await;
                    s.set(1);
                }));
                assert_eq!(w.await, 1);
            });
        }
    });
}
