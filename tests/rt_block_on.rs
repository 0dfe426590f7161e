//! `zio::block_on` on a plain thread and inside tasks (it must not deadlock
//! when the future needs another task of the same runtime), and
//! `block_in_place` on a multi-thread runtime while other tasks progress.

mod common;
use common::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use zio::runtime::Runtime;

#[test]
fn block_on_on_a_plain_thread() {
    watchdog("block_on_on_a_plain_thread", || {
        assert_eq!(zio::block_on(async { 40 + 2 }), 42);
        // Woken from another plain thread.
        let (s, w) = sig::signal();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            s.set("woken");
        });
        assert_eq!(zio::block_on(w), "woken");
        t.join().unwrap();
        // With a timer (served by the fallback driver).
        let start = Instant::now();
        zio::block_on(zio::time::sleep(Duration::from_millis(5)));
        assert!(start.elapsed() >= Duration::from_millis(5));
        // Nested block_on on a plain thread.
        assert_eq!(zio::block_on(async { zio::block_on(async { 1 }) + 1 }), 2);
        // Several plain threads at once.
        let ts: Vec<_> = (0..4)
            .map(|i| std::thread::spawn(move || zio::block_on(async move { i * 2 })))
            .collect();
        for (i, t) in ts.into_iter().enumerate() {
            assert_eq!(t.join().unwrap(), i * 2);
        }
    });
}

/// Inside a task: `zio::block_on` waits for a future completed by another
/// task of the same runtime, spawned just before (so it sits in this
/// worker's own queue / LIFO slot).
fn block_on_inside_task(rt: &Runtime) {
    let out = rt.block_on(rt.spawn(async {
        let mut total = 0;
        for round in 0..50 {
            let (s, w) = sig::signal();
            drop(zio::spawn(async move {
                zio::task::yield_now().await;
                s.set(round);
            }));
            total += zio::block_on(w);
            // Joining another task directly.
            let h = zio::spawn(async move { round * 2 });
            total += zio::block_on(h).unwrap();
            // A timer inside the nested block_on.
            zio::block_on(zio::time::sleep(Duration::from_micros(100)));
        }
        total
    }));
    assert_eq!(out.unwrap(), (0..50).map(|r| r * 3).sum::<usize>());
}

#[test]
fn block_on_inside_task_current_thread() {
    watchdog("block_on_inside_task_current_thread", || {
        block_on_inside_task(&current_rt())
    });
}

#[test]
fn block_on_inside_block_on_future_current_thread() {
    watchdog("block_on_inside_block_on_future_current_thread", || {
        let rt = current_rt();
        let v = rt.block_on(async {
            let h = zio::spawn(async {
                zio::task::yield_now().await;
                8
            });
            zio::block_on(h).unwrap()
        });
        assert_eq!(v, 8);
    });
}

#[test]
fn block_on_inside_task_multi_thread_2_workers() {
    watchdog("block_on_inside_task_multi_thread_2_workers", || {
        block_on_inside_task(&multi_rt(2))
    });
}

/// Every worker of a 2-worker runtime blocks in `zio::block_on` at once,
/// each waiting for a task spawned after it blocked.
#[test]

fn block_on_inside_tasks_on_all_workers() {
    watchdog("block_on_inside_tasks_on_all_workers", || {
        let rt = multi_rt(2);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                rt.spawn(async {
                    let (s, w) = sig::signal();
                    let h = zio::spawn(async move { s.set(1) });
                    let v = zio::block_on(w);
                    h.await.unwrap();
                    v
                })
            })
            .collect();
        for h in hs {
            assert_eq!(rt.block_on(h).unwrap(), 1);
        }
    });
}

#[test]

fn block_on_inside_task_multi_thread_1_worker() {
    watchdog("block_on_inside_task_multi_thread_1_worker", || {
        block_on_inside_task(&multi_rt(1))
    });
}

/// `block_in_place` on a worker: a task spawned just before (in this
/// worker's queue) and a task already running elsewhere keep making
/// progress while the closure blocks, waiting for that progress.
#[test]
fn block_in_place_lets_other_tasks_progress() {
    watchdog("block_in_place_lets_other_tasks_progress", || {
        let rt = multi_rt(2);
        let progressed = rt.block_on(rt.spawn(async {
            let counter = Arc::new(AtomicUsize::new(0));
            let c = counter.clone();
            let ticker = zio::spawn(async move {
                for _ in 0..100 {
                    c.fetch_add(1, Ordering::SeqCst);
                    zio::time::sleep(Duration::from_micros(200)).await;
                }
            });
            let seen = zio::task::block_in_place(|| {
                let deadline = Instant::now() + Duration::from_secs(20);
                while counter.load(Ordering::SeqCst) < 100 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                counter.load(Ordering::SeqCst)
            });
            ticker.await.unwrap();
            seen
        }));
        assert_eq!(
            progressed.unwrap(),
            100,
            "the other task did not progress during block_in_place"
        );
    });
}

