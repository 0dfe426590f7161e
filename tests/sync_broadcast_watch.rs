//! broadcast (every receiver sees every value, lagging ones are told how
//! many they missed) and watch (latest value, change notification).

use std::sync::Arc;

use futures::executor::block_on;
use zio::sync::{broadcast, watch, Barrier, OnceCell};

#[test]
fn broadcast_every_receiver_sees_every_value() {
    let (tx, rx) = broadcast::channel(1024);
    let rxs: Vec<_> = (0..3).map(|_| tx.subscribe()).collect();
    drop(rx);
    let hs: Vec<_> = rxs
        .into_iter()
        .enumerate()
        .map(|(i, mut rx)| {
            std::thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let r = if i % 2 == 0 {
                        rx.blocking_recv()
                    } else {
                        block_on(rx.recv())
                    };
                    match r {
                        Ok(v) => got.push(v),
                        Err(broadcast::error::RecvError::Closed) => break got,
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for i in 0..1000 {
        assert_eq!(tx.send(i).unwrap(), 3);
    }
    drop(tx);
    for h in hs {
        assert_eq!(h.join().unwrap(), (0..1000).collect::<Vec<_>>());
    }
}

#[test]
fn broadcast_lagging_receiver() {
    let (tx, mut rx) = broadcast::channel(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    assert_eq!(
        block_on(rx.recv()),
        Err(broadcast::error::RecvError::Lagged(3))
    );
    assert_eq!(block_on(rx.recv()), Ok(3));
    assert_eq!(block_on(rx.recv()), Ok(4));
    drop(tx);
    assert_eq!(
        block_on(rx.recv()),
        Err(broadcast::error::RecvError::Closed)
    );
}

#[test]
fn broadcast_send_without_receivers_hands_value_back() {
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    assert_eq!(tx.send(1).unwrap_err().0, 1);
    block_on(tx.closed());
}

#[test]
fn watch_sees_latest_and_closes() {
    let (tx, mut rx) = watch::channel(0);
    let t = std::thread::spawn(move || {
        for i in 1..=100 {
            tx.send(i).unwrap();
        }
    });
    let mut last = 0;
    while block_on(rx.changed()).is_ok() {
        let v = *rx.borrow_and_update();
        assert!(v >= last);
        last = v;
    }
    t.join().unwrap();
    assert_eq!(*rx.borrow(), 100);
}

#[test]
fn barrier_one_leader_per_round() {
    let b = Arc::new(Barrier::new(4));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for _ in 0..20 {
        let mut hs = Vec::new();
        for i in 0..4 {
            let b = b.clone();
            if i < 2 {
                hs.push(std::thread::spawn(move || b.blocking_wait().is_leader()));
            } else {
                let h = rt.spawn(async move { b.wait().await.is_leader() });
                hs.push(std::thread::spawn(move || block_on(h).unwrap()));
            }
        }
        let leaders = hs
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|&l| l)
            .count();
        assert_eq!(leaders, 1);
    }
}

#[test]
fn once_cell_runs_one_initializer_and_survives_cancellation() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cell = Arc::new(OnceCell::new());
    let runs = Arc::new(AtomicUsize::new(0));
    // A cancelled initializer leaves the cell empty for the next one.
    {
        let fut = cell.get_or_init(futures::future::pending::<u32>);
        let mut fut = std::pin::pin!(fut);
        let waker = futures::task::noop_waker();
        assert!(fut
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker))
            .is_pending());
    }
    assert!(!cell.initialized());
    let hs: Vec<_> = (0..8)
        .map(|_| {
            let (cell, runs) = (cell.clone(), runs.clone());
            std::thread::spawn(move || {
                *block_on(cell.get_or_init(|| async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    42
                }))
            })
        })
        .collect();
    for h in hs {
        assert_eq!(h.join().unwrap(), 42);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

use std::future::Future;

/// A value is dropped once every receiver alive at its send has seen it,
/// or when the last receiver that had not seen it drops (as tokio).
#[test]
fn broadcast_values_are_released_once_seen() {
    let v = Arc::new(());
    let (tx, mut a) = broadcast::channel(8);
    let mut b = tx.subscribe();
    tx.send(v.clone()).unwrap();
    assert_eq!(Arc::strong_count(&v), 2);
    drop(a.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&v), 2, "b has not seen it");
    drop(b.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&v), 1);
    assert_eq!(tx.len(), 0);
    tx.send(v.clone()).unwrap();
    tx.send(v.clone()).unwrap();
    drop(a.try_recv().unwrap());
    drop(b);
    // `a` still has one unseen value; b's share of both is gone.
    assert_eq!(Arc::strong_count(&v), 2);
    assert_eq!(tx.len(), 1);
    drop(a);
    assert_eq!(Arc::strong_count(&v), 1);
    assert!(tx.is_empty());
}

/// A receiver subscribed after a send does not hold that value back.
#[test]
fn broadcast_late_subscriber_does_not_pin_values() {
    let v = Arc::new(());
    let (tx, mut a) = broadcast::channel(4);
    tx.send(v.clone()).unwrap();
    let mut late = tx.subscribe();
    drop(a.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&v), 1);
    assert_eq!(late.try_recv(), Err(broadcast::error::TryRecvError::Empty));
}

#[test]
fn broadcast_weak_senders_do_not_keep_it_open() {
    let tx = broadcast::Sender::<u8>::new(2);
    let mut rx = tx.subscribe();
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
    weak.upgrade().unwrap().send(1).unwrap();
    drop(tx);
    assert!(weak2.upgrade().is_none());
    assert_eq!(rx.sender_strong_count(), 0);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        futures::executor::block_on(rx.recv()),
        Err(broadcast::error::RecvError::Closed)
    );
}
