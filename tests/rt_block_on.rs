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

/// The thread id (in this process) of the calling thread.
fn current_tid() -> String {
    let link = std::fs::read_link("/proc/thread-self").expect("read /proc/thread-self");
    link.file_name()
        .expect("/proc/thread-self names a task")
        .to_string_lossy()
        .into_owned()
}

/// CPU time (user + system) thread `tid` of this process has used so far;
/// `None` once the thread has exited.
fn thread_cpu_time(tid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may
    // hold spaces: the state (field 3) first, utime and stime (fields 14
    // and 15, in clock ticks) at 11 and 12.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().ok()? + fields[12].parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let per_second = u64::try_from(per_second).expect("clock ticks per second");
    Some(Duration::from_nanos(ticks * 1_000_000_000 / per_second))
}

/// A stand-in whose blocking section ended while an op it started is still
/// in flight (a read nobody answers) waits for that op parked in its
/// driver: over a long wait it uses a small share of one CPU, not all of
/// it (it once spun: its park loop gave up at once for a retiring
/// stand-in, which could not exit with the op in flight). It exits once
/// the op completes.
#[test]
fn retiring_stand_in_with_an_op_in_flight_parks() {
    watchdog("retiring_stand_in_with_an_op_in_flight_parks", || {
        let rt = multi_rt(1);
        let (tid, client, reader) = rt
            .block_on(rt.spawn(async {
                let (client, server) = tcp_pair().await;
                let tid = Arc::new(std::sync::Mutex::new(None));
                let t = tid.clone();
                // The only worker blocks below, so the stand-in runs this
                // task: the read is an op of the stand-in's ring.
                let reader = zio::spawn(async move {
                    *t.lock().unwrap() = Some(current_tid());
                    let (res, _) = server.read(vec![0u8; 16]).await;
                    res.unwrap()
                });
                // The read is submitted in the same poll that records the
                // thread, before the stand-in can next look at its state.
                zio::task::block_in_place(|| {
                    wait_until("the stand-in to start the read", || {
                        tid.lock().unwrap().is_some()
                    });
                });
                let tid = tid.lock().unwrap().take().unwrap();
                (tid, client, reader)
            }))
            .unwrap();
        let before = thread_cpu_time(&tid).expect("the stand-in waits for its read");
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(500));
        let used = thread_cpu_time(&tid).expect("the stand-in waits for its read") - before;
        let wall = start.elapsed();
        assert!(
            used * 5 < wall,
            "a retiring stand-in waiting for an op spins: {used:?} of CPU in {wall:?}"
        );
        drop(client);
        assert_eq!(rt.block_on(reader).unwrap(), 0, "end of stream");
        wait_until("the stand-in to exit", || thread_cpu_time(&tid).is_none());
    });
}

/// A chain of `depth` tasks below the caller: each blocks its thread in
/// `zio::block_on` on the next one's handle, and the last blocks on a
/// signal that a task spawned just before sets. Every thread of the chain
/// is blocked at once, each needing a stand-in. Returns `depth + 1`.
fn nested_block_on(depth: usize) -> usize {
    if depth == 0 {
        let (s, w) = sig::signal();
        drop(zio::spawn(async move { s.set(1) }));
        return zio::block_on(w);
    }
    let inner = zio::spawn(async move { nested_block_on(depth - 1) });
    1 + zio::block_on(inner).unwrap()
}

/// `zio::block_on` inside a task running on a stand-in, while the worker it
/// stands in for is itself blocked: the runtime must still run the task the
/// innermost future waits for (with as many spares as workers, the inner
/// section found none free and nothing ran the runtime's tasks: a
/// deadlock). Rounds reuse the stand-ins, retiring or gone.
#[test]
fn nested_block_on_multi_thread_1_worker() {
    watchdog("nested_block_on_multi_thread_1_worker", || {
        let rt = multi_rt(1);
        for _ in 0..20 {
            let h = rt.spawn(async { nested_block_on(1) });
            assert_eq!(rt.block_on(h).unwrap(), 2);
            let h = rt.spawn(async { nested_block_on(4) });
            assert_eq!(rt.block_on(h).unwrap(), 5);
        }
    });
}

/// As above on two workers, with several chains blocking at once: far more
/// threads blocked than there are workers.
#[test]
fn nested_block_on_multi_thread_2_workers() {
    watchdog("nested_block_on_multi_thread_2_workers", || {
        let rt = multi_rt(2);
        for _ in 0..20 {
            let hs: Vec<_> = (0..3)
                .map(|_| rt.spawn(async { nested_block_on(3) }))
                .collect();
            for h in hs {
                assert_eq!(rt.block_on(h).unwrap(), 4);
            }
        }
    });
}

/// A chain of `depth` tasks below the caller, each in `block_in_place`
/// waiting (a plain blocking receive) for the next one's result; the last
/// waits for a task spawned just before. Returns `depth + 1`.
fn nested_block_in_place(depth: usize) -> usize {
    let (tx, rx) = std::sync::mpsc::channel();
    if depth == 0 {
        drop(zio::spawn(async move { tx.send(1).unwrap() }));
    } else {
        drop(zio::spawn(async move {
            tx.send(nested_block_in_place(depth - 1)).unwrap()
        }));
    }
    zio::task::block_in_place(|| rx.recv().unwrap()) + usize::from(depth > 0)
}

/// `block_in_place` nested 3 deep across threads (a task in it waits for a
/// task on the stand-in, which waits in it for a task on the next
/// stand-in...), on 1 and 2 workers; and 3 deep on one thread (the inner
/// sections keep the outer one's stand-in).
#[test]
fn block_in_place_nested_3_deep() {
    watchdog("block_in_place_nested_3_deep", || {
        for workers in [1, 2] {
            let rt = multi_rt(workers);
            for _ in 0..20 {
                let h = rt.spawn(async { nested_block_in_place(3) });
                assert_eq!(rt.block_on(h).unwrap(), 4);
            }
            let v = rt.block_on(rt.spawn(async {
                let (tx, rx) = std::sync::mpsc::channel();
                drop(zio::spawn(async move { tx.send(7).unwrap() }));
                zio::task::block_in_place(|| {
                    zio::task::block_in_place(|| zio::task::block_in_place(|| rx.recv().unwrap()))
                })
            }));
            assert_eq!(v.unwrap(), 7);
        }
    });
}
