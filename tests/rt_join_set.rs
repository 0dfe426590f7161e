//! `JoinSet`: completion order, `abort_all`, `shutdown`, drop aborts,
//! `join_all`, `try_join_next`, `spawn_blocking` into a set.

mod common;
use common::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zio::runtime::Runtime;
use zio::task::JoinSet;

/// Tasks sleep `ms` and log themselves as they complete. `join_next` must
/// return them in the logged completion order (normally ascending `ms`;
/// under heavy load two timers can fire in the same driver turn and the
/// tasks may then complete in another order, which the log captures).
fn sleep_order(rt: Runtime, ms: [u64; 3]) {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let l = log.clone();
    let got = rt.block_on(async move {
        let mut set = JoinSet::new();
        for m in ms {
            let l = l.clone();
            set.spawn(async move {
                zio::time::sleep(Duration::from_millis(m)).await;
                l.lock().unwrap().push(m);
                m
            });
        }
        assert_eq!(set.len(), 3);
        let mut got = Vec::new();
        while let Some(r) = set.join_next().await {
            got.push(r.unwrap());
        }
        assert!(set.is_empty());
        got
    });
    let completed = log.lock().unwrap().clone();
    assert_eq!(got, completed, "join_next must return in completion order");
    let mut sorted = ms.to_vec();
    sorted.sort_unstable();
    if got != sorted {
        eprintln!("note: timers completed out of deadline order under load: {got:?}");
    }
}

#[test]
fn join_next_in_completion_order_sleeps_current_thread() {
    watchdog(
        "join_next_in_completion_order_sleeps_current_thread",
        || sleep_order(current_rt(), [50, 10, 30]),
    );
}

#[test]
fn join_next_in_completion_order_sleeps_multi_thread() {
    // Wider gaps: tasks on two workers with their own timers.
    watchdog("join_next_in_completion_order_sleeps_multi_thread", || {
        sleep_order(multi_rt(2), [250, 50, 150])
    });
}

/// Completion order without timing: the tasks are completed one by one in
/// the order 2, 0, 3, 1 (each completion observed before the next is
/// released), and only then is the set drained. Completion order is
/// 2, 0, 3, 1, not insertion order.
fn completion_order_before_first_join(rt: Runtime) {
    rt.block_on(async {
        let mut set = JoinSet::new();
        let done = Arc::new(AtomicUsize::new(0));
        let mut setters = Vec::new();
        for i in 0..4usize {
            let (s, w) = sig::signal::<()>();
            setters.push(Some(s));
            let done = done.clone();
            set.spawn(async move {
                w.await;
                done.fetch_add(1, Ordering::SeqCst);
                i
            });
        }
        for (n, i) in [2usize, 0, 3, 1].into_iter().enumerate() {
            setters[i].take().unwrap().set(());
            while done.load(Ordering::SeqCst) != n + 1 {
                zio::task::yield_now().await;
            }
        }
        let mut got = Vec::new();
        while let Some(r) = set.join_next().await {
            got.push(r.unwrap());
        }
        assert_eq!(
            got,
            vec![2, 0, 3, 1],
            "join_next must return in completion order"
        );
    });
}

#[test]
fn join_next_in_completion_order_when_all_finished_current_thread() {
    watchdog(
        "join_next_in_completion_order_when_all_finished_current_thread",
        || completion_order_before_first_join(current_rt()),
    );
}

#[test]
fn join_next_in_completion_order_when_all_finished_multi_thread() {
    watchdog(
        "join_next_in_completion_order_when_all_finished_multi_thread",
        || completion_order_before_first_join(multi_rt(2)),
    );
}

#[test]
fn abort_all_cancels_members() {
    watchdog("abort_all_cancels_members", || {
        for rt in [current_rt(), multi_rt(2)] {
            let dropped = Arc::new(AtomicUsize::new(0));
            let d = dropped.clone();
            rt.block_on(async move {
                let mut set = JoinSet::new();
                for _ in 0..100 {
                    let g = DropGuard(d.clone());
                    set.spawn(async move {
                        let _g = g;
                        std::future::pending::<()>().await;
                    });
                }
                zio::task::yield_now().await;
                set.abort_all();
                assert_eq!(set.len(), 100, "aborted tasks stay until joined");
                let mut cancelled = 0;
                while let Some(r) = set.join_next().await {
                    assert!(r.unwrap_err().is_cancelled());
                    cancelled += 1;
                }
                assert_eq!(cancelled, 100);
                assert_eq!(d.load(Ordering::SeqCst), 100);
            });
        }
    });
}

