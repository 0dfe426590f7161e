//! Helpers shared by the integration tests: a watchdog that turns a hang
//! into a clear failure, runtime constructors, a minimal signal future, and
//! the CompletionQueue tests' runners (`cq`), a child runner under strace
//! (`strace`). Each test crate includes this
//! with `mod common;` and uses what it needs.
#![allow(dead_code, unreachable_pub)]

pub mod cq;
pub mod strace;

/// Runs `f` on its own thread; panics with a clear message if it does not
/// finish within `limit` (a hang), re-raises its panic otherwise.
pub fn watchdog_for<T: Send + 'static>(
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
pub fn watchdog<T: Send + 'static>(
    name: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    watchdog_for(name, std::time::Duration::from_secs(60), f)
}

/// A connected loopback TCP pair: `(client, server)`.
pub async fn tcp_pair() -> (zio::net::TcpStream, zio::net::TcpStream) {
    let listener = zio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = zio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// A zio TCP stream and its std peer, made without any runtime (blocking
/// connect and accept on the calling thread).
pub fn tcp_with_std_peer() -> (zio::net::TcpStream, std::net::TcpStream) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let stream = zio::net::TcpStream::from_std(l.accept().unwrap().0).unwrap();
    (stream, peer)
}

pub fn current_rt() -> zio::runtime::Runtime {
    zio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build current_thread runtime")
}

pub fn multi_rt(workers: usize) -> zio::runtime::Runtime {
    zio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("build multi_thread runtime")
}

/// Counts its drops.
pub struct DropGuard(pub std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Polls `cond` from a plain thread until it holds; panics after 20 s.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
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
pub mod sig {
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
