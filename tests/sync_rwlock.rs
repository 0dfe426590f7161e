//! RwLock: readers share, writers exclude, FIFO (a waiting writer blocks
//! later readers), downgrade, counts across threads.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::task::noop_waker_ref;
use zio::sync::{RwLock, RwLockWriteGuard};

fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(noop_waker_ref()))
}

#[test]
fn waiting_writer_blocks_later_readers() {
    let l = RwLock::new(0);
    let r1 = l.try_read().unwrap();
    let mut w = pin!(l.write());
    assert!(poll_once(w.as_mut()).is_pending());
    assert!(l.try_read().is_err(), "a reader jumped a waiting writer");
    let mut r2 = pin!(l.read());
    assert!(poll_once(r2.as_mut()).is_pending());
    drop(r1);
    let Poll::Ready(mut g) = poll_once(w.as_mut()) else {
        panic!("writer should be next")
    };
    *g = 1;
    assert!(poll_once(r2.as_mut()).is_pending());
    let r = RwLockWriteGuard::downgrade(g);
    assert_eq!(*r, 1);
    assert!(poll_once(r2.as_mut()).is_ready());
}

#[test]
fn counts_across_threads() {
    let l = Arc::new(RwLock::new(0u64));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let l = l.clone();
            std::thread::spawn(move || {
                for _ in 0..2000 {
                    if i % 2 == 0 {
                        *l.blocking_write() += 1;
                    } else {
                        let v = *futures::executor::block_on(l.read());
                        assert!(v <= 8000);
                        *futures::executor::block_on(l.write()) += 1;
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*l.blocking_read(), 8000);
}

#[test]
fn cancelled_writer_lets_readers_in() {
    let l = RwLock::new(0);
    let r1 = l.try_read().unwrap();
    let mut w = Box::pin(l.write());
    assert!(poll_once(w.as_mut()).is_pending());
    assert!(l.try_read().is_err());
    drop(w);
    assert!(l.try_read().is_ok());
    drop(r1);
    assert!(l.try_write().is_ok());
}
