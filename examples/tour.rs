//! A short tour of the runtime: tasks, timers, the blocking pool, JoinSet.
//!
//! Run with `cargo run --release --example tour`.

use std::time::{Duration, Instant};

use zio::task::JoinSet;

#[zio::main]
async fn main() {
    let start = Instant::now();

    // 100,000 tasks, joined in completion order.
    let mut set = JoinSet::new();
    for i in 0..100_000u64 {
        set.spawn(async move { i });
    }
    let mut sum = 0;
    while let Some(v) = set.join_next().await {
        sum += v.expect("task panicked");
    }
    println!("100,000 tasks summed to {sum} in {:?}", start.elapsed());

    // Timers: sleep, timeout, interval.
    let t = Instant::now();
    zio::time::sleep(Duration::from_millis(20)).await;
    println!("slept 20 ms (took {:?})", t.elapsed());
    let late = zio::time::timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
    println!("timeout on a future that never completes: {late:?}");
    let mut ticks = zio::time::interval(Duration::from_millis(10));
    for _ in 0..3 {
        let at = ticks.tick().await;
        println!("tick at +{:?}", at.duration_since(start.into()));
    }

    // Blocking work runs on the bounded blocking pool.
    let squares = zio::spawn_blocking(|| (1..=1_000_000u64).map(|x| x * x % 1_000).sum::<u64>())
        .await
        .expect("blocking job panicked");
    println!("blocking job result: {squares}");

    // A panicking task becomes a JoinError; the runtime lives on. (The
    // panic hook still prints the panic message, as for any panic.)
    let err = zio::spawn(async { panic!("this task fails on purpose") })
        .await
        .unwrap_err();
    println!("panicked task: is_panic = {}", err.is_panic());
    println!("done in {:?}", start.elapsed());
}
