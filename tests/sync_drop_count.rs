//! Every value is dropped exactly once: received, handed back in an error,
//! or left in a channel when both sides go away.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use zio::sync::{mpsc, oneshot};

/// Counts its drops in a shared counter; panics on a double drop.
struct Tracked {
    drops: Arc<AtomicUsize>,
    dropped: bool,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(!self.dropped, "dropped twice");
        self.dropped = true;
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

struct Counter {
    made: AtomicUsize,
    drops: Arc<AtomicUsize>,
}

impl Counter {
    fn new() -> Arc<Self> {
        Arc::new(Counter {
            made: AtomicUsize::new(0),
            drops: Arc::new(AtomicUsize::new(0)),
        })
    }
    fn make(&self) -> Tracked {
        self.made.fetch_add(1, Ordering::SeqCst);
        Tracked {
            drops: self.drops.clone(),
            dropped: false,
        }
    }
    fn check(&self) {
        assert_eq!(
            self.made.load(Ordering::SeqCst),
            self.drops.load(Ordering::SeqCst),
            "made != dropped"
        );
    }
}

#[test]
fn bounded_leftovers_dropped_either_order() {
    for rx_first in [false, true] {
        let c = Counter::new();
        let (tx, mut rx) = mpsc::channel(8);
        for _ in 0..8 {
            tx.try_send(c.make()).ok().unwrap();
        }
        drop(rx.try_recv().unwrap());
        // A full channel hands the value back: dropped by the test.
        drop(tx.try_send(c.make()));
        if rx_first {
            drop(rx);
            drop(tx.try_send(c.make()));
            drop(tx);
        } else {
            drop(tx);
            drop(rx);
        }
        c.check();
    }
}

#[test]
fn unbounded_leftovers_dropped() {
    let c = Counter::new();
    let (tx, rx) = mpsc::unbounded_channel();
    for _ in 0..100 {
        tx.send(c.make()).ok().unwrap();
    }
    let weak = tx.downgrade();
    drop(tx);
    drop(weak);
    assert_eq!(c.drops.load(Ordering::SeqCst), 0);
    drop(rx);
    c.check();
}

/// Values sent through permits reserved before `close` are received (as
/// in tokio); each value is dropped exactly once either way.
#[test]
fn permits_after_close_still_deliver() {
    let c = Counter::new();
    let (tx, mut rx) = mpsc::channel(2);
    let p = tx.try_reserve().unwrap();
    let owned = tx.clone().try_reserve_owned().unwrap();
    rx.close();
    p.send(c.make());
    drop(owned.send(c.make()));
    assert!(rx.try_recv().is_ok());
    drop(rx);
    drop(tx);
    c.check();
}

/// Producers keep sending while the receiver takes a few values and drops:
/// a send racing the drop is either refused (the value comes back) or
/// dropped by whoever drains. Many rounds, on a small channel (lock-free
/// slots) and on one too large to allocate up front (locked queue).
#[test]
fn receiver_dropped_while_producers_run() {
    for capacity in [16, 1 << 20] {
        for round in 0..200 {
            let c = Counter::new();
            let (tx, mut rx) = mpsc::channel(capacity);
            let producers: Vec<_> = (0..3)
                .map(|_| {
                    let (tx, c) = (tx.clone(), c.clone());
                    std::thread::spawn(move || {
                        let mut sent = 0;
                        while tx.blocking_send(c.make()).is_ok() {
                            sent += 1;
                        }
                        sent
                    })
                })
                .collect();
            drop(tx);
            for _ in 0..round * 5 {
                drop(rx.blocking_recv().unwrap());
            }
            drop(rx);
            let sent: usize = producers.into_iter().map(|p| p.join().unwrap()).sum();
            assert!(sent >= round * 5);
            c.check();
        }
    }
}

#[test]
fn dropped_send_future_drops_its_value() {
    let c = Counter::new();
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(c.make()).ok().unwrap();
    {
        let fut = tx.send(c.make());
        let mut fut = std::pin::pin!(fut);
        let waker = futures::task::noop_waker();
        assert!(fut
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker))
            .is_pending());
    }
    assert_eq!(c.drops.load(Ordering::SeqCst), 1);
    drop((tx, rx));
    c.check();
}

#[test]
fn oneshot_values_dropped_once() {
    let c = Counter::new();
    // Sent, never received.
    let (tx, rx) = oneshot::channel();
    tx.send(c.make()).ok().unwrap();
    drop(rx);
    // Receiver gone first: handed back.
    let (tx, rx) = oneshot::channel();
    drop(rx);
    drop(tx.send(c.make()));
    // Sent and received.
    let (tx, rx) = oneshot::channel();
    tx.send(c.make()).ok().unwrap();
    drop(rx.blocking_recv().unwrap());
    // Sent, receiver closed afterwards, both dropped.
    let (tx, mut rx) = oneshot::channel();
    tx.send(c.make()).ok().unwrap();
    rx.close();
    drop(rx);
    c.check();
}

use std::future::Future;