#[test]
fn shutdown_aborts_and_waits() {
    watchdog("shutdown_aborts_and_waits", || {
        for rt in [current_rt(), multi_rt(2)] {
            let dropped = Arc::new(AtomicUsize::new(0));
            let d = dropped.clone();
            rt.block_on(async move {
                let mut set = JoinSet::new();
                for i in 0..50u64 {
                    let g = DropGuard(d.clone());
                    set.spawn(async move {
                        let _g = g;
                        zio::time::sleep(Duration::from_secs(3600 + i)).await;
                    });
                }
                set.shutdown().await;
                assert!(set.is_empty());
                assert_eq!(d.load(Ordering::SeqCst), 50, "all futures dropped");
                // The set is reusable.
                set.spawn(async {});
                assert!(set.join_next().await.unwrap().is_ok());
            });
        }
    });
}

#[test]
fn dropping_the_set_aborts_members() {
    watchdog("dropping_the_set_aborts_members", || {
        for rt in [current_rt(), multi_rt(2)] {
            let dropped = Arc::new(AtomicUsize::new(0));
            let d = dropped.clone();
            rt.block_on(async move {
                let mut set = JoinSet::new();
                for _ in 0..100 {
                    let g = DropGuard(d.clone());
                    set.spawn(async move {
                        let _g = g;
                        std::future::pending::<()>().await;
                    });
                }
                zio::task::yield_now().await;
                drop(set);
                let mut spins = 0u64;
                while d.load(Ordering::SeqCst) < 100 {
                    zio::time::sleep(Duration::from_millis(1)).await;
                    spins += 1;
                    assert!(spins < 20_000, "dropped set: members not aborted");
                }
            });
            assert_eq!(dropped.load(Ordering::SeqCst), 100);
        }
    });
}

#[test]
fn join_all_returns_every_output() {
    watchdog("join_all_returns_every_output", || {
        for rt in [current_rt(), multi_rt(2)] {
            let mut got = rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..1_000u32 {
                    set.spawn(async move {
                        if i % 3 == 0 {
                            zio::task::yield_now().await;
                        }
                        i
                    });
                }
                set.join_all().await
            });
            got.sort_unstable();
            assert_eq!(got, (0..1_000).collect::<Vec<_>>());
        }
    });
}

#[test]
fn join_all_resumes_a_member_panic() {
    watchdog("join_all_resumes_a_member_panic", || {
        let rt = multi_rt(2);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                set.spawn(async { panic!("member boom") });
                set.join_all().await
            })
        }));
        let p = r.expect_err("join_all must propagate the panic");
        assert_eq!(p.downcast_ref::<&str>().copied(), Some("member boom"));
    });
}

#[test]
fn try_join_next_never_waits() {
    watchdog("try_join_next_never_waits", || {
        for rt in [current_rt(), multi_rt(2)] {
            rt.block_on(async {
                let mut set: JoinSet<u32> = JoinSet::new();
                assert!(set.try_join_next().is_none(), "empty set");
                let (s, w) = sig::signal::<()>();
                set.spawn(async move {
                    w.await;
                    11
                });
                zio::task::yield_now().await;
                assert!(set.try_join_next().is_none(), "member still pending");
                assert_eq!(set.len(), 1);
                s.set(());
                let mut spins = 0u64;
                let out = loop {
                    if let Some(r) = set.try_join_next() {
                        break r;
                    }
                    zio::task::yield_now().await;
                    spins += 1;
                    assert!(spins < 10_000_000, "try_join_next never saw the result");
                };
                assert_eq!(out.unwrap(), 11);
                assert!(set.is_empty());
                assert!(set.try_join_next().is_none());
            });
        }
    });
}

#[test]
fn spawn_blocking_into_a_set() {
    watchdog("spawn_blocking_into_a_set", || {
        for rt in [current_rt(), multi_rt(2)] {
            let mut got = rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..20u64 {
                    set.spawn_blocking(move || {
                        std::thread::sleep(Duration::from_millis(i % 3));
                        i * i
                    });
                }
                set.spawn(async { 1_000_000 });
                let mut got = Vec::new();
                while let Some(r) = set.join_next().await {
                    got.push(r.unwrap());
                }
                got
            });
            got.sort_unstable();
            let mut want: Vec<u64> = (0..20).map(|i| i * i).collect();
            want.push(1_000_000);
            want.sort_unstable();
            assert_eq!(got, want);
        }
    });
}

#[test]
fn abort_handle_from_spawn_aborts_one_member() {
    watchdog("abort_handle_from_spawn_aborts_one_member", || {
        let rt = multi_rt(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            let ah = set.spawn(std::future::pending::<u32>());
            set.spawn(async { 5 });
            ah.abort();
            let mut ok = 0;
            let mut cancelled = 0;
            while let Some(r) = set.join_next().await {
                match r {
                    Ok(v) => {
                        assert_eq!(v, 5);
                        ok += 1;
                    }
                    Err(e) => {
                        assert!(e.is_cancelled());
                        cancelled += 1;
                    }
                }
            }
            assert_eq!((ok, cancelled), (1, 1));
        });
    });
}
