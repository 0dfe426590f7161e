//! Mutex: exact counts across zio tasks, tokio tasks and plain threads at
//! once; FIFO order of waiters; owned guards; timeouts.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::task::noop_waker_ref;
use zio::sync::Mutex;

fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(noop_waker_ref()))
}

fn zio_rt() -> &'static zio::runtime::Runtime {
    static RT: OnceLock<zio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        zio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("zio runtime")
    })
}

/// 1,000,000 increments in total: 4 zio tasks, 4 tokio tasks, 2 plain
/// threads (one with `blocking_lock`, one with `block_on(lock())`) and
/// `lock_owned` users, all at once.
#[test]
fn million_increments_across_executors() {
    const TOTAL: u64 = 1_000_000;
    const WORKERS: u64 = 10;
    const EACH: u64 = TOTAL / WORKERS;
    let m = Arc::new(Mutex::new(0u64));
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    for i in 0..4 {
        let (mz, done) = (m.clone(), done_tx.clone());
        drop(zio_rt().spawn(async move {
            for _ in 0..EACH {
                if i % 2 == 0 {
                    *mz.lock().await += 1;
                } else {
                    *mz.clone().lock_owned().await += 1;
                }
            }
            done.send(()).unwrap();
        }));
        let (m, done) = (m.clone(), done_tx.clone());
        drop(tokio_rt.spawn(async move {
            for _ in 0..EACH {
                *m.lock().await += 1;
                if i == 0 {
                    tokio::task::yield_now().await;
                }
            }
            done.send(()).unwrap();
        }));
    }
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..EACH {
                    if i == 0 {
                        *m.blocking_lock() += 1;
                    } else {
                        *futures::executor::block_on(m.lock()) += 1;
                    }
                }
            })
        })
        .collect();
    drop(done_tx);
    for t in threads {
        t.join().unwrap();
    }
    for _ in 0..8 {
        done_rx.recv().expect("a task panicked");
    }
    assert_eq!(*m.blocking_lock(), TOTAL);
}

/// Waiters get the lock in the order they started waiting, whatever order
/// they are polled in, and `try_lock` does not jump the queue.
#[test]
fn fifo_order_of_waiters() {
    let m = Mutex::new(Vec::new());
    let guard = m.try_lock().unwrap();
    type LockFut<'a> = Pin<Box<dyn Future<Output = zio::sync::MutexGuard<'a, Vec<usize>>> + 'a>>;
    let mut futs: Vec<LockFut<'_>> = (0..5).map(|_| Box::pin(m.lock()) as _).collect();
    for f in &mut futs {
        assert!(poll_once(f.as_mut()).is_pending());
    }
    drop(guard);
    assert!(m.try_lock().is_err(), "try_lock must not jump the queue");
    for i in 0..5 {
        // Poll everyone still waiting, last first: only waiter `i` is ready.
        let mut ready = None;
        for j in (i..5).rev() {
            if let Poll::Ready(g) = poll_once(futs[j].as_mut()) {
                assert!(ready.is_none());
                ready = Some((j, g));
            }
        }
        let (j, mut g) = ready.expect("someone must hold the lock");
        assert_eq!(j, i, "waiter {j} got the lock before waiter {i}");
        g.push(j);
        drop(g);
    }
    drop(futs);
    assert_eq!(*m.try_lock().unwrap(), [0usize, 1, 2, 3, 4]);
}

/// FIFO across plain threads: each thread starts waiting only after the
/// previous one is queued (observed through `try_lock` failing and a
/// handshake), and the order of acquisition is the order of arrival.
#[test]
fn fifo_order_across_threads() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let guard = m.clone().try_lock_owned().unwrap();
    let mut hs = Vec::new();
    for i in 0..4 {
        let m2 = m.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        hs.push(std::thread::spawn(move || {
            let fut = m2.lock();
            let mut fut = std::pin::pin!(fut);
            // Queue up (first poll) before telling the main thread.
            assert!(poll_once(fut.as_mut()).is_pending());
            ready_tx.send(()).unwrap();
            let mut g = zio_block_on(fut);
            g.push(i);
        }));
        ready_rx.recv().unwrap();
    }
    drop(guard);
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*m.blocking_lock(), [0, 1, 2, 3]);
}

