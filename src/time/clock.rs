//! The monotonic clock timers run on: nanoseconds since a process-wide base.

use std::sync::OnceLock;
use std::time::Instant;

fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// Nanoseconds since the base.
pub(crate) fn now() -> u64 {
    to_nanos(Instant::now())
}

/// `instant` as nanoseconds since the base, rounded up so that a timer for
/// it never fires before it; instants before the base map to 0.
pub(crate) fn to_nanos(instant: Instant) -> u64 {
    let d = instant.saturating_duration_since(base());
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
