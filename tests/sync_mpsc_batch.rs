//! The receiver takes queued values in batches: none of it may show. Slots
//! free as values are handed out, `len` counts taken values, `recv_many`
//! tops up from the queue, close and drop see taken values, and the
//! receivers keep tokio's auto traits.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::executor::block_on;
use zio::sync::mpsc;

#[test]
fn slots_free_one_by_one_as_values_are_handed_out() {
    let (tx, mut rx) = mpsc::channel(3);
    for v in 0..3 {
        tx.try_send(v).unwrap();
    }
    assert!(tx.try_send(9).is_err());
    // The first receive takes the whole queue; only one slot is free.
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.len(), 2);
    tx.try_send(3).unwrap();
    assert!(tx.try_send(9).is_err());
    assert_eq!(rx.len(), 3);
    for want in 1..4 {
        assert_eq!(rx.blocking_recv(), Some(want));
    }
    assert!(rx.is_empty());
    assert_eq!(tx.capacity(), 3);
}

#[test]
fn recv_many_tops_up_from_the_queue() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for v in 0..3 {
        tx.send(v).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut buf, 2)), 2);
    tx.send(3).unwrap();
    tx.send(4).unwrap();
    assert_eq!(block_on(rx.recv_many(&mut buf, 10)), 3);
    assert_eq!(buf, [0, 1, 2, 3, 4]);
}

#[test]
fn close_keeps_taken_values_receivable() {
    let (tx, mut rx) = mpsc::channel(4);
    for v in 0..3 {
        tx.try_send(v).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(0));
    rx.close();
    assert!(tx.try_send(9).is_err());
    assert_eq!(rx.blocking_recv(), Some(1));
    assert_eq!(rx.blocking_recv(), Some(2));
    assert_eq!(rx.blocking_recv(), None);
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn dropping_the_receiver_drops_taken_and_queued_values() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::channel(8);
    for _ in 0..3 {
        tx.try_send(Counted(drops.clone())).unwrap();
    }
    drop(rx.try_recv().unwrap());
    tx.try_send(Counted(drops.clone())).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
    let err = tx.try_send(Counted(drops.clone())).unwrap_err();
    drop(err);
    assert_eq!(drops.load(Ordering::SeqCst), 5);
}

#[test]
fn threads_stream_in_order() {
    let (tx, mut rx) = mpsc::channel(16);
    let t = std::thread::spawn(move || {
        for v in 0..50_000u32 {
            tx.blocking_send(v).unwrap();
        }
    });
    for want in 0..50_000u32 {
        assert_eq!(rx.blocking_recv(), Some(want));
    }
    assert_eq!(rx.blocking_recv(), None);
    t.join().unwrap();
}

#[test]
fn receivers_keep_tokios_auto_traits() {
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    // `Cell` is `Send` but not `Sync`; tokio's receivers are `Sync` for it.
    send_sync_unpin::<mpsc::Receiver<Cell<u8>>>();
    send_sync_unpin::<mpsc::UnboundedReceiver<Cell<u8>>>();
    send_sync_unpin::<mpsc::Receiver<std::marker::PhantomPinned>>();
}
