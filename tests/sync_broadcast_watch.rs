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
