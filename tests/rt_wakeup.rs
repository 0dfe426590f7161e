//! A waker fired from a plain `std::thread` wakes a task parked on an idle
//! (parked) runtime thread: no lost wakeup, 10,000 times per case.
//!
//! The task awaits a tiny hand-written signal whose waker sits in a
//! `Mutex<Option<Waker>>`; a plain thread waits until the task is pending,
//! pauses (0–300 µs, so the runtime thread spins, parks, or is mid-park),
//! then sets the value and wakes it. If one wakeup is lost the waking
//! thread reports the iteration.

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
