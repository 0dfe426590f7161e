//! Waiting for a `zio::sync` future from synchronous code: the executor's
//! [`block_on`](crate::block_on), which works on every thread. On a zio
//! worker it lets the runtime carry on (a stand-in worker takes this one's
//! place, and the thread waits in its own driver, so timers and I/O started
//! here keep completing); elsewhere it parks the thread. Every future in
//! `zio::sync` is cancel safe where a deadline drops it, so nothing is lost.
//!
//! Before registering as a waiter, a hot `blocking_*` path may [`retry`]
//! its non-blocking attempt for a few microseconds: when the other side is
//! running on another core, the slot or value it waits for usually shows up
//! within that time, and then neither side pays for a waker, a wake-up or a
//! park/unpark pair.

use std::time::Instant;

use crate::executor::Backoff;
pub(crate) use crate::executor::{block_on, block_on_deadline};

/// `now + timeout`, or `None` ("never") if that overflows `Instant`.
pub(crate) fn deadline_after(timeout: std::time::Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// [`retry`]'s schedule: 11 tries, spinning after the first 7, then
/// yielding.
const RETRY: Backoff = Backoff {
    steps: 11,
    spin_steps: 7,
};

/// Calls `attempt` until it returns `Some`, backing off between calls: a
/// short, growing spin, then a few `yield_now`s. Bounded (a few
/// microseconds, plus what yields cost): `None` means "go and park".
pub(crate) fn retry<R>(mut attempt: impl FnMut() -> Option<R>) -> Option<R> {
    RETRY.run(&mut attempt).or_else(attempt)
}
