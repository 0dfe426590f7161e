//! mpsc API behaviour: closing, permits, weak senders, streams, FIFO
//! senders, cancel safety, blocking calls inside other runtimes.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::executor::block_on;
use futures::task::noop_waker_ref;
use futures::StreamExt;
use zio::sync::mpsc::{self, error::TryRecvError, error::TrySendError};

fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(noop_waker_ref()))
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn zero_capacity_panics_with_a_fix() {
    let _ = mpsc::channel::<u8>(0);
}

#[test]
fn close_keeps_queued_values_and_fails_senders() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let tx2 = tx.clone();
    let mut waiting = pin!(tx2.send(2));
    assert!(poll_once(waiting.as_mut()).is_pending());
    rx.close();
    assert!(matches!(poll_once(waiting.as_mut()), Poll::Ready(Err(e)) if e.0 == 2));
    assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
    assert!(tx.is_closed());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(block_on(rx.recv()), None);
}

/// As in tokio: after `close`, a permit reserved before still delivers its
/// value, and `recv` reports the end only once every permit is used or
/// dropped (no value sent through a permit is lost).
#[test]
fn close_waits_for_outstanding_permits() {
    let (tx, mut rx) = mpsc::channel(4);
    let permit = tx.try_reserve().unwrap();
    let owned = tx.clone().try_reserve_owned().unwrap();
    let unused = tx.try_reserve().unwrap();
    rx.close();
    assert!(tx.try_reserve().is_err(), "no new permits after close");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    {
        let mut recv = pin!(rx.recv());
        assert!(poll_once(recv.as_mut()).is_pending());
        permit.send(1);
        assert_eq!(block_on(recv.as_mut()), Some(1));
    }
    drop(unused);
    let _tx = owned.send(2);
    assert_eq!(block_on(rx.recv()), Some(2));
    assert_eq!(block_on(rx.recv()), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

/// A receiver waiting after `close` is woken when the last outstanding
/// permit is dropped from another thread.
#[test]
fn closed_receiver_wakes_when_the_last_permit_drops() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permit = tx.clone().try_reserve_owned().unwrap();
    rx.close();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        drop(permit);
    });
    assert_eq!(block_on(rx.recv()), None);
    t.join().unwrap();
}

/// A dropped receiver refuses values sent through older permits: they are
/// dropped at once, not queued forever.
#[test]
fn permits_after_receiver_drop_drop_their_value() {
    let counter = std::sync::Arc::new(());
    let (tx, rx) = mpsc::channel(2);
    let permit = tx.try_reserve().unwrap();
    drop(rx);
    permit.send(counter.clone());
    assert_eq!(std::sync::Arc::strong_count(&counter), 1);
}

#[test]
fn recv_many_and_stream() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut buf, 0)), 0);
    assert_eq!(block_on(rx.recv_many(&mut buf, 4)), 4);
    assert_eq!(buf, [0, 1, 2, 3]);
    drop(tx);
    let rest: Vec<i32> = block_on(rx.collect());
    assert_eq!(rest, [4, 5, 6, 7, 8, 9]);
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = mpsc::channel::<u8>(4);
    let weak = tx.downgrade();
    let tx2 = weak.upgrade().unwrap();
    assert_eq!(rx.sender_strong_count(), 2);
    assert_eq!(rx.sender_weak_count(), 1);
    drop(tx);
    drop(tx2);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(block_on(rx.recv()), None);
}

#[test]
fn closed_completes_from_another_thread() {
    let (tx, rx) = mpsc::unbounded_channel::<u8>();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        drop(rx);
    });
    block_on(tx.closed());
    assert!(tx.is_closed());
    t.join().unwrap();
}

#[test]
fn waiting_senders_are_served_fifo_and_try_send_waits_its_turn() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut a = pin!(tx.send(1));
    let mut b = pin!(tx.send(2));
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    // The freed slot belongs to `a`, not to a newcomer.
    assert!(matches!(tx.try_send(9), Err(TrySendError::Full(9))));
    assert!(poll_once(b.as_mut()).is_pending());
    assert!(poll_once(a.as_mut()).is_ready());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(poll_once(b.as_mut()).is_ready());
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn cancelled_send_passes_its_slot_on() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut a = Box::pin(tx.send(1));
    let mut b = pin!(tx.send(2));
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // slot handed to `a`
    drop(a); // ... who passes it to `b`
    assert!(poll_once(b.as_mut()).is_ready());
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn cancelled_recv_loses_nothing() {
    let (tx, mut rx) = mpsc::channel(4);
    {
        let mut r = pin!(rx.recv());
        assert!(poll_once(r.as_mut()).is_pending());
        tx.try_send(7).unwrap();
        // Dropped after being woken, before being polled again.
    }
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn permits_reserve_capacity() {
    let (tx, mut rx) = mpsc::channel(2);
    let p = block_on(tx.reserve()).unwrap();
    assert_eq!(tx.capacity(), 1);
    let owned = tx.clone().try_reserve_owned().unwrap();
    assert!(matches!(tx.try_send(1), Err(TrySendError::Full(1))));
    p.send(10);
    let tx3 = owned.release();
    assert_eq!(tx3.capacity(), 1);
    assert_eq!(rx.try_recv(), Ok(10));
    assert_eq!(tx.capacity(), 2);
    assert_eq!(tx.max_capacity(), 2);
}

#[test]
fn blocking_calls_inside_a_tokio_context_do_not_panic() {
    // tokio's own blocking_recv panics here; ours blocks this thread while a
    // plain thread sends.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (tx, mut rx) = mpsc::channel(1);
    rt.block_on(async {
        let t = std::thread::spawn(move || tx.blocking_send(5).unwrap());
        assert_eq!(rx.blocking_recv(), Some(5));
        t.join().unwrap();
    });
    // And from a multi-thread runtime's worker (it blocks that worker).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, mut rx) = mpsc::channel(1);
    let h = rt.spawn(async move { rx.blocking_recv() });
    tx.blocking_send(6).unwrap();
    assert_eq!(rt.block_on(h).unwrap(), Some(6));
}

#[test]
fn auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<mpsc::Sender<u8>>();
    send_sync::<mpsc::Receiver<u8>>();
    send_sync::<mpsc::UnboundedSender<u8>>();
    send_sync::<mpsc::UnboundedReceiver<u8>>();
    send_sync::<mpsc::WeakSender<u8>>();
    send_sync::<mpsc::OwnedPermit<u8>>();
    fn send<T: Send>(_: T) {}
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    send(tx.send(1));
    send(rx.recv());
    send(tx.reserve());
    send(tx.send_timeout(1, Duration::from_secs(1)));
    send(rx.recv_timeout(Duration::from_secs(1)));
}

#[test]
fn reserve_many_is_fifo_and_frees_unused_slots() {
    let (tx, mut rx) = mpsc::channel(3);
    tx.try_send(0).unwrap();
    let mut big = pin!(tx.reserve_many(3));
    assert!(poll_once(big.as_mut()).is_pending());
    // Two slots are free, but the waiting request for three is first.
    assert!(tx.try_reserve().is_err());
    assert_eq!(rx.try_recv(), Ok(0));
    let Poll::Ready(Ok(mut permits)) = poll_once(big.as_mut()) else {
        panic!("three slots are free now")
    };
    assert_eq!(permits.len(), 3);
    permits.next().unwrap().send(1);
    drop(permits);
    assert_eq!(tx.capacity(), 2);
    assert!(
        block_on(tx.reserve_many(4)).is_err(),
        "more than the capacity"
    );
}
