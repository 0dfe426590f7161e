//! Waiting for a `zio::sync` future from synchronous code: the executor's
//! [`block_on`](crate::block_on), which works on every thread. On a zio
//! worker it lets the runtime carry on (a stand-in worker takes this one's
//! place, and the thread waits in its own driver, so timers and I/O started
//! here keep completing); elsewhere it parks the thread. Every future in
//! `zio::sync` is cancel safe where a deadline drops it, so nothing is lost.

use std::time::Instant;

pub(crate) use crate::executor::{block_on, block_on_deadline};

/// `now + timeout`, or `None` ("never") if that overflows `Instant`.
pub(crate) fn deadline_after(timeout: std::time::Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
