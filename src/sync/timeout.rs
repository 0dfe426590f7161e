//! Deadlines for the async `*_timeout` methods, on any executor or none.
//!
//! The one place `zio::sync` names a timer: `crate::time`'s `sleep_until`,
//! served by the zio worker's timer or, off-runtime, by the process-wide
//! fallback timer thread.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use crate::time::{sleep_until, Instant};

/// Runs `fut` until it completes (`Some`) or `timeout` has passed (`None`,
/// never earlier). `fut` is polled first, so a ready value wins over an
/// expired timer; on timeout it is dropped, which every caller's future
/// handles without loss. A timeout too large for `Instant` never fires.
pub(crate) async fn timeout<F: Future>(timeout: Duration, fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let Some(deadline) = Instant::now().checked_add(timeout) else {
        return Some(fut.await);
    };
    let mut sleep = pin!(sleep_until(deadline));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        sleep.as_mut().poll(cx).map(|()| None)
    })
    .await
}
