//! [`ZioTimer`]: hyper's `Timer` on zio's timers.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Gives hyper its timeouts (header read, keep-alive, pool idle) as zio
/// timers.
///
/// Without a timer hyper silently ignores the timeouts it is configured
/// with; zio-hyper's [`Server`](crate::Server) and
/// [`client_builder`](crate::client_builder) always set this one. A sleep
/// that hyper resets is re-armed in place, without a new allocation.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer;
///
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// zio_hyper::ZioTimer::new().sleep(Duration::from_millis(1)).await;
/// # });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ZioTimer {
    _private: (),
}

impl ZioTimer {
    /// The timer.
    pub fn new() -> ZioTimer {
        ZioTimer { _private: () }
    }
}

impl hyper::rt::Timer for ZioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(ZioSleep(zio::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(ZioSleep(zio::time::sleep_until(deadline.into())))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<ZioSleep>() {
            Some(ours) => ours.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A zio sleep as a `hyper::rt::Sleep`.
struct ZioSleep(zio::time::Sleep);

impl ZioSleep {
    fn reset(self: Pin<&mut Self>, deadline: Instant) {
        Pin::new(&mut self.get_mut().0).reset(deadline.into());
    }
}

impl Future for ZioSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl hyper::rt::Sleep for ZioSleep {}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    #[test]
    fn reset_rearms_the_same_allocation() {
        zio::runtime::Runtime::new().unwrap().block_on(async {
            let timer = ZioTimer::new();
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let before: *const dyn hyper::rt::Sleep = &*sleep;
            timer.reset(&mut sleep, Instant::now() + Duration::from_millis(1));
            let after: *const dyn hyper::rt::Sleep = &*sleep;
            assert!(
                std::ptr::addr_eq(before, after),
                "reset allocated a new sleep"
            );
            sleep.await;
        });
    }

    #[test]
    fn reset_replaces_a_foreign_sleep() {
        struct Never;
        impl Future for Never {
            type Output = ();
            fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
                Poll::Pending
            }
        }
        impl hyper::rt::Sleep for Never {}

        zio::runtime::Runtime::new().unwrap().block_on(async {
            let mut sleep: Pin<Box<dyn hyper::rt::Sleep>> = Box::pin(Never);
            ZioTimer::new().reset(&mut sleep, Instant::now());
            sleep.await;
        });
    }
}
