//! Notify: permits, FIFO wake-ups, notify_waiters generations, cancel
//! safety, across threads and executors.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::executor::block_on;
use futures::task::noop_waker_ref;
use zio::sync::Notify;

fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(noop_waker_ref()))
}

#[test]
fn notify_one_is_fifo() {
    let n = Notify::new();
    let mut a = pin!(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    n.notify_one();
    assert!(poll_once(b.as_mut()).is_pending());
    assert!(poll_once(a.as_mut()).is_ready());
    n.notify_one();
    assert!(poll_once(b.as_mut()).is_ready());
}

#[test]
fn notify_last_is_lifo() {
    let n = Notify::new();
    let mut a = pin!(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    n.notify_last();
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_ready());
}

#[test]
fn only_one_permit_is_stored() {
    let n = Notify::new();
    n.notify_one();
    n.notify_one();
    let mut a = pin!(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll_once(a.as_mut()).is_ready());
    assert!(poll_once(b.as_mut()).is_pending());
}

#[test]
fn notify_waiters_wakes_all_created_before_and_stores_nothing() {
    let n = Notify::new();
    let mut polled = pin!(n.notified());
    assert!(poll_once(polled.as_mut()).is_pending());
    let mut unpolled = pin!(n.notified());
    n.notify_waiters();
    let mut after = pin!(n.notified());
    assert!(poll_once(polled.as_mut()).is_ready());
    assert!(poll_once(unpolled.as_mut()).is_ready());
    assert!(poll_once(after.as_mut()).is_pending());
}

#[test]
fn dropped_notified_passes_notify_one_on() {
    let n = Notify::new();
    let mut a = Box::pin(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    n.notify_one(); // to `a`
    drop(a); // passed to `b`
    assert!(poll_once(b.as_mut()).is_ready());
    // And with nobody left, it becomes the stored permit.
    let mut c = Box::pin(n.notified());
    assert!(poll_once(c.as_mut()).is_pending());
    n.notify_one();
    drop(c);
    assert!(poll_once(pin!(n.notified()).as_mut()).is_ready());
}

#[test]
fn ping_pong_threads_and_block_on() {
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let count = Arc::new(AtomicUsize::new(0));
    let (p2, q2, c2) = (ping.clone(), pong.clone(), count.clone());
    let t = std::thread::spawn(move || {
        for _ in 0..2000 {
            block_on(p2.notified());
            c2.fetch_add(1, Ordering::SeqCst);
            q2.notify_one();
        }
    });
    for _ in 0..2000 {
        ping.notify_one();
        block_on(pong.notified());
    }
    t.join().unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2000);
}
