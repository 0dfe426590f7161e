//! The one backoff loop of zio's short waits: try, then spin a growing
//! number of `spin_loop` hints, later yield the thread, and give up after a
//! bounded number of steps so that the caller parks.

/// A backoff schedule: `steps` tries in all; after try `i`, the thread
/// spins `2^i` hints while `i < spin_steps`, else yields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    pub(crate) steps: u32,
    pub(crate) spin_steps: u32,
}

impl Backoff {
    /// Calls `attempt` up to `steps` times, backing off after each miss;
    /// returns its first `Some`, or `None` once the schedule is spent.
    pub(crate) fn run<R>(self, mut attempt: impl FnMut() -> Option<R>) -> Option<R> {
        for step in 0..self.steps {
            if let Some(r) = attempt() {
                return Some(r);
            }
            if step < self.spin_steps {
                for _ in 0..1u32 << step {
                    std::hint::spin_loop();
                }
            } else {
                std::thread::yield_now();
            }
        }
        None
    }
}
