//! A bounded channel keeps its values in lock-free slots when they fit in
//! a small allocation, and in a queue under a lock otherwise (a capacity
//! in the millions allocates nothing up front). Both must behave the same:
//! capacity, order, `Full`, reserved permits across `close`, the end.

mod common;
use common::*;

use zio::sync::mpsc::{self, error::TryRecvError, error::TrySendError};

/// Small (slots) and large (locked queue) capacities.
const CAPACITIES: [usize; 2] = [4, 1 << 22];

/// Runs `check` on a channel of each layout, under a hang watchdog.
fn on_both_layouts(name: &'static str, check: fn(usize)) {
    watchdog(name, move || CAPACITIES.into_iter().for_each(check));
}

/// Checks that `(producer, index)` is the next value of its producer.
fn in_order(next: &mut [u64; 4], (p, i): (u64, u64)) {
    assert_eq!(i, next[p as usize], "producer {p} out of order");
    next[p as usize] += 1;
}

#[test]
fn fill_drain_and_capacity() {
    on_both_layouts("fill_drain_and_capacity", fill_drain_and_capacity_at);
}

fn fill_drain_and_capacity_at(cap: usize) {
    let fill = cap.min(100_000);
    let (tx, mut rx) = mpsc::channel::<u64>(cap);
    for i in 0..fill as u64 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.capacity(), cap - fill);
    assert_eq!(rx.len(), fill);
    if fill == cap {
        assert!(matches!(tx.try_send(99), Err(TrySendError::Full(99))));
    }
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(
        tx.capacity(),
        cap - fill + 1,
        "a receive frees its slot at once"
    );
    tx.try_send(fill as u64).unwrap();
    for i in 1..=fill as u64 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.capacity(), cap);
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn permits_reserved_before_close_still_arrive() {
    on_both_layouts(
        "permits_reserved_before_close_still_arrive",
        permits_reserved_before_close_still_arrive_at,
    );
}

fn permits_reserved_before_close_still_arrive_at(cap: usize) {
    let (tx, mut rx) = mpsc::channel::<u32>(cap);
    tx.try_send(1).unwrap();
    let permit = tx.clone().try_reserve_owned().unwrap();
    rx.close();
    assert!(tx.try_send(2).is_err(), "closed refuses new sends");
    let sender = std::thread::spawn(move || drop(permit.send(3)));
    assert_eq!(rx.blocking_recv(), Some(1));
    assert_eq!(rx.blocking_recv(), Some(3));
    assert_eq!(rx.blocking_recv(), None);
    sender.join().unwrap();
}

/// Four producers on threads, the receiver on a zio task and then on a
/// plain thread: per-producer order and the count survive the slot ring's
/// laps (capacity 4: each value laps the ring many times over).
#[test]
fn producers_keep_their_order() {
    on_both_layouts("producers_keep_their_order", producers_keep_their_order_at);
}

fn producers_keep_their_order_at(cap: usize) {
    const PER: u64 = 50_000;
    let (tx, mut rx) = mpsc::channel::<(u64, u64)>(cap);
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..PER {
                    tx.blocking_send((p, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0u64; 4];
    let half = current_rt().block_on(async {
        let mut got = 0;
        while got < 2 * PER {
            in_order(&mut next, rx.recv().await.unwrap());
            got += 1;
        }
        got
    });
    let rest = std::thread::spawn(move || {
        let mut got = 0;
        while let Some(v) = rx.blocking_recv() {
            in_order(&mut next, v);
            got += 1;
        }
        (got, next)
    });
    let (got, next) = rest.join().unwrap();
    assert_eq!(half + got, 4 * PER);
    assert_eq!(next, [PER; 4]);
    for p in producers {
        p.join().unwrap();
    }
}
