//! `blocking_*` methods called where they are awkward: on a zio worker (the
//! worker hands its queued tasks to the other workers first), inside tokio
//! runtimes, and nested inside `futures::executor::block_on`. They never
//! panic, and with a free worker to take over, they do not deadlock.

use std::time::Duration;

use zio::sync::{mpsc, oneshot, Mutex};

/// Aborts the process (instead of hanging CI) if dropped late.
struct Watchdog(#[allow(dead_code)] std::sync::mpsc::Sender<()>);

fn watchdog(name: &'static str) -> Watchdog {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            rx.recv_timeout(Duration::from_secs(60))
        {
            eprintln!("watchdog: `{name}` deadlocked; aborting");
            std::process::abort();
        }
    });
    Watchdog(tx)
}

/// A zio task spawns its own sender (queued on this very worker) and then
/// blocks on the receiver: the hand-off lets the other worker run it.
#[test]
fn blocking_recv_on_a_zio_worker_hands_off_queued_tasks() {
    let _dog = watchdog("blocking_recv_on_a_zio_worker");
    let rt = zio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for _ in 0..50 {
        let got = rt.block_on(async {
            let h = zio::spawn(async {
                let (tx, mut rx) = mpsc::channel::<u32>(1);
                let (otx, orx) = oneshot::channel::<u32>();
                drop(zio::spawn(async move {
                    tx.send(1).await.unwrap();
                    otx.send(2).unwrap();
                }));
                let a = rx.blocking_recv().unwrap();
                let b = orx.blocking_recv().unwrap();
                a + b
            });
            h.await.unwrap()
        });
        assert_eq!(got, 3);
    }
}

#[test]
fn blocking_lock_on_a_zio_worker_while_a_task_holds_it() {
    let _dog = watchdog("blocking_lock_on_a_zio_worker");
    let rt = zio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let m = std::sync::Arc::new(Mutex::new(0));
    let v = rt.block_on({
        let m = m.clone();
        async move {
            let g = m.clone().lock_owned().await;
            let holder = zio::spawn(async move {
                let mut g = g;
                zio::task::yield_now().await;
                *g += 1;
            });
            let blocker = zio::spawn(async move { *m.blocking_lock() + 10 });
            holder.await.unwrap();
            blocker.await.unwrap()
        }
    });
    assert_eq!(v, 11);
}

#[test]
fn blocking_inside_block_on_does_not_steal_wakeups() {
    // A blocking call nested inside a future driven by block_on.
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let t = std::thread::spawn(move || {
        for i in 0..100 {
            tx.blocking_send(i).unwrap();
        }
    });
    futures::executor::block_on(async {
        for i in 0..100 {
            assert_eq!(rx.blocking_recv(), Some(i));
        }
    });
    t.join().unwrap();
}

#[test]
fn blocking_timeout_on_a_zio_worker() {
    let rt = zio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let r = rt.block_on(async {
        zio::spawn(async {
            let (_tx, mut rx) = mpsc::channel::<u32>(1);
            rx.blocking_recv_timeout(Duration::from_millis(10))
        })
        .await
        .unwrap()
    });
    assert_eq!(r, Err(mpsc::error::RecvTimeoutError::Timeout));
}
