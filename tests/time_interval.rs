//! `interval`: the first tick is immediate, scheduled instants are exactly
//! `period` apart (Burst), and `Delay` / `Skip` after a deliberately blocked
//! tick; ticks are never early. Only "not earlier than" is asserted about
//! the clock.

use zio::runtime::Runtime;
use zio::time::{interval, interval_at, Duration, Instant, Interval, MissedTickBehavior};

const P: Duration = Duration::from_millis(10);

/// Ticks once and checks the tick is not early.
async fn tick(iv: &mut Interval) -> Instant {
    let t = iv.tick().await;
    assert!(Instant::now() >= t, "tick for {t:?} returned early");
    t
}

async fn burst_regular() {
    let before = Instant::now();
    let mut iv = interval(P);
    assert_eq!(iv.period(), P);
    assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
    let t0 = tick(&mut iv).await;
    assert!(
        t0 >= before && t0 <= Instant::now(),
        "first tick is immediate"
    );
    let mut prev = t0;
    for k in 1..=5u32 {
        let t = tick(&mut iv).await;
        assert_eq!(
            t - prev,
            P,
            "tick {k}: not exactly one period after the previous"
        );
        assert_eq!(t, t0 + P * k);
        prev = t;
    }
}

async fn burst_after_block() {
    let mut iv = interval(P);
    let t0 = tick(&mut iv).await;
    std::thread::sleep(Duration::from_millis(35)); // miss ~3 ticks
    for k in 1..=6u32 {
        assert_eq!(tick(&mut iv).await, t0 + P * k, "Burst keeps the schedule");
    }
}

async fn delay_after_block() {
    let mut iv = interval(P);
    iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let t0 = tick(&mut iv).await;
    std::thread::sleep(Duration::from_millis(35));
    let unblocked = Instant::now();
    let late = tick(&mut iv).await;
    assert_eq!(
        late,
        t0 + P,
        "the missed tick is returned with its scheduled instant"
    );
    let t3 = tick(&mut iv).await;
    assert!(
        t3 >= unblocked + P,
        "Delay: the next tick is a period after the late one ({:?} < {:?})",
        t3,
        unblocked + P
    );
    let t4 = tick(&mut iv).await;
    assert!(t4 >= t3 + P, "Delay: ticks at least a period apart");
}

async fn skip_after_block() {
    let mut iv = interval(P);
    iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let t0 = tick(&mut iv).await;
    std::thread::sleep(Duration::from_millis(35));
    let unblocked = Instant::now();
    let late = tick(&mut iv).await;
    assert_eq!(late, t0 + P);
    let t3 = tick(&mut iv).await;
    let on_grid = |t: Instant| (t - t0).as_nanos() % P.as_nanos() == 0;
    assert!(on_grid(t3), "Skip: next tick stays on the original grid");
    assert!(
        t3 > unblocked,
        "Skip: missed ticks are dropped, next one is in the future"
    );
    assert!(t3 >= t0 + P * 4, "Skip: ticks at +20/+30 ms were skipped");
    let t4 = tick(&mut iv).await;
    assert!(on_grid(t4) && t4 > t3);
}

async fn interval_at_future_start() {
    let start = Instant::now() + Duration::from_millis(20);
    let mut iv = interval_at(start, P);
    assert_eq!(tick(&mut iv).await, start);
    assert_eq!(tick(&mut iv).await, start + P);
    // reset: the next tick is a period after the reset.
    let r = Instant::now();
    iv.reset();
    let t = tick(&mut iv).await;
    assert!(t >= r + P);
    let before = Instant::now();
    iv.reset_immediately();
    let after = Instant::now();
    let t = tick(&mut iv).await;
    assert!(
        t >= before && t <= after,
        "reset_immediately: next tick is now"
    );
    let target = Instant::now() + Duration::from_millis(3);
    iv.reset_at(target);
    assert_eq!(tick(&mut iv).await, target);
}

async fn all_cases() {
    burst_regular().await;
    burst_after_block().await;
    delay_after_block().await;
    skip_after_block().await;
    interval_at_future_start().await;
}

fn on_runtime(rt: Runtime) {
    rt.block_on(rt.spawn(all_cases())).unwrap();
}

#[test]
fn interval_current_thread() {
    watchdog("interval_current_thread", || on_runtime(current_rt()));
}

#[test]
fn interval_multi_thread() {
    watchdog("interval_multi_thread", || on_runtime(multi_rt(2)));
}

#[test]
fn interval_without_runtime() {
    watchdog("interval_without_runtime", || zio::block_on(all_cases()));
}

#[test]
fn interval_inside_tokio() {
    watchdog("interval_inside_tokio", || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(all_cases())
    });
}

#[test]
fn interval_zero_period_panics() {
    assert!(std::panic::catch_unwind(|| interval(Duration::ZERO)).is_err());
    assert!(std::panic::catch_unwind(|| interval_at(Instant::now(), Duration::ZERO)).is_err());
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