/// `futures::executor::block_on` re-polls with its own waker: fine, the
/// waiter keeps its place.
fn zio_block_on<F: Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

#[test]
fn lock_timeout_returns_no_earlier_than_deadline() {
    let m = Mutex::new(0);
    let _g = m.try_lock().unwrap();
    let d = Duration::from_millis(20);
    let start = Instant::now();
    assert!(futures::executor::block_on(m.lock_timeout(d)).is_err());
    assert!(start.elapsed() >= d);
    let start = Instant::now();
    assert!(m.blocking_lock_timeout(d).is_err());
    assert!(start.elapsed() >= d);
}

#[test]
fn lock_timeout_succeeds_when_released() {
    let m = Arc::new(Mutex::new(0));
    let g = m.clone().try_lock_owned().unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        drop(g);
    });
    let r = futures::executor::block_on(m.lock_timeout(Duration::from_secs(60)));
    assert!(r.is_ok());
    t.join().unwrap();
}

#[test]
fn get_mut_into_inner_and_unsized() {
    let mut m = Mutex::new(1);
    *m.get_mut() += 1;
    assert_eq!(m.into_inner(), 2);
    let m: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
    m.blocking_lock()[0] = 9;
    assert_eq!(&*m.blocking_lock(), &[9, 2, 3]);
}

#[test]
fn auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Mutex<Vec<u8>>>();
    send_sync::<zio::sync::MutexGuard<'static, Vec<u8>>>();
    send_sync::<zio::sync::OwnedMutexGuard<Vec<u8>>>();
    send_sync::<zio::sync::Semaphore>();
    fn send<T: Send>(_: &T) {}
    let m = Mutex::new(0);
    send(&m.lock());
    let m = Arc::new(m);
    send(&m.clone().lock_owned());
}

// `const_new` does not exist under `--cfg loom` (loom's types are not
// `const`); the rest of the file builds there too.
#[cfg(not(loom))]
#[test]
fn statics_and_mapped_guards() {
    static M: Mutex<(u32, Vec<u32>)> = Mutex::const_new((0, Vec::new()));
    {
        let mut v = zio::sync::MutexGuard::map(M.blocking_lock(), |t| &mut t.1);
        v.push(1);
        // Still locked while the mapped guard lives.
        assert!(M.try_lock().is_err());
    }
    let g = M.try_lock().unwrap();
    let g = zio::sync::MutexGuard::try_map(g, |t| t.1.get_mut(3)).unwrap_err();
    assert_eq!(g.1, [1]);
}

/// `OwnedMutexGuard::map`: the mapped guard moves to another thread, keeps
/// the mutex locked, unlocks on drop and releases its `Arc`; a declined
/// `try_map` hands back a guard that still holds the lock.
#[test]
fn owned_mapped_guard_locks_until_dropped() {
    use zio::sync::{OwnedMappedMutexGuard, OwnedMutexGuard};
    let m = Arc::new(Mutex::new((0u32, vec![1u8])));
    let g = m.clone().try_lock_owned().unwrap();
    let g = match OwnedMutexGuard::try_map(g, |t| t.1.get_mut(9)) {
        Ok(_) => panic!("index 9 does not exist"),
        Err(g) => g,
    };
    assert!(m.try_lock().is_err(), "the handed-back guard still locks");
    let mut n = OwnedMutexGuard::map(g, |t| &mut t.0);
    assert_eq!(Arc::strong_count(&m), 2);
    std::thread::spawn(move || {
        *n += 1;
        let n = OwnedMappedMutexGuard::map(n, |x| x);
        assert!(OwnedMappedMutexGuard::mutex(&n).try_lock().is_err());
    })
    .join()
    .unwrap();
    assert_eq!(Arc::strong_count(&m), 1);
    assert_eq!(m.try_lock().unwrap().0, 1);
}
