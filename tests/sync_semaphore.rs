//! Semaphore: fairness, acquire_many, close, cancel safety.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::task::noop_waker_ref;
use zio::sync::{AcquireTimeoutError, Semaphore, TryAcquireError};

fn poll_once<F: Future + ?Sized>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(noop_waker_ref()))
}

#[test]
fn fifo_big_request_not_starved() {
    let sem = Semaphore::new(0);
    let mut big = pin!(sem.acquire_many(3));
    assert!(poll_once(big.as_mut()).is_pending());
    let mut small = pin!(sem.acquire());
    assert!(poll_once(small.as_mut()).is_pending());
    sem.add_permits(2);
    // The big one is first: it holds 2 of 3, the small one gets nothing.
    assert!(poll_once(small.as_mut()).is_pending());
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    sem.add_permits(2);
    let p = match poll_once(big.as_mut()) {
        Poll::Ready(p) => p.unwrap(),
        Poll::Pending => panic!("big should be ready"),
    };
    assert_eq!(p.num_permits(), 3);
    assert!(poll_once(small.as_mut()).is_ready());
}

#[test]
fn dropped_waiter_passes_permits_on() {
    let sem = Semaphore::new(0);
    let mut a = Box::pin(sem.acquire_many(2));
    let mut b = pin!(sem.acquire());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    sem.add_permits(1); // assigned to `a` (needs 2)
    drop(a); // gives its one permit to `b`
    let Poll::Ready(p) = poll_once(b.as_mut()) else {
        panic!("b should have the permit")
    };
    assert_eq!(sem.available_permits(), 0);
    drop(p);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn completed_but_unpolled_waiter_returns_permits() {
    let sem = Semaphore::new(0);
    let mut a = Box::pin(sem.acquire());
    assert!(poll_once(a.as_mut()).is_pending());
    sem.add_permits(1);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn close_wakes_waiters_and_keeps_partial_permits() {
    let sem = Semaphore::new(1);
    let mut a = pin!(sem.acquire_many(2));
    assert!(poll_once(a.as_mut()).is_pending());
    sem.close();
    match poll_once(a.as_mut()) {
        Poll::Ready(r) => assert!(r.is_err()),
        Poll::Pending => panic!("closed"),
    }
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
}

#[test]
fn acquire_timeout_no_runtime() {
    let sem = Semaphore::new(0);
    let start = Instant::now();
    let d = Duration::from_millis(30);
    let r = futures::executor::block_on(sem.acquire_timeout(d));
    assert_eq!(r.unwrap_err(), AcquireTimeoutError::Timeout);
    assert!(start.elapsed() >= d);
    let start = Instant::now();
    assert_eq!(
        sem.blocking_acquire_timeout(d).unwrap_err(),
        AcquireTimeoutError::Timeout
    );
    assert!(start.elapsed() >= d);
    // Nothing leaked into the queue.
    sem.add_permits(1);
    assert!(sem.try_acquire().is_ok());
}

#[test]
fn threads_and_block_on_share_permits() {
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut hs = Vec::new();
    for i in 0..6 {
        let sem = sem.clone();
        let inside = inside.clone();
        hs.push(std::thread::spawn(move || {
            for _ in 0..500 {
                let _p = if i % 2 == 0 {
                    sem.blocking_acquire().unwrap()
                } else {
                    futures::executor::block_on(sem.acquire()).unwrap()
                };
                let n = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                assert!(n < 2);
                inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        }));
    }
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 2);
}
