//! Several runtimes in one process: each runs its tasks concurrently with
//! the other, tasks see their own runtime, tasks of one await tasks of the
//! other, then all shut down cleanly.

mod common;
use common::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zio::runtime::{Builder, Handle, Runtime};

fn named(name: &'static str, flavor_multi: bool) -> Runtime {
    let mut b = if flavor_multi {
        Builder::new_multi_thread()
    } else {
        Builder::new_current_thread()
    };
    if flavor_multi {
        b.worker_threads(2);
    }
    b.thread_name(name).enable_all().build().unwrap()
}

/// Runs 20,000 tasks (some sleeping) on `rt` and checks they ran on its
/// own worker threads (by thread name).
fn workload(rt: &Runtime, name: &'static str, check_thread: bool) -> usize {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    rt.block_on(async move {
        let hs: Vec<_> = (0..20_000usize)
            .map(|i| {
                let r = r.clone();
                zio::spawn(async move {
                    if i % 100 == 0 {
                        zio::time::sleep(Duration::from_millis((i % 7) as u64)).await;
                    } else if i % 3 == 0 {
                        zio::task::yield_now().await;
                    }
                    if check_thread {
                        let t = std::thread::current();
                        assert_eq!(
                            t.name(),
                            Some(name),
                            "a task ran on another runtime's thread"
                        );
                    }
                    // The context inside the task is this runtime: a
                    // spawn through it lands here too.
                    let inner = Handle::current().spawn(async move { i });
                    r.fetch_add(1, Ordering::Relaxed);
                    inner.await.unwrap()
                })
            })
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    ran.load(Ordering::Relaxed)
}

#[test]
fn two_multi_thread_runtimes_side_by_side() {
    watchdog("two_multi_thread_runtimes_side_by_side", || {
        let a = Arc::new(named("rt-a", true));
        let b = Arc::new(named("rt-b", true));
        let ta = {
            let a = a.clone();
            std::thread::spawn(move || workload(&a, "rt-a", true))
        };
        let tb = {
            let b = b.clone();
            std::thread::spawn(move || workload(&b, "rt-b", true))
        };
        assert_eq!(ta.join().unwrap(), 20_000);
        assert_eq!(tb.join().unwrap(), 20_000);
        let a = Arc::into_inner(a).unwrap();
        let b = Arc::into_inner(b).unwrap();
        drop(a);
        b.shutdown_timeout(Duration::from_secs(10));
    });
}

#[test]
fn current_thread_and_multi_thread_runtimes_side_by_side() {
    watchdog(
        "current_thread_and_multi_thread_runtimes_side_by_side",
        || {
            let ta = std::thread::spawn(|| {
                let rt = named("ct", false);
                workload(&rt, "ct", false)
            });
            let tb = std::thread::spawn(|| {
                let rt = named("mt", true);
                workload(&rt, "mt", true)
            });
            let tc = std::thread::spawn(|| {
                let rt = named("ct2", false);
                workload(&rt, "ct2", false)
            });
            assert_eq!(ta.join().unwrap(), 20_000);
            assert_eq!(tb.join().unwrap(), 20_000);
            assert_eq!(tc.join().unwrap(), 20_000);
        },
    );
}

/// A task of runtime A spawns onto runtime B through B's handle and awaits
/// it; a task of B waits for a timer and a task of A.
#[test]
fn tasks_cross_runtimes() {
    watchdog("tasks_cross_runtimes", || {
        let a = named("x-a", true);
        let b = named("x-b", true);
        let hb = b.handle().clone();
        let ha = a.handle().clone();
        let out = a.block_on(a.spawn(async move {
            let on_b = hb.spawn(async move {
                zio::time::sleep(Duration::from_millis(2)).await;
                let on_a = ha.spawn(async { std::thread::current().name().map(String::from) });
                let name_a = on_a.await.unwrap();
                (std::thread::current().name().map(String::from), name_a)
            });
            on_b.await.unwrap()
        }));
        assert_eq!(
            out.unwrap(),
            (Some("x-b".to_string()), Some("x-a".to_string()))
        );
        drop(b);
        drop(a);
    });
}

/// Many runtimes created and dropped in a loop, some with live tasks.
#[test]
fn runtimes_created_and_dropped_repeatedly() {
    watchdog("runtimes_created_and_dropped_repeatedly", || {
        for i in 0..50 {
            let rt = if i % 2 == 0 {
                multi_rt(2)
            } else {
                current_rt()
            };
            assert_eq!(
                rt.block_on(async { zio::spawn(async { 1 }).await.unwrap() }),
                1
            );
            drop(rt.spawn(std::future::pending::<()>()));
            drop(rt);
        }
    });
}
