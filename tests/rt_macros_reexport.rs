//! `zio::{select!, join!, try_join!, pin!}` work with zio tasks and timers,
//! on a runtime and on a plain thread.

use std::time::Duration;

use zio::time::{sleep, Instant};

async fn cases() {
    // join!: both complete, outputs in order.
    let (a, b, c) = zio::join!(
        async {
            sleep(Duration::from_millis(5)).await;
            1
        },
        async { 2 },
        zio::spawn(async { 3 })
    );
    assert_eq!((a, b, c.unwrap()), (1, 2, 3));

    // try_join!: Ok when all succeed, the first error otherwise.
    let ok: Result<(i32, i32), &str> = zio::try_join!(async { Ok(1) }, async { Ok(2) });
    assert_eq!(ok, Ok((1, 2)));
    let err: Result<(i32, ()), &str> = zio::try_join!(async { Ok(1) }, async {
        sleep(Duration::from_millis(1)).await;
        Err("nope")
    });
    assert_eq!(err, Err("nope"));

    // select!: the earlier timer wins; the other branch is dropped.
    let start = Instant::now();
    let which = zio::select! {
        _ = sleep(Duration::from_secs(3600)) => "late",
        _ = sleep(Duration::from_millis(10)) => "early",
    };
    assert_eq!(which, "early");
    assert!(Instant::now() >= start + Duration::from_millis(10));

    // select! with a JoinHandle, `biased;` and an `else` branch.
    let h = zio::spawn(async { 7 });
    let v = zio::select! {
        biased;
        r = h => r.unwrap(),
        _ = sleep(Duration::from_secs(3600)) => 0,
    };
    assert_eq!(v, 7);
    let none: Option<u8> = None;
    let v = zio::select! {
        Some(x) = async { none } => x,
        else => 99,
    };
    assert_eq!(v, 99);

    // pin!: a pinned sleep polled across loop iterations of select!.
    let deadline = Instant::now() + Duration::from_millis(20);
    let s = zio::time::sleep_until(deadline);
    zio::pin!(s);
    let mut ticks = 0;
    loop {
        zio::select! {
            _ = &mut s => break,
            _ = sleep(Duration::from_millis(2)) => ticks += 1,
        }
    }
    assert!(Instant::now() >= deadline);
    let _ = ticks;
}

#[test]
fn macros_on_current_thread() {
    watchdog("macros_on_current_thread", || {
        current_rt().block_on(cases())
    });
}

#[test]
fn macros_on_multi_thread() {
    watchdog("macros_on_multi_thread", || {
        let rt = multi_rt(2);
        rt.block_on(rt.spawn(cases())).unwrap();
    });
}

#[test]
fn macros_on_plain_thread_block_on() {
    watchdog("macros_on_plain_thread_block_on", || {
        zio::block_on(async {
            let (a, b) = zio::join!(async { 1 }, sleep(Duration::from_millis(1)));
            assert_eq!((a, b), (1, ()));
            let v = zio::select! {
                _ = sleep(Duration::from_secs(3600)) => 0,
                _ = sleep(Duration::from_millis(3)) => 1,
            };
            assert_eq!(v, 1);
        })
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
