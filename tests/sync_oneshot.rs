//! oneshot: values, closing, cancel safety, across threads and executors.

use std::future::Future;
use std::time::Duration;

use futures::executor::block_on;
use zio::sync::oneshot::{self, error::TryRecvError};

#[test]
fn send_across_executors() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for i in 0..1000u32 {
        let (tx, rx) = oneshot::channel();
        match i % 3 {
            0 => drop(rt.spawn(async move { tx.send(i).unwrap() })),
            1 => drop(std::thread::spawn(move || tx.send(i).unwrap())),
            _ => tx.send(i).unwrap(),
        }
        let got = match i % 2 {
            0 => rx.blocking_recv().unwrap(),
            _ => block_on(rx).unwrap(),
        };
        assert_eq!(got, i);
    }
}

#[test]
fn sender_learns_about_closing() {
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    assert!(!tx.is_closed());
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        rx.close();
        rx
    });
    block_on(tx.closed());
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1));
    let mut rx = t.join().unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn receiving_by_reference_is_cancel_safe() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    // Poll the receiver by reference once (pending), then drop that poll.
    let waker = futures::task::noop_waker();
    let polled = std::pin::Pin::new(&mut rx).poll(&mut std::task::Context::from_waker(&waker));
    assert!(polled.is_pending());
    tx.send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
    assert!(rx.is_terminated());
}

#[test]
fn dropped_sender_is_an_error() {
    let (tx, rx) = oneshot::channel::<u8>();
    std::thread::spawn(move || drop(tx));
    assert!(rx.blocking_recv().is_err());
}

#[test]
fn a_closed_receiver_ends_at_once() {
    // Nothing sent before the close: no value can come, so awaiting ends
    // with an error rather than waiting for a sender that can only fail.
    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert!(rx.is_terminated());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(block_on(&mut rx).is_err());
    assert_eq!(tx.send(1), Err(1));

    // A value sent before the close is still received.
    let (tx, mut rx) = oneshot::channel::<u8>();
    tx.send(2).unwrap();
    rx.close();
    assert!(!rx.is_empty());
    assert_eq!(block_on(&mut rx), Ok(2));
    assert!(rx.is_empty() && rx.is_terminated());
}

#[test]
fn an_unreceived_value_is_dropped_with_the_receiver() {
    let value = std::sync::Arc::new(());
    let (tx, rx) = oneshot::channel();
    tx.send(value.clone()).unwrap();
    assert_eq!(std::sync::Arc::strong_count(&value), 2);
    drop(rx);
    assert_eq!(std::sync::Arc::strong_count(&value), 1);
}
