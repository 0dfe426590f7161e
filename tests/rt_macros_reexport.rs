//! `zio::{select!, join!, try_join!, pin!}` work with zio tasks and timers,
//! on a runtime and on a plain thread.

mod common;
use common::*;

use std::time::Duration;

use zio::time::{sleep, Instant};

async fn cases() {
    // join!: both complete, outputs in order.
    let (a, b, c) = zio::join!(
        async {
            sleep(Duration::from_millis(5)).await;
            1
        },
        async { 2 },
        zio::spawn(async { 3 })
    );
    assert_eq!((a, b, c.unwrap()), (1, 2, 3));

    // try_join!: Ok when all succeed, the first error otherwise.
    let ok: Result<(i32, i32), &str> = zio::try_join!(async { Ok(1) }, async { Ok(2) });
    assert_eq!(ok, Ok((1, 2)));
    let err: Result<(i32, ()), &str> = zio::try_join!(async { Ok(1) }, async {
        sleep(Duration::from_millis(1)).await;
        Err("nope")
    });
    assert_eq!(err, Err("nope"));

    // select!: the earlier timer wins; the other branch is dropped.
    let start = Instant::now();
    let which = zio::select! {
        _ = sleep(Duration::from_secs(3600)) => "late",
        _ = sleep(Duration::from_millis(10)) => "early",
    };
    assert_eq!(which, "early");
    assert!(Instant::now() >= start + Duration::from_millis(10));

    // select! with a JoinHandle, `biased;` and an `else` branch.
    let h = zio::spawn(async { 7 });
    let v = zio::select! {
        biased;
        r = h => r.unwrap(),
        _ = sleep(Duration::from_secs(3600)) => 0,
    };
    assert_eq!(v, 7);
    let none: Option<u8> = None;
    let v = zio::select! {
        Some(x) = async { none } => x,
        else => 99,
    };
    assert_eq!(v, 99);

    // pin!: a pinned sleep polled across loop iterations of select!.
    let deadline = Instant::now() + Duration::from_millis(20);
    let s = zio::time::sleep_until(deadline);
    zio::pin!(s);
    let mut ticks = 0;
    loop {
        zio::select! {
            _ = &mut s => break,
            _ = sleep(Duration::from_millis(2)) => ticks += 1,
        }
    }
    assert!(Instant::now() >= deadline);
    let _ = ticks;
}

#[test]
fn macros_on_current_thread() {
    watchdog("macros_on_current_thread", || {
        current_rt().block_on(cases())
    });
}

#[test]
fn macros_on_multi_thread() {
    watchdog("macros_on_multi_thread", || {
        let rt = multi_rt(2);
        rt.block_on(rt.spawn(cases())).unwrap();
    });
}

#[test]
fn macros_on_plain_thread_block_on() {
    watchdog("macros_on_plain_thread_block_on", || {
        zio::block_on(async {
            let (a, b) = zio::join!(async { 1 }, sleep(Duration::from_millis(1)));
            assert_eq!((a, b), (1, ()));
            let v = zio::select! {
                _ = sleep(Duration::from_secs(3600)) => 0,
                _ = sleep(Duration::from_millis(3)) => 1,
            };
            assert_eq!(v, 1);
        })
    });
}
