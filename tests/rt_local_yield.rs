//! `spawn_local` (an `Rc` on a current-thread runtime and on a worker) and
//! `yield_now` (other tasks run before the yielding task resumes).

mod common;
use common::*;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use zio::runtime::Runtime;

#[test]
fn spawn_local_with_rc_on_current_thread() {
    watchdog("spawn_local_with_rc_on_current_thread", || {
        let rt = current_rt();
        rt.block_on(async {
            let shared = Rc::new(RefCell::new(Vec::new()));
            let mut hs = Vec::new();
            for i in 0..100 {
                let shared = shared.clone();
                hs.push(zio::task::spawn_local(async move {
                    zio::task::yield_now().await;
                    shared.borrow_mut().push(i);
                    Rc::strong_count(&shared)
                }));
            }
            for h in hs {
                assert!(h.await.unwrap() >= 2);
            }
            let mut v = shared.borrow().clone();
            v.sort_unstable();
            assert_eq!(v, (0..100).collect::<Vec<_>>());
            assert_eq!(Rc::strong_count(&shared), 1, "local futures dropped");
            // A local task can spawn local tasks, and output an Rc.
            let rc = zio::task::spawn_local(async {
                let inner = zio::task::spawn_local(async { Rc::new(5) });
                inner.await.unwrap()
            })
            .await
            .unwrap();
            assert_eq!(*rc, 5);
        });
    });
}

/// Local tasks spawned in one `block_on` still run in a later one.
#[test]
#[allow(clippy::async_yields_async)] // the handle is returned on purpose
fn spawn_local_survives_across_block_on_calls() {
    watchdog("spawn_local_survives_across_block_on_calls", || {
        let rt = current_rt();
        let h = rt.block_on(async {
            let rc = Rc::new(3);
            zio::task::spawn_local(async move {
                zio::task::yield_now().await;
                *rc * 2
            })
        });
        assert_eq!(rt.block_on(h).unwrap(), 6);
    });
}

#[test]
fn spawn_local_on_a_multi_thread_worker() {
    watchdog("spawn_local_on_a_multi_thread_worker", || {
        let rt = multi_rt(2);
        let out = rt.block_on(rt.spawn(async {
            let tid = std::thread::current().id();
            // The Rc lives only inside the local task (the outer task is Send).
            let h = zio::task::spawn_local(async move {
                let rc = Rc::new(RefCell::new(0));
                let rc2 = rc.clone();
                let inner = zio::task::spawn_local(async move {
                    for _ in 0..10 {
                        zio::task::yield_now().await;
                        *rc2.borrow_mut() += 1;
                    }
                });
                inner.await.unwrap();
                let v = *rc.borrow();
                (std::thread::current().id(), v)
            });
            let (ran_on, v) = h.await.unwrap();
            assert_eq!(ran_on, tid, "a local task ran on another thread");
            v
        }));
        assert_eq!(out.unwrap(), 10);
    });
}

#[test]
fn spawn_local_outside_a_worker_panics_clearly() {
    let p = std::panic::catch_unwind(|| drop(zio::task::spawn_local(async {})))
        .expect_err("spawn_local on a plain thread must panic");
    let text = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(text.contains("spawn_local"), "unclear panic: {text}");
}

/// Two tasks log and yield in turns; while both run, neither logs twice in
/// a row (the yielding task goes behind the other one).
fn yield_interleaves(rt: Runtime) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    rt.block_on(async move {
        let (a, b) = (l.clone(), l.clone());
        let ha = zio::spawn(async move {
            for _ in 0..20 {
                a.lock().unwrap().push('A');
                zio::task::yield_now().await;
            }
        });
        let hb = zio::spawn(async move {
            for _ in 0..20 {
                b.lock().unwrap().push('B');
                zio::task::yield_now().await;
            }
        });
        ha.await.unwrap();
        hb.await.unwrap();
    });
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 40);
    // Both run from the second task's first entry (the spawning thread may
    // be descheduled between the two spawns) until the first one ends.
    let second_start = log.iter().position(|&c| c != log[0]).unwrap();
    let first_end = log
        .iter()
        .rposition(|&c| c != *log.last().unwrap())
        .unwrap();
    let both_running: String = log[second_start - 1..=first_end].iter().collect();
    for w in both_running.as_bytes().windows(2) {
        assert_ne!(
            w[0], w[1],
            "a yielding task ran again before the other: {both_running}"
        );
    }
}

#[test]
fn yield_now_interleaves_current_thread() {
    watchdog("yield_now_interleaves_current_thread", || {
        yield_interleaves(current_rt())
    });
}

#[test]
fn yield_now_interleaves_multi_thread_1_worker() {
    watchdog("yield_now_interleaves_multi_thread_1_worker", || {
        yield_interleaves(multi_rt(1))
    });
}

/// A task that spins with `yield_now` until another task sets a flag must
/// terminate (the other task gets to run) on a single thread.
fn yield_lets_other_task_run(rt: Runtime) {
    rt.block_on(async {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let spinner = zio::spawn(async move {
            let mut n = 0u64;
            while !f.load(Ordering::SeqCst) {
                zio::task::yield_now().await;
                n += 1;
            }
            n
        });
        zio::task::yield_now().await;
        let f = flag.clone();
        zio::spawn(async move { f.store(true, Ordering::SeqCst) })
            .await
            .unwrap();
        spinner.await.unwrap();
        // The block_on future itself spinning on a flag set by a task.
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        drop(zio::spawn(async move { f.store(true, Ordering::SeqCst) }));
        while !flag.load(Ordering::SeqCst) {
            zio::task::yield_now().await;
        }
    });
}

#[test]
fn yield_now_lets_other_tasks_run_current_thread() {
    watchdog("yield_now_lets_other_tasks_run_current_thread", || {
        yield_lets_other_task_run(current_rt())
    });
}

#[test]
fn yield_now_lets_other_tasks_run_multi_thread_1_worker() {
    watchdog(
        "yield_now_lets_other_tasks_run_multi_thread_1_worker",
        || yield_lets_other_task_run(multi_rt(1)),
    );
}