/// With one worker, the runtime's other tasks must still progress while the
/// only worker is inside `block_in_place` (the docs promise it "does not
/// stall the runtime's other tasks"; tokio hands the worker's core to a new
/// thread).
#[test]
fn block_in_place_single_worker_other_tasks_progress() {
    watchdog("block_in_place_single_worker_other_tasks_progress", || {
        let rt = multi_rt(1);
        let progressed = rt.block_on(rt.spawn(async {
            let counter = Arc::new(AtomicUsize::new(0));
            let c = counter.clone();
            let ticker = zio::spawn(async move {
                for _ in 0..10 {
                    c.fetch_add(1, Ordering::SeqCst);
                    zio::task::yield_now().await;
                }
            });
            let seen = zio::task::block_in_place(|| {
                let deadline = Instant::now() + Duration::from_secs(3);
                while counter.load(Ordering::SeqCst) < 10 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                counter.load(Ordering::SeqCst)
            });
            ticker.await.unwrap();
            seen
        }));
        assert_eq!(
            progressed.unwrap(),
            10,
            "tasks stalled while the only worker was in block_in_place"
        );
    });
}

#[test]
fn block_in_place_outside_a_worker_just_runs() {
    assert_eq!(zio::task::block_in_place(|| 5), 5);
    let rt = current_rt();
    assert_eq!(rt.block_on(async { zio::task::block_in_place(|| 6) }), 6);
}

/// Back-to-back blocking sections on the only worker, each needing the
/// stand-in to run a task, with pauses of varying length between them: a
/// section starts while the previous stand-in still runs, retires, exits or
/// is gone. Each must get a stand-in. (A section that began just as the
/// previous stand-in finished exiting once went without one, and the
/// runtime ran nothing until the section ended: never.)
#[test]
fn back_to_back_blocking_sections_each_get_a_stand_in() {
    watchdog("back_to_back_blocking_sections_each_get_a_stand_in", || {
        let rt = multi_rt(1);
        rt.block_on(rt.spawn(async {
            for i in 0..2000u32 {
                // The only worker blocks: only a stand-in can run this task.
                let h = zio::spawn(async move { i });
                assert_eq!(zio::block_on(h).unwrap(), i);
                let pause = Instant::now() + Duration::from_micros(u64::from(i % 64));
                while Instant::now() < pause {
                    std::hint::spin_loop();
                }
            }
        }))
        .unwrap();
    });
}

/// A sleep that a stand-in started ends on time after the stand-in retired
/// (its driver is parked then, and driven by nobody).
#[test]
fn sleep_started_by_a_stand_in_ends_after_it_retires() {
    watchdog("sleep_started_by_a_stand_in_ends_after_it_retires", || {
        let rt = multi_rt(1);
        rt.block_on(rt.spawn(async {
            let sleeping = Arc::new(AtomicUsize::new(0));
            let s = sleeping.clone();
            // The only worker blocks below, so the stand-in runs this task.
            let sleeper = zio::spawn(async move {
                s.store(1, Ordering::SeqCst);
                zio::time::sleep(Duration::from_millis(100)).await;
            });
            zio::task::block_in_place(|| {
                wait_until("the stand-in to start the sleep", || {
                    sleeping.load(Ordering::SeqCst) == 1
                });
                std::thread::sleep(Duration::from_millis(10));
            });
            sleeper.await.unwrap();
        }))
        .unwrap();
    });
}

/// A sleep armed on a worker before it enters `block_in_place` fires while
/// the worker is blocked: the task it wakes runs elsewhere meanwhile.
#[test]
fn sleep_armed_on_a_worker_fires_during_its_block_in_place() {
    watchdog(
        "sleep_armed_on_a_worker_fires_during_its_block_in_place",
        || {
            let rt = multi_rt(1);
            let woke = rt
                .block_on(rt.spawn(async {
                    let done = Arc::new(AtomicUsize::new(0));
                    let d = done.clone();
                    let sleeper = zio::spawn(async move {
                        zio::time::sleep(Duration::from_millis(20)).await;
                        d.store(1, Ordering::SeqCst);
                    });
                    // Let the sleeper arm its timer on this (the only) worker.
                    zio::task::yield_now().await;
                    let woke = zio::task::block_in_place(|| {
                        let deadline = Instant::now() + Duration::from_secs(10);
                        while done.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        done.load(Ordering::SeqCst)
                    });
                    sleeper.await.unwrap();
                    woke
                }))
                .unwrap();
            assert_eq!(woke, 1, "the sleep did not fire while its worker blocked");
        },
    );
}
