//! `Sleep`: a future that completes at a deadline.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::clock;
use super::entry::TimerEntry;
use super::Instant;
use crate::reactor::{self, DriverShared};

/// Waits until `duration` has elapsed.
///
/// Works on a zio runtime, under any other executor and on a plain thread
/// (served by a process-wide timer thread there); it never panics for lack
/// of a runtime. The sleep never ends early; it may end a little late.
///
/// # Cancel safety
///
/// Cancel safe: dropping the future stops the timer and loses nothing.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// use zio::time::{sleep, Duration, Instant};
/// let start = Instant::now();
/// sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    match Instant::now().checked_add(duration) {
        Some(deadline) => sleep_until(deadline),
        None => sleep_until(Instant::far_future()),
    }
}

/// Waits until `deadline`.
///
/// # Cancel safety
///
/// Cancel safe.
///
/// # Examples
///
/// ```
/// use zio::time::{sleep_until, Duration, Instant};
/// // Works without a runtime too:
/// zio::block_on(sleep_until(Instant::now() + Duration::from_millis(5)));
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        entry: None,
    }
}

/// Future returned by [`sleep`] and [`sleep_until`].
///
/// The timer is registered when the future is first polled, with the
/// driver of the thread that polls it.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    /// The registered timer and the driver that holds it.
    entry: Option<(Arc<TimerEntry>, Arc<DriverShared>)>,
}

impl Sleep {
    /// The instant at which this sleep completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::time::{sleep_until, Instant};
    /// let at = Instant::now();
    /// assert_eq!(sleep_until(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::time::{sleep, Duration};
    /// assert!(sleep(Duration::ZERO).is_elapsed());
    /// assert!(!sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        clock::now() >= clock::to_nanos(self.deadline.into_std())
    }

    /// Moves the deadline, reusing the registered timer (no allocation).
    /// The sleep can be awaited again after it completed.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// use zio::time::{sleep, Duration, Instant};
    /// let mut s = std::pin::pin!(sleep(Duration::from_secs(60)));
    /// s.as_mut().reset(Instant::now() + Duration::from_millis(1));
    /// s.await;
    /// # });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        if let Some((entry, home)) = &mut this.entry {
            if entry.rearm(clock::to_nanos(deadline.into_std())) {
                *home = reactor::add_timer(entry.clone());
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match &this.entry {
            Some((entry, _)) => {
                entry.register(cx.waker());
                if entry.is_fired() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
            None => {
                let deadline = clock::to_nanos(this.deadline.into_std());
                if clock::now() >= deadline {
                    return Poll::Ready(());
                }
                let entry = Arc::new(TimerEntry::new(deadline));
                entry.register(cx.waker());
                let home = reactor::add_timer(entry.clone());
                this.entry = Some((entry, home));
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some((entry, home)) = &self.entry {
            if entry.cancel() {
                home.timer_dropped();
            }
        }
    }
}
