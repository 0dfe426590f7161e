//! `Interval`: ticks at a fixed period.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{sleep_until, Instant, Sleep};

/// How an [`Interval`] catches up after ticks were missed (the task was
/// busy past one or more deadlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back, then keep the original schedule.
    #[default]
    Burst,
    /// Start a fresh schedule: the next tick is a period after the late one.
    Delay,
    /// Drop the missed ticks; the next tick is the next one on the original
    /// schedule that is still in the future.
    Skip,
}

/// How late a tick may be before it counts as missed.
const MISSED_SLACK: Duration = Duration::from_millis(5);

impl MissedTickBehavior {
    fn next(self, scheduled: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => scheduled + period,
            MissedTickBehavior::Delay => now + period,
            MissedTickBehavior::Skip => {
                let late = now.duration_since(scheduled).as_nanos();
                let p = period.as_nanos();
                let skipped = late - late % p + p;
                scheduled + Duration::from_nanos(u64::try_from(skipped).unwrap_or(u64::MAX))
            }
        }
    }
}

/// An interval whose first tick completes at once.
///
/// # Panics
///
/// Panics if `period` is zero.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// use zio::time::{interval, Duration};
/// let mut iv = interval(Duration::from_millis(2));
/// let first = iv.tick().await;
/// let second = iv.tick().await;
/// assert_eq!(second - first, Duration::from_millis(2));
/// # });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start`.
///
/// # Panics
///
/// Panics if `period` is zero.
///
/// # Examples
///
/// ```
/// use zio::time::{interval_at, Duration, Instant};
/// let start = Instant::now() + Duration::from_millis(1);
/// let mut iv = interval_at(start, Duration::from_millis(1));
/// assert_eq!(zio::block_on(iv.tick()), start);
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        period > Duration::ZERO,
        "zio::time::interval: the period must be non-zero"
    );
    Interval {
        delay: Box::pin(sleep_until(start)),
        period,
        missed_tick_behavior: MissedTickBehavior::Burst,
    }
}

/// Ticks at a fixed period; see [`interval`].
#[derive(Debug)]
pub struct Interval {
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Completes at the next tick and returns its scheduled instant.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a tick is consumed only when `tick` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut iv = zio::time::interval(std::time::Duration::from_millis(1));
    /// zio::block_on(async { iv.tick().await; iv.tick().await; });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// let mut iv = zio::time::interval(std::time::Duration::from_millis(1));
    /// zio::block_on(poll_fn(|cx| iv.poll_tick(cx)));
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.delay.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.delay.deadline();
        let now = Instant::now();
        let next = if now > scheduled + MISSED_SLACK {
            self.missed_tick_behavior.next(scheduled, now, self.period)
        } else {
            scheduled + self.period
        };
        self.delay.as_mut().reset(next);
        Poll::Ready(scheduled)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut iv = zio::time::interval(std::time::Duration::from_millis(1));
    /// iv.reset();
    /// ```
    pub fn reset(&mut self) {
        self.reset_at(Instant::now() + self.period);
    }

    /// Restarts the schedule: the next tick completes at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut iv = zio::time::interval(std::time::Duration::from_secs(60));
    /// iv.reset_immediately();
    /// ```
    pub fn reset_immediately(&mut self) {
        self.reset_at(Instant::now());
    }

    /// Restarts the schedule: the next tick is `after` from now.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut iv = zio::time::interval(std::time::Duration::from_secs(60));
    /// iv.reset_after(std::time::Duration::from_millis(1));
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        self.reset_at(Instant::now() + after);
    }

    /// Restarts the schedule: the next tick is at `deadline`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut iv = zio::time::interval(std::time::Duration::from_secs(60));
    /// iv.reset_at(zio::time::Instant::now());
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// What happens when ticks are missed.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::time::{interval, Duration, MissedTickBehavior};
    /// let iv = interval(Duration::from_secs(1));
    /// assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what happens when ticks are missed.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::time::{interval, Duration, MissedTickBehavior};
    /// let mut iv = interval(Duration::from_secs(1));
    /// iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::time::{interval, Duration};
    /// assert_eq!(interval(Duration::from_secs(1)).period(), Duration::from_secs(1));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_tick_schedules() {
        let start = Instant::now();
        let p = Duration::from_millis(10);
        let now = start + Duration::from_millis(35);
        assert_eq!(MissedTickBehavior::Burst.next(start, now, p), start + p);
        assert_eq!(MissedTickBehavior::Delay.next(start, now, p), now + p);
        assert_eq!(
            MissedTickBehavior::Skip.next(start, now, p),
            start + Duration::from_millis(40)
        );
    }
}
