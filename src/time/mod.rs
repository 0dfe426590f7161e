//! Time: [`sleep`], [`sleep_until`], [`timeout`], [`interval`], [`Instant`].
//!
//! Each driver (one per worker thread) keeps a heap of timer entries and
//! wakes itself for the earliest one; a timer is registered with the driver
//! of the thread that first polls it. Where no zio runtime runs — a plain
//! thread, a tokio task, `futures::executor::block_on` — timers go to the
//! process-wide fallback driver, so they work everywhere and never panic
//! with "no reactor".
//!
//! A timer never fires early: it fires when the clock has reached its
//! deadline, and may fire a little late (scheduling, the kernel's timer
//! slack).

pub(crate) mod clock;
mod elapsed;
mod entry;
mod heap;
mod instant;
mod interval;
mod sleep;
mod timeout;

pub(crate) use entry::TimerEntry;
pub(crate) use heap::TimerHeap;

pub use elapsed::Elapsed;
pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Timeout};

/// Re-exported for convenience: `zio::time::Duration` is `std::time::Duration`.
pub use std::time::Duration;

pub mod error {
    //! Time errors.
    pub use super::elapsed::Elapsed;
}
