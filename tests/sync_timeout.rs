//! `*_timeout` methods with no runtime anywhere in this process (this test
//! binary starts none): from plain threads (`blocking_*_timeout`) and from
//! `futures::executor::block_on` (the async `*_timeout`). Each must return
//! its timeout error, and never before the deadline.

use std::time::{Duration, Instant};

use futures::executor::block_on;
use zio::sync::mpsc::error::{RecvTimeoutError, SendTimeoutError};
use zio::sync::{mpsc, oneshot, AcquireTimeoutError, Mutex, Semaphore};

const D: Duration = Duration::from_millis(25);

/// Runs `f`, checks it took at least `D`, returns its result.
fn timed<R>(f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let r = f();
    assert!(start.elapsed() >= D, "returned before the deadline");
    r
}

#[test]
fn mpsc_recv_timeout() {
    let (_tx, mut rx) = mpsc::channel::<u32>(4);
    assert_eq!(
        timed(|| block_on(rx.recv_timeout(D))),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        timed(|| rx.blocking_recv_timeout(D)),
        Err(RecvTimeoutError::Timeout)
    );
    let (_tx, mut rx) = mpsc::unbounded_channel::<u32>();
    assert_eq!(
        timed(|| block_on(rx.recv_timeout(D))),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        timed(|| rx.blocking_recv_timeout(D)),
        Err(RecvTimeoutError::Timeout)
    );
}

#[test]
fn mpsc_send_timeout() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    tx.try_send(1).unwrap();
    match timed(|| block_on(tx.send_timeout(2, D))) {
        Err(SendTimeoutError::Timeout(2)) => {}
        other => panic!("expected Timeout(2), got {other:?}"),
    }
    match timed(|| tx.blocking_send_timeout(3, D)) {
        Err(SendTimeoutError::Timeout(3)) => {}
        other => panic!("expected Timeout(3), got {other:?}"),
    }
    // The timed-out sends took no slot and lost nothing.
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(rx.try_recv().is_err());
    tx.try_send(4).unwrap();
    assert_eq!(rx.try_recv(), Ok(4));
}

#[test]
fn timeouts_from_plain_threads_in_parallel() {
    let hs: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let (_tx, mut rx) = mpsc::channel::<u32>(1);
                let d = D + Duration::from_millis(i * 3);
                let start = Instant::now();
                assert_eq!(rx.blocking_recv_timeout(d), Err(RecvTimeoutError::Timeout));
                assert!(start.elapsed() >= d);
                let start = Instant::now();
                assert_eq!(block_on(rx.recv_timeout(d)), Err(RecvTimeoutError::Timeout));
                assert!(start.elapsed() >= d);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
}

#[test]
fn value_before_deadline_wins() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        tx.blocking_send(9).unwrap();
        tx
    });
    assert_eq!(block_on(rx.recv_timeout(Duration::from_secs(60))), Ok(9));
    let tx = t.join().unwrap();
    drop(tx);
    assert_eq!(
        rx.blocking_recv_timeout(Duration::from_secs(60)),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[test]
fn lock_and_acquire_timeout() {
    let m = Mutex::new(());
    let _g = m.try_lock().unwrap();
    assert!(timed(|| block_on(m.lock_timeout(D))).is_err());
    assert!(timed(|| m.blocking_lock_timeout(D)).is_err());
    let sem = Semaphore::new(0);
    assert_eq!(
        timed(|| block_on(sem.acquire_timeout(D))).unwrap_err(),
        AcquireTimeoutError::Timeout
    );
    assert_eq!(
        timed(|| sem.blocking_acquire_timeout(D)).unwrap_err(),
        AcquireTimeoutError::Timeout
    );
}

#[test]
fn oneshot_recv_timeout() {
    use zio::sync::oneshot::error::RecvTimeoutError;
    let (tx, mut rx) = oneshot::channel::<u32>();
    assert_eq!(
        timed(|| block_on(rx.recv_timeout(D))),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        timed(|| rx.blocking_recv_timeout(D)),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(5).unwrap();
    assert_eq!(rx.blocking_recv_timeout(D), Ok(5));
}

#[test]
fn huge_timeout_does_not_overflow() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    tx.send(1).unwrap();
    assert_eq!(block_on(rx.recv_timeout(Duration::MAX)), Ok(1));
    tx.send(2).unwrap();
    assert_eq!(rx.blocking_recv_timeout(Duration::MAX), Ok(2));
}
