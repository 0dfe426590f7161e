//! A waker fired from a plain `std::thread` wakes a task parked on an idle
//! (parked) runtime thread: no lost wakeup, 10,000 times per case.
//!
//! The task awaits a tiny hand-written signal whose waker sits in a
//! `Mutex<Option<Waker>>`; a plain thread waits until the task is pending,
//! pauses (0–300 µs, so the runtime thread spins, parks, or is mid-park),
//! then sets the value and wakes it. If one wakeup is lost the waking
//! thread reports the iteration.

mod common;
use common::*;

use std::sync::mpsc;
use std::time::Duration;

use zio::runtime::Runtime;

const ROUNDS: usize = 10_000;
const PAUSES: [Duration; 5] = [
    Duration::ZERO,
    Duration::from_micros(20),
    Duration::from_micros(100),
    Duration::from_micros(300),
    Duration::from_micros(50),
];

/// Where the waiting future runs.
#[derive(Clone, Copy, Debug)]
enum Where {
    /// The future passed to `Runtime::block_on` (current_thread: the runtime
    /// thread parks in its driver).
    BlockOn,
    /// A spawned task; `block_on` only awaits its `JoinHandle`.
    Task,
}

fn waker_thread(rx: mpsc::Receiver<sig::Setter<usize>>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("plain-waker".into())
        .spawn(move || {
            for i in 0..ROUNDS {
                let setter = match rx.recv_timeout(Duration::from_secs(20)) {
                    Ok(s) => s,
                    Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                        "LOST WAKEUP: the task did not resume within 20 s after wake #{}",
                        i as isize - 1
                    ),
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        panic!("the waiting task went away at round {i}")
                    }
                };
                assert!(
                    setter.wait_registered(Duration::from_secs(20)),
                    "round {i}: the task never polled its signal"
                );
                let pause = PAUSES[i % PAUSES.len()];
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
                setter.set(i);
            }
        })
        .unwrap()
}

fn run(rt: Runtime, place: Where) {
    let (tx, rx) = mpsc::channel();
    let waker = waker_thread(rx);
    let body = async move {
        for i in 0..ROUNDS {
            let (s, w) = sig::signal();
            tx.send(s).unwrap();
            assert_eq!(w.await, i);
        }
    };
    match place {
        Where::BlockOn => rt.block_on(body),
        Where::Task => rt.block_on(rt.spawn(body)).unwrap(),
    }
    waker.join().unwrap();
}

#[test]
fn plain_thread_wakes_block_on_future_current_thread() {
    watchdog("plain_thread_wakes_block_on_future_current_thread", || {
        run(current_rt(), Where::BlockOn)
    });
}

#[test]
fn plain_thread_wakes_task_current_thread() {
    watchdog("plain_thread_wakes_task_current_thread", || {
        run(current_rt(), Where::Task)
    });
}

#[test]
fn plain_thread_wakes_task_multi_thread_1_worker() {
    watchdog("plain_thread_wakes_task_multi_thread_1_worker", || {
        run(multi_rt(1), Where::Task)
    });
}

#[test]
fn plain_thread_wakes_task_multi_thread_2_workers() {
    watchdog("plain_thread_wakes_task_multi_thread_2_workers", || {
        run(multi_rt(2), Where::Task)
    });
}

/// Many tasks parked at once, woken by several plain threads in random-ish
/// order, on a 2-worker runtime: every task resumes every round.
#[test]
fn many_parked_tasks_woken_by_plain_threads() {
    watchdog("many_parked_tasks_woken_by_plain_threads", || {
        const TASKS: usize = 64;
        const EACH: usize = 100;
        let rt = multi_rt(2);
        let (tx, rx) = mpsc::channel::<(usize, sig::Setter<usize>)>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let wakers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || loop {
                    let next = rx.lock().unwrap().recv_timeout(Duration::from_secs(20));
                    match next {
                        Ok((v, s)) => {
                            assert!(s.wait_registered(Duration::from_secs(20)));
                            s.set(v);
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            panic!("LOST WAKEUP: no task asked for a wake within 20 s")
                        }
                    }
                })
            })
            .collect();
        let handles: Vec<_> = (0..TASKS)
            .map(|t| {
                let tx = tx.clone();
                rt.spawn(async move {
                    for r in 0..EACH {
                        let (s, w) = sig::signal();
                        tx.send((t * EACH + r, s)).unwrap();
                        assert_eq!(w.await, t * EACH + r);
                    }
                })
            })
            .collect();
        drop(tx);
        for h in handles {
            rt.block_on(h).unwrap();
        }
        for w in wakers {
            w.join().unwrap();
        }
    });
}
