//! `interval`: the first tick is immediate, scheduled instants are exactly
//! `period` apart (Burst), and `Delay` / `Skip` after a deliberately blocked
//! tick; ticks are never early. Only "not earlier than" is asserted about
//! the clock.

mod common;
use common::*;

use zio::runtime::Runtime;
use zio::time::{interval, interval_at, Duration, Instant, Interval, MissedTickBehavior};

const P: Duration = Duration::from_millis(10);

/// Ticks once and checks the tick is not early.
async fn tick(iv: &mut Interval) -> Instant {
    let t = iv.tick().await;
    assert!(Instant::now() >= t, "tick for {t:?} returned early");
    t
}

async fn burst_regular() {
    let before = Instant::now();
    let mut iv = interval(P);
    assert_eq!(iv.period(), P);
    assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
    let t0 = tick(&mut iv).await;
    assert!(
        t0 >= before && t0 <= Instant::now(),
        "first tick is immediate"
    );
    let mut prev = t0;
    for k in 1..=5u32 {
        let t = tick(&mut iv).await;
        assert_eq!(
            t - prev,
            P,
            "tick {k}: not exactly one period after the previous"
        );
        assert_eq!(t, t0 + P * k);
        prev = t;
    }
}

async fn burst_after_block() {
    let mut iv = interval(P);
    let t0 = tick(&mut iv).await;
    std::thread::sleep(Duration::from_millis(35)); // miss ~3 ticks
    for k in 1..=6u32 {
        assert_eq!(tick(&mut iv).await, t0 + P * k, "Burst keeps the schedule");
    }
}

async fn delay_after_block() {
    let mut iv = interval(P);
    iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let t0 = tick(&mut iv).await;
    std::thread::sleep(Duration::from_millis(35));
    let unblocked = Instant::now();
    let late = tick(&mut iv).await;
    assert_eq!(
        late,
        t0 + P,
        "the missed tick is returned with its scheduled instant"
    );
    let t3 = tick(&mut iv).await;
    assert!(
        t3 >= unblocked + P,
        "Delay: the next tick is a period after the late one ({:?} < {:?})",
        t3,
        unblocked + P
    );
    let t4 = tick(&mut iv).await;
    assert!(t4 >= t3 + P, "Delay: ticks at least a period apart");
}

async fn skip_after_block() {
    let mut iv = interval(P);
    iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let t0 = tick(&mut iv).await;
    std::thread::sleep(Duration::from_millis(35));
    let unblocked = Instant::now();
    let late = tick(&mut iv).await;
    assert_eq!(late, t0 + P);
    let t3 = tick(&mut iv).await;
    let on_grid = |t: Instant| (t - t0).as_nanos() % P.as_nanos() == 0;
    assert!(on_grid(t3), "Skip: next tick stays on the original grid");
    assert!(
        t3 > unblocked,
        "Skip: missed ticks are dropped, next one is in the future"
    );
    assert!(t3 >= t0 + P * 4, "Skip: ticks at +20/+30 ms were skipped");
    let t4 = tick(&mut iv).await;
    assert!(on_grid(t4) && t4 > t3);
}

async fn interval_at_future_start() {
    let start = Instant::now() + Duration::from_millis(20);
    let mut iv = interval_at(start, P);
    assert_eq!(tick(&mut iv).await, start);
    assert_eq!(tick(&mut iv).await, start + P);
    // reset: the next tick is a period after the reset.
    let r = Instant::now();
    iv.reset();
    let t = tick(&mut iv).await;
    assert!(t >= r + P);
    let before = Instant::now();
    iv.reset_immediately();
    let after = Instant::now();
    let t = tick(&mut iv).await;
    assert!(
        t >= before && t <= after,
        "reset_immediately: next tick is now"
    );
    let target = Instant::now() + Duration::from_millis(3);
    iv.reset_at(target);
    assert_eq!(tick(&mut iv).await, target);
}

async fn all_cases() {
    burst_regular().await;
    burst_after_block().await;
    delay_after_block().await;
    skip_after_block().await;
    interval_at_future_start().await;
}

fn on_runtime(rt: Runtime) {
    rt.block_on(rt.spawn(all_cases())).unwrap();
}

#[test]
fn interval_current_thread() {
    watchdog("interval_current_thread", || on_runtime(current_rt()));
}

#[test]
fn interval_multi_thread() {
    watchdog("interval_multi_thread", || on_runtime(multi_rt(2)));
}

#[test]
fn interval_without_runtime() {
    watchdog("interval_without_runtime", || zio::block_on(all_cases()));
}

#[test]
fn interval_inside_tokio() {
    watchdog("interval_inside_tokio", || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(all_cases())
    });
}

#[test]
fn interval_zero_period_panics() {
    assert!(std::panic::catch_unwind(|| interval(Duration::ZERO)).is_err());
    assert!(std::panic::catch_unwind(|| interval_at(Instant::now(), Duration::ZERO)).is_err());
}
